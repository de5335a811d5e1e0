import { asc, eq, gt, lte, sql } from 'drizzle-orm';
import type { ObserverState } from '../../domain/observers.js';
import type { PartyState } from '../../domain/party.js';
import type { ReadingContribution } from '../../domain/reading-totals.js';
import type { RecordedLedgerEvent, ReportedExchangeEventData } from '../../domain/reported-events.js';
import type { ReportedSnapshot } from '../../domain/reported-exchange.js';
import type { ReportedStage } from '../../domain/reported-stage.js';
import { exchangeAsOf, totalsAsOf } from '../reported-as-of.js';
import type {
  ExchangeRecord,
  StoredClaim,
  ExchangeCursor,
  ExchangeQuery,
  LedgerStore,
  Page,
  TotalsQuery,
  LedgerHead,
  Progress,
  VerifyReport,
  WriteTransaction,
} from '../ledger-store.js';
import { exportEvents, headOf, verifyLedger } from './sqlite-audit.js';
import { ReadingQueries } from './reading-queries.js';
import { PreparedReads } from './read-queries.js';
import { openSqlite, type Db, type SqliteConnection } from './connection.js';
import { SqliteKeyStore } from './sqlite-key-store.js';
import { CommitsElsewhere } from './commits-elsewhere.js';
import { GroupCommitter } from './group-commit.js';
import { eventFromRow } from './rows.js';
import { SqliteTransaction } from './sqlite-transaction.js';
import { loadParty, loadExchangeWithStages, loadObserver, stageOf } from './writes.js';
import { claims, events, exchanges, observers, parties, reporters } from './schema.js';
import { ReadCache, type ReadCacheOptions } from './read-cache.js';
import { OneRunAtATime } from '../one-run-at-a-time.js';
import type { VerifyOptions } from './verify-ledger.js';

export interface SqliteStoreOptions {
  readCache?: ReadCacheOptions;
  /**
   * How a ledger large enough for a worker thread (verify-ledger.ts) is verified. `threads`:
   * `background` (the default, for the service) keeps the work off the thread that answers
   * requests; `split` shares it with that thread and is the fastest, for the CLI, which has
   * nothing else to do. A small ledger is verified on this thread either way.
   */
  verify?: Pick<VerifyOptions, 'threads' | 'splitFrom'>;
}

/**
 * The embedded store. better-sqlite3 is synchronous, so each command runs start to end in
 * its savepoint of one BEGIN IMMEDIATE batch transaction (group-commit.ts) without yielding to
 * the event loop: no other request can interleave, and a second process on the file waits on
 * the busy timeout for the lock.
 */
export class SqliteLedgerStore implements LedgerStore {
  private readonly db: Db;
  private readonly committer: GroupCommitter;
  private readonly reads: PreparedReads;
  private readonly readingReads: ReadingQueries;
  /**
   * Reads of more than one statement run in one read transaction: one snapshot even while
   * another process writes, and one shared lock taken instead of one per statement.
   */
  private readonly inSnapshot: <T>(read: () => T) => T;
  /** The exchange, list and totals answers, kept while the database is unchanged (read-cache.ts). */
  private readonly cache: ReadCache;
  private readonly verifications: OneRunAtATime<VerifyReport>;
  private readonly tx: SqliteTransaction;
  /** Commits by other connections and processes, looked at by each key check and reused in its turn. */
  private readonly elsewhere: CommitsElsewhere;
  readonly keys: SqliteKeyStore;

  constructor(
    private readonly conn: SqliteConnection,
    options: SqliteStoreOptions = {},
  ) {
    this.db = conn.db;
    this.elsewhere = new CommitsElsewhere(conn.sqlite);
    this.keys = new SqliteKeyStore(conn.db, conn.sqlite, this.elsewhere);
    this.committer = new GroupCommitter(conn.sqlite);
    this.tx = new SqliteTransaction(conn.db);
    this.reads = new PreparedReads(conn.db);
    this.readingReads = new ReadingQueries(conn.db);
    const snapshot = conn.sqlite.transaction((read: () => unknown) => read());
    this.inSnapshot = <T>(read: () => T) => snapshot(read) as T;
    // Rows this connection changed, and commits by any other connection or process: together,
    // every write the cached answers could have missed.
    // (The key check asks the second too: in one turn of the event loop they share one read of it.)
    const changedHere = conn.sqlite.prepare('SELECT total_changes()').pluck();
    this.cache = new ReadCache(
      {
        version: () => `${changedHere.get() as number}:${this.elsewhere.count()}`,
        writing: () => conn.sqlite.inTransaction,
      },
      options.readCache,
    );
    const verify: VerifyOptions = { ...options.verify, threads: options.verify?.threads ?? 'background' };
    this.verifications = new OneRunAtATime((progress) => verifyLedger(conn, progress, verify));
  }

  static open(path: string, migrationsFolder: string, options: SqliteStoreOptions = {}): SqliteLedgerStore {
    return new SqliteLedgerStore(openSqlite(path, migrationsFolder), options);
  }

