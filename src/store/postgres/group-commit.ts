import type pg from 'pg';
import type { ChainHead, WriteTransaction } from '../ledger-store.js';
import { isUnavailable } from './errors.js';
import { WRITE_LOCK } from './locks.js';
import { PgTransaction } from './pg-transaction.js';
import { inTransaction } from './session.js';
import { WRITES } from './statements.js';

interface Job<T> {
  work: (tx: WriteTransaction) => Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * A batch small enough that no command waits long behind the others (each costs a few
 * round trips), large enough to share one lock, one BEGIN and one COMMIT's flush to disk.
 */
export const MAX_BATCH = 64;

/**
 * Group commit, as the SQLite store's group-commit.ts does it: the write transactions asked
 * for while one runs are run next, together, in ONE transaction, each in its own savepoint so
 * that a refused or failing one fails alone; each is answered only after the COMMIT that made
 * it durable. They run in the order they were asked for, one after another: the write lock
 * (WRITE_LOCK, taken before anything is read) keeps every other instance's out meanwhile.
 * What a batch saves is the lock, BEGIN and COMMIT of all but one: with synchronous commit,
 * each COMMIT waits for the disk, and no other instance can write until it has.
 */
export class GroupCommitter {
  // biome-ignore lint/suspicious/noExplicitAny: jobs of every result type share the queue
  private queue: Job<any>[] = [];
  private running = false;
  private idle: (() => void)[] = [];
  /** How many transactions committed how many commands (for tests and the benchmark). */
  readonly stats = { batches: 0, commands: 0 };

  constructor(
    private readonly pool: pg.Pool,
    private readonly maxBatch = MAX_BATCH,
  ) {}

  submit<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve, reject });
      if (!this.running) {
        this.running = true;
        // After the I/O phase: every request parsed in this turn of the loop joins the batch.
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Resolves when nothing is queued or running (before the pool is closed). */
  drain(): Promise<void> {
    if (this.queue.length === 0 && !this.running) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) await this.apply(this.queue.splice(0, this.maxBatch));
    this.running = false;
    for (const done of this.idle.splice(0)) done();
  }

  private async apply(batch: Job<unknown>[]): Promise<void> {
    /** SAVEPOINT and RELEASE, sent without waiting; COMMIT fails if one did. */
    const marks: Promise<unknown>[] = [];
    let outcomes: Outcome[];
    try {
      outcomes = await inTransaction(
        this.pool,
        async (client) => {
          // The lock first, with BEGIN, and then the chain head, in one round trip: nothing is
          // read before the lock is held, and the head moves only with this batch's appends.
          const [, , first] = (await client.query(
            `BEGIN; SELECT pg_advisory_xact_lock(${WRITE_LOCK}); ${WRITES.head.text}`,
          )) as unknown as pg.QueryResult<ChainHead>[];
          let head = first!.rows[0] ?? null;
          const mark = (sql: string) => {
            const sent = client.query(sql);
            sent.catch(() => undefined);
            marks.push(sent);
          };
          const done: Outcome[] = [];
          for (const job of batch) {
            mark('SAVEPOINT command');
            const tx = new PgTransaction(client, head);
            try {
              const value = await job.work(tx);
              await tx.settle();
              mark('RELEASE SAVEPOINT command');
              head = await tx.head();
              done.push({ ok: true, value });
            } catch (error) {
              // The connection is gone: so is the whole batch.
              if (isUnavailable(error)) throw error;
              // This command leaves nothing behind; the others go on.
              await tx.settle().catch(() => undefined);
              await client.query('ROLLBACK TO SAVEPOINT command; RELEASE SAVEPOINT command');
              done.push({ ok: false, error });
            }
          }
          return done;
        },
        async () => {
          const failed = (await Promise.allSettled(marks)).find((o) => o.status === 'rejected');
          if (failed) throw failed.reason;
        },
      );
    } catch (error) {
      // Nothing of the batch is durable: every caller hears so.
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
}
