/**
 * This instance's write transactions, one after another in the order they were asked for.
 * They run one at a time across all instances anyway (the write lock), so queuing here costs
 * no throughput; what it gives is order: commands of one instance commit in the order they
 * arrived, as on SQLite, and wait here rather than each holding a pooled connection while it
 * waits for the lock.
 */
export class WriteQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every write asked for so far has ended. */
  drain(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
