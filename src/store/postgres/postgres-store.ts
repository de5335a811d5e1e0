import type pg from 'pg';
import { GENESIS_HASH } from '../../audit/hash-chain.js';
import { eventsInForceAt } from '../../domain/as-of.js';
import type { ExchangeEventData, RecordedEvent } from '../../domain/events.js';
import { fold, type Exchange, type ExchangeState, type StageState } from '../../domain/exchange.js';
import type { PartyState } from '../../domain/party.js';
import type { Contribution } from '../../domain/totals.js';
import type {
  ExchangeCursor, ExchangeQuery, LedgerHead, LedgerStore, Page, Progress, TotalsQuery, VerifyReport, WriteTransaction,
} from '../ledger-store.js';
import { OneRunAtATime } from '../one-run-at-a-time.js';
import { createPool, describeUrl, openFailure, type PostgresOptions } from './connection.js';
import { WRITE_LOCK } from './locks.js';
import { appliedCount, migrateOnce, PG_MIGRATIONS_FOLDER, shippedMigrations } from './migrations.js';
import { PgKeyStore } from './pg-key-store.js';
import { PgTransaction } from './pg-transaction.js';
import { exchangeWithStages, run } from './queries.js';
import { listExchanges, totals } from './read-queries.js';
import { cannotBeStored, eventFromRow, stagesFrom, type EventRow, type StageRow } from './rows.js';
import { inTransaction } from './session.js';
import { READS, WRITES } from './statements.js';
import { totalsAsOf } from './totals-as-of.js';
import { verifyOn } from './verify-ledger.js';
import { WriteQueue } from './write-queue.js';

export { PostgresOpenError, type PostgresOptions } from './connection.js';

/** Events per page of an export. */
const EXPORT_PAGE = 1000;

/** No sequence reaches this; a larger `after` (a client may send 1e300) asks for what it does. */
const clampSequence = (n: number) => Math.min(n, Number.MAX_SAFE_INTEGER);

/**
 * The server store: the ledger in a PostgreSQL database, which several instances of the
 * service may share. Write transactions take a transaction-level advisory lock (WRITE_LOCK)
 * before their first read, so that they run one at a time across all instances: each sees
 * every earlier commit (the chain head, an Idempotency-Key's first answer), sequence numbers
 * are gapless and in commit order, and the hash chain stays one chain. Reads run beside them,
 * each in one statement (one snapshot).
 */
export class PostgresLedgerStore implements LedgerStore {
  readonly keys: PgKeyStore;
  private readonly writes = new WriteQueue();
  private readonly verifications: OneRunAtATime<VerifyReport>;

  private constructor(private readonly pool: pg.Pool, private readonly shipped: readonly number[]) {
    this.keys = new PgKeyStore(pool);
    this.verifications = new OneRunAtATime((progress) => inTransaction(pool, (client) => verifyOn(client, progress)));
  }

  /**
   * Connects to the database at `url` (postgres://user:password@host:port/database) and
   * applies pending migrations (once, however many instances start together). Rejects with
   * PostgresOpenError, whose message is one line naming the server and the reason, when the
   * URL is bad, the server unreachable, the database missing or the login refused.
   */
  static async open(url: string, options: PostgresOptions = {}): Promise<PostgresLedgerStore> {
    const target = describeUrl(url);
    const folder = options.migrationsFolder ?? PG_MIGRATIONS_FOLDER;
    let pool: pg.Pool;
    try {
      pool = createPool(url, options);
    } catch (error) {
      throw openFailure(target, error);
    }
    try {
      await migrateOnce(pool, folder);
      return new PostgresLedgerStore(pool, shippedMigrations(folder));
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw openFailure(target, error);
    }
  }

