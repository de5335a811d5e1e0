import type { Database, Statement } from 'better-sqlite3';

/** Settled once: a reaction to it is a microtask (lighter than queueMicrotask's, which makes an AsyncResource). */
const SETTLED = Promise.resolve();

/**
 * SQLite's `PRAGMA data_version`, which moves whenever another connection or process commits
 * to the file: what the key cache and the read cache check before each use to stay exact.
 * Asking it begins and ends a read transaction (several system calls), the dearest step of an
 * authenticated read answered from memory, which asks twice: for its key, then its answer.
 *
 * The key check, the first ask of every authenticated request, reads it afresh; the asks
 * after it reuse that value until the turn of the event loop it was read in is over (the I/O
 * or timer callback and the microtasks after it). Exact: a request answered in a turn arrived
 * before the turn began, so before the value was read, which reflects every commit completed
 * by then; a commit landing between a request's key check and its read is seen by the next
 * request's key check or in the next turn, as when the HTTP shell announced each request.
 * With no key check in the turn (development mode, the CLI) every ask reads.
 */
export class CommitsElsewhere {
  private readonly dataVersion: Statement<[], number>;
  /** What the last key check read, in this turn of the event loop; null once the turn is over. */
  private seen: number | null = null;
  private readonly forget = () => {
    this.seen = null;
  };
  // A tick queued from a microtask runs once the microtask queue is empty: the turn is over.
  private readonly forgetWhenTurnEnds = () => process.nextTick(this.forget);

  constructor(sqlite: Database) {
    this.dataVersion = sqlite.prepare('PRAGMA data_version').pluck() as Statement<[], number>;
  }

  /** The counter as the key check read it in this turn of the event loop, or read now. */
  count(): number {
    return this.seen ?? this.dataVersion.get()!;
  }

  /** The counter read now, for a key check: kept for the rest of the turn. */
  countAfresh(): number {
    if (this.seen === null) void SETTLED.then(this.forgetWhenTurnEnds);
    this.seen = this.dataVersion.get()!;
    return this.seen;
  }
}
