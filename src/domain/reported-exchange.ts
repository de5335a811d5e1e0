import { reportersOf, type ReporterId, type TermsAccount } from './accounts.js';
import type { ExchangeEventData, RecordedEvent } from './events.js';
import { evolveState, type ExchangeState } from './exchange.js';
import {
  READING_FIGURE_NAMES,
  addInto,
  nonZero,
  readingRowOf,
  rowOf,
  stageContribution,
  termsContribution,
  totalsUnder,
  type ReadingContribution,
  type ReadingRow,
  type Rows,
} from './reading-totals.js';
import {
  FIRST,
  ZERO_TALLY,
  addTallies,
  readingsOf,
  stageTally,
  termsFigureUnder,
  type Filing,
  type Reading,
  type SideTally,
} from './readings.js';
import type { RecordedLedgerEvent, ReportedExchangeEventData } from './reported-events.js';
import {
  stageOfEvent,
  stageReporters,
  stageStateOf,
  withAccount,
  withVoid,
  type ReportedStage,
} from './reported-stage.js';

/**
 * An exchange as the readings need it, kept beside ExchangeState (whose shape and fold stay
 * as they are). What is kept is what makes a command's change to every reading's totals
 * computable from the command alone: the accounts of the standing terms, the exchange's
 * reporters, and each reading's running tally per side (the outstanding figure is not a sum
 * over stages, max(terms − delivered, 0), so delivered must be at hand, per reading). Like
 * ExchangeState it does not grow with the stages, only with the reporters (tens).
 */
export interface ExchangeReadings {
  /** Accounts of the standing terms (those of the last propose or counter). */
  termsAccounts: TermsAccount[];
  /** Every reporter that gave an account on this exchange (terms or stages), in order of its first. */
  reporters: ReporterId[];
  /** Per reading (FIRST and each reporter): each side's tally over the counted stages, in side order. */
  tallies: Record<Reading, SideTally[]>;
}

type Recorded = RecordedLedgerEvent<ReportedExchangeEventData>;

/** evolveState for every event of an exchange, old and new. New events never change the status. */
export function evolveReportedState(
  state: ExchangeState | null,
  event: Recorded,
  concerned?: ReportedStage,
): ExchangeState {
  switch (event.type) {
    case 'StageReported': {
      if (state === null) throw new Error(`cannot apply ${event.type} to an exchange that was never proposed`);
      const stage = stageStateOf(stageOfEvent(event, state));
      const count = (party: string) => stage.sides.find((h) => h.party === party)?.count ?? 0;
      const sides = state.sides.map((s) => ({
        ...s,
        delivered: s.delivered + count(s.party),
      })) as ExchangeState['sides'];
      return { ...state, sides, updatedAt: event.recordedAt, version: state.version + 1 };
    }
    case 'StageAccountAdded':
    case 'TermsReported':
      if (state === null) throw new Error(`cannot apply ${event.type} to an exchange that was never proposed`);
      return { ...state, updatedAt: event.recordedAt, version: state.version + 1 };
    default:
      return evolveState(state, event as RecordedEvent<ExchangeEventData>, concerned && stageStateOf(concerned));
  }
}

export interface ReportedSnapshot {
  state: ExchangeState;
  readings: ExchangeReadings;
}

/** A stage a command touched: as it was (null: new) and as it is. */
export interface StageChange {
  before: ReportedStage | null;
  after: ReportedStage;
}

/** What one command changed, for the read models (cf. ledger/change.ts). */
export interface ReportedChange extends ReportedSnapshot {
  stages: StageChange[];
  /** Reporters that gave their first account on this exchange with this command. */
  newReporters: ReporterId[];
  /** Added to the reading rows (only rows that change): FIRST's figures, reporters' departures. */
  rows: ReadingRow[];
}

/**
 * The readings of an exchange whose events are all old ones (every exchange recorded before
 * accounts existed), from its state alone: no reporter, and FIRST's tallies its delivered.
 * A migration can fill ExchangeReadings this way without replaying the ledger.
 */
export function readingsOfOldExchange(state: Pick<ExchangeState, 'sides'>): ExchangeReadings {
  const tally = (delivered: number): SideTally => ({ delivered, undisclosedStages: 0, approximate: 0 });
  return { termsAccounts: [], reporters: [], tallies: { [FIRST]: state.sides.map((s) => tally(s.delivered)) } };
}

const EMPTY_READINGS = (): ExchangeReadings => ({
  termsAccounts: [],
  reporters: [],
  tallies: { [FIRST]: [{ ...ZERO_TALLY }, { ...ZERO_TALLY }] },
});

