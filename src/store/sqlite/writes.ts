import { desc, eq, inArray } from 'drizzle-orm';
import type { ExchangeEventData, PartyEventData, RecordedEvent } from '../../domain/events.js';
import { evolve, type ExchangeState } from '../../domain/exchange.js';
import type { PartyState } from '../../domain/party.js';
import type { Db } from './connection.js';
import { projectExchange } from './projections.js';
import { rowFromEvent } from './rows.js';
import { events, exchanges, parties } from './schema.js';

/** The write steps every path shares (commands, import), each inside the caller's transaction. */

export function ledgerHead(db: Db): { sequence: number; hash: string; eventId: string; recordedAt: string } | undefined {
  return db.select({ sequence: events.sequence, hash: events.hash, eventId: events.id, recordedAt: events.recordedAt }).from(events).orderBy(desc(events.sequence)).limit(1).get();
}

export function insertEvent(db: Db, event: RecordedEvent): void {
  db.insert(events).values(rowFromEvent(event)).run();
}

export function loadExchange(db: Db, id: string): ExchangeState | null {
  const row = db.select({ state: exchanges.state }).from(exchanges).where(eq(exchanges.id, id)).get();
  return row ? (JSON.parse(row.state) as ExchangeState) : null;
}

export function loadParty(db: Db, id: string): PartyState | null {
  const row = db.select().from(parties).where(eq(parties.id, id)).get();
  return row ? { id: row.id, name: row.name, registeredAt: row.registeredAt } : null;
}

export function registeredAmong(db: Db, ids: readonly string[]): Set<string> {
  if (ids.length === 0) return new Set();
  return new Set(db.select({ id: parties.id }).from(parties).where(inArray(parties.id, [...ids])).all().map((r) => r.id));
}

/** Folds appended events into the exchange and brings every read model up to date. */
export function applyExchangeEvents(db: Db, before: ExchangeState | null, appended: readonly RecordedEvent<ExchangeEventData>[]): ExchangeState {
  const after = appended.reduce<ExchangeState | null>((s, e) => evolve(s, e), before)!;
  projectExchange(db, before, after, appended);
  return after;
}

export function applyPartyRegistered(db: Db, event: RecordedEvent<PartyEventData>): PartyState {
  const party: PartyState = { id: event.data.partyId, name: event.data.name, registeredAt: event.occurredAt };
  db.insert(parties).values({ ...party, recordedAt: event.recordedAt }).run();
  return party;
}
