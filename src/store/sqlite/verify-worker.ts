import { parentPort, workerData } from 'node:worker_threads';
import { verifyRange } from './verify-range.js';
import { openReader, verifyStatements, type StreamRange } from './verify-snapshot.js';

/**
 * The second thread of a verification (see verify-helper.ts): its own read-only connection,
 * a read transaction begun when told (while the main thread holds the write lock, so that
 * both see the same ledger), then one range of streams, the result posted back.
 */
const { path, signal } = workerData as { path: string; signal: SharedArrayBuffer };
const port = parentPort!;
const state = new Int32Array(signal, 0, 1);
const head = new Float64Array(signal, 8, 1);
const sqlite = openReader(path);

port.on('message', (message: { kind: 'snapshot' } | { kind: 'verify'; range: StreamRange }) => {
  if (message.kind === 'snapshot') {
    try {
      sqlite.exec('BEGIN');
      head[0] = (verifyStatements(sqlite).head.get() as { sequence: number } | undefined)?.sequence ?? 0;
      Atomics.store(state, 0, 1);
    } catch {
      Atomics.store(state, 0, 2);
    }
    Atomics.notify(state, 0);
    return;
  }
  let pages = 0;
  verifyRange(sqlite, message.range, (read) => {
    if (++pages % 8 === 0) port.postMessage({ kind: 'progress', read });
  }).then(
    (result) => port.postMessage({ kind: 'result', result }),
    (error: unknown) => port.postMessage({ kind: 'failed', error }),
  ).finally(() => {
    if (sqlite.inTransaction) sqlite.exec('COMMIT');
    sqlite.close();
  });
});

port.postMessage({ kind: 'ready' });
