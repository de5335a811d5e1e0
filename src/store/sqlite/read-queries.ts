import { and, asc, eq, gte, isNull, lte, sql, type SQL } from 'drizzle-orm';
import type { Contribution } from '../../domain/totals.js';
import type { ExchangeQuery, TotalsQuery } from '../ledger-store.js';
import type { Db } from './connection.js';
import { exchangeParties, exchanges, stageHandovers, totals } from './schema.js';

/**
 * The read queries whose speed must not depend on the size of the ledger, built in one place
 * so that the store runs them and test/store/query-plans.test.ts checks, with EXPLAIN QUERY
 * PLAN, that each is served by an index.
 */

/** One page of exchanges (limit + 1 rows, the extra one tells whether there is a next page). */
export function exchangeListQuery(db: Db, q: ExchangeQuery) {
  // With a party filter the walk goes over exchange_parties' (party, occurred_at, seq) index.
  const order = q.party ? { occurredAt: exchangeParties.occurredAt, seq: exchangeParties.seq } : { occurredAt: exchanges.occurredAt, seq: exchanges.seq };
  const where: SQL[] = [];
  if (q.party) where.push(eq(exchangeParties.party, q.party));
  if (q.status) where.push(eq(exchanges.status, q.status));
  if (q.kind) where.push(eq(exchanges.kind, q.kind));
  if (q.from) where.push(gte(order.occurredAt, q.from));
  if (q.to) where.push(lte(order.occurredAt, q.to));
  if (q.after) where.push(sql`(${order.occurredAt}, ${order.seq}) > (${q.after.occurredAt}, ${q.after.seq})`);
  const base = db.select({ state: exchanges.state, occurredAt: order.occurredAt, seq: order.seq });
  const from = q.party
    ? base.from(exchangeParties).innerJoin(exchanges, eq(exchanges.id, exchangeParties.exchangeId))
    : base.from(exchanges);
  return from.where(and(...where)).orderBy(asc(order.occurredAt), asc(order.seq)).limit(q.limit + 1);
}

/** The maintained aggregates, filtered by party and kind. */
export function totalsQuery(db: Db, q: Pick<TotalsQuery, 'party' | 'kind'>) {
  const where: SQL[] = [];
  if (q.party) where.push(eq(totals.party, q.party));
  if (q.kind) where.push(eq(totals.kind, q.kind));
  return db.select().from(totals).where(and(...where)).orderBy(asc(totals.party), asc(totals.kind));
}

/** What a party handed over (`party`) or received (`counterparty`) of a kind in stages between from and to. */
export function stageSumQuery(db: Db, column: 'party' | 'counterparty', row: Pick<Contribution, 'party' | 'kind'>, q: Pick<TotalsQuery, 'from' | 'to'>) {
  const who = column === 'party' ? stageHandovers.party : stageHandovers.counterparty;
  const where: SQL[] = [eq(who, row.party), eq(stageHandovers.kind, row.kind), isNull(stageHandovers.voidedAt)];
  if (q.from) where.push(gte(stageHandovers.occurredAt, q.from));
  if (q.to) where.push(lte(stageHandovers.occurredAt, q.to));
  return db.select({ n: sql<number>`coalesce(sum(${stageHandovers.count}), 0)` }).from(stageHandovers).where(and(...where));
}
