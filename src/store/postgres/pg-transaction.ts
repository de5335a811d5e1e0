import type pg from 'pg';
import type { RecordedEvent } from '../../domain/events.js';
import type { Exchange, ExchangeState, StageState } from '../../domain/exchange.js';
import type { PartyState } from '../../domain/party.js';
import type { ChainHead, ExchangeChange, IdempotencyRecord, WriteTransaction } from '../ledger-store.js';
import { projectExchange } from './projections.js';
import { exchangeWithStages, run } from './queries.js';
import { cannotBeStored, stagesFrom, type StageRow } from './rows.js';
import { WRITES, type Statement } from './statements.js';

/**
 * The port of the application layer on the connection of one write transaction, which holds
 * the write lock (PostgresLedgerStore.transaction). Reads see the transaction's own writes.
 *
 * Writes are pipelined: sent at once, not waited for, as nothing of this transaction depends
 * on their answers (the connection is in pipeline mode, and PostgreSQL runs what it is sent
 * in order). A read waits, and so does the end of the transaction (`settle`), which fails
 * with the first write that failed: a command's dozen statements cost a few round trips
 * instead of one each, all under the lock that every other write is waiting for.
 */
export class PgTransaction implements WriteTransaction {
  private readonly writes: Promise<unknown>[] = [];

  /** `head`: the chain head as read when the lock was taken; it moves with each append. */
  constructor(
    private readonly client: pg.PoolClient,
    private chainHead: ChainHead | null,
  ) {}

  /** Sends a write without waiting for its answer (see settle). */
  write(statement: Statement, values: unknown[]): void {
    const sent = run(this.client, statement, values);
    sent.catch(() => undefined); // observed by settle
    this.writes.push(sent);
  }

  /** A read, in order after the writes sent before it; if it fails because one of them did, that one's error. */
  private async read<R extends pg.QueryResultRow>(statement: Statement, values: unknown[]): Promise<R[]> {
    try {
      return await run<R>(this.client, statement, values);
    } catch (error) {
      await this.settle();
      throw error;
    }
  }

  /** Waits for every write sent; throws the first that failed. */
  async settle(): Promise<void> {
    const outcomes = await Promise.allSettled(this.writes.splice(0));
    const failed = outcomes.find((o) => o.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async head(): Promise<ChainHead | null> {
    return this.chainHead;
  }

  async append(events: readonly RecordedEvent[]): Promise<void> {
    if (events.length === 0) return;
    const column = <T>(pick: (e: RecordedEvent) => T) => events.map(pick);
    this.write(WRITES.insertEvents, [
      column((e) => e.sequence),
      column((e) => e.id),
      column((e) => e.streamId),
      column((e) => e.version),
      column((e) => e.type),
      column((e) => JSON.stringify(e.data)),
      column((e) => e.occurredAt),
      column((e) => e.recordedAt),
      column((e) => e.principal),
      column((e) => (e.source === null ? null : JSON.stringify(e.source))),
      column((e) => e.note),
      column((e) => e.prevHash),
      column((e) => e.hash),
    ]);
    const last = events.at(-1)!;
    this.chainHead = { sequence: last.sequence, hash: last.hash };
  }

  async exchange(id: string): Promise<ExchangeState | null> {
    if (cannotBeStored(id)) return null;
    const [row] = await this.read<{ state: string }>(WRITES.exchangeState, [id]);
    return row ? (JSON.parse(row.state) as ExchangeState) : null;
  }

  async exchangeWithStages(id: string): Promise<Exchange | null> {
    try {
      return await exchangeWithStages(this.client, id);
    } catch (error) {
      await this.settle();
      throw error;
    }
  }

  async stage(state: ExchangeState, stageId: string): Promise<StageState | null> {
    if (cannotBeStored(stageId)) return null;
    return stagesFrom(state, await this.read<StageRow>(WRITES.stageRowsById, [stageId, state.id]))[0] ?? null;
  }

  async liveStages(state: ExchangeState): Promise<StageState[]> {
    return stagesFrom(state, await this.read<StageRow>(WRITES.liveStageRows, [state.id]));
  }

  async stageIdTaken(stageId: string): Promise<boolean> {
    if (cannotBeStored(stageId)) return false;
    return (await this.read(WRITES.stageIdTaken, [stageId])).length > 0;
  }

  async party(id: string): Promise<PartyState | null> {
    if (cannotBeStored(id)) return null;
    const [row] = await this.read<PartyState>(WRITES.party, [id]);
    return row ?? null;
  }

  async registeredParties(ids: readonly string[]): Promise<Set<string>> {
    const storable = ids.filter((id) => !cannotBeStored(id));
    const rows = await this.read<{ id: string }>(WRITES.registeredAmong, [storable]);
    return new Set(rows.map((r) => r.id));
  }

  async projectExchange(change: ExchangeChange): Promise<void> {
    projectExchange((statement, values) => this.write(statement, values), change);
  }

  async projectParty(party: PartyState, recordedAt: string): Promise<void> {
    this.write(WRITES.insertParty, [party.id, party.name, party.registeredAt, recordedAt]);
  }

  async idempotencyRecord(principal: string, key: string): Promise<IdempotencyRecord | null> {
    if (cannotBeStored(principal, key)) return null;
    const [seen] = await this.read<{
      fingerprint: string;
      status: number;
      headers: string;
      body: string;
      createdAt: string;
    }>(WRITES.idempotencyRecord, [principal, key]);
    if (!seen) return null;
    const response = { status: seen.status, headers: JSON.parse(seen.headers), body: JSON.parse(seen.body) };
    return { principal, key, fingerprint: seen.fingerprint, response, createdAt: seen.createdAt };
  }

  async rememberIdempotency(r: IdempotencyRecord): Promise<void> {
    this.write(WRITES.insertIdempotency, [
      r.principal,
      r.key,
      r.fingerprint,
      r.response.status,
      JSON.stringify(r.response.headers),
      JSON.stringify(r.response.body),
      r.createdAt,
    ]);
  }
}
