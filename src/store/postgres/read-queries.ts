import type { ExchangeState } from '../../domain/exchange.js';
import type { Contribution } from '../../domain/totals.js';
import type { ExchangeCursor, ExchangeQuery, Page, TotalsQuery } from '../ledger-store.js';
import { run, type Queryable } from './queries.js';
import type { Statement } from './statements.js';

/**
 * The list and totals reads, as SQL built once per shape (which filters are present) and
 * prepared under a name of that shape: the shapes are few (64 lists, 8 totals), the uses
 * many. The values are bound, never spliced in.
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
  `ledger_${kind}_${Object.entries(flags).map(([k, on]) => (on ? k : '')).filter(Boolean).join('_') || 'all'}`;

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
export async function listExchanges(db: Queryable, q: ExchangeQuery): Promise<Page<ExchangeState, ExchangeCursor>> {
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
    name: shapeName('list', { party: q.party !== undefined, status: q.status !== undefined, kind: q.kind !== undefined,
      from: q.from !== undefined, to: q.to !== undefined, after: q.after !== undefined }),
    text: `SELECT e.state, ${o}.occurred_at AS "occurredAt", ${o}.seq FROM ${from}
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${o}.occurred_at, ${o}.seq LIMIT ${limit}`,
  };
  const rows = await run<{ state: string; occurredAt: string; seq: number }>(db, statement, s.bound());
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map((r) => JSON.parse(r.state) as ExchangeState),
    next: rows.length > q.limit && last ? { occurredAt: last.occurredAt, seq: last.seq } : null,
  };
}

const FIGURES = `agreed_outstanding AS "agreedOutstanding", unspecified_sides AS "unspecifiedSides", proposed`;

/**
 * The maintained aggregates, filtered by party and kind; bounded by date (from/to), with
 * handedOver and received summed from the dated stage rows instead, in the same statement
 * (one snapshot).
 */
export async function totals(db: Queryable, q: Omit<TotalsQuery, 'asOf'>): Promise<Contribution[]> {
  if ([q.party, q.kind, q.from, q.to].some((v) => v?.includes('\u0000'))) return [];
  const s = new Shaped();
  const where: string[] = [];
  if (q.party !== undefined) where.push(`t.party = ${s.param(q.party)}`);
  if (q.kind !== undefined) where.push(`t.kind = ${s.param(q.kind)}`);
  const bounded = q.from !== undefined || q.to !== undefined;
  let figures = 't.handed_over AS "handedOver", t.received';
  if (bounded) {
    const window = ['s.kind = t.kind', 's.voided_at IS NULL'];
    if (q.from !== undefined) window.push(`s.occurred_at >= ${s.param(q.from)}`);
    if (q.to !== undefined) window.push(`s.occurred_at <= ${s.param(q.to)}`);
    const sum = (who: 'party' | 'counterparty') =>
      `(SELECT coalesce(sum(s.count), 0) FROM stage_handovers s WHERE s.${who} = t.party AND ${window.join(' AND ')})`;
    figures = `${sum('party')} AS "handedOver", ${sum('counterparty')} AS received`;
  }
  const statement: Statement = {
    name: shapeName('totals', { party: q.party !== undefined, kind: q.kind !== undefined, from: q.from !== undefined, to: q.to !== undefined }),
    text: `SELECT t.party, t.kind, ${figures}, ${FIGURES} FROM totals t ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY t.party, t.kind`,
  };
  return run<Contribution>(db, statement, s.bound());
}
