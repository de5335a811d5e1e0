import type { Progress } from './ledger-store.js';

/**
 * Runs of a long task, one at a time. A verification reads the whole ledger and holds a
 * worker thread's memory while it runs, so a caller who comes while one runs does not start
 * another beside it: it joins the next run, which starts as the running one ends and which
 * every caller who came meanwhile shares. The next run, not the running one, because that
 * one's snapshot was taken before they asked: the next covers every write they could have
 * seen acknowledged. However many ask, at most one run is under way and one is waiting.
 */
export class OneRunAtATime<T> {
  private running: Promise<T> | null = null;
  private queued: { listeners: Progress[]; start: (run: Promise<T>) => void; promise: Promise<T> } | null = null;

  constructor(private readonly task: (progress: Progress) => Promise<T>) {}

  run(progress?: Progress): Promise<T> {
    if (this.running === null) {
      this.running = this.launch(progress ? [progress] : []);
      return this.running;
    }
    if (this.queued === null) {
      let start!: (run: Promise<T>) => void;
      const promise = new Promise<T>((resolve) => (start = resolve));
      this.queued = { listeners: [], start, promise };
    }
    if (progress) this.queued.listeners.push(progress);
    return this.queued.promise;
  }

  private launch(listeners: Progress[]): Promise<T> {
    let run: Promise<T>;
    try {
      run = this.task((done, total) => {
        for (const listener of listeners) {
          // One caller's listener failing is its own affair: not the run's, nor the others'.
          try {
            listener(done, total);
          } catch {
            /* ignored */
          }
        }
      });
    } catch (error) {
      run = Promise.reject(error);
    }
    // One callback hands over to the queued run, so no caller can slip in between.
    const handOver = () => {
      const next = this.queued;
      this.queued = null;
      this.running = next ? this.launch(next.listeners) : null;
      if (next) next.start(this.running!);
    };
    run.then(handOver, handOver);
    return run;
  }
}
