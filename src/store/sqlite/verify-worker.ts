import { parentPort, workerData } from 'node:worker_threads';
import { verifySnapshot } from './verify-ledger.js';
import { verifyRange } from './verify-range.js';
import { openReader, verifyStatements, type StreamRange } from './verify-snapshot.js';

/**
 * The worker thread of a verification (see verify-helper.ts), on its own read-only
 * connection. Either one range of streams, in a read transaction begun when told (while the
 * main thread holds the write lock, so that both see the same ledger), or the whole
 * verification in a snapshot of its own; the result is posted back.
 */
const { path, signal } = workerData as { path: string; signal: SharedArrayBuffer };
const port = parentPort!;
const state = new Int32Array(signal, 0, 1);
const head = new Float64Array(signal, 8, 1);
const sqlite = openReader(path);

const done = () => {
  if (sqlite.inTransaction) sqlite.exec('COMMIT');
  sqlite.close();
};

port.on('message', (message: { kind: 'snapshot' } | { kind: 'verify'; range: StreamRange } | { kind: 'verify-all' }) => {
  if (message.kind === 'verify-all') {
    let reported = 0;
    Promise.resolve()
      .then(() => {
        sqlite.exec('BEGIN');
        return verifySnapshot(sqlite, null, null, (read, total) => {
          if (++reported % 8 === 0 || read === total) port.postMessage({ kind: 'progress', read, total });
        }, {});
      })
      .then(
        (report) => port.postMessage({ kind: 'report', report }),
        (error: unknown) => port.postMessage({ kind: 'failed', error }),
      )
      .finally(done);
    return;
  }
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
  ).finally(done);
});

port.postMessage({ kind: 'ready' });
