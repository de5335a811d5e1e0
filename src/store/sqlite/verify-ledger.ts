import type Database from 'better-sqlite3';
import { mergeUnacceptedText } from '../../audit/text-check.js';
import { addFigures } from '../../domain/reading-totals.js';
import { firstRowDifference, rowKey } from '../../audit/expected-readings.js';
import { GENESIS_HASH } from '../../audit/hash-chain.js';
import type { Difference, FiledRow, LedgerHead, Progress, VerifyReport } from '../ledger-store.js';
import type { SqliteConnection } from './connection.js';
import { firstChainBreak } from './verify-chain.js';
import { VerifyHelper } from './verify-helper.js';
import { verifyRange, type RangeResult } from './verify-range.js';
import {
  openReader,
  openWriter,
  verifyStatements,
  type StreamRange,
  type VerifyStatements,
} from './verify-snapshot.js';
import { ledgerHead } from './writes.js';

export interface VerifyOptions {
  /**
   * Who does the work on a large ledger. `split` (the default, for the CLI): this thread and a
   * worker each take half of the streams, the fastest way. `background` (for the service): a
   * worker does all of it while this thread only waits, so that it goes on answering requests
   * at its usual pace and only one thread's working memory is added to the process's.
   */
  threads?: 'split' | 'background';
  /** From how many events a worker thread is used (below, its start costs more than it saves). */
  splitFrom?: number;
  /** Told when the streams have been split, both snapshots taken (for tests). */
  onSplit?: () => void;
}

const SPLIT_FROM = 50_000;

/** The code of the process warning emitted when verify had to do without its worker thread. */
export const VERIFY_WITHOUT_WORKER = 'LEDGER_VERIFY_WITHOUT_WORKER';

/**
 * Re-derives everything from the events and compares: the hash chain in sequence order,
 * each stream folded through the same domain code against its read-model rows, and the
 * totals aggregates against the sum of every exchange's contribution. The first difference
 * is the one a walk of the chain, then of the streams, then of the totals would find.
 *
 * Everything is read from one snapshot, whatever the service writes meanwhile: a read
 * transaction on a read-only connection of its own (WAL keeps it stable beside the writer),
 * between whose pages verify yields to the event loop. The events are read once, in stream
 * order (verify-range.ts); a large ledger's streams are split with a worker thread, whose
 * own snapshot is taken while a write lock keeps both the same, or (`background`) verified
 * by the worker alone, in its snapshot, taken once it has started. An in-memory database has
 * no second connection to give: verify reads the main one and does not yield, so that
 * nothing can be written in between.
 */
export async function verifyLedger(
  conn: SqliteConnection,
  progress?: Progress,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  if (conn.sqlite.memory) return verifySnapshot(conn.sqlite, null, null, progress, options);
  const path = conn.sqlite.name;
  // Only to decide whether a worker is worth starting; the report reads the snapshot.
  const estimate = ledgerHead(conn.db)?.sequence ?? 0;
  const wanted = estimate >= (options.splitFrom ?? SPLIT_FROM);
  let helper = wanted ? await VerifyHelper.start(path) : null;
  // A worker that cannot be started leaves the work to this thread, in either mode: slower,
  // never wrong; but whoever runs the service should hear why verify (and, in the service,
  // every request beside it) is slower. A process warning goes to stderr without a logger.
  if (wanted && helper === null)
    process.emitWarning('the verify worker thread could not be started: verifying on this thread instead', {
      code: VERIFY_WITHOUT_WORKER,
    });
  if (helper && options.threads === 'background') {
    try {
      return await helper.verifyAll(progress);
    } finally {
      helper.stop();
    }
  }
  let sqlite: Database.Database;
  try {
    sqlite = openReader(path);
  } catch (error) {
    helper?.stop(); // a worker left running would keep the process alive
    throw error;
  }
  try {
    if (helper) {
      if (!sharedSnapshot(path, sqlite, helper)) {
        helper.stop();
        helper = null;
      }
    } else {
      sqlite.exec('BEGIN');
    }
    return await verifySnapshot(sqlite, helper, () => new Promise<void>((r) => setImmediate(r)), progress, options);
  } finally {
    helper?.stop();
    try {
      if (sqlite.inTransaction) sqlite.exec('COMMIT');
    } finally {
      sqlite.close();
    }
  }
}

