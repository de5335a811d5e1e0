/**
 * Something that says, as soon as it learns of it, that the ledger may have grown: a database's
 * own notifications (PostgreSQL's LISTEN/NOTIFY, fed by its adapter). Optional: without one,
 * writes by other instances are found by polling.
 */
export interface ChangeSource {
  /** Calls `listener` on every change it hears of; the function returned stops it. */
  subscribe(listener: () => void): () => void;
}

export interface LedgerSignalOptions {
  /** How often the head is read while a feed waits, to find other instances' writes (ms). */
  pollMs: number;
  changes?: ChangeSource | undefined;
}

/**
 * Wakes the open live feeds when the ledger may have grown. A feed never takes the signal for
 * the events themselves: it reads them from the store, so that every instance sharing one
 * database sends the same events in the same order. The signal only says when to read again:
 * at once when this process wrote (`notify`) or the change source spoke, and otherwise when one
 * read of the head, shared by all of this process's feeds, finds it moved.
 *
 * Each notification moves a generation. A feed takes the generation before it reads, and after
 * reading waits for a generation other than that one: a change that lands while it reads is
 * never slept through.
 */
export class LedgerSignal {
  private current = 0;
  private readonly waiters = new Set<() => void>();
  /** The head sequence last read by the poll; null until it has read one. */
  private lastHead: number | null = null;
  private poll: NodeJS.Timeout | null = null;
  private polling = false;
  private stopListening: (() => void) | null = null;
  private closed = false;

  constructor(
    private readonly headSequence: () => Promise<number>,
    private readonly options: LedgerSignalOptions,
  ) {}

  get generation(): number {
    return this.current;
  }

  /** The ledger may have grown: every feed waiting reads again. */
  notify(): void {
    this.current += 1;
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake();
  }

  /**
   * Resolves once the generation is no longer `seen` (at once if it already moved), or when
   * `signal` aborts or `timeoutMs` passes, whichever comes first. Says which.
   */
  changedSince(seen: number, timeoutMs: number, signal: AbortSignal): Promise<'changed' | 'timeout' | 'aborted'> {
    if (signal.aborted) return Promise.resolve('aborted');
    if (this.current !== seen) return Promise.resolve('changed');
    return new Promise((resolve) => {
      const finish = (why: 'changed' | 'timeout' | 'aborted') => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiters.delete(onChange);
        this.idleCheck();
        resolve(why);
      };
      const onChange = () => finish('changed');
      const onAbort = () => finish('aborted');
      const timer = setTimeout(() => finish('timeout'), timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(onChange);
      this.startWatching();
    });
  }

  /** How many feeds wait now (for tests and metrics). */
  get waiting(): number {
    return this.waiters.size;
  }

  /**
   * Poll for other instances' writes only while some feed waits. The change source is
   * listened to from the first wait until `close` (a LISTEN is not worth repeating per wait).
   */
  private startWatching(): void {
    if (this.poll === null) {
      this.poll = setInterval(() => void this.readHead(), this.options.pollMs);
      this.poll.unref();
    }
    if (this.stopListening === null && this.options.changes && !this.closed) {
      this.stopListening = this.options.changes.subscribe(() => this.notify());
    }
  }

  /** Stops listening to the change source (the service is closing). */
  close(): void {
    this.closed = true;
    this.stopListening?.();
    this.stopListening = null;
  }

  private idleCheck(): void {
    if (this.waiters.size > 0) return;
    if (this.poll !== null) clearInterval(this.poll);
    this.poll = null;
    // lastHead is kept: it is only ever set just before a notification, so a feed that read
    // after that notification saw it, and one that took its generation before was woken.
  }

  private async readHead(): Promise<void> {
    if (this.polling) return; // one read at a time, however slow the database
    this.polling = true;
    try {
      const head = await this.headSequence();
      // The first read wakes the feeds too: a write may have landed between a feed's read and it.
      if (head !== this.lastHead) {
        this.lastHead = head;
        this.notify();
      }
    } catch {
      // The database is unreachable or closing: the next poll tries again, the feeds keep waiting.
    } finally {
      this.polling = false;
    }
  }
}