/** A reporter new to the exchange reads it as FIRST does, until now. */
function withReporters(readings: ExchangeReadings, reporters: readonly ReporterId[]): ExchangeReadings {
  const fresh = reporters.filter((r) => !readings.reporters.includes(r));
  if (fresh.length === 0) return readings;
  const tallies = { ...readings.tallies };
  for (const r of fresh) tallies[r] = readings.tallies[FIRST]!.map((t) => ({ ...t }));
  return { ...readings, reporters: [...readings.reporters, ...fresh], tallies };
}

/** Adds a stage's figures to (1) or takes them from (−1) every reading's tallies. */
function tallied(
  readings: ExchangeReadings,
  stage: ReportedStage,
  parties: readonly string[],
  sign: 1 | -1,
): ExchangeReadings {
  const tallies: Record<Reading, SideTally[]> = {};
  for (const r of readingsOf(readings.reporters))
    tallies[r] = addTallies(readings.tallies[r]!, stageTally(stage, r, parties), sign);
  return { ...readings, tallies };
}

/**
 * Folds a command's appended events into the exchange and its readings, and says what every
 * reading's rows must add. `concerned`: the stages the events name that are not new (a void's,
 * an added account's), loaded by the store as it loads them for decide.
 */
export function reportedChangeOf(
  before: ReportedSnapshot | null,
  appended: readonly Recorded[],
  concerned: readonly ReportedStage[],
  filing: Filing = 'kind',
): ReportedChange {
  let state = before?.state ?? null;
  let readings = before?.readings ?? EMPTY_READINGS();
  const touched = new Map<string, StageChange>();
  const stageBefore = (id: string): ReportedStage => {
    const s = touched.get(id)?.after ?? concerned.find((c) => c.id === id);
    if (!s) throw new Error(`an event names stage ${id}, which the caller did not load`);
    return s;
  };
  const touch = (id: string, b: ReportedStage | null, a: ReportedStage) =>
    touched.set(id, { before: touched.get(id)?.before ?? b, after: a });

  for (const e of appended) {
    switch (e.type) {
      case 'ExchangeProposed':
        readings = EMPTY_READINGS();
        break;
      case 'ExchangeCountered':
        readings = { ...readings, termsAccounts: [] };
        break;
      case 'TermsReported':
        readings = { ...withReporters(readings, reportersOf(e.data.accounts)), termsAccounts: e.data.accounts };
        break;
      case 'StageRecorded':
      case 'StageReported': {
        const stage = stageOfEvent(e, state!);
        readings = tallied(
          withReporters(readings, stageReporters(stage)),
          stage,
          state!.sides.map((s) => s.party),
          1,
        );
        touch(stage.id, null, stage);
        break;
      }
      case 'StageAccountAdded': {
        const was = stageBefore(e.data.stageId);
        const now = withAccount(was, e);
        const parties = state!.sides.map((s) => s.party);
        readings = tallied(tallied(withReporters(readings, [e.data.reportedBy]), was, parties, -1), now, parties, 1);
        touch(now.id, was, now);
        break;
      }
      case 'StageVoided': {
        const was = stageBefore(e.data.stageId);
        const now = withVoid(was, e);
        readings = tallied(
          tallied(
            readings,
            was,
            state!.sides.map((s) => s.party),
            -1,
          ),
          now,
          state!.sides.map((s) => s.party),
          1,
        );
        touch(now.id, was, now);
        state = evolveReportedState(state, e, was);
        continue;
      }
    }
    state = evolveReportedState(state, e);
  }
  const after = { state: state!, readings };
  const stages = [...touched.values()];
  return {
    state: after.state,
    readings: after.readings,
    stages,
    newReporters: readings.reporters.filter((r) => !(before?.readings.reporters ?? []).includes(r)),
    rows: readingsDelta(before, after, stages, filing),
  };
}

/**
 * The change to every reading's rows, in the rows' convention (reading-totals.ts): FIRST's
 * change in full, each reporter's change minus FIRST's. Only the readings of this exchange
 * can change; only rows that change are returned.
 */
export function readingsDelta(
  before: ReportedSnapshot | null,
  after: ReportedSnapshot,
  stages: readonly StageChange[],
  filing: Filing = 'kind',
): ReadingRow[] {
  const change = (reading: Reading): Rows => {
    const rows: Rows = new Map();
    for (const s of stages) {
      addInto(rows, stageContribution(s.after, reading, after.state, filing));
      if (s.before) addInto(rows, stageContribution(s.before, reading, after.state, filing), -1);
    }
    addInto(rows, termsOf(after, reading));
    if (before) addInto(rows, termsOf(before, reading), -1);
    return rows;
  };
  const first = change(FIRST);
  const out: ReadingRow[] = [...first.values()].filter(nonZero).map((c) => readingRowOf(FIRST, c));
  for (const r of after.readings.reporters) {
    const departure = addInto(change(r), first.values(), -1);
    out.push(...[...departure.values()].filter(nonZero).map((c) => readingRowOf(r, c)));
  }
  return out;
}