/**
 * Begins the read transactions of both threads while holding the write lock, so that no
 * commit can fall between them: both see the same ledger. Blocks for that instant, which
 * keeps this process's own writer out too. False (this thread's transaction begun all the
 * same) when the worker cannot join.
 */
function sharedSnapshot(path: string, sqlite: Database.Database, helper: VerifyHelper): boolean {
  let lock: Database.Database | null = null;
  try {
    lock = openWriter(path);
    lock.exec('BEGIN IMMEDIATE');
    sqlite.exec('BEGIN');
    const ours = verifyStatements(sqlite).head.get() as { sequence: number } | undefined;
    return helper.takeSnapshot() === (ours?.sequence ?? 0);
  } catch {
    return false;
  } finally {
    if (!sqlite.inTransaction) sqlite.exec('BEGIN');
    if (lock?.inTransaction) lock.exec('ROLLBACK');
    lock?.close();
  }
}

/** Verification of what `sqlite`'s open read transaction sees (also run by a worker: verify-worker.ts). */
export async function verifySnapshot(
  sqlite: Database.Database,
  helper: VerifyHelper | null,
  pause: (() => Promise<void>) | null,
  progress: Progress | undefined,
  options: VerifyOptions,
): Promise<VerifyReport> {
  const st = verifyStatements(sqlite);
  const h = st.head.get() as LedgerHead | undefined;
  const head: LedgerHead = h
    ? { sequence: h.sequence, hash: h.hash, eventId: h.eventId, recordedAt: h.recordedAt }
    : { sequence: 0, hash: GENESIS_HASH, eventId: null, recordedAt: null };
  const total = head.sequence;
  const results = await verifyStreams(sqlite, st, helper, total, pause, progress, options.onSplit);
  // Named beside the verdict, whatever it is: such text is no difference (see TextCheck).
  const text = mergeUnacceptedText(results.map((r) => r.text));
  const also = text ? { unacceptedText: text } : {};
  const fail = (firstDifference: Difference, n: number): VerifyReport => ({
    ok: false,
    events: n,
    head,
    firstDifference,
    ...also,
  });

  // 1. The chain, in ledger order. (The head, from the same snapshot, is its last event.)
  const own = results.flatMap((r) => (r.content ? [r.content] : [])).sort((a, b) => a.sequence - b.sequence)[0] ?? null;
  const broken = firstChainBreak(st, own);
  if (broken)
    return fail(
      { kind: 'event', sequence: broken.sequence, eventId: broken.eventId, detail: broken.detail },
      broken.seen,
    );
  const read = results.reduce((n, r) => n + r.read, 0);

  // 2. Each stream against its rows, the first in stream order.
  const outcome = results.find((r) => r.outcome)?.outcome;
  if (outcome) {
    if ('error' in outcome) throw outcome.error;
    return fail(outcome.difference, read);
  }

  // Rows with no events behind them.
  const rowCounts = {
    exchanges: st.exchangeCount.get() as number,
    parties: st.partyCount.get() as number,
    observers: st.observerCount.get() as number,
    claims: st.claimCount.get() as number,
  };
  for (const table of ['exchanges', 'parties', 'observers', 'claims'] as const) {
    const streams = results.reduce((n, r) => n + r.streams[table], 0);
    if (rowCounts[table] !== streams)
      return fail(
        { kind: 'read-model', table, key: '*', detail: `${rowCounts[table]} rows, but the events describe ${streams}` },
        read,
      );
  }
  // Every exchange's own rows matched; any further row belongs to no exchange of the ledger
  // (an orphan would still be summed by date-bounded and as-of totals).
  const perExchange = [
    ['exchange_parties', st.exchangePartyCount, 'exchangeParties'],
    ['stage_reports', st.stageReportCount, 'stageReports'],
    ['stage_reading_rows', st.stageReadingRowCount, 'stageReadingRows'],
  ] as const;
  for (const [table, count, field] of perExchange) {
    const have = count.get() as number;
    const matched = results.reduce((n, r) => n + r.rows[field], 0);
    if (have !== matched)
      return fail(
        {
          kind: 'read-model',
          table,
          key: '*',
          detail: `${have} rows, but the exchanges' events account for ${matched}`,
        },
        read,
      );
  }

  // 3. Every reading's totals against the sum of the exchanges' parts, and who reported.
  const readingDifference = firstRowDifference(
    'reading_totals',
    mergedRows(results.flatMap((r) => r.readingRows)),
    st.readingTotals.all() as FiledRow[],
  );
  if (readingDifference) return fail(readingDifference, read);
  const reporters = new Map<string, number>();
  for (const [r, first] of results.flatMap((x) => x.reporters))
    reporters.set(r, Math.min(first, reporters.get(r) ?? first));
  const kept = new Map(st.reporters.all() as [string, number][]);
  // As PostgreSQL's verify says it: a reporter missing on either side, then a first sequence.
  const missing = [...reporters.keys()].find((r) => !kept.has(r)) ?? [...kept.keys()].find((r) => !reporters.has(r));
  if (missing !== undefined)
    return fail(
      {
        kind: 'read-model',
        table: 'reporters',
        key: missing,
        detail: 'the events and the rows disagree on this reporter',
      },
      read,
    );
  const moved = [...reporters].find(([r, first]) => kept.get(r) !== first);
  if (moved)
    return fail(
      {
        kind: 'read-model',
        table: 'reporters',
        key: moved[0],
        detail: `first_sequence is ${kept.get(moved[0])}, the events give ${moved[1]}`,
      },
      read,
    );
  progress?.(total, total);
  return { ok: true, events: read, head, ...also };
}

