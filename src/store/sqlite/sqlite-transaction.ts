import type { ObserverState } from '../../domain/observers.js';
import type { PartyState } from '../../domain/party.js';
import type { RecordedLedgerEvent } from '../../domain/reported-events.js';
import type { ReportedSnapshot } from '../../domain/reported-exchange.js';
import type { ReportedStage } from '../../domain/reported-stage.js';
import type {
  ChainHead,
  ExchangeChange,
  ExchangeRecord,
  IdempotencyRecord,
  StoredClaim,
  WriteTransaction,
} from '../ledger-store.js';
import type { Db } from './connection.js';
import { projectExchange } from './projections.js';
import { statementsFor } from './statements.js';
import {
  insertEvent,
  insertObserver,
  insertParty,
  ledgerHead,
  liveStagesOf,
  loadExchange,
  loadExchangeWithStages,
  loadObserver,
  loadParty,
  registeredAmong,
  reportersAmong,
  stageOf,
} from './writes.js';

/**
 * The port of the application layer on one SQLite connection, inside the transaction the
 * group committer holds. Every statement answers at once; the promises only fit the port.
 */
export class SqliteTransaction implements WriteTransaction {
  constructor(private readonly db: Db) {}

  async head(): Promise<ChainHead | null> {
    const h = ledgerHead(this.db);
    return h ? { sequence: h.sequence, hash: h.hash } : null;
  }

  async append(events: readonly RecordedLedgerEvent[]): Promise<void> {
    for (const e of events) insertEvent(this.db, e);
  }

  async exchange(id: string): Promise<ReportedSnapshot | null> {
    return loadExchange(this.db, id);
  }

  async exchangeWithStages(id: string): Promise<ExchangeRecord | null> {
    return loadExchangeWithStages(this.db, id);
  }

  async stage(exchangeId: string, stageId: string): Promise<ReportedStage | null> {
    return stageOf(this.db, exchangeId, stageId);
  }

  async liveStages(exchangeId: string): Promise<ReportedStage[]> {
    return liveStagesOf(this.db, exchangeId);
  }

  async observer(id: string): Promise<ObserverState | null> {
    return loadObserver(this.db, id);
  }

  async registeredReporters(ids: readonly string[]): Promise<Set<string>> {
    return reportersAmong(this.db, ids);
  }

  async claimIdTaken(claimId: string): Promise<boolean> {
    return statementsFor(this.db).claimIdTaken.get({ id: claimId }) !== undefined;
  }

  async projectObserver(observer: ObserverState, recordedAt: string): Promise<void> {
    insertObserver(this.db, observer, recordedAt);
  }

  async projectClaim(claim: StoredClaim): Promise<void> {
    statementsFor(this.db).insertClaim.run({
      id: claim.claimId,
      sequence: claim.sequence,
      claim: JSON.stringify(claim),
    });
  }

  async stageIdTaken(stageId: string): Promise<boolean> {
    return statementsFor(this.db).stageIdTaken.get({ stageId }) !== undefined;
  }

  async party(id: string): Promise<PartyState | null> {
    return loadParty(this.db, id);
  }

  async registeredParties(ids: readonly string[]): Promise<Set<string>> {
    return registeredAmong(this.db, ids);
  }

  async projectExchange(change: ExchangeChange): Promise<void> {
    projectExchange(this.db, change);
  }

  async projectParty(party: PartyState, recordedAt: string): Promise<void> {
    insertParty(this.db, party, recordedAt);
  }

  async idempotencyRecord(principal: string, key: string): Promise<IdempotencyRecord | null> {
    const seen = statementsFor(this.db).idempotencyRecord.get({ principal, key });
    if (!seen) return null;
    const response = { status: seen.status, headers: JSON.parse(seen.headers), body: JSON.parse(seen.body) };
    return { principal, key, fingerprint: seen.fingerprint, response, createdAt: seen.createdAt };
  }

  async rememberIdempotency(r: IdempotencyRecord): Promise<void> {
    statementsFor(this.db).insertIdempotency.run({
      principal: r.principal,
      key: r.key,
      fingerprint: r.fingerprint,
      status: r.response.status,
      headers: JSON.stringify(r.response.headers),
      body: JSON.stringify(r.response.body),
      createdAt: r.createdAt,
    });
  }
}
