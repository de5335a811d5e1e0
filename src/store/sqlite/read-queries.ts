import { and, asc, eq, gte, lte, sql, type SQL } from 'drizzle-orm';
import type { ExchangeQuery } from '../ledger-store.js';
import type { Db } from './connection.js';
import { exchangeParties, exchanges } from './schema.js';

/**
 * The read queries whose speed must not depend on the size of the ledger. Each is built once
 * per shape (which filters are present) with placeholders and prepared once per connection:
 * building and preparing SQL per request cost more than running it. The same builders serve
 * test/store/query-plans.test.ts, which checks with EXPLAIN QUERY PLAN that each is served by
 * an index.
 */

const p = sql.placeholder;

/** Which filters a list query has: the shape decides the SQL, the values are bound. */
export type ExchangeListShape = { [K in 'status' | 'kind' | 'party' | 'from' | 'to' | 'after']: boolean };

export const shapeOfList = (q: ExchangeQuery): ExchangeListShape => ({
  status: q.status !== undefined,
  kind: q.kind !== undefined,
  party: q.party !== undefined,
  from: q.from !== undefined,
  to: q.to !== undefined,
  after: q.after !== undefined,
});

/** One page of exchanges (limit + 1 rows: the extra one tells whether there is a next page). */
export function exchangeListQuery(db: Db, shape: ExchangeListShape) {
  // With a party filter the walk goes over exchange_parties' (party, occurred_at, seq) index.
  const order = shape.party
    ? { occurredAt: exchangeParties.occurredAt, seq: exchangeParties.seq }
    : { occurredAt: exchanges.occurredAt, seq: exchanges.seq };
  const where: SQL[] = [];
  if (shape.party) where.push(eq(exchangeParties.party, p('party')));
  if (shape.status) where.push(eq(exchanges.status, p('status')));
  if (shape.kind) where.push(eq(exchanges.kind, p('kind')));
  if (shape.from) where.push(gte(order.occurredAt, p('from')));
  if (shape.to) where.push(lte(order.occurredAt, p('to')));
  if (shape.after) where.push(sql`(${order.occurredAt}, ${order.seq}) > (${p('afterOccurredAt')}, ${p('afterSeq')})`);
  const base = db.select({
    state: exchanges.state,
    readings: exchanges.readings,
    occurredAt: order.occurredAt,
    seq: order.seq,
  });
  const from = shape.party
    ? base.from(exchangeParties).innerJoin(exchanges, eq(exchanges.id, exchangeParties.exchangeId))
    : base.from(exchanges);
  return from
    .where(and(...where))
    .orderBy(asc(order.occurredAt), asc(order.seq))
    .limit(p('limit'));
}

/** The values a list query binds to its placeholders. */
export const listParameters = (q: ExchangeQuery) => ({
  party: q.party,
  status: q.status,
  kind: q.kind,
  from: q.from,
  to: q.to,
  afterOccurredAt: q.after?.occurredAt,
  afterSeq: q.after?.seq,
  limit: q.limit + 1,
});

/**
 * A query prepared on the first use of its shape and kept: the shapes are few, the uses many.
 */
function preparedByShape<S, P>(build: (shape: S) => { prepare: () => P }): (shape: S) => P {
  const prepared = new Map<string, P>();
  return (shape) => {
    const key = JSON.stringify(shape);
    let query = prepared.get(key);
    if (query === undefined) prepared.set(key, (query = build(shape).prepare()));
    return query;
  };
}

/** The list reads of one connection (at most 64 shapes; the totals' are in reading-queries.ts). */
export class PreparedReads {
  private readonly list;

  constructor(db: Db) {
    this.list = preparedByShape((shape: ExchangeListShape) => exchangeListQuery(db, shape));
  }

  listExchanges(q: ExchangeQuery): { state: string; readings: string; occurredAt: string; seq: number }[] {
    // Raw rows, mapped here: drizzle's mapping of each value is most of the cost of a page.
    const rows = this.list(shapeOfList(q)).values(listParameters(q)) as [string, string, string, number][];
    return rows.map(([state, readings, occurredAt, seq]) => ({ state, readings, occurredAt, seq }));
  }
}