/** The terms' part under a reading; a reporter new to the exchange reads it as FIRST does. */
function termsOf(snapshot: ReportedSnapshot, reading: Reading): ReadingContribution[] {
  const { readings } = snapshot;
  const tallies = readings.tallies[reading] ?? readings.tallies[FIRST]!;
  return termsContribution(snapshot.state, readings.termsAccounts, tallies, reading);
}

// ---------------------------------------------------------------------------------------------
// The whole fold: verify, as-of, and the tests' reference for the maintained rows.

/** An exchange with every stage and account: the fold of its events, without any bookkeeping of readings. */
export interface ReportedExchange {
  state: ExchangeState;
  termsAccounts: TermsAccount[];
  reporters: ReporterId[];
  stages: ReportedStage[];
}

export function evolveReported(exchange: ReportedExchange | null, event: Recorded): ReportedExchange {
  const stages = exchange?.stages ?? [];
  const reporters = exchange?.reporters ?? [];
  const more = (rs: readonly ReporterId[]) => [
    ...reporters,
    ...rs.filter((r, i) => !reporters.includes(r) && rs.indexOf(r) === i),
  ];
  switch (event.type) {
    case 'ExchangeProposed':
      return { state: evolveReportedState(null, event), termsAccounts: [], reporters: [], stages: [] };
    case 'ExchangeCountered':
      return { ...exchange!, state: evolveReportedState(exchange!.state, event), termsAccounts: [] };
    case 'TermsReported':
      return {
        ...exchange!,
        state: evolveReportedState(exchange!.state, event),
        termsAccounts: event.data.accounts,
        reporters: more(reportersOf(event.data.accounts)),
      };
    case 'StageRecorded':
    case 'StageReported': {
      const stage = stageOfEvent(event, exchange!.state);
      return {
        ...exchange!,
        state: evolveReportedState(exchange!.state, event),
        stages: [...stages, stage],
        reporters: more(stageReporters(stage)),
      };
    }
    case 'StageAccountAdded':
      return {
        ...exchange!,
        state: evolveReportedState(exchange!.state, event),
        stages: stages.map((s) => (s.id === event.data.stageId ? withAccount(s, event) : s)),
        reporters: more([event.data.reportedBy]),
      };
    case 'StageVoided': {
      const voided = stages.find((s) => s.id === event.data.stageId);
      return {
        ...exchange!,
        state: evolveReportedState(exchange!.state, event, voided),
        stages: stages.map((s) => (s === voided ? withVoid(s, event) : s)),
      };
    }
    default:
      return { ...exchange!, state: evolveReportedState(exchange!.state, event) };
  }
}

export function foldReported(events: readonly Recorded[]): ReportedExchange | null {
  return events.reduce<ReportedExchange | null>((x, e) => evolveReported(x, e), null);
}

/** A bound on the stages counted in handedOver and received, by their world time (normalised, inclusive). */
export interface StageWindow {
  from?: string;
  to?: string;
}

const inWindow = (stage: { occurredAt: string }, w: StageWindow) =>
  (w.from === undefined || stage.occurredAt >= w.from) && (w.to === undefined || stage.occurredAt <= w.to);

/** Each reading's tallies, summed from the stages (what the maintained ExchangeReadings must equal). */
export function readingsFromStages(exchange: ReportedExchange): ExchangeReadings {
  const parties = exchange.state.sides.map((s) => s.party);
  const tallies: Record<Reading, SideTally[]> = {};
  for (const r of readingsOf(exchange.reporters)) {
    tallies[r] = exchange.stages.reduce(
      (acc, st) => addTallies(acc, stageTally(st, r, parties)),
      [{ ...ZERO_TALLY }, { ...ZERO_TALLY }],
    );
  }
  return { termsAccounts: exchange.termsAccounts, reporters: exchange.reporters, tallies };
}

/**
 * What an exchange adds to the totals under a reading, recomputed from its stages: handedOver
 * and received from the stages in the window, the terms' part against everything delivered
 * (as the totals have always bounded only the stage figures by date).
 */
export function contributionUnder(
  exchange: ReportedExchange,
  reading: Reading,
  filing: Filing = 'kind',
  window: StageWindow = {},
): ReadingContribution[] {
  const rows: Rows = new Map();
  for (const st of exchange.stages)
    if (inWindow(st, window)) addInto(rows, stageContribution(st, reading, exchange.state, filing));
  const parties = exchange.state.sides.map((s) => s.party);
  const tallies = exchange.stages.reduce(
    (acc, st) => addTallies(acc, stageTally(st, reading, parties)),
    [{ ...ZERO_TALLY }, { ...ZERO_TALLY }],
  );
  addInto(rows, termsContribution(exchange.state, exchange.termsAccounts, tallies, reading));
  return [...rows.values()];
}

