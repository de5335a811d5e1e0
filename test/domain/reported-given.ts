/**
 * Given / when / then for the record as it was reported (accounts, readings, late stages),
 * beside given.ts: old commands (given.ts's builders) and new ones (below) mix in one
 * scenario. Each accepted command is applied twice: by the whole fold (foldReported's
 * evolveReported, stages and all) and incrementally as a store would (reportedChangeOf on
 * the snapshot, summing the reading rows' deltas), so every scenario also checks the two.
 */
import { expect } from 'vitest';
import type { SideAccountInput, StageAccountInput, TermsAccountInput } from '../../src/domain/accounts.js';
import type { ExchangeCommand } from '../../src/domain/commands.js';
import { decide } from '../../src/domain/decide.js';
import { addInto, type ReadingContribution, type ReadingRow, type Rows } from '../../src/domain/reading-totals.js';
import type { Reading } from '../../src/domain/readings.js';
import type { ReportRejection } from '../../src/domain/report-rejection.js';
import {
  decideReported,
  type ReportCommand,
  type ReportContext,
  type StageReport,
} from '../../src/domain/reported-decide.js';
import type {
  NewLedgerEvent,
  RecordedLedgerEvent,
  ReportedExchangeEventData,
} from '../../src/domain/reported-events.js';
import {
  evolveReported,
  readingsFromStages,
  reportedChangeOf,
  type ReportedExchange,
  type ReportedSnapshot,
} from '../../src/domain/reported-exchange.js';
import { stageStateOf } from '../../src/domain/reported-stage.js';
import type { Kind, PartyId, Source, Terms } from '../../src/domain/vocabulary.js';
import { PL, RU, UA } from './given.js';

export {
  PL,
  RU,
  UA,
  XX,
  EXCHANGE_ID,
  agree,
  cancel,
  complete,
  counter,
  propose,
  stage,
  terms,
  voidStage,
  at,
} from './given.js';

export const ICRC = 'ICRC';
export const UN = 'UN-HRMMU';
/** A reporter nobody registered. */
export const NOBODY = 'NOBODY';

/** The server clock of these scenarios: after the June 2025 repatriation. */
export const REPORT_NOW = '2025-07-01T12:00:00.000Z';

export const reportCtx: ReportContext = {
  now: REPORT_NOW,
  registeredParties: new Set([UA, RU, PL]),
  registeredReporters: new Set([UA, RU, PL, ICRC, UN]),
  stages: [],
};

export type AnyCommand = ExchangeCommand | ReportCommand;
type Event = NewLedgerEvent<ReportedExchangeEventData>;
type Recorded = RecordedLedgerEvent<ReportedExchangeEventData>;

const noProvenance = { source: null, note: null } as const;

// ---------------------------------------------------------------------------------------------
// Builders

export interface SideOptions {
  approximate?: boolean;
  breakdown?: { kind: Kind; count: number }[];
}
export const side = (party: PartyId, count: number | null, o: SideOptions = {}): SideAccountInput => ({
  party,
  count,
  ...o,
});

/** The old `sides` form, with a reporter or unattributed (null). */
export const reportStage = (
  stageId: string,
  reportedBy: string | null,
  sides: SideAccountInput[],
  occurredAt: string,
): ReportCommand => ({
  action: 'recordStage',
  stageId,
  report: { form: 'sides', reportedBy, sides },
  occurredAt,
  ...noProvenance,
});

export const account = (
  reportedBy: string | null,
  sides: SideAccountInput[],
  source: Source | null = null,
  note: string | null = null,
): StageAccountInput => ({
  reportedBy,
  sides,
  source,
  note,
});

export const reportAccounts = (stageId: string, accounts: StageAccountInput[], occurredAt: string): ReportCommand => ({
  action: 'recordStage',
  stageId,
  report: { form: 'accounts', accounts },
  occurredAt,
  ...noProvenance,
});

export const addAccount = (
  stageId: string,
  reportedBy: string | null,
  sides: SideAccountInput[],
  occurredAt: string,
  source: Source | null = null,
): ReportCommand => ({
  action: 'addAccount',
  stageId,
  reportedBy,
  sides,
  occurredAt,
  source,
  note: null,
});

export const completeReported = (occurredAt: string, report: StageReport | null, stageId = 'final'): ReportCommand => ({
  action: 'complete',
  stageId,
  report,
  occurredAt,
  ...noProvenance,
});

export const termsAccount = (reportedBy: string, counts: Record<PartyId, number | null>): TermsAccountInput => ({
  reportedBy,
  sides: Object.entries(counts).map(([party, handsOver]) => ({ party, handsOver })),
  source: null,
  note: null,
});

export const withTerms = (command: ExchangeCommand, termsAccounts: TermsAccountInput[]): ReportCommand => {
  if (command.action !== 'propose' && command.action !== 'counter')
    throw new Error('terms accounts go with propose or counter');
  return { ...command, termsAccounts };
};