  transaction<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    return this.writes.run(() => inTransaction(this.pool, async (client) => {
      // The lock first, with BEGIN in one round trip: nothing is read before it is held.
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK})`);
      return work(new PgTransaction(client));
    }));
  }

  async getParty(id: string): Promise<PartyState | null> {
    if (cannotBeStored(id)) return null;
    const [row] = await run<PartyState>(this.pool, WRITES.party, [id]);
    return row ?? null;
  }

  listParties(): Promise<PartyState[]> {
    return run<PartyState>(this.pool, READS.parties);
  }

  getExchange(id: string): Promise<Exchange | null> {
    return exchangeWithStages(this.pool, id);
  }

  async getStage(exchangeId: string, stageId: string): Promise<StageState | null> {
    if (cannotBeStored(exchangeId, stageId)) return null;
    const rows = await run<StageRow & { state: string }>(this.pool, READS.exchangeAndStage, [exchangeId, stageId]);
    if (rows.length === 0) return null;
    const state = JSON.parse(rows[0]!.state) as ExchangeState;
    return stagesFrom(state, rows.filter((r) => r.stageId !== null))[0] ?? null;
  }

  listExchanges(query: ExchangeQuery): Promise<Page<ExchangeState, ExchangeCursor>> {
    return listExchanges(this.pool, query);
  }

  async exchangeHistory(id: string): Promise<RecordedEvent[] | null> {
    const stream = await this.stream(id);
    return stream.length ? stream : null;
  }

  async ledgerEvents(after: number, limit: number): Promise<RecordedEvent[]> {
    return (await run<EventRow>(this.pool, READS.eventsAfter, [clampSequence(after), limit])).map(eventFromRow);
  }

  totals(query: TotalsQuery): Promise<Contribution[]> {
    if (query.asOf !== undefined) return totalsAsOf(this.pool, { ...query, asOf: query.asOf });
    return totals(this.pool, query);
  }

  async getExchangeAsOf(id: string, asOf: string): Promise<Exchange | null> {
    // Fold only this exchange's events in force at T: cheap, and the same code as every write.
    const inForce = eventsInForceAt(await this.stream(id) as RecordedEvent<ExchangeEventData>[], asOf);
    return inForce[0]?.type === 'ExchangeProposed' ? fold(inForce) : null;
  }

  private async stream(id: string): Promise<RecordedEvent[]> {
    if (cannotBeStored(id)) return [];
    return (await run<EventRow>(this.pool, READS.stream, [id])).map(eventFromRow);
  }

  async head(): Promise<LedgerHead> {
    const [h] = await run<LedgerHead>(this.pool, READS.head);
    return h ?? { sequence: 0, hash: GENESIS_HASH, eventId: null, recordedAt: null };
  }

  /** Pages by sequence up to the head at the start: a consistent prefix (commits are in sequence order), never all in memory. */
  async *exportEvents(after: number): AsyncIterable<RecordedEvent> {
    const upTo = (await this.head()).sequence;
    let cursor = clampSequence(after);
    while (cursor < upTo) {
      const page = await run<EventRow>(this.pool, READS.eventsBetween, [cursor, upTo, EXPORT_PAGE]);
      if (page.length === 0) return;
      for (const row of page) yield eventFromRow(row);
      cursor = page.at(-1)!.sequence;
    }
  }

  async countEvents(after: number): Promise<number> {
    const [row] = await run<{ n: number }>(this.pool, READS.countAfter, [clampSequence(after)]);
    return row!.n;
  }

  /** On one snapshot of its own; one verification at a time, callers who come meanwhile share the next (one-run-at-a-time.ts). */
  verify(progress?: Progress): Promise<VerifyReport> {
    return this.verifications.run(progress);
  }

  async readiness(): Promise<{ ready: true } | { ready: false; reason: string }> {
    let applied: number;
    try {
      applied = await appliedCount(this.pool, this.shipped);
    } catch {
      return { ready: false, reason: 'database not reachable' };
    }
    if (applied < this.shipped.length) return { ready: false, reason: `migrations applied: ${applied} of ${this.shipped.length}` };
    return { ready: true };
  }

  async close(): Promise<void> {
    await this.writes.drain();
    await this.pool.end();
  }
}
