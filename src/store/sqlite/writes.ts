import type { ObserverState } from '../../domain/observers.js';
import type { PartyState } from '../../domain/party.js';
import type { RecordedLedgerEvent } from '../../domain/reported-events.js';
import type { ReportedSnapshot } from '../../domain/reported-exchange.js';
import type { ReportedStage } from '../../domain/reported-stage.js';
import type { ExchangeRecord } from '../ledger-store.js';
import type { Db } from './connection.js';
import { rowFromEvent } from './rows.js';
import { statementsFor } from './statements.js';

/** The SQL of the write steps (sqlite-transaction.ts), each inside the caller's transaction. */

export function ledgerHead(
  db: Db,
): { sequence: number; hash: string; eventId: string; recordedAt: string } | undefined {
  return statementsFor(db).head.get();
}

export function insertEvent(db: Db, event: RecordedLedgerEvent): void {
  statementsFor(db).insertEvent.run(rowFromEvent(event));
}

/** The exchange's state and readings without its stages: one small row, however many stages it has. */
export function loadExchange(db: Db, id: string): ReportedSnapshot | null {
  const row = statementsFor(db).exchangeState.get({ id });
  return row ? { state: JSON.parse(row.state), readings: JSON.parse(row.readings) } : null;
}

/** The exchange with its stages, read in one statement (GET, and the answers that show stages). */
export function loadExchangeWithStages(db: Db, id: string): ExchangeRecord | null {
  const row = statementsFor(db).exchangeWithStages.get({ id });
  if (!row) return null;
  return { state: JSON.parse(row.state), readings: JSON.parse(row.readings), stages: JSON.parse(row.stages) };
}

export function stageOf(db: Db, exchangeId: string, stageId: string): ReportedStage | null {
  const row = statementsFor(db).stageReport.get({ exchangeId, stageId });
  return row ? (JSON.parse(row.stage) as ReportedStage) : null;
}

/** The exchange's stages still counted, in recording order. */
export function liveStagesOf(db: Db, exchangeId: string): ReportedStage[] {
  return statementsFor(db)
    .stageReports.all({ exchangeId })
    .map((r) => JSON.parse(r.stage) as ReportedStage)
    .filter((s) => s.voided === null);
}

export function loadParty(db: Db, id: string): PartyState | null {
  return statementsFor(db).party.get({ id }) ?? null;
}

export function loadObserver(db: Db, id: string): ObserverState | null {
  return statementsFor(db).observer.get({ id }) ?? null;
}

/** Which of these party ids are registered. */
export function registeredAmong(db: Db, ids: readonly string[]): Set<string> {
  const party = statementsFor(db).party;
  return new Set(ids.filter((id) => party.get({ id }) !== undefined));
}

/** Which of these ids are registered reporters: parties or observers (one id space). */
export function reportersAmong(db: Db, ids: readonly string[]): Set<string> {
  const { party, observer } = statementsFor(db);
  return new Set(ids.filter((id) => party.get({ id }) !== undefined || observer.get({ id }) !== undefined));
}

export function insertParty(db: Db, party: PartyState, recordedAt: string): void {
  statementsFor(db).insertParty.run({ ...party, recordedAt });
}

export function insertObserver(db: Db, observer: ObserverState, recordedAt: string): void {
  statementsFor(db).insertObserver.run({ ...observer, recordedAt });
}