  /** In a savepoint of the group committer's batch transaction (group-commit.ts). */
  transaction<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    return this.committer.submit(() => work(this.tx));
  }

  async getParty(id: string): Promise<PartyState | null> {
    return loadParty(this.db, id);
  }

  async listParties(): Promise<PartyState[]> {
    return this.db
      .select({ id: parties.id, name: parties.name, registeredAt: parties.registeredAt })
      .from(parties)
      .orderBy(asc(parties.id))
      .all();
  }

  async getExchange(id: string): Promise<ExchangeRecord | null> {
    return this.cache.read(`exchange:${id}`, () => loadExchangeWithStages(this.db, id));
  }

  async getStage(exchangeId: string, stageId: string): Promise<ReportedStage | null> {
    return stageOf(this.db, exchangeId, stageId);
  }

  async listExchanges(q: ExchangeQuery): Promise<Page<ReportedSnapshot, ExchangeCursor>> {
    return this.cache.read(`list:${JSON.stringify(q)}`, () => this.readPage(q));
  }

  private readPage(q: ExchangeQuery): Page<ReportedSnapshot, ExchangeCursor> {
    const rows = this.reads.listExchanges(q);
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return {
      items: page.map((r) => ({ state: JSON.parse(r.state), readings: JSON.parse(r.readings) })),
      next: rows.length > q.limit && last ? { occurredAt: last.occurredAt, seq: last.seq } : null,
    };
  }

  async exchangeHistory(id: string): Promise<RecordedLedgerEvent[] | null> {
    const rows = this.streamOf(id);
    return rows.length ? rows : null;
  }

  private streamOf(id: string): RecordedLedgerEvent<ReportedExchangeEventData>[] {
    return this.db
      .select()
      .from(events)
      .where(eq(events.streamId, id))
      .orderBy(asc(events.version))
      .all()
      .map(eventFromRow) as RecordedLedgerEvent<ReportedExchangeEventData>[];
  }

  async ledgerEvents(after: number, limit: number): Promise<RecordedLedgerEvent[]> {
    return this.db
      .select()
      .from(events)
      .where(gt(events.sequence, after))
      .orderBy(asc(events.sequence))
      .limit(limit)
      .all()
      .map(eventFromRow);
  }

  async totals(q: TotalsQuery): Promise<ReadingContribution[]> {
    return this.cache.read(`totals:${JSON.stringify(q)}`, () => this.readTotals(q));
  }

  private readTotals(q: TotalsQuery): ReadingContribution[] {
    return this.inSnapshot(() => {
      if (!q.asOf) return this.readingReads.totals(q);
      // Not narrowed by kind: a breakdown files counts under kinds other than the exchange's.
      const ids = this.db.select({ id: exchanges.id }).from(exchanges).where(lte(exchanges.occurredAt, q.asOf)).all();
      return totalsAsOf(
        ids.map(({ id }) => this.streamOf(id)),
        { ...q, asOf: q.asOf },
      );
    });
  }

  async reporters(): Promise<string[]> {
    return this.db
      .select({ id: reporters.id })
      .from(reporters)
      .orderBy(asc(reporters.firstSequence), asc(reporters.id))
      .all()
      .map((r) => r.id);
  }

  async getExchangeAsOf(id: string, asOf: string): Promise<ExchangeRecord | null> {
    // Fold only this exchange's events in force at T: cheap, and the same code as every write.
    return exchangeAsOf(this.streamOf(id), asOf);
  }

  async getObserver(id: string): Promise<ObserverState | null> {
    return loadObserver(this.db, id);
  }

  async listObservers(): Promise<ObserverState[]> {
    return this.db
      .select({ id: observers.id, name: observers.name, registeredAt: observers.registeredAt })
      .from(observers)
      .orderBy(asc(observers.id))
      .all();
  }

  async getClaim(id: string): Promise<StoredClaim | null> {
    const row = this.db.select({ claim: claims.claim }).from(claims).where(eq(claims.id, id)).get();
    return row ? (JSON.parse(row.claim) as StoredClaim) : null;
  }

  async listClaims(after: number, limit: number): Promise<StoredClaim[]> {
    return this.db
      .select({ claim: claims.claim })
      .from(claims)
      .where(gt(claims.sequence, after))
      .orderBy(asc(claims.sequence))
      .limit(limit)
      .all()
      .map((r) => JSON.parse(r.claim) as StoredClaim);
  }

  async head(): Promise<LedgerHead> {
    return headOf(this.conn);
  }

  exportEvents(after: number): AsyncIterable<RecordedLedgerEvent> {
    return exportEvents(this.conn, after);
  }

  async countEvents(after: number): Promise<number> {
    return this.db.select({ n: sql<number>`count(*)` }).from(events).where(gt(events.sequence, after)).get()!.n;
  }

  /** One verification at a time; callers who come while one runs share the next (one-run-at-a-time.ts). */
  verify(progress?: Progress): Promise<VerifyReport> {
    return this.verifications.run(progress);
  }

  async readiness(): Promise<{ ready: true } | { ready: false; reason: string }> {
    try {
      const applied = this.conn.sqlite.prepare('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number };
      if (applied.n < this.conn.expectedMigrations)
        return { ready: false, reason: `migrations applied: ${applied.n} of ${this.conn.expectedMigrations}` };
      return { ready: true };
    } catch {
      return { ready: false, reason: 'database not reachable' };
    }
  }

  /** Transactions committed and commands in them since start (group commit at work). */
  get commitStats(): { batches: number; commands: number } {
    return { ...this.committer.stats };
  }

  async close(): Promise<void> {
    await this.committer.drain();
    if (this.conn.sqlite.open) this.conn.sqlite.close();
  }
}
