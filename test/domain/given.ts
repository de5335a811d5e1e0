/**
 * Given / when / then for the pure domain, without any database.
 *
 *   given(propose(), agree(RU, '2025-05-16'))      // commands, each decided and evolved
 *     .when(stage('s1', { UA: 390, RU: 390 }, '2025-05-23'))
 *     .thenEmits([...])                             // or .thenRefused({...}) / .thenState()
 *
 * Every `given` command must be accepted (a refused one throws: the scenario itself is wrong).
 * NewEvents become RecordedEvents with deterministic dummy ledger fields.
 */
import { expect } from 'vitest';
import type { DecisionContext, ExchangeCommand } from '../../src/domain/commands.js';
import { decide } from '../../src/domain/decide.js';
import type { ExchangeEventData, NewEvent, RecordedEvent } from '../../src/domain/events.js';
import { evolve, type Exchange } from '../../src/domain/exchange.js';
import type { Decision, Rejection } from '../../src/domain/rejection.js';
import type { Kind, PartyId, Terms } from '../../src/domain/vocabulary.js';

export const UA = 'UA';
export const RU = 'RU';
/** Registered, but not a party of the exchanges built here. */
export const PL = 'PL';
/** Not registered at all. */
export const XX = 'XX';

export const EXCHANGE_ID = 'ex-1';
/** The server clock of every decision unless a test says otherwise. */
export const NOW = '2025-06-01T12:00:00.000Z';

export const ctx: DecisionContext = { now: NOW, registeredParties: new Set([UA, RU, PL]), stages: [] };

export function contextAt(now: string, registered: readonly PartyId[] = [UA, RU, PL]): DecisionContext {
  return { now, registeredParties: new Set(registered), stages: [] };
}

type ExchangeEvent = NewEvent<ExchangeEventData>;
type Recorded = RecordedEvent<ExchangeEventData>;

const noProvenance = { source: null, note: null } as const;

// ---------------------------------------------------------------------------------------------
// Command builders (the defaults describe the 1,000-for-1,000 exchange of May 2025).

export interface ProposeOptions {
  exchangeId?: string;
  kind?: Kind;
  proposedBy?: PartyId;
  sides?: Terms[];
  occurredAt?: string;
  title?: string | null;
  mediator?: string | null;
}

export function propose(o: ProposeOptions = {}): ExchangeCommand {
  return {
    action: 'propose',
    exchangeId: o.exchangeId ?? EXCHANGE_ID,
    kind: o.kind ?? 'pow',
    proposedBy: o.proposedBy ?? UA,
    sides: o.sides ?? [
      { party: UA, handsOver: 1000 },
      { party: RU, handsOver: 1000 },
    ],
    title: o.title ?? null,
    mediator: o.mediator ?? null,
    occurredAt: o.occurredAt ?? '2025-05-16',
    ...noProvenance,
  };
}

export const terms = (counts: Record<PartyId, number | null>): Terms[] =>
  Object.entries(counts).map(([party, handsOver]) => ({ party, handsOver }));

export const handovers = (counts: Record<PartyId, number>) =>
  Object.entries(counts).map(([party, count]) => ({ party, count }));

export const counter = (by: PartyId, sides: Terms[], occurredAt: string): ExchangeCommand => ({
  action: 'counter',
  by,
  sides,
  occurredAt,
  ...noProvenance,
});
export const agree = (by: PartyId, occurredAt: string): ExchangeCommand => ({
  action: 'agree',
  by,
  occurredAt,
  ...noProvenance,
});
export const reject = (by: PartyId, occurredAt: string, reason: string | null = null): ExchangeCommand => ({
  action: 'reject',
  by,
  reason,
  occurredAt,
  ...noProvenance,
});
export const withdraw = (by: PartyId, occurredAt: string, reason: string | null = null): ExchangeCommand => ({
  action: 'withdraw',
  by,
  reason,
  occurredAt,
  ...noProvenance,
});
export const cancel = (by: PartyId, occurredAt: string, reason: string | null = null): ExchangeCommand => ({
  action: 'cancel',
  by,
  reason,
  occurredAt,
  ...noProvenance,
});
export const stage = (stageId: string, counts: Record<PartyId, number>, occurredAt: string): ExchangeCommand => ({
  action: 'recordStage',
  stageId,
  sides: handovers(counts),
  occurredAt,
  ...noProvenance,
});
export const voidStage = (stageId: string, occurredAt: string, reason = 'recorded twice'): ExchangeCommand => ({
  action: 'voidStage',
  stageId,
  reason,
  occurredAt,
  ...noProvenance,
});
export const complete = (
  occurredAt: string,
  counts: Record<PartyId, number> | null = null,
  stageId = 'final',
): ExchangeCommand => ({
  action: 'complete',
  stageId,
  sides: counts === null ? null : handovers(counts),
  occurredAt,
  ...noProvenance,
});