/** The rows of several ranges summed (an exchange's rows are in one range, a total's in several). */
function mergedRows(rows: readonly FiledRow[]): FiledRow[] {
  const out = new Map<string, FiledRow>();
  for (const r of rows) {
    const key = rowKey(r);
    const have = out.get(key);
    if (!have) out.set(key, { ...r });
    else addFigures(have, r, 1);
  }
  return [...out.values()];
}

/** The streams, in stream order, as one range or as two (the second in the worker). */
async function verifyStreams(
  sqlite: Database.Database,
  st: VerifyStatements,
  helper: VerifyHelper | null,
  total: number,
  pause: (() => Promise<void>) | null,
  progress: Progress | undefined,
  onSplit: (() => void) | undefined,
): Promise<RangeResult[]> {
  // The stream of the middle event: streams before it here, it and those after in the worker.
  const middle = helper && total > 0 ? st.streamAt.get(Math.floor(total / 2)) : null;
  const reported = [0, 0];
  const report = (part: number, read: number) => {
    reported[part] = read;
    progress?.(reported[0]! + reported[1]!, total);
  };
  const ours = (range: StreamRange) =>
    verifyRange(sqlite, range, async (read) => {
      report(0, read);
      if (pause) await pause();
    });
  if (typeof middle !== 'string') return [await ours({ from: null, to: null })];
  const theirs = helper!.run({ from: middle, to: null }, (read) => report(1, read));
  onSplit?.();
  // Settled before returning, so that a failure here does not leave the worker's unobserved.
  const [first, second] = await Promise.allSettled([ours({ from: null, to: middle }), theirs]);
  if (first.status === 'rejected') throw first.reason;
  if (second.status === 'rejected') throw second.reason;
  return [first.value, second.value];
}
