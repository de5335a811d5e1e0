import canonicalize from 'canonicalize';
import type { DecisionContext, ExchangeCommand } from './commands.js';
import { decide } from './decide.js';
import type { ExchangeEventData, RecordedEvent } from './events.js';
import type { ExchangeState } from './exchange.js';

type Recorded = RecordedEvent<ExchangeEventData>;

/**
 * The command an exchange's events were decided from. One command gives one event, except
 * completion with a last tranche, which gives StageRecorded then ExchangeCompleted.
 */
export function commandOf(events: readonly Recorded[]): ExchangeCommand {
  const [first, second] = events;
  const p = { occurredAt: first!.occurredAt, source: first!.source, note: first!.note };
  if (first!.type === 'StageRecorded' && second?.type === 'ExchangeCompleted') {
    return { action: 'complete', stageId: first!.data.stageId, sides: first!.data.sides, ...p };
  }
  const e = first!;
  switch (e.type) {
    case 'ExchangeProposed':
      return {
        action: 'propose',
        exchangeId: e.data.exchangeId,
        kind: e.data.kind,
        proposedBy: e.data.proposedBy,
        sides: e.data.sides,
        title: e.data.title,
        mediator: e.data.mediator,
        ...p,
      };
    case 'ExchangeCountered':
      return { action: 'counter', by: e.data.by, sides: e.data.sides, ...p };
    case 'ExchangeAgreed':
      return { action: 'agree', by: e.data.by, ...p };
    case 'ExchangeRejected':
      return { action: 'reject', by: e.data.by, reason: e.data.reason, ...p };
    case 'ExchangeWithdrawn':
      return { action: 'withdraw', by: e.data.by, reason: e.data.reason, ...p };
    case 'ExchangeCancelled':
      return { action: 'cancel', by: e.data.by, reason: e.data.reason, ...p };
    case 'StageRecorded':
      return { action: 'recordStage', stageId: e.data.stageId, sides: e.data.sides, ...p };
    case 'StageVoided':
      return { action: 'voidStage', stageId: e.data.stageId, reason: e.data.reason, ...p };
    case 'ExchangeCompleted':
      return { action: 'complete', stageId: '', sides: null, ...p };
  }
}

/** How many events of `events` (from the front) one command accounts for. */
export function commandLength(events: readonly Recorded[]): number {
  const [first, second] = events;
  return first?.type === 'StageRecorded' &&
    second?.type === 'ExchangeCompleted' &&
    second.data.finalStageId === first.data.stageId
    ? 2
    : 1;
}

const essence = (e: { type: string; data: unknown; occurredAt: string; source: unknown; note: unknown }) =>
  canonicalize({ type: e.type, data: e.data, occurredAt: e.occurredAt, source: e.source, note: e.note });

/**
 * Replays recorded events through the same rules that first accepted them: the decider,
 * given the state before and the clock of the time they were recorded, must decide exactly
 * these events. Returns why not, or null.
 */
export function replayRefusal(
  events: readonly Recorded[],
  state: ExchangeState | null,
  facts: Omit<DecisionContext, 'now'>,
): string | null {
  const first = events[0]!;
  if (first.type === 'ExchangeProposed' && state !== null) return `exchange ${first.data.exchangeId} is proposed twice`;
  if (first.type !== 'ExchangeProposed' && state === null) return `exchange ${first.streamId} was never proposed`;
  if (events.some((e) => e.streamId !== e.data.exchangeId))
    return 'streamId does not match the exchange id in its data';
  if (events.some((e, i) => e.version !== (state?.version ?? 0) + i + 1))
    return `version does not follow the exchange's version ${state?.version ?? 0}`;
  const decision = decide(commandOf(events), state, { ...facts, now: events[0]!.recordedAt });
  if (!decision.ok)
    return `the rules refuse it (${decision.rejection.kind}${'errors' in decision.rejection ? `: ${decision.rejection.errors.map((e) => `${e.path} ${e.message}`).join('; ')}` : ''})`;
  const decided = decision.value;
  if (decided.length !== events.length || decided.some((d, i) => essence(d) !== essence(events[i]!))) {
    return 'the rules decide different events from this command';
  }
  return null;
}