/** The totals under a reading over these exchanges, recomputed (the reference the maintained rows must equal). */
export function totalsOfExchanges(
  exchanges: Iterable<ReportedExchange>,
  reading: Reading,
  filing: Filing = 'kind',
  window: StageWindow = {},
): ReadingContribution[] {
  const rows: Rows = new Map();
  for (const x of exchanges) addInto(rows, contributionUnder(x, reading, filing, window));
  return [...rows.values()]
    .filter(nonZero)
    .sort((a, b) => (a.party === b.party ? (a.kind < b.kind ? -1 : 1) : a.party < b.party ? -1 : 1));
}

// ---------------------------------------------------------------------------------------------
// What the readers show without loading stages, and the dated rows for windows.

/** One side of an exchange under a reading (GET /v1/exchanges, …/{id} with according=). */
export interface SideUnder extends SideTally {
  party: string;
  /** The standing terms under the reading (the reporter's account of them where it gave one). */
  handsOver: number | null;
}

/** The sides under a reading, from ExchangeState and ExchangeReadings alone (no stages read). */
export function sidesUnder(state: ExchangeState, readings: ExchangeReadings, reading: Reading): SideUnder[] {
  const tallies = readings.tallies[reading] ?? readings.tallies[FIRST]!;
  return state.sides.map((s, i) => {
    const given = termsFigureUnder(readings.termsAccounts, reading, s.party);
    const t = tallies[i]!;
    // Written out, not spread: a page of exchanges builds a hundred of these.
    return {
      party: s.party,
      handsOver: given === undefined ? s.handsOver : given,
      delivered: t.delivered,
      undisclosedStages: t.undisclosedStages,
      approximate: t.approximate,
    };
  });
}

/** The figures of a total that come from its stages, and so are bounded by a `from`/`to` window. */
export const STAGE_FIGURES = [
  'handedOver',
  'received',
  'handedOverUndisclosedStages',
  'receivedUndisclosedStages',
  'handedOverApproximate',
  'receivedApproximate',
] as const satisfies readonly (keyof ReadingContribution)[];

/**
 * A stage's rows, dated by the stage, in the rows' convention: FIRST's figures and the
 * departure of each reporter that gave an account of it (elsewhere its reading is FIRST's).
 * A store replaces a stage's rows whenever the stage changes (StageChange) and sums those
 * in a window for the stage figures of bounded totals, as it sums stage_handovers today;
 * a voided stage has none (or the store keeps them and filters by its void, as it does now).
 */
export function stageReadingRows(
  stage: ReportedStage,
  state: Pick<ExchangeState, 'kind' | 'sides'>,
  filing: Filing = 'kind',
): ReadingRow[] {
  const first = stageContribution(stage, FIRST, state, filing);
  const out: ReadingRow[] = first.filter(nonZero).map((c) => readingRowOf(FIRST, c));
  for (const r of stageReporters(stage)) {
    const departure: Rows = addInto(addInto(new Map(), stageContribution(stage, r, state, filing)), first, -1);
    out.push(...[...departure.values()].filter(nonZero).map((c) => readingRowOf(r, c)));
  }
  return out;
}

/**
 * Totals under a reading with the stage figures bounded by a window: the maintained rows for
 * the terms' figures, the dated stage rows in the window for the rest (the reference for
 * what a store's bounded query must answer).
 */
export function windowedTotals(
  rows: Iterable<ReadingRow>,
  stageRows: Iterable<{ occurredAt: string; rows: readonly ReadingRow[] }>,
  reading: Reading,
  window: StageWindow,
): ReadingContribution[] {
  const out: Rows = new Map();
  for (const c of totalsUnder(rows, reading)) {
    const row = rowOf(out, c.party, c.kind);
    for (const f of READING_FIGURE_NAMES) if (!(STAGE_FIGURES as readonly string[]).includes(f)) row[f] += c[f];
  }
  for (const s of stageRows) {
    if (!inWindow(s, window)) continue;
    for (const c of s.rows) {
      if (c.reading !== FIRST && c.reading !== reading) continue;
      const row = rowOf(out, c.party, c.kind);
      for (const f of STAGE_FIGURES) row[f] += c[f];
    }
  }
  return [...out.values()]
    .filter(nonZero)
    .sort((a, b) => (a.party === b.party ? (a.kind < b.kind ? -1 : 1) : a.party < b.party ? -1 : 1));
}
