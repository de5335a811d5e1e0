import type { Database, Statement } from 'better-sqlite3';

/**
 * SQLite's `PRAGMA data_version`, which moves whenever another connection or process commits
 * to the file: what the key cache and the read cache check to stay exact. Asking it begins and
 * ends a read transaction — several system calls, the dearest step of an authenticated read
 * answered from memory — and an authenticated read asks twice (its key, then its answer).
 *
 * Within one request the two may share one answer: a value read after the request arrived
 * already reflects every commit the request could be ordered after, so answering the rest of
 * the request from it is as exact as reading again. The HTTP shell says when each request
 * arrives (`requestArrived`), and any arrival makes the next ask read the database again. Until
 * the first arrival (the CLI, or code driving the store directly) every ask reads it.
 */
export class CommitsElsewhere {
  private readonly dataVersion: Statement<[], number>;
  /** Requests arrived so far; null until the first (no request: never share). */
  private arrivals: number | null = null;
  /** What the last ask read, and the arrival it was read after. */
  private seen = 0;
  private seenAfter = -1;

  constructor(sqlite: Database) {
    this.dataVersion = sqlite.prepare('PRAGMA data_version').pluck() as Statement<[], number>;
  }

  requestArrived(): void {
    this.arrivals = (this.arrivals ?? 0) + 1;
  }

  /** The counter, as read after the last request arrived (read now if it was not). */
  count(): number {
    if (this.arrivals !== null && this.seenAfter === this.arrivals) return this.seen;
    this.seen = this.dataVersion.get()!;
    this.seenAfter = this.arrivals ?? -1;
    return this.seen;
  }
}