export const sidesOf = (counts: Record<PartyId, number | null>): Terms[] =>
  Object.entries(counts).map(([party, handsOver]) => ({ party, handsOver }));

// ---------------------------------------------------------------------------------------------
// Deciding and applying

export const isReportCommand = (c: AnyCommand): c is ReportCommand =>
  'report' in c || 'termsAccounts' in c || c.action === 'addAccount';

/** Decide any command against an exchange with all its stages (a superset of what the shell loads). */
export function decideAny(command: AnyCommand, exchange: ReportedExchange | null, context: ReportContext = reportCtx) {
  const stages = exchange?.stages ?? [];
  const state = exchange?.state ?? null;
  if (isReportCommand(command)) return decideReported(command, state, { ...context, stages });
  return decide(command, state, {
    now: context.now,
    registeredParties: context.registeredParties,
    stages: stages.map(stageStateOf),
  });
}

export const rowKey = (r: { reading: Reading; party: PartyId; kind: Kind }) =>
  `${r.reading}\u0000${r.party}\u0000${r.kind}`;

/** One exchange's stream, folded whole and kept incrementally side by side. */
export class ReportedStream {
  exchange: ReportedExchange | null = null;
  snapshot: ReportedSnapshot | null = null;
  readonly history: Recorded[] = [];
  /** The reading rows as a store keeps them: the sum of every command's deltas, keyed by reading. */
  readonly rows = new Map<Reading, Rows>();

  constructor(private readonly firstSequence = 1) {}

  apply(events: readonly Event[]): ReportedExchange {
    const recorded = events.map((e, i) =>
      toRecorded(e, this.firstSequence + this.history.length + i, (this.exchange?.state.version ?? 0) + i + 1),
    );
    const change = reportedChangeOf(this.snapshot, recorded, this.exchange?.stages ?? []);
    for (const e of recorded) {
      this.history.push(e);
      this.exchange = evolveReported(this.exchange, e);
    }
    this.snapshot = { state: change.state, readings: change.readings };
    // The incremental state is the fold's, and its readings are what the stages add up to.
    expect(change.state).toEqual(this.exchange!.state);
    expect(change.readings).toEqual(readingsFromStages(this.exchange!));
    addRows(this.rows, change.rows);
    return this.exchange!;
  }

  run(command: AnyCommand, context: ReportContext = reportCtx): ReportedExchange {
    const decision = decideAny(command, this.exchange, context);
    if (!decision.ok) throw new Error(`given ${command.action} was refused: ${JSON.stringify(decision.rejection)}`);
    return this.apply(decision.value);
  }
}

export function addRows(into: Map<Reading, Rows>, rows: readonly ReadingRow[]): void {
  for (const { reading, ...c } of rows) {
    if (!into.has(reading)) into.set(reading, new Map());
    addInto(into.get(reading)!, [c]);
  }
}

/** The maintained rows as a flat list (what a store's table holds). */
export const flatRows = (rows: Map<Reading, Rows>): ReadingRow[] =>
  [...rows].flatMap(([reading, m]) => [...m.values()].map((c: ReadingContribution) => ({ reading, ...c })));

let sequenceSeed = 0;
export function toRecorded(event: Event, sequence: number, version: number): Recorded {
  sequenceSeed += 1;
  return {
    ...event,
    sequence,
    id: `evt-${sequence}-${sequenceSeed}`,
    streamId: event.data.exchangeId,
    version,
    // Recorded at the scenarios' clock, so that a replay (which decides at recordedAt) sees the same bound.
    recordedAt: new Date(Date.parse(REPORT_NOW) + sequence).toISOString(),
    principal: 'test',
    prevHash: '0'.repeat(64),
    hash: `hash-${sequence}`,
  } as Recorded;
}

export interface ReportedOutcome {
  thenEmits(expected: readonly Event[]): void;
  thenRefused(expected: Partial<ReportRejection> & { kind: ReportRejection['kind'] }): ReportRejection;
  thenState(): ReportedExchange;
  thenUnprocessable(paths: readonly string[]): { path: string; message: string }[];
  readonly events: Event[];
}

export interface ReportedScenario {
  readonly stream: ReportedStream;
  readonly exchange: ReportedExchange | null;
  when(command: AnyCommand, context?: ReportContext): ReportedOutcome;
}

export function givenReported(...commands: AnyCommand[]): ReportedScenario {
  const stream = new ReportedStream();
  for (const c of commands) stream.run(c);
  return {
    stream,
    get exchange() {
      return stream.exchange;
    },
    when(command, context = reportCtx) {
      const before = structuredClone(stream.exchange);
      const decision = decideAny(command, stream.exchange, context);
      expect(stream.exchange).toEqual(before);
      return {
        get events() {
          if (!decision.ok) throw new Error(`expected acceptance, got ${JSON.stringify(decision.rejection)}`);
          return decision.value;
        },
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
