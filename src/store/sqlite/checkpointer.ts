import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the background thread copies committed WAL frames into the database file. */
const INTERVAL_MS = 100;
/** SQLite's own default, restored if the background thread is lost. */
const AUTOCHECKPOINT_PAGES = 1000;

/**
 * The thread's whole program, kept small enough to run without a TypeScript loader (the
 * tests run from sources): its own connection, a PASSIVE checkpoint every interval — which
 * never waits for, nor blocks, the writer or readers — and a clean close when told.
 */
const PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('synchronous = FULL');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (error) { parentPort.postMessage({ kind: 'failed', message: String(error && error.message) }); }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
parentPort.postMessage({ kind: 'ready' });
`;

/**
 * Checkpoints off the request thread. A checkpoint copies WAL pages into the database file
 * and, with synchronous=FULL, waits for the disk twice; SQLite runs one inside whichever
 * COMMIT crosses the WAL's size threshold, so every ~1000 pages one batch of commands — and
 * everyone waiting on it — paid for it: the tail latency of writes. Here the service's own
 * connection never checkpoints (wal_autocheckpoint=0) and a second thread does it. Should
 * that thread be lost, the connection checkpoints inline again: the WAL never grows unbounded.
 */
export class BackgroundCheckpointer {
  private stopped = false;

  private constructor(private readonly worker: Worker, private readonly sqlite: Database.Database, private readonly onProblem: (message: string) => void) {
    worker.on('message', (m: { kind: string; message?: string }) => {
      if (m.kind === 'failed') onProblem(`background checkpoint failed: ${m.message}`);
    });
    worker.on('error', (error) => this.fallBack(`background checkpointer stopped: ${error.message}`));
    worker.on('exit', () => {
      if (!this.stopped) this.fallBack('background checkpointer exited');
    });
    worker.unref();
  }

  static start(sqlite: Database.Database, path: string, onProblem: (message: string) => void): BackgroundCheckpointer {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(PROGRAM, { eval: true, workerData: { path, driver, intervalMs: INTERVAL_MS } });
    sqlite.pragma('wal_autocheckpoint = 0');
    return new BackgroundCheckpointer(worker, sqlite, onProblem);
  }

  private fallBack(message: string): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.sqlite.open) this.sqlite.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    this.onProblem(`${message}; checkpointing inline again`);
  }

  /** Stops the thread and waits for it to close its connection. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const exited = new Promise((resolve) => this.worker.once('exit', resolve));
    // Unreferenced while it runs (it must not keep a process alive), referenced while it stops
    // (or a process closing its store would exit before the thread closed its connection).
    this.worker.ref();
    this.worker.postMessage('stop');
    await exited;
  }
}
