import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from './connection.js';
import { events, exchangeParties, exchanges, idempotencyKeys, parties, stageHandovers, termsHistory, totals } from './schema.js';

const p = sql.placeholder;

/**
 * Every statement on the write path, prepared once per connection: building SQL text and
 * preparing it again for each command cost more than running it.
 */
function prepare(db: Db) {
  return {
    // max() is a single descent of the rowid B-tree; ORDER BY … DESC LIMIT ? measured 3–4× slower inside a write.
    head: db.select({ sequence: events.sequence, hash: events.hash, eventId: events.id, recordedAt: events.recordedAt }).from(events)
      .where(eq(events.sequence, sql`(SELECT max(${events.sequence}) FROM ${events})`)).prepare(),
    insertEvent: db.insert(events).values({
      sequence: p('sequence'), id: p('id'), streamId: p('streamId'), version: p('version'), type: p('type'), data: p('data'),
      occurredAt: p('occurredAt'), recordedAt: p('recordedAt'), principal: p('principal'), source: p('source'), note: p('note'),
      prevHash: p('prevHash'), hash: p('hash'),
    }).prepare(),
    exchangeState: db.select({ state: exchanges.state }).from(exchanges).where(eq(exchanges.id, p('id'))).prepare(),
    insertExchange: db.insert(exchanges).values({ id: p('id'), seq: p('seq'), kind: p('kind'), status: p('status'), occurredAt: p('occurredAt'), version: p('version'), state: p('state') }).prepare(),
    updateExchange: db.update(exchanges).set({ status: p('status') as never, version: p('version') as never, state: p('state') as never }).where(eq(exchanges.id, p('id'))).prepare(),
    insertExchangeParty: db.insert(exchangeParties).values({ party: p('party'), exchangeId: p('exchangeId'), occurredAt: p('occurredAt'), seq: p('seq') }).prepare(),
    party: db.select().from(parties).where(eq(parties.id, p('id'))).prepare(),
    insertParty: db.insert(parties).values({ id: p('id'), name: p('name'), registeredAt: p('registeredAt'), recordedAt: p('recordedAt') }).prepare(),
    insertStageHandover: db.insert(stageHandovers).values({
      stageId: p('stageId'), party: p('party'), counterparty: p('counterparty'), exchangeId: p('exchangeId'), kind: p('kind'),
      count: p('count'), occurredAt: p('occurredAt'), voidedAt: null,
    }).prepare(),
    voidStage: db.update(stageHandovers).set({ voidedAt: p('voidedAt') as never }).where(eq(stageHandovers.stageId, p('stageId'))).prepare(),
    closeTerms: db.update(termsHistory).set({ validTo: p('validTo') as never }).where(and(eq(termsHistory.exchangeId, p('exchangeId')), isNull(termsHistory.validTo))).prepare(),
    insertTerms: db.insert(termsHistory).values({
      exchangeId: p('exchangeId'), party: p('party'), kind: p('kind'), version: p('version'), status: p('status'),
      handsOver: p('handsOver'), validFrom: p('validFrom'), validTo: null,
    }).prepare(),
    addToTotals: db.insert(totals).values({
      party: p('party'), kind: p('kind'), handedOver: p('handedOver'), received: p('received'),
      agreedOutstanding: p('agreedOutstanding'), unspecifiedSides: p('unspecifiedSides'), proposed: p('proposed'),
    }).onConflictDoUpdate({
      target: [totals.party, totals.kind],
      set: {
        handedOver: sql`${totals.handedOver} + excluded.handed_over`,
        received: sql`${totals.received} + excluded.received`,
        agreedOutstanding: sql`${totals.agreedOutstanding} + excluded.agreed_outstanding`,
        unspecifiedSides: sql`${totals.unspecifiedSides} + excluded.unspecified_sides`,
        proposed: sql`${totals.proposed} + excluded.proposed`,
      },
    }).prepare(),
    idempotencyRecord: db.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.principal, p('principal')), eq(idempotencyKeys.key, p('key')))).prepare(),
    insertIdempotency: db.insert(idempotencyKeys).values({
      principal: p('principal'), key: p('key'), fingerprint: p('fingerprint'), status: p('status'), headers: p('headers'), body: p('body'), createdAt: p('createdAt'),
    }).prepare(),
  };
}

export type Statements = ReturnType<typeof prepare>;

const cache = new WeakMap<Db, Statements>();

export function statementsFor(db: Db): Statements {
  let st = cache.get(db);
  if (!st) {
    st = prepare(db);
    cache.set(db, st);
  }
  return st;
}
