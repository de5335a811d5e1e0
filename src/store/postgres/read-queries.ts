import type { ReadingContribution } from '../../domain/reading-totals.js';
import { FIRST } from '../../domain/readings.js';
import type { ReportedSnapshot } from '../../domain/reported-exchange.js';
import type { ExchangeCursor, ExchangeQuery, Page, TotalsQuery } from '../ledger-store.js';
import { run, type Queryable } from './queries.js';
import { snapshotOf, type SnapshotText } from './rows.js';
import type { Statement } from './statements.js';

/**
 * The list and totals reads, as SQL built once per shape (which filters are present) and
 * prepared under a name of that shape: the shapes are few (64 lists, 16 totals), the
 * uses many. The values are bound, never spliced in.
 */

/** A statement of a shape, and the values of this query in its parameters' order. */
class Shaped {
  private readonly values: unknown[] = [];
  /** `$n` for a new parameter holding `value`. */
  param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
  bound(): unknown[] {
    return this.values;
  }
}

const shapeName = (kind: string, flags: Record<string, boolean>) =>
  `ledger_${kind}_${
    Object.entries(flags)
      .map(([k, on]) => (on ? k : ''))
      .filter(Boolean)
      .join('_') || 'all'
  }`;

/**
 * Where a cursor holding U+0000 points: no stored time holds it, and the stored times after
 * "…\u0000x" are exactly those after the text before the NUL, the tie included (nothing
 * stored equals it). PostgreSQL refuses the NUL itself as a parameter. A cursor this
 * service issued never holds one.
 */
function storableCursor(after: ExchangeCursor): ExchangeCursor {
  const nul = after.occurredAt.indexOf('\u0000');
  return nul < 0 ? after : { occurredAt: after.occurredAt.slice(0, nul), seq: Number.MAX_SAFE_INTEGER };
}

/** One page of exchanges, read past the cursor in (occurredAt, seq) order, and the cursor to the next. */
export async function listExchanges(db: Queryable, q: ExchangeQuery): Promise<Page<ReportedSnapshot, ExchangeCursor>> {
  // No stored value holds U+0000 (which PostgreSQL refuses as a parameter): nothing matches.
  if ([q.party, q.status, q.kind, q.from, q.to].some((v) => v?.includes('\u0000'))) return { items: [], next: null };
  const s = new Shaped();
  // With a party filter the walk goes over exchange_parties' (party, occurred_at, seq) index.
  const o = q.party !== undefined ? 'p' : 'e';
  const where: string[] = [];
  if (q.party !== undefined) where.push(`p.party = ${s.param(q.party)}`);
  if (q.status !== undefined) where.push(`e.status = ${s.param(q.status)}`);
  if (q.kind !== undefined) where.push(`e.kind = ${s.param(q.kind)}`);
  if (q.from !== undefined) where.push(`${o}.occurred_at >= ${s.param(q.from)}`);
  if (q.to !== undefined) where.push(`${o}.occurred_at <= ${s.param(q.to)}`);
  if (q.after !== undefined) {
    const after = storableCursor(q.after);
    where.push(`(${o}.occurred_at, ${o}.seq) > (${s.param(after.occurredAt)}, ${s.param(after.seq)})`);
  }
  const from = q.party !== undefined ? 'exchange_parties p JOIN exchanges e ON e.id = p.exchange_id' : 'exchanges e';
  const limit = s.param(q.limit + 1);
  const statement: Statement = {
    name: shapeName('list', {
      party: q.party !== undefined,
      status: q.status !== undefined,
      kind: q.kind !== undefined,
      from: q.from !== undefined,
      to: q.to !== undefined,
      after: q.after !== undefined,
    }),
    text: `SELECT e.state, e.readings, ${o}.occurred_at AS "occurredAt", ${o}.seq FROM ${from}
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${o}.occurred_at, ${o}.seq LIMIT ${limit}`,
  };
  const rows = await run<SnapshotText & { occurredAt: string; seq: number }>(db, statement, s.bound());
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map(snapshotOf),
    next: rows.length > q.limit && last ? { occurredAt: last.occurredAt, seq: last.seq } : null,
  };
}

