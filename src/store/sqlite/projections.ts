import { eq, sql } from 'drizzle-orm';
import type { ExchangeEventData, RecordedEvent } from '../../domain/events.js';
import type { ExchangeState } from '../../domain/exchange.js';
import { totalsDelta } from '../../domain/totals.js';
import type { Db } from './connection.js';
import { exchangeParties, exchanges, stageHandovers, totals } from './schema.js';

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

