import { and, eq, isNull, sql } from 'drizzle-orm';
import type { ExchangeEventData, RecordedEvent } from '../../domain/events.js';
import type { ExchangeState } from '../../domain/exchange.js';
import { totalsDelta } from '../../domain/totals.js';
import type { Db } from './connection.js';
import { exchangeParties, exchanges, stageHandovers, termsHistory, totals } from './schema.js';

const TRANSITIONS = new Set(['ExchangeProposed', 'ExchangeCountered', 'ExchangeAgreed', 'ExchangeRejected', 'ExchangeWithdrawn', 'ExchangeCancelled', 'ExchangeCompleted']);

/**
 * Brings the read models up to date with events just appended to one exchange. Runs inside
 * the transaction that appended them, so readers never see one without the other.
 */
export function projectExchange(db: Db, before: ExchangeState | null, after: ExchangeState, appended: readonly RecordedEvent<ExchangeEventData>[]): void {
  const row = { kind: after.kind, status: after.status, occurredAt: after.occurredAt, version: after.version, state: JSON.stringify(after) };
  if (before === null) {
    const seq = appended[0]!.sequence;
    db.insert(exchanges).values({ id: after.id, seq, ...row }).run();
    for (const side of after.sides) {
      db.insert(exchangeParties).values({ party: side.party, exchangeId: after.id, occurredAt: after.occurredAt, seq }).run();
    }
  } else {
    db.update(exchanges).set(row).where(eq(exchanges.id, after.id)).run();
  }

  for (const event of appended) {
    if (event.type === 'StageRecorded') {
      const stage = after.stages.find((s) => s.id === event.data.stageId)!;
      const [a, b] = stage.sides;
      for (const [own, other] of [[a!, b!], [b!, a!]] as const) {
        db.insert(stageHandovers)
          .values({ stageId: stage.id, party: own.party, counterparty: other.party, exchangeId: after.id, kind: after.kind, count: own.count, occurredAt: stage.occurredAt, voidedAt: null })
          .run();
      }
    } else if (event.type === 'StageVoided') {
      db.update(stageHandovers).set({ voidedAt: event.occurredAt }).where(eq(stageHandovers.stageId, event.data.stageId)).run();
    }
  }

  const transition = appended.find((e) => TRANSITIONS.has(e.type));
  if (transition) recordTerms(db, before, after);

  for (const d of totalsDelta(before, after)) {
    db.insert(totals)
      .values(d)
      .onConflictDoUpdate({
        target: [totals.party, totals.kind],
        set: {
          handedOver: sql`${totals.handedOver} + ${d.handedOver}`,
          received: sql`${totals.received} + ${d.received}`,
          agreedOutstanding: sql`${totals.agreedOutstanding} + ${d.agreedOutstanding}`,
          unspecifiedSides: sql`${totals.unspecifiedSides} + ${d.unspecifiedSides}`,
          proposed: sql`${totals.proposed} + ${d.proposed}`,
        },
      })
      .run();
  }
}


/**
 * Closes the terms in force and opens the new ones at the transition's world time (the
 * exchange's lastTransitionAt, which never moves back, so the intervals stay in order).
 */
function recordTerms(db: Db, before: ExchangeState | null, after: ExchangeState): void {
  const from = after.lastTransitionAt;
  if (before) {
    db.update(termsHistory).set({ validTo: from }).where(and(eq(termsHistory.exchangeId, after.id), isNull(termsHistory.validTo))).run();
  }
  for (const side of after.sides) {
    db.insert(termsHistory).values({
      exchangeId: after.id, party: side.party, kind: after.kind, version: after.version,
      status: after.status, handsOver: side.handsOver, validFrom: from, validTo: null,
    }).run();
  }
}
