import type Database from 'better-sqlite3';

interface Job<T> {
  /** The command's work; it runs in a SAVEPOINT of the batch's transaction. */
  run: () => T;
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
 */
export class GroupCommitter {
  private queue: Job<any>[] = [];
  private scheduled = false;
  private idle: (() => void)[] = [];
  /** How many transactions committed how many commands (for tests and the benchmark). */
  readonly stats = { batches: 0, commands: 0 };

  // Made once: better-sqlite3 prepares BEGIN/SAVEPOINT/COMMIT for each wrapper it creates.
  private readonly inSavepoint: (run: () => unknown) => unknown;
  private readonly applyBatch: Database.Transaction<(batch: Job<unknown>[], outcomes: Outcome[]) => void>;

  constructor(sqlite: Database.Database) {
    this.inSavepoint = sqlite.transaction((run: () => unknown) => run());
    this.applyBatch = sqlite.transaction((batch: Job<unknown>[], outcomes: Outcome[]) => {
      outcomes.length = 0;
      for (const job of batch) {
        try {
          outcomes.push({ ok: true, value: this.inSavepoint(job.run) });
        } catch (error) {
          // The savepoint was rolled back: this command left nothing behind.
          outcomes.push({ ok: false, error });
        }
      }
    });
  }

  submit<T>(run: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the I/O phase: every request parsed in this turn of the loop joins the batch.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves when nothing is queued (used before closing the database). */
  drain(): Promise<void> {
    if (this.queue.length === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private flush(): void {
    const batch = this.queue.splice(0, MAX_BATCH);
    if (this.queue.length > 0) setImmediate(() => this.flush());
    else this.scheduled = false;

    const outcomes: Outcome[] = [];
    for (let attempt = 1; ; attempt += 1) {
      try {
        this.applyBatch.immediate(batch, outcomes);
        this.stats.batches += 1;
        this.stats.commands += batch.length;
        break;
      } catch (error) {
        if ((error as { code?: string }).code === 'SQLITE_BUSY' && attempt < BUSY_ATTEMPTS) continue;
        // Nothing of the batch is durable: every caller hears so.
        for (const job of batch) job.reject(error);
        this.settle();
        return;
      }
    }
    batch.forEach((job, i) => {
      const o = outcomes[i]!;
      if (o.ok) job.resolve(o.value);
      else job.reject(o.error);
    });
    this.settle();
  }

  private settle(): void {
    if (this.queue.length === 0 && !this.scheduled) for (const done of this.idle.splice(0)) done();
  }
}
