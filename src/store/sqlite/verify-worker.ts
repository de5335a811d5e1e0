import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './verify-helper.js';
import { verifySnapshot } from './verify-ledger.js';
import { verifyRange, type RangeResult } from './verify-range.js';
import type { VerifyReport } from '../ledger-store.js';
import { openReader, verifyStatements } from './verify-snapshot.js';

/**
 * The worker thread of a verification (see verify-helper.ts), on its own read-only
 * connection. Either one range of streams, in a read transaction begun when told (while the
 * main thread holds the write lock, so that both see the same ledger), or the whole
 * verification in a snapshot of its own; the result is posted back.
 */
const { path, signal } = workerData as { path: string; signal: SharedArrayBuffer };
const port = parentPort!;
const post = (message: FromWorker) => port.postMessage(message);
const state = new Int32Array(signal, 0, 1);
const head = new Float64Array(signal, 8, 1);
const sqlite = openReader(path);

/** Runs the work it was sent, posts the result or the failure, then ends its snapshot and connection. */
function answer(work: () => Promise<RangeResult | VerifyReport>): void {
  Promise.resolve()
    .then(work)
    .then(
      (result) => post({ kind: 'result', result }),
      (error: unknown) => post({ kind: 'failed', error }),
    )
    .finally(() => {
      if (sqlite.inTransaction) sqlite.exec('COMMIT');
      sqlite.close();
    });
}

/** Progress every 8th page of events (and at the end, when the total is known): enough for a progress bar. */
let pages = 0;
const report = (read: number, total?: number) => {
  if (++pages % 8 === 0 || read === total) post({ kind: 'progress', read, total });
};

port.on('message', (message: ToWorker) => {
  if (message.kind === 'snapshot') {
    try {
      sqlite.exec('BEGIN');
      head[0] = (verifyStatements(sqlite).head.get() as { sequence: number } | undefined)?.sequence ?? 0;
      Atomics.store(state, 0, 1);
    } catch {
      Atomics.store(state, 0, 2);
    }
    Atomics.notify(state, 0);
  } else if (message.kind === 'verify') {
    answer(() => verifyRange(sqlite, message.range, (read) => report(read)));
  } else {
    answer(() => {
      sqlite.exec('BEGIN');
      return verifySnapshot(sqlite, null, null, report, {});
    });
  }
});

post({ kind: 'ready' });
