import type { RecordedEvent } from '../../domain/events.js';
import type { Exchange, ExchangeState, StageState } from '../../domain/exchange.js';
import type { PartyState } from '../../domain/party.js';
import type { ChainHead, ExchangeChange, IdempotencyRecord, WriteTransaction } from '../ledger-store.js';
import type { Db } from './connection.js';
import { projectExchange } from './projections.js';
import { statementsFor } from './statements.js';
import {
  insertEvent,
  insertParty,
  ledgerHead,
  liveStagesOf,
  loadExchange,
  loadExchangeWithStages,
  loadParty,
  registeredAmong,
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

  async append(events: readonly RecordedEvent[]): Promise<void> {
    for (const e of events) insertEvent(this.db, e);
  }

  async exchange(id: string): Promise<ExchangeState | null> {
    return loadExchange(this.db, id);
  }

  async exchangeWithStages(id: string): Promise<Exchange | null> {
    return loadExchangeWithStages(this.db, id);
  }

  async stage(state: ExchangeState, stageId: string): Promise<StageState | null> {
    return stageOf(this.db, state, stageId) ?? null;
  }

  async liveStages(state: ExchangeState): Promise<StageState[]> {
    return liveStagesOf(this.db, state);
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
