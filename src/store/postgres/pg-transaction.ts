import type pg from 'pg';
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
import { projectExchange } from './projections.js';
import { exchangeWithStages, run } from './queries.js';
import { cannotBeStored, snapshotOf, type SnapshotText } from './rows.js';
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
 *
 * What this transaction itself wrote of an exchange's row and of the reporters is answered
 * from memory, exactly as the rows it wrote would answer: an import, one transaction that
 * replays a whole ledger, would otherwise read back every row it has just written.
 */
/** Writes sent and not yet answered, at most (see keepUp). */
const IN_FLIGHT = 256;

export class PgTransaction implements WriteTransaction {
  private readonly writes: Promise<unknown>[] = [];
  /** Exchange id → the JSON this transaction wrote in its row. */
  private readonly statesWritten = new Map<string, SnapshotText>();
  /** The parties this transaction registered or found registered. */
  private readonly partiesKnown = new Map<string, PartyState>();
  /** The observers this transaction registered or found registered. */
  private readonly observersKnown = new Map<string, ObserverState>();

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

  /**
   * After a few hundred writes in flight, waits for them: what is sent and not yet answered
   * is held in memory (an import replays a whole ledger in one transaction).
   */
  private async keepUp(): Promise<void> {
    if (this.writes.length >= IN_FLIGHT) await this.settle();
  }

  /**
   * A read, in order after the writes sent before it. Once it has answered, so have they,
   * without failing: after a failed statement PostgreSQL refuses every other until the
   * transaction (or savepoint) is rolled back. If it fails because one of them did, that
   * one's error is thrown.
   */
  private async read<R extends pg.QueryResultRow>(statement: Statement, values: unknown[]): Promise<R[]> {
    try {
      const rows = await run<R>(this.client, statement, values);
      this.writes.length = 0;
      return rows;
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

  async append(events: readonly RecordedLedgerEvent[]): Promise<void> {
    if (events.length === 0) return;
    const column = <T>(pick: (e: RecordedLedgerEvent) => T) => events.map(pick);
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
    await this.keepUp();
  }

  async exchange(id: string): Promise<ReportedSnapshot | null> {
    if (cannotBeStored(id)) return null;
    const written = this.statesWritten.get(id);
    if (written !== undefined) return snapshotOf(written);
    const [row] = await this.read<SnapshotText>(WRITES.exchangeState, [id]);
    return row ? snapshotOf(row) : null;
  }

  async exchangeWithStages(id: string): Promise<ExchangeRecord | null> {
    if (cannotBeStored(id)) return null;
    try {
      const exchange = await exchangeWithStages(this.client, id);
      this.writes.length = 0;
      return exchange;
    } catch (error) {
      await this.settle();
      throw error;
    }
  }

  async stage(exchangeId: string, stageId: string): Promise<ReportedStage | null> {
    if (cannotBeStored(exchangeId, stageId)) return null;
    const [row] = await this.read<{ stage: string }>(WRITES.stage, [stageId, exchangeId]);
    return row ? (JSON.parse(row.stage) as ReportedStage) : null;
  }

  /** Every stage is read and the voided ones are left out here: only a completion asks, once an exchange. */
  async liveStages(exchangeId: string): Promise<ReportedStage[]> {
    if (cannotBeStored(exchangeId)) return [];
    const rows = await this.read<{ stage: string }>(WRITES.stagesOf, [exchangeId]);
    return rows.map((r) => JSON.parse(r.stage) as ReportedStage).filter((s) => s.voided === null);
  }

  async stageIdTaken(stageId: string): Promise<boolean> {
    if (cannotBeStored(stageId)) return false;
    return (await this.read(WRITES.stageIdTaken, [stageId])).length > 0;
  }

  async party(id: string): Promise<PartyState | null> {
    if (cannotBeStored(id)) return null;
    const known = this.partiesKnown.get(id);
    if (known) return { ...known };
    const [row] = await this.read<PartyState>(WRITES.party, [id]);
    if (row) this.partiesKnown.set(id, { ...row });
    return row ?? null;
  }

  async observer(id: string): Promise<ObserverState | null> {
    if (cannotBeStored(id)) return null;
    const known = this.observersKnown.get(id);
    if (known) return { ...known };
    const [row] = await this.read<ObserverState>(WRITES.observer, [id]);
    if (row) this.observersKnown.set(id, { ...row });
    return row ?? null;
  }

  async registeredParties(ids: readonly string[]): Promise<Set<string>> {
    const registered = new Set(ids.filter((id) => this.partiesKnown.has(id)));
    const unknown = ids.filter((id) => !registered.has(id) && !cannotBeStored(id));
    if (unknown.length === 0) return registered;
    for (const { id } of await this.read<{ id: string }>(WRITES.registeredAmong, [unknown])) registered.add(id);
    return registered;
  }

  async registeredReporters(ids: readonly string[]): Promise<Set<string>> {
    const registered = new Set(ids.filter((id) => this.partiesKnown.has(id) || this.observersKnown.has(id)));
    const unknown = ids.filter((id) => !registered.has(id) && !cannotBeStored(id));
    if (unknown.length === 0) return registered;
    for (const { id } of await this.read<{ id: string }>(WRITES.reportersAmong, [unknown])) registered.add(id);
    return registered;
  }

  async claimIdTaken(claimId: string): Promise<boolean> {
    if (cannotBeStored(claimId)) return false;
    return (await this.read(WRITES.claimIdTaken, [claimId])).length > 0;
  }

  async projectExchange(change: ExchangeChange): Promise<void> {
    this.statesWritten.set(
      change.after.state.id,
      projectExchange((statement, values) => this.write(statement, values), change),
    );
    await this.keepUp();
  }

  async projectParty(party: PartyState, recordedAt: string): Promise<void> {
    this.write(WRITES.insertParty, [party.id, party.name, party.registeredAt, recordedAt]);
    this.partiesKnown.set(party.id, { ...party });
    await this.keepUp();
  }

  async projectObserver(observer: ObserverState, recordedAt: string): Promise<void> {
    this.write(WRITES.insertObserver, [observer.id, observer.name, observer.registeredAt, recordedAt]);
    this.observersKnown.set(observer.id, { ...observer });
    await this.keepUp();
  }

  async projectClaim(claim: StoredClaim): Promise<void> {
    this.write(WRITES.insertClaim, [claim.claimId, claim.sequence, JSON.stringify(claim)]);
    await this.keepUp();
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
    await this.keepUp();
  }
}