// ---------------------------------------------------------------------------------------------
// Recording and folding

/** Give a NewEvent its place in the ledger, with deterministic dummy values. */
export function toRecorded(event: ExchangeEvent, sequence: number, version: number, prevHash: string): Recorded {
  return {
    ...event,
    sequence,
    id: `evt-${sequence}`,
    streamId: event.data.exchangeId,
    version,
    recordedAt: new Date(Date.UTC(2025, 5, 1, 0, 0, sequence)).toISOString(),
    principal: 'test',
    prevHash,
    hash: `hash-${String(sequence).padStart(60, '0')}`,
  };
}

/** The context with every stage of the exchange, as a superset of what the shell would load. */
export const withStagesOf = (state: Exchange | null, context: DecisionContext): DecisionContext => ({
  ...context,
  stages: state?.stages ?? [],
});

/** A small in-memory stream: applies accepted events with evolve and keeps the history. */
export class Stream {
  state: Exchange | null = null;
  readonly history: Recorded[] = [];

  apply(events: readonly ExchangeEvent[]): Exchange {
    for (const e of events) {
      const prevHash = this.history.at(-1)?.hash ?? '0'.repeat(64);
      const recorded = toRecorded(e, this.history.length + 1, (this.state?.version ?? 0) + 1, prevHash);
      this.history.push(recorded);
      this.state = evolve(this.state, recorded);
    }
    if (this.state === null) throw new Error('no event applied');
    return this.state;
  }

  /** Decide `command` against the current state and apply it; a refusal throws. */
  run(command: ExchangeCommand, context: DecisionContext = ctx): Exchange {
    const decision = decide(command, this.state, withStagesOf(this.state, context));
    if (!decision.ok) throw new Error(`given ${command.action} was refused: ${JSON.stringify(decision.rejection)}`);
    return this.apply(decision.value);
  }
}

export interface Outcome {
  readonly decision: Decision<ExchangeEvent[]>;
  /** The state before the command. */
  readonly before: Exchange | null;
  /** then: exactly these events were emitted. */
  thenEmits(expected: readonly ExchangeEvent[]): void;
  /** then: refused with (at least) these fields of the rejection. */
  thenRefused(expected: Partial<Rejection> & { kind: Rejection['kind'] }): Rejection;
  /** then: accepted; the state after applying what was emitted. */
  thenState(): Exchange;
  /** then: refused as unprocessable, with exactly these failing paths (in order). */
  thenUnprocessable(paths: readonly string[]): { path: string; message: string }[];
}

export interface Scenario {
  readonly state: Exchange | null;
  readonly stream: Stream;
  when(command: ExchangeCommand, context?: DecisionContext): Outcome;
}

function scenarioOf(stream: Stream): Scenario {
  return {
    get state() {
      return stream.state;
    },
    stream,
    when(command, context = ctx) {
      const before = stream.state === null ? null : structuredClone(stream.state);
      const decision = decide(command, stream.state, withStagesOf(stream.state, context));
      // The decider is pure: deciding never changes the state it was given.
      expect(stream.state).toEqual(before);
      return {
        decision,
        before,
        thenEmits(expected) {
          expect(decision).toEqual({ ok: true, value: expected });
        },
        thenRefused(expected) {
          if (decision.ok) throw new Error(`expected a refusal, got ${JSON.stringify(decision.value)}`);
          expect(decision.rejection).toMatchObject(expected);
          return decision.rejection;
        },
        thenState() {
          if (!decision.ok) throw new Error(`expected acceptance, got ${JSON.stringify(decision.rejection)}`);
          return stream.apply(decision.value);
        },
        thenUnprocessable(paths) {
          if (decision.ok) throw new Error(`expected a refusal, got ${JSON.stringify(decision.value)}`);
          if (decision.rejection.kind !== 'unprocessable')
            throw new Error(`expected unprocessable, got ${JSON.stringify(decision.rejection)}`);
          expect(decision.rejection.errors.map((e) => e.path)).toEqual(paths);
          return decision.rejection.errors;
        },
      };
    },
  };
}

/** Given these commands (all accepted, in order). */
export function given(...commands: ExchangeCommand[]): Scenario {
  const stream = new Stream();
  for (const c of commands) stream.run(c);
  return scenarioOf(stream);
}

/** Given these events, as already recorded (no decision involved). */
export function givenEvents(...events: ExchangeEvent[]): Scenario {
  const stream = new Stream();
  if (events.length) stream.apply(events);
  return scenarioOf(stream);
}

/** The state after the given commands; throws if there is none. */
export function stateAfter(...commands: ExchangeCommand[]): Exchange {
  const s = given(...commands).state;
  if (s === null) throw new Error('no state');
  return s;
}

/** Provenance of a command as it reappears on its events. */
export const at = (occurredAt: string) => ({ occurredAt, source: null, note: null });