/** The figures of a total by the part that comes from stages (bounded by from/to) and the terms' (never bounded). */
const STAGE_COLUMNS = [
  ['handed_over', 'handedOver'],
  ['received', 'received'],
  ['handed_over_undisclosed_stages', 'handedOverUndisclosedStages'],
  ['received_undisclosed_stages', 'receivedUndisclosedStages'],
  ['handed_over_approximate', 'handedOverApproximate'],
  ['received_approximate', 'receivedApproximate'],
] as const;
const TERMS_COLUMNS = [
  ['agreed_outstanding', 'agreedOutstanding'],
  ['unspecified_sides', 'unspecifiedSides'],
  ['proposed', 'proposed'],
] as const;

/**
 * The totals under one reading and filing, from the maintained rows: the `@first` reading's
 * rows plus the reading's departures from them (domain/reading-totals.ts), summed per party
 * and kind, filtered by party and kind. Bounded by date (from/to), the stage figures are
 * summed from the stages' dated rows in the window instead (domain windowedTotals), in the
 * same statement (one snapshot).
 */
export async function readingTotals(db: Queryable, q: Omit<TotalsQuery, 'asOf'>): Promise<ReadingContribution[]> {
  if ([q.reading, q.party, q.kind, q.from, q.to].some((v) => v?.includes('\u0000'))) return [];
  const s = new Shaped();
  // by=exchange is the `kind` filing's rows plus the `exchange` filing's departures from them (ledger/change.ts).
  const filings = q.filing === 'exchange' ? `filing IN ('kind', 'exchange')` : `filing = 'kind'`;
  const of = [filings, `reading IN ('${FIRST}', ${s.param(q.reading)})`];
  if (q.party !== undefined) of.push(`party = ${s.param(q.party)}`);
  if (q.kind !== undefined) of.push(`kind = ${s.param(q.kind)}`);
  const sums = (columns: readonly (readonly [string, string])[]) =>
    columns.map(([c, name]) => `sum(${c}) AS "${name}"`).join(', ');
  const bounded = q.from !== undefined || q.to !== undefined;
  let text: string;
  if (!bounded) {
    text = `SELECT party, kind, ${sums([...STAGE_COLUMNS, ...TERMS_COLUMNS])} FROM reading_totals
      WHERE ${of.join(' AND ')} GROUP BY party, kind ORDER BY party, kind`;
  } else {
    const window = [...of];
    if (q.from !== undefined) window.push(`occurred_at >= ${s.param(q.from)}`);
    if (q.to !== undefined) window.push(`occurred_at <= ${s.param(q.to)}`);
    const figure = ([c, name]: readonly [string, string]) => `coalesce(${c}, 0) AS "${name}"`;
    const inner = (columns: readonly (readonly [string, string])[]) =>
      columns.map(([c]) => `sum(${c}) AS ${c}`).join(', ');
    text = `SELECT party, kind, ${[...STAGE_COLUMNS, ...TERMS_COLUMNS].map(figure).join(', ')}
      FROM (SELECT party, kind, ${inner(TERMS_COLUMNS)} FROM reading_totals
        WHERE ${of.join(' AND ')} GROUP BY party, kind) t
      FULL JOIN (SELECT party, kind, ${inner(STAGE_COLUMNS)} FROM stage_reading_rows
        WHERE ${window.join(' AND ')} GROUP BY party, kind) w USING (party, kind)
      ORDER BY party, kind`;
  }
  const statement: Statement = {
    name: shapeName('reading_totals', {
      byExchange: q.filing === 'exchange',
      party: q.party !== undefined,
      kind: q.kind !== undefined,
      from: q.from !== undefined,
      to: q.to !== undefined,
    }),
    text,
  };
  return run<ReadingContribution>(db, statement, s.bound());
}
