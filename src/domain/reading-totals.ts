import type { TermsAccount } from './accounts.js';
import type { ExchangeState } from './exchange.js';
import {
  FIRST,
  filedCounts,
  figureUnder,
  termsFigureUnder,
  type Filing,
  type Reading,
  type SideTally,
} from './readings.js';
import type { ReportedStage } from './reported-stage.js';
import { ZERO, type Figures } from './totals.js';
import type { Kind, PartyId } from './vocabulary.js';

/**
 * The totals under a reading, and how a store keeps them for every reading at once.
 *
 * Figures gain what a reported record needs so that a total is never more certain than it
 * is: stages counted with no number (`…UndisclosedStages`) and the part that comes from
 * approximate counts (`…Approximate`; the design names handedOver's, received's is its twin).
 *
 * Rows are keyed (reading, party, kind). The FIRST reading's rows hold its figures; a
 * reporter's rows hold only how its reading DEPARTS from FIRST's (its figures minus FIRST's).
 * A reporter's reading equals FIRST's wherever it gave no account, so its departure is zero
 * on every exchange it never spoke of: a command on an exchange then changes FIRST's rows and
 * those of the reporters of that exchange only, whatever the number of reporters elsewhere.
 * Totals under R are FIRST's rows plus R's (totalsUnder); in SQL, one GROUP BY over
 * `reading IN ('@first', R)`. Departure rows may be negative; FIRST's never are.
 */

export interface ReadingFigures extends Figures {
  /** Stages counted where this party's count is not disclosed under the reading. */
  handedOverUndisclosedStages: number;
  /** Stages counted where the other party's count is not disclosed under the reading. */
  receivedUndisclosedStages: number;
  /** The part of handedOver that comes from approximate counts. */
  handedOverApproximate: number;
  /** The part of received that comes from approximate counts. */
  receivedApproximate: number;
}

export const READING_ZERO: ReadingFigures = {
  ...ZERO,
  handedOverUndisclosedStages: 0,
  receivedUndisclosedStages: 0,
  handedOverApproximate: 0,
  receivedApproximate: 0,
};
export const READING_FIGURE_NAMES = Object.keys(READING_ZERO) as (keyof ReadingFigures)[];

export interface ReadingContribution extends ReadingFigures {
  party: PartyId;
  kind: Kind;
}

/** An aggregate row a store keeps: FIRST's figures, or a reporter's departure from them. */
export interface ReadingRow extends ReadingContribution {
  reading: Reading;
}

export type Rows = Map<string, ReadingContribution>;

const keyOf = (party: PartyId, kind: Kind) => `${party}\u0000${kind}`;

/** Written out, not spread from READING_ZERO: this runs for every row of every write, and V8 builds literals faster. */
const zeroRow = (party: PartyId, kind: Kind): ReadingContribution => ({
  party,
  kind,
  handedOver: 0,
  received: 0,
  agreedOutstanding: 0,
  unspecifiedSides: 0,
  proposed: 0,
  handedOverUndisclosedStages: 0,
  receivedUndisclosedStages: 0,
  handedOverApproximate: 0,
  receivedApproximate: 0,
});

/** A contribution as a reading's row (a copy). */
export const readingRowOf = (reading: Reading, c: ReadingContribution): ReadingRow => ({
  reading,
  party: c.party,
  kind: c.kind,
  handedOver: c.handedOver,
  received: c.received,
  agreedOutstanding: c.agreedOutstanding,
  unspecifiedSides: c.unspecifiedSides,
  proposed: c.proposed,
  handedOverUndisclosedStages: c.handedOverUndisclosedStages,
  receivedUndisclosedStages: c.receivedUndisclosedStages,
  handedOverApproximate: c.handedOverApproximate,
  receivedApproximate: c.receivedApproximate,
});

export function rowOf(rows: Rows, party: PartyId, kind: Kind): ReadingContribution {
  const key = keyOf(party, kind);
  let row = rows.get(key);
  if (!row) {
    row = zeroRow(party, kind);
    rows.set(key, row);
  }
  return row;
}

/** Adds (sign 1) or takes away (sign −1) contributions into rows keyed by party and kind. */
export function addInto(rows: Rows, contributions: Iterable<ReadingContribution>, sign: 1 | -1 = 1): Rows {
  for (const c of contributions) addFigures(rowOf(rows, c.party, c.kind), c, sign);
  return rows;
}

/** row += sign × c, figure by figure (written out: a loop over the names costs every write several times more). */
export function addFigures(row: ReadingFigures, c: ReadingFigures, sign: number): void {
  row.handedOver += sign * c.handedOver;
  row.received += sign * c.received;
  row.agreedOutstanding += sign * c.agreedOutstanding;
  row.unspecifiedSides += sign * c.unspecifiedSides;
  row.proposed += sign * c.proposed;
  row.handedOverUndisclosedStages += sign * c.handedOverUndisclosedStages;
  row.receivedUndisclosedStages += sign * c.receivedUndisclosedStages;
  row.handedOverApproximate += sign * c.handedOverApproximate;
  row.receivedApproximate += sign * c.receivedApproximate;
}

