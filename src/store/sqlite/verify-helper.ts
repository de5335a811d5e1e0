import { Worker } from 'node:worker_threads';
import type { Progress, VerifyReport } from '../ledger-store.js';
import type { RangeResult } from './verify-range.js';
import type { StreamRange } from './verify-snapshot.js';

/** How long the main thread may block while the worker takes its snapshot. */
const SNAPSHOT_WAIT_MS = 1000;
/** How long a worker may take to start before verify goes on without it. */
const START_WAIT_MS = 10_000;

/**
 * Built code runs verify-worker.js. Run from the sources (tsx, vitest), the worker loads
 * verify-worker.ts through tsx's loader, registered in the worker before the import.
 */
function spawnWorker(workerData: unknown): Worker {
  if (!import.meta.url.endsWith('.ts'))
    return new Worker(new URL('./verify-worker.js', import.meta.url), { workerData });
  const entry = new URL('./verify-worker.ts', import.meta.url).href;
  return new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`,
    { eval: true, workerData },
  );
}

/** What the helper asks of its worker (verify-worker.ts), and what the worker answers: one protocol for both sides. */
export type ToWorker = { kind: 'snapshot' } | { kind: 'verify'; range: StreamRange } | { kind: 'verify-all' };

export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'progress'; read: number; total?: number }
  | { kind: 'result'; result: RangeResult | VerifyReport }
  | { kind: 'failed'; error: unknown };

/**
 * A worker thread for verification (verify-worker.ts): the folds, hashes and row comparisons
 * of a large ledger are CPU work. It verifies either half of the streams beside this thread
 * (split between two cores; it reads its own connection, so it must read the same snapshot:
 * see takeSnapshot), or all of it (verifyAll) while this thread goes on with other work.
 */
export class VerifyHelper {
  private readonly state: Int32Array;
  private readonly head: Float64Array;
  private listener: ((m: FromWorker) => void) | null = null;
  private failure: ((error: unknown) => void) | null = null;

  private constructor(
    private readonly worker: Worker,
    signal: SharedArrayBuffer,
  ) {
    this.state = new Int32Array(signal, 0, 1);
    this.head = new Float64Array(signal, 8, 1);
    worker.on('message', (m: FromWorker) => this.listener?.(m));
    worker.on('error', (error) => this.failure?.(error));
    worker.on('exit', (code) => this.failure?.(new Error(`the verify worker stopped (exit code ${code})`)));
  }

  /** A worker ready to take its snapshot; null when none can be started here. */
  static async start(path: string): Promise<VerifyHelper | null> {
    const signal = new SharedArrayBuffer(16);
    let worker: Worker;
    try {
      worker = spawnWorker({ path, signal });
    } catch {
      return null;
    }
    const helper = new VerifyHelper(worker, signal);
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), START_WAIT_MS);
      helper.listener = (m) => (clearTimeout(timer), resolve(m.kind === 'ready'));
      helper.failure = () => (clearTimeout(timer), resolve(false));
    });
    if (!ready) {
      helper.stop();
      return null;
    }
    return helper;
  }

  /**
   * Has the worker begin its read transaction and waits for it (blocking: the caller holds
   * the write lock, so nothing may run that would wait for it). The worker's head sequence,
   * or null if it did not answer in time.
   */
  takeSnapshot(): number | null {
    this.worker.postMessage({ kind: 'snapshot' });
    Atomics.wait(this.state, 0, 0, SNAPSHOT_WAIT_MS);
    return Atomics.load(this.state, 0) === 1 ? this.head[0]! : null;
  }

  /** Verifies `range` in the worker; `progress` gets how many of its events it has read. */
  run(range: StreamRange, progress: (read: number) => void): Promise<RangeResult> {
    return this.ask<RangeResult>({ kind: 'verify', range }, (read) => progress(read));
  }

  /**
   * The whole verification, in the worker and in a snapshot of its own, taken when it gets
   * there; `progress` hears how far it has read.
   */
  verifyAll(progress: Progress | undefined): Promise<VerifyReport> {
    return this.ask<VerifyReport>({ kind: 'verify-all' }, (read, total) => progress?.(read, total ?? read));
  }

  /** Sends the worker its work and waits for the result it posts back (or its failure). */
  private ask<T extends RangeResult | VerifyReport>(
    message: Exclude<ToWorker, { kind: 'snapshot' }>,
    progress: (read: number, total: number | undefined) => void,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      this.failure = reject;
      this.listener = (m) => {
        if (m.kind === 'progress') progress(m.read, m.total);
        else if (m.kind === 'result') resolve(m.result as T);
        else if (m.kind === 'failed') reject(m.error);
      };
      this.worker.postMessage(message);
    });
  }

  stop(): void {
    this.listener = null;
    this.failure = null;
    void this.worker.terminate();
  }
}
