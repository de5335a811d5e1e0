import type pg from 'pg';
import type { RecordedEvent } from '../../domain/events.js';
import type { Exchange, ExchangeState, StageState } from '../../domain/exchange.js';
import type { PartyState } from '../../domain/party.js';
import type { ChainHead, ExchangeChange, IdempotencyRecord, WriteTransaction } from '../ledger-store.js';
import { projectExchange } from './projections.js';
import { exchangeWithStages, run } from './queries.js';
import { cannotBeStored, stagesFrom, type StageRow } from './rows.js';
import { WRITES } from './statements.js';

/**
 * The port of the application layer on the connection of one write transaction (see
 * PostgresLedgerStore.transaction: the write lock is held from its first statement). Reads
 * see the transaction's own writes.
 */
export class PgTransaction implements WriteTransaction {
  constructor(private readonly client: pg.PoolClient) {}

  async head(): Promise<ChainHead | null> {
    const [h] = await run<ChainHead>(this.client, WRITES.head);
    return h ?? null;
  }

  async append(events: readonly RecordedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const column = <T>(pick: (e: RecordedEvent) => T) => events.map(pick);
    await run(this.client, WRITES.insertEvents, [
      column((e) => e.sequence), column((e) => e.id), column((e) => e.streamId), column((e) => e.version), column((e) => e.type),
      column((e) => JSON.stringify(e.data)), column((e) => e.occurredAt), column((e) => e.recordedAt), column((e) => e.principal),
      column((e) => (e.source === null ? null : JSON.stringify(e.source))), column((e) => e.note), column((e) => e.prevHash),
      column((e) => e.hash),
    ]);
  }

  async exchange(id: string): Promise<ExchangeState | null> {
    if (cannotBeStored(id)) return null;
    const [row] = await run<{ state: string }>(this.client, WRITES.exchangeState, [id]);
    return row ? (JSON.parse(row.state) as ExchangeState) : null;
  }

  exchangeWithStages(id: string): Promise<Exchange | null> {
    return exchangeWithStages(this.client, id);
  }

  async stage(state: ExchangeState, stageId: string): Promise<StageState | null> {
    if (cannotBeStored(stageId)) return null;
    return stagesFrom(state, await run<StageRow>(this.client, WRITES.stageRowsById, [stageId, state.id]))[0] ?? null;
  }

  async liveStages(state: ExchangeState): Promise<StageState[]> {
    return stagesFrom(state, await run<StageRow>(this.client, WRITES.liveStageRows, [state.id]));
  }

  async stageIdTaken(stageId: string): Promise<boolean> {
    if (cannotBeStored(stageId)) return false;
    return (await run(this.client, WRITES.stageIdTaken, [stageId])).length > 0;
  }

  async party(id: string): Promise<PartyState | null> {
    if (cannotBeStored(id)) return null;
    const [row] = await run<PartyState>(this.client, WRITES.party, [id]);
    return row ?? null;
  }

  async registeredParties(ids: readonly string[]): Promise<Set<string>> {
    const storable = ids.filter((id) => !cannotBeStored(id));
    const rows = await run<{ id: string }>(this.client, WRITES.registeredAmong, [storable]);
    return new Set(rows.map((r) => r.id));
  }

  projectExchange(change: ExchangeChange): Promise<void> {
    return projectExchange(this.client, change);
  }

  async projectParty(party: PartyState, recordedAt: string): Promise<void> {
    await run(this.client, WRITES.insertParty, [party.id, party.name, party.registeredAt, recordedAt]);
  }

  async idempotencyRecord(principal: string, key: string): Promise<IdempotencyRecord | null> {
    if (cannotBeStored(principal, key)) return null;
    const [seen] = await run<{ fingerprint: string; status: number; headers: string; body: string; createdAt: string }>(
      this.client, WRITES.idempotencyRecord, [principal, key]);
    if (!seen) return null;
    const response = { status: seen.status, headers: JSON.parse(seen.headers), body: JSON.parse(seen.body) };
    return { principal, key, fingerprint: seen.fingerprint, response, createdAt: seen.createdAt };
  }

  async rememberIdempotency(r: IdempotencyRecord): Promise<void> {
    await run(this.client, WRITES.insertIdempotency, [
      r.principal, r.key, r.fingerprint, r.response.status, JSON.stringify(r.response.headers), JSON.stringify(r.response.body), r.createdAt,
    ]);
  }
}
