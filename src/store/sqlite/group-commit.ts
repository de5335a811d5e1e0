import type Database from 'better-sqlite3';

interface Job<T> {
  /** The command's work; it runs in a SAVEPOINT of the batch's transaction. */
  run: () => Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** Enough to amortise the fsync; small enough that no request waits behind a long batch. */
const MAX_BATCH = 256;
/** Attempts at a batch whose lock could not be had within the busy timeout (another process). */
const BUSY_ATTEMPTS = 5;

/**
 * Group commit. With synchronous=FULL every COMMIT waits for the disk; commands arriving
 * together are therefore applied in ONE transaction, each in its own savepoint so a refused
 * or failing command fails alone, in arrival order. Each caller is answered only after the
 * COMMIT that made its command durable has returned.
 *
 * A job is async (the application layer's port), but better-sqlite3 answers at once, so a
 * command's awaits settle as microtasks: a batch runs to its COMMIT within one turn of the
 * event loop and no request can read the connection's uncommitted state meanwhile. A job that
 * awaits real I/O (an import reading its file) holds the batch, and the lock, until it ends.
 */
export class GroupCommitter {
  // biome-ignore lint/suspicious/noExplicitAny: jobs of every result type share the queue
  private queue: Job<any>[] = [];
  private running = false;
  private idle: (() => void)[] = [];
  /** How many transactions committed how many commands (for tests and the benchmark). */
  readonly stats = { batches: 0, commands: 0 };

  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;
  private readonly savepoint: Database.Statement;
  private readonly release: Database.Statement;
  private readonly rollbackToSavepoint: Database.Statement;

  constructor(private readonly sqlite: Database.Database) {
    this.begin = sqlite.prepare('BEGIN IMMEDIATE');
    this.commit = sqlite.prepare('COMMIT');
    this.rollback = sqlite.prepare('ROLLBACK');
    this.savepoint = sqlite.prepare('SAVEPOINT command');
    this.release = sqlite.prepare('RELEASE command');
    this.rollbackToSavepoint = sqlite.prepare('ROLLBACK TO command');
  }

  submit<T>(run: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve, reject });
      if (!this.running) {
        this.running = true;
        // After the I/O phase: every request parsed in this turn of the loop joins the batch.
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Resolves when nothing is queued (used before closing the database). */
  drain(): Promise<void> {
    if (this.queue.length === 0 && !this.running) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      await this.apply(batch);
    }
    this.running = false;
    for (const done of this.idle.splice(0)) done();
  }

  private async apply(batch: Job<unknown>[]): Promise<void> {
    if (!this.beginBatch(batch)) return;
    const outcomes: Outcome[] = [];
    try {
      for (const job of batch) {
        this.savepoint.run();
        try {
          outcomes.push({ ok: true, value: await job.run() });
          this.release.run();
        } catch (error) {
          // The savepoint is rolled back: this command leaves nothing behind.
          this.rollbackToSavepoint.run();
          this.release.run();
          outcomes.push({ ok: false, error });
        }
      }
      this.commit.run();
    } catch (error) {
      // Nothing of the batch is durable: every caller hears so.
      if (this.sqlite.inTransaction) this.rollback.run();
      for (const job of batch) job.reject(error);
      return;
    }
    this.stats.batches += 1;
    this.stats.commands += batch.length;
    batch.forEach((job, i) => {
      const o = outcomes[i]!;
      if (o.ok) job.resolve(o.value);
      else job.reject(o.error);
    });
  }

  /** BEGIN IMMEDIATE, retried while another process holds the lock; false (callers told) if never had. */
  private beginBatch(batch: Job<unknown>[]): boolean {
    for (let attempt = 1; ; attempt += 1) {
      try {
        this.begin.run();
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_BUSY' && attempt < BUSY_ATTEMPTS) continue;
        for (const job of batch) job.reject(error);
        return false;
      }
    }
  }
}
