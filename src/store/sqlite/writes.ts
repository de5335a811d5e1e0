import type { ExchangeEventData, PartyEventData, RecordedEvent } from '../../domain/events.js';
import { evolve, type ExchangeState } from '../../domain/exchange.js';
import type { PartyState } from '../../domain/party.js';
import type { Db } from './connection.js';
import { projectExchange } from './projections.js';
import { rowFromEvent } from './rows.js';
import { statementsFor } from './statements.js';

/** The write steps every path shares (commands, import), each inside the caller's transaction. */

export function ledgerHead(db: Db): { sequence: number; hash: string; eventId: string; recordedAt: string } | undefined {
  return statementsFor(db).head.get();
}

export function insertEvent(db: Db, event: RecordedEvent): void {
  statementsFor(db).insertEvent.run(rowFromEvent(event));
}

export function loadExchange(db: Db, id: string): ExchangeState | null {
  const row = statementsFor(db).exchangeState.get({ id });
  return row ? (JSON.parse(row.state) as ExchangeState) : null;
}

export function loadParty(db: Db, id: string): PartyState | null {
  const row = statementsFor(db).party.get({ id });
  return row ? { id: row.id, name: row.name, registeredAt: row.registeredAt } : null;
}

export function registeredAmong(db: Db, ids: readonly string[]): Set<string> {
  const party = statementsFor(db).party;
  return new Set(ids.filter((id) => party.get({ id }) !== undefined));
}

/** Folds appended events into the exchange and brings every read model up to date. */
export function applyExchangeEvents(db: Db, before: ExchangeState | null, appended: readonly RecordedEvent<ExchangeEventData>[]): ExchangeState {
  const after = appended.reduce<ExchangeState | null>((s, e) => evolve(s, e), before)!;
  projectExchange(db, before, after, appended);
  return after;
}

export function applyPartyRegistered(db: Db, event: RecordedEvent<PartyEventData>): PartyState {
  const party: PartyState = { id: event.data.partyId, name: event.data.name, registeredAt: event.occurredAt };
  statementsFor(db).insertParty.run({ ...party, recordedAt: event.recordedAt });
  return party;
}
