import type pg from 'pg';
import { GENESIS_HASH } from '../../audit/hash-chain.js';
import type { ReporterId } from '../../domain/accounts.js';
import type { ObserverState } from '../../domain/observers.js';
import type { PartyState } from '../../domain/party.js';
import type { ReadingContribution } from '../../domain/reading-totals.js';
import type { RecordedLedgerEvent, ReportedExchangeEventData } from '../../domain/reported-events.js';
import type { ReportedSnapshot } from '../../domain/reported-exchange.js';
import type { ReportedStage } from '../../domain/reported-stage.js';
import type {
  ExchangeCursor,
  ExchangeQuery,
  ExchangeRecord,
  LedgerHead,
  LedgerStore,
  Page,
  Progress,
  StoredClaim,
  TotalsQuery,
  VerifyReport,
  WriteTransaction,
} from '../ledger-store.js';
import { OneRunAtATime } from '../one-run-at-a-time.js';
import { exchangeAsOf } from '../reported-as-of.js';
import { createPool, describeUrl, openFailure, type PostgresOptions } from './connection.js';
import { appliedCount, migrateOnce, PG_MIGRATIONS_FOLDER, shippedMigrations } from './migrations.js';
import { PgKeyStore } from './pg-key-store.js';
import { GroupCommitter } from './group-commit.js';
import { exchangeWithStages, run } from './queries.js';
import { listExchanges, readingTotals } from './read-queries.js';
import { cannotBeStored, eventFromRow, type EventRow } from './rows.js';
import { inTransaction } from './session.js';
import { READS, WRITES } from './statements.js';
import { totalsAsOf } from './totals-as-of.js';
import { verifyOn } from './verify-ledger.js';

export { PostgresOpenError, type PostgresOptions } from './connection.js';

/** Events per page of an export. */
const EXPORT_PAGE = 1000;

/** No sequence reaches this, and PostgreSQL reads no bigint from 1e300: a larger `after` asks for what this does. */
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
  private closed = false;
  readonly keys: PgKeyStore;
  private readonly committer: GroupCommitter;
  private readonly verifications: OneRunAtATime<VerifyReport>;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly shipped: readonly number[],
    options: PostgresOptions,
  ) {
    this.keys = new PgKeyStore(pool);
    this.committer = new GroupCommitter(pool, options.maxBatch);
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
      throw openFailure(target, error, options);
    }
    try {
      await migrateOnce(pool, folder);
      return new PostgresLedgerStore(pool, shippedMigrations(folder), options);
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw openFailure(target, error, options);
    }
  }

  /** In a savepoint of one batch transaction under the write lock (group-commit.ts). */
  transaction<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    return this.committer.submit(work);
  }

  async getParty(id: string): Promise<PartyState | null> {
    if (cannotBeStored(id)) return null;
    const [row] = await run<PartyState>(this.pool, WRITES.party, [id]);
    return row ?? null;
  }

  listParties(): Promise<PartyState[]> {
    return run<PartyState>(this.pool, READS.parties);
  }

  getExchange(id: string): Promise<ExchangeRecord | null> {
    return exchangeWithStages(this.pool, id);
  }

  async getStage(exchangeId: string, stageId: string): Promise<ReportedStage | null> {
    if (cannotBeStored(exchangeId, stageId)) return null;
    const [row] = await run<{ stage: string }>(this.pool, WRITES.stage, [stageId, exchangeId]);
    return row ? (JSON.parse(row.stage) as ReportedStage) : null;
  }

  listExchanges(query: ExchangeQuery): Promise<Page<ReportedSnapshot, ExchangeCursor>> {
    return listExchanges(this.pool, query);
  }

  async exchangeHistory(id: string): Promise<RecordedLedgerEvent[] | null> {
    const stream = await this.stream(id);
    return stream.length ? stream : null;
  }

  async ledgerEvents(after: number, limit: number): Promise<RecordedLedgerEvent[]> {
    return (await run<EventRow>(this.pool, READS.eventsAfter, [clampSequence(after), limit])).map(eventFromRow);
  }

  totals(query: TotalsQuery): Promise<ReadingContribution[]> {
    if (query.asOf !== undefined) return totalsAsOf(this.pool, { ...query, asOf: query.asOf });
    return readingTotals(this.pool, query);
  }

  async reporters(): Promise<ReporterId[]> {
    return (await run<{ id: string }>(this.pool, READS.reporters)).map((r) => r.id);
  }

  async getExchangeAsOf(id: string, asOf: string): Promise<ExchangeRecord | null> {
    // Fold only this exchange's events in force at T: cheap, and the same code as every write.
    return exchangeAsOf((await this.stream(id)) as RecordedLedgerEvent<ReportedExchangeEventData>[], asOf);
  }

  async getObserver(id: string): Promise<ObserverState | null> {
    if (cannotBeStored(id)) return null;
    const [row] = await run<ObserverState>(this.pool, WRITES.observer, [id]);
    return row ?? null;
  }

  listObservers(): Promise<ObserverState[]> {
    return run<ObserverState>(this.pool, READS.observers);
  }

  async getClaim(id: string): Promise<StoredClaim | null> {
    if (cannotBeStored(id)) return null;
    const [row] = await run<{ claim: string }>(this.pool, READS.claim, [id]);
    return row ? (JSON.parse(row.claim) as StoredClaim) : null;
  }

  async listClaims(after: number, limit: number): Promise<StoredClaim[]> {
    const rows = await run<{ claim: string }>(this.pool, READS.claimsAfter, [clampSequence(after), limit]);
    return rows.map((r) => JSON.parse(r.claim) as StoredClaim);
  }

  private async stream(id: string): Promise<RecordedLedgerEvent[]> {
    if (cannotBeStored(id)) return [];
    return (await run<EventRow>(this.pool, READS.stream, [id])).map(eventFromRow);
  }

  async head(): Promise<LedgerHead> {
    const [h] = await run<LedgerHead>(this.pool, READS.head);
    return h ?? { sequence: 0, hash: GENESIS_HASH, eventId: null, recordedAt: null };
  }

  /**
   * Pages by sequence up to the head at the start: a consistent prefix (commits are in
   * sequence order), never all in memory.
   */
  async *exportEvents(after: number): AsyncIterable<RecordedLedgerEvent> {
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

  /**
   * On one snapshot of its own; one verification at a time, callers who come meanwhile share
   * the next (one-run-at-a-time.ts).
   */
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
    if (applied < this.shipped.length)
      return { ready: false, reason: `migrations applied: ${applied} of ${this.shipped.length}` };
    return { ready: true };
  }

  /** Transactions committed and commands in them since start (group commit at work). */
  get commitStats(): { batches: number; commands: number } {
    return { ...this.committer.stats };
  }

  async close(): Promise<void> {
    // Closing twice (a CLI's finally after a test's close) is no error, as on SQLite.
    if (this.closed) return;
    this.closed = true;
    await this.committer.drain();
    await this.pool.end();
  }
}