export const nonZero = (c: ReadingFigures): boolean => READING_FIGURE_NAMES.some((f) => c[f] !== 0);

type Exchange = Pick<ExchangeState, 'kind' | 'status' | 'sides'>;

/** What one counted stage adds, under a reading, to the totals of the exchange's two parties. */
export function stageContribution(
  stage: ReportedStage,
  reading: Reading,
  exchange: Pick<ExchangeState, 'kind' | 'sides'>,
  filing: Filing = 'kind',
): ReadingContribution[] {
  const rows: Rows = new Map();
  if (stage.voided) return [];
  const [a, b] = exchange.sides.map((s) => s.party) as [PartyId, PartyId];
  for (const [own, other] of [
    [a, b],
    [b, a],
  ] as const) {
    const f = figureUnder(stage, reading, own);
    if (f.count === null) {
      rowOf(rows, own, exchange.kind).handedOverUndisclosedStages += 1;
      rowOf(rows, other, exchange.kind).receivedUndisclosedStages += 1;
      continue;
    }
    for (const { kind, count } of filedCounts(f, exchange.kind, filing)) {
      rowOf(rows, own, kind).handedOver += count;
      rowOf(rows, other, kind).received += count;
      if (f.approximate) {
        rowOf(rows, own, kind).handedOverApproximate += count;
        rowOf(rows, other, kind).receivedApproximate += count;
      }
    }
  }
  return [...rows.values()];
}

/**
 * What the standing terms add under a reading (filed under the exchange's kind): the
 * reporter's account of the terms where it gave one, against what was delivered under the
 * same reading (`tallies`, one per side).
 */
export function termsContribution(
  exchange: Exchange,
  termsAccounts: readonly TermsAccount[],
  tallies: readonly SideTally[],
  reading: Reading,
): ReadingContribution[] {
  return exchange.sides.map((side, i) => {
    const given = termsFigureUnder(termsAccounts, reading, side.party);
    const handsOver = given === undefined ? side.handsOver : given;
    const delivered = tallies[i]!.delivered;
    const agreed = exchange.status === 'agreed';
    const row = zeroRow(side.party, exchange.kind);
    row.agreedOutstanding = agreed && handsOver !== null ? Math.max(handsOver - delivered, 0) : 0;
    row.unspecifiedSides = agreed && handsOver === null ? 1 : 0;
    row.proposed = exchange.status === 'proposed' ? (handsOver ?? 0) : 0;
    return row;
  });
}

/** The full totals under `reading`: FIRST's rows plus the reading's departures (other readings' rows are ignored). */
export function totalsUnder(rows: Iterable<ReadingRow>, reading: Reading): ReadingContribution[] {
  const out: Rows = new Map();
  for (const r of rows) if (r.reading === FIRST || r.reading === reading) addInto(out, [r]);
  return sorted([...out.values()].filter(nonZero));
}

/** `according=each`: every reporter's totals, side by side. */
export function totalsEach(
  rows: readonly ReadingRow[],
  reporters: readonly Reading[],
): Map<Reading, ReadingContribution[]> {
  return new Map(reporters.map((r) => [r, totalsUnder(rows, r)]));
}

export const sorted = <T extends { party: PartyId; kind: Kind }>(rows: T[]): T[] =>
  rows.sort((x, y) =>
    x.party === y.party ? (x.kind < y.kind ? -1 : x.kind > y.kind ? 1 : 0) : x.party < y.party ? -1 : 1,
  );

/**
 * Rows of the `exchange` filing are kept as their departure from the `kind` filing's, as a
 * reporter's reading is kept as its departure from the first (above): a count
 * with no breakdown is filed alike by both, so most commands write no `exchange` row at all.
 * A total by=exchange is the sum of both filings' rows.
 */
/**
 * Whether a stage's counts are filed alike by both filings: no account breaks a count down
 * by kind. The `exchange` filing's departure from `kind` is then nothing.
 */
export const filedAlike = (stage: ReportedStage): boolean =>
  stage.accounts.every((a) => a.sides.every((s) => !s.breakdown?.length));

export function departureOf(rows: readonly ReadingRow[], base: readonly ReadingRow[]): ReadingRow[] {
  const out = new Map<string, ReadingRow>();
  const key = (r: ReadingRow) => `${r.reading}\u0000${r.party}\u0000${r.kind}`;
  for (const [sign, set] of [
    [1, rows],
    [-1, base],
  ] as const) {
    for (const r of set) {
      let row = out.get(key(r));
      if (!row) {
        row = readingRowOf(r.reading, zeroRow(r.party, r.kind));
        out.set(key(r), row);
      }
      addFigures(row, r, sign);
    }
  }
  return [...out.values()].filter(nonZero);
}
