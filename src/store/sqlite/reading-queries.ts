import type { Statement } from 'better-sqlite3';
import { FIRST } from '../../domain/readings.js';
import type { ReadingContribution } from '../../domain/reading-totals.js';
import type { TotalsQuery } from '../ledger-store.js';
import type { Db } from './connection.js';

/**
 * The totals under a reading, from the maintained rows (reading-totals.ts): the `@first`
 * rows alone for the default reading, or summed with a reporter's departures from them.
 * Bounded by from/to, the stage figures come from the stages' dated rows in the window. One
 * statement per shape (which filters are present), prepared once per connection.
 */

const COLUMNS = [
  'handed_over',
  'received',
  'agreed_outstanding',
  'unspecified_sides',
  'proposed',
  'handed_over_undisclosed_stages',
  'received_undisclosed_stages',
  'handed_over_approximate',
  'received_approximate',
];
const STAGE_FIGURES = `sum(handed_over), sum(received), sum(handed_over_undisclosed_stages), sum(received_undisclosed_stages),
  sum(handed_over_approximate), sum(received_approximate)`;

/**
 * Which filters a totals query has. `plain`: the default reading filed by kind, whose rows are
 * read as they are; any other is summed with the rows it departs from (by=exchange: the
 * `kind` filing's; a reporter: the first reading's).
 */
export type ReadingShape = { first: boolean; byExchange: boolean; party: boolean; kind: boolean; window: boolean };

function whereOf(shape: ReadingShape, table: 'totals' | 'stages'): string {
  const where = [
    shape.byExchange ? "filing IN ('kind', 'exchange')" : "filing = 'kind'",
    shape.first ? 'reading = @first' : 'reading IN (@first, @reading)',
  ];
  if (shape.party) where.push('party = @party');
  if (shape.kind) where.push('kind = @kind');
  if (table === 'stages' && shape.window) where.push('occurred_at >= @from', 'occurred_at <= @to');
  return where.join(' AND ');
}

/** The maintained rows of a reading: the default one's as kept (one index walk), a reporter's summed with them. */
export const readingTotalsSql = (shape: ReadingShape) =>
  shape.first && !shape.byExchange
    ? `SELECT party, kind, ${COLUMNS.join(', ')} FROM reading_totals WHERE ${whereOf(shape, 'totals')} ORDER BY party, kind`
    : `SELECT party, kind, ${COLUMNS.map((c) => `sum(${c})`).join(', ')} FROM reading_totals
      WHERE ${whereOf(shape, 'totals')} GROUP BY party, kind ORDER BY party, kind`;

/** The stage figures of the stages in a window, under a reading. */
export const stageWindowSql = (shape: ReadingShape) =>
  `SELECT party, kind, ${STAGE_FIGURES} FROM stage_reading_rows WHERE ${whereOf(shape, 'stages')} GROUP BY party, kind`;

/** The values a totals query binds. */
export const readingParameters = (q: TotalsQuery) => ({
  first: FIRST,
  reading: q.reading,
  party: q.party,
  kind: q.kind,
  from: q.from ?? '',
  to: q.to ?? '\uffff',
});

export const shapeOfTotals = (q: TotalsQuery): ReadingShape => ({
  first: q.reading === FIRST,
  byExchange: q.filing === 'exchange',
  party: q.party !== undefined,
  kind: q.kind !== undefined,
  window: !!(q.from || q.to),
});

type Row = [string, string, number, number, number, number, number, number, number, number, number];
type StageRow = [string, string, number, number, number, number, number, number];

export class ReadingQueries {
  private readonly prepared = new Map<string, Statement>();

  constructor(private readonly db: Db) {}

  private statement(key: string, sql: string): Statement {
    let st = this.prepared.get(key);
    if (!st) {
      st = this.db.$client.prepare(sql).raw(true);
      this.prepared.set(key, st);
    }
    return st;
  }

  totals(q: TotalsQuery): ReadingContribution[] {
    const shape = shapeOfTotals(q);
    const params = readingParameters(q);
    const key = JSON.stringify(shape);
    const rows = this.statement(`t${key}`, readingTotalsSql(shape)).all(params) as Row[];
    const out = rows.map(contributionOf);
    if (!shape.window) return out;
    const inWindow = new Map<string, StageRow>();
    for (const r of this.statement(`s${key}`, stageWindowSql(shape)).all(params) as StageRow[])
      inWindow.set(`${r[0]}\u0000${r[1]}`, r);
    return out.map((c) => {
      const s = inWindow.get(`${c.party}\u0000${c.kind}`);
      return {
        ...c,
        handedOver: s?.[2] ?? 0,
        received: s?.[3] ?? 0,
        handedOverUndisclosedStages: s?.[4] ?? 0,
        receivedUndisclosedStages: s?.[5] ?? 0,
        handedOverApproximate: s?.[6] ?? 0,
        receivedApproximate: s?.[7] ?? 0,
      };
    });
  }
}

const contributionOf = ([party, kind, ho, rc, ao, us, pr, hou, rcu, hoa, rca]: Row): ReadingContribution =>
  ({
    party,
    kind,
    handedOver: ho,
    received: rc,
    agreedOutstanding: ao,
    unspecifiedSides: us,
    proposed: pr,
    handedOverUndisclosedStages: hou,
    receivedUndisclosedStages: rcu,
    handedOverApproximate: hoa,
    receivedApproximate: rca,
  }) as ReadingContribution;
