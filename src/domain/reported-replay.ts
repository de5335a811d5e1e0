import canonicalize from 'canonicalize';
import type { DecisionContext, ExchangeCommand } from './commands.js';
import type { ExchangeEventData, RecordedEvent } from './events.js';
import type { ExchangeState } from './exchange.js';
import { commandLength, commandOf, replayRefusal } from './replay.js';
import { decideReported, type ReportCommand, type ReportContext, type StageReport } from './reported-decide.js';
import { isReportedEvent, type RecordedLedgerEvent, type ReportedExchangeEventData } from './reported-events.js';
import { stageStateOf } from './reported-stage.js';

/**
 * Replay (import, verify) for streams that hold the new events: the command an event group
 * was decided from, and whether the rules decide exactly these events from it again. Groups
 * of old events only go to replay.ts unchanged, so a ledger exported before the new events
 * existed imports exactly as it did.
 */

type Recorded = RecordedLedgerEvent<ReportedExchangeEventData>;

/** How many events (from the front) one command accounts for. */
export function reportedCommandLength(events: readonly Recorded[]): number {
  const [first, second] = events;
  if ((first?.type === 'ExchangeProposed' || first?.type === 'ExchangeCountered') && second?.type === 'TermsReported')
    return 2;
  if (
    first?.type === 'StageReported' &&
    second?.type === 'ExchangeCompleted' &&
    second.data.finalStageId === first.data.stageId
  )
    return 2;
  if (events.slice(0, 2).some(isReportedEvent)) return 1;
  return commandLength(events as RecordedEvent<ExchangeEventData>[]);
}

/** Whether a group holds a new event (reportedCommandOf and decideReported replay it); else it is an old command. */
export const isReportedGroup = (events: readonly Recorded[]): boolean => events.some(isReportedEvent);

/** The command a group of events that holds a new event was decided from. */
export function reportedCommandOf(events: readonly Recorded[]): ReportCommand {
  const [first, second] = events as [Recorded, Recorded | undefined];
  const p = { occurredAt: first.occurredAt, source: first.source, note: first.note };
  if (second?.type === 'TermsReported') {
    const old = commandOf([first as RecordedEvent<ExchangeEventData>]) as Extract<
      ExchangeCommand,
      { action: 'propose' | 'counter' }
    >;
    return { ...old, termsAccounts: second.data.accounts };
  }
  switch (first.type) {
    case 'StageReported': {
      const report = reportOf(first);
      return second?.type === 'ExchangeCompleted'
        ? { action: 'complete', stageId: first.data.stageId, report, ...p }
        : { action: 'recordStage', stageId: first.data.stageId, report, ...p };
    }
    case 'StageAccountAdded':
      return {
        action: 'addAccount',
        stageId: first.data.stageId,
        reportedBy: first.data.reportedBy,
        sides: first.data.sides,
        ...p,
      };
    default:
      throw new Error(`${first.type} is not a new event: replay it with replay.ts`);
  }
}

/** The one-account form if the account's source and note are the event's (what it decides to), else the accounts. */
function reportOf(e: Extract<Recorded, { type: 'StageReported' }>): StageReport {
  const [only, ...more] = e.data.accounts;
  const same =
    only !== undefined &&
    more.length === 0 &&
    canonicalize(only.source) === canonicalize(e.source) &&
    only.note === e.note;
  return same
    ? { form: 'sides', reportedBy: only.reportedBy, sides: only.sides }
    : { form: 'accounts', accounts: e.data.accounts };
}

const essence = (e: { type: string; data: unknown; occurredAt: string; source: unknown; note: unknown }) =>
  canonicalize({ type: e.type, data: e.data, occurredAt: e.occurredAt, source: e.source, note: e.note });

/** replayRefusal (replay.ts) for any group: why the rules would not decide exactly these events again, or null. */
export function reportedReplayRefusal(
  events: readonly Recorded[],
  state: ExchangeState | null,
  facts: Omit<ReportContext, 'now'>,
): string | null {
  if (!isReportedGroup(events)) {
    const old: Omit<DecisionContext, 'now'> = {
      registeredParties: facts.registeredParties,
      stages: facts.stages.map(stageStateOf),
    };
    return replayRefusal(events as RecordedEvent<ExchangeEventData>[], state, old);
  }
  const first = events[0]!;
  if (state === null && first.type !== 'ExchangeProposed') return `exchange ${first.streamId} was never proposed`;
  if (events.some((e) => e.streamId !== e.data.exchangeId))
    return 'streamId does not match the exchange id in its data';
  if (events.some((e, i) => e.version !== (state?.version ?? 0) + i + 1))
    return `version does not follow the exchange's version ${state?.version ?? 0}`;
  if (first.type === 'ExchangeProposed' && state !== null) return `exchange ${first.data.exchangeId} is proposed twice`;
  const decision = decideReported(reportedCommandOf(events), state, { ...facts, now: first.recordedAt });
  if (!decision.ok) {
    const r = decision.rejection;
    const fields = 'errors' in r ? `: ${r.errors.map((e) => `${e.path} ${e.message}`).join('; ')}` : '';
    return `the rules refuse it (${r.kind}${fields})`;
  }
  const decided = decision.value;
  if (decided.length !== events.length || decided.some((d, i) => essence(d) !== essence(events[i]!))) {
    return 'the rules decide different events from this command';
  }
  return null;
}
