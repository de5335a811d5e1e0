import type { Database, Statement } from 'better-sqlite3';

/**
 * SQLite's `PRAGMA data_version`, which moves whenever another connection or process commits
 * to the file: what the key cache and the read cache check to stay exact. Asking it begins and
 * ends a read transaction — several system calls, the dearest step of an authenticated read
 * answered from memory — and an authenticated read asks twice (its key, then its answer).
 *
 * Within one request the two may share one answer: a value read after the request arrived
 * already reflects every commit that completed before it arrived, so answering the rest of the
 * request from it is as exact as reading again (a commit landing meanwhile was concurrent with
 * the request). The HTTP shell says when each request arrives (`requestArrived`), and any
 * arrival makes the next ask read the database again. A value is also forgotten at the event
 * loop's next check phase (setImmediate): at the end of the turn it was read in, or of the next
 * turn if it was read in that phase itself, so code outside a request never reuses one for
 * longer than about one turn of the loop. Until the first arrival (the CLI, code driving the
 * store directly) nothing is shared at all.
 */
export class CommitsElsewhere {
  private readonly dataVersion: Statement<[], number>;
  /** Whether requests are announced (sharing is only safe once they are). */
  private announced = false;
  /** The value read since the last arrival, in this turn of the event loop; null if none. */
  private shared: number | null = null;
  private forgetScheduled = false;
  private readonly forget = () => {
    this.shared = null;
    this.forgetScheduled = false;
  };

  constructor(sqlite: Database) {
    this.dataVersion = sqlite.prepare('PRAGMA data_version').pluck() as Statement<[], number>;
  }

  requestArrived(): void {
    this.announced = true;
    this.shared = null;
  }

  /** The counter, as read after the last request arrived and in this turn of the loop (read now otherwise). */
  count(): number {
    if (this.shared !== null) return this.shared;
    const value = this.dataVersion.get()!;
    if (this.announced) {
      this.shared = value;
      if (!this.forgetScheduled) {
        this.forgetScheduled = true;
        setImmediate(this.forget);
      }
    }
    return value;
  }
}
