import { afterEach, describe, expect, it, vi } from 'vitest';
import { MIGRATIONS_FOLDER } from '../../src/paths.js';
import { applySteps, freshExchangeId } from '../../src/seed/apply.js';
import { syntheticLedger } from '../../src/seed/synthetic.js';
import { openSqlite } from '../../src/store/sqlite/connection.js';
import { verifyRange } from '../../src/store/sqlite/verify-range.js';
import { VerifyHelper } from '../../src/store/sqlite/verify-helper.js';
import { VERIFY_WITHOUT_WORKER, verifyLedger } from '../../src/store/sqlite/verify-ledger.js';
import { SqliteLedgerStore } from '../../src/store/sqlite/sqlite-store.js';
import { startLedger, type TestLedger } from '../support/app.js';
import { get, tamper } from './helpers.js';

/*
 * The service verifies a large ledger on a worker thread alone (`background`), so that the
 * thread answering requests goes on answering them at its usual pace; the CLI shares the work
 * with its own thread (`split`). Which thread read the ledger is seen by watching verifyRange
 * on this thread: the worker runs its own copy of the module, which this spy does not see.
 */
vi.mock(import('../../src/store/sqlite/verify-range.js'), async (original) => {
  const actual = await original();
  return { ...actual, verifyRange: vi.fn(actual.verifyRange) };
});
const rangesReadHere = vi.mocked(verifyRange);

let open: TestLedger[] = [];
afterEach(async () => {
  for (const t of open) await t.close();
  open = [];
});

async function ledgerOf(events: number): Promise<TestLedger> {
  const t = await startLedger();
  open.push(t);
  await applySteps(t.ledger, syntheticLedger({ events, idOf: freshExchangeId }));
  return t;
}

describe('verify in the service, on a worker thread', () => {
  it('reads nothing on the thread that answers requests (background), and says what the other ways say', async () => {
    const t = await ledgerOf(3000);
    const head = await t.store.head();
    const conn = openSqlite(t.dbPath, MIGRATIONS_FOLDER);
    try {
      rangesReadHere.mockClear();
      const here = await verifyLedger(conn, undefined, { splitFrom: Infinity });
      expect(rangesReadHere).toHaveBeenCalledTimes(1);
      rangesReadHere.mockClear();
      const split = await verifyLedger(conn, undefined, { splitFrom: 0, threads: 'split' });
      // This thread's half: up to a stream, the worker taking the rest.
      expect(rangesReadHere).toHaveBeenCalledTimes(1);
      expect(rangesReadHere.mock.calls[0]![1]).toMatchObject({ from: null, to: expect.any(String) });
      rangesReadHere.mockClear();
      const background = await verifyLedger(conn, undefined, { splitFrom: 0, threads: 'background' });
      expect(rangesReadHere).not.toHaveBeenCalled();

      expect(here).toEqual({ ok: true, events: head.sequence, head });
      expect(split).toEqual(here);
      expect(background).toEqual(here);
    } finally {
      conn.sqlite.close();
    }
  });

  it('is what a store does unless told otherwise; the CLI asks for split', async () => {
    const t = await ledgerOf(3000);
    const head = await t.store.head();
    for (const [threads, readHere] of [
      [undefined, 0],
      ['split', 1],
    ] as const) {
      // splitFrom 0: a worker from the first event, instead of from 50,000.
      const store = SqliteLedgerStore.open(t.dbPath, MIGRATIONS_FOLDER, {
        verify: { splitFrom: 0, ...(threads && { threads }) },
      });
      try {
        rangesReadHere.mockClear();
        expect(await store.verify()).toEqual({ ok: true, events: head.sequence, head });
        expect(rangesReadHere).toHaveBeenCalledTimes(readHere);
        if (readHere) expect(rangesReadHere.mock.calls[0]![1].to).not.toBeNull();
      } finally {
        await store.close();
      }
    }
  });

  it("fails, rather than hangs, when the worker's verification throws, as this thread's would", async () => {
    const t = await ledgerOf(3000);
    // An event outside the chain (sequence below 1) whose data is not JSON: folding its stream throws.
    tamper(t.dbPath, (db) => {
      const stream = db
        .prepare("SELECT stream_id FROM events WHERE stream_id NOT LIKE 'party:%' ORDER BY sequence DESC LIMIT 1")
        .pluck()
        .get() as string;
      db.prepare(`INSERT INTO events (sequence, id, stream_id, version, type, data, occurred_at, recorded_at, principal, prev_hash, hash)
        VALUES (-1, 'x', ?, 999, 'StageRecorded', '{not json', '2025-01-01', '2025-01-01T00:00:00.000Z', 'm', '', '')`).run(
        stream,
      );
    });
    const conn = openSqlite(t.dbPath, MIGRATIONS_FOLDER);
    try {
      const here = verifyLedger(conn, undefined, { splitFrom: Infinity });
      await expect(here).rejects.toThrow(SyntaxError);
      await expect(verifyLedger(conn, undefined, { splitFrom: 0, threads: 'background' })).rejects.toThrow(/JSON/);
    } finally {
      conn.sqlite.close();
    }
  });

  it('without a worker (none could be started), verifies on this thread all the same and warns why it is slower', async () => {
    const t = await ledgerOf(600);
    const head = await t.store.head();
    const conn = openSqlite(t.dbPath, MIGRATIONS_FOLDER);
    const noWorker = vi.spyOn(VerifyHelper, 'start').mockResolvedValue(null);
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      for (const threads of ['split', 'background'] as const) {
        warn.mockClear();
        rangesReadHere.mockClear();
        expect(await verifyLedger(conn, undefined, { splitFrom: 0, threads })).toEqual({
          ok: true,
          events: head.sequence,
          head,
        });
        expect(rangesReadHere, threads).toHaveBeenCalledTimes(1);
        expect(warn, threads).toHaveBeenCalledWith(expect.stringContaining('could not be started'), {
          code: VERIFY_WITHOUT_WORKER,
        });
      }
      // Below the size at which a worker is used, nothing is missing: no warning.
      warn.mockClear();
      await verifyLedger(conn, undefined, { splitFrom: Infinity });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      noWorker.mockRestore();
      warn.mockRestore();
      conn.sqlite.close();
    }
  });

  it('reports progress from the worker up to the whole ledger', async () => {
    const t = await ledgerOf(3000);
    const conn = openSqlite(t.dbPath, MIGRATIONS_FOLDER);
    const heard: [number, number][] = [];
    try {
      const report = await verifyLedger(conn, (done, total) => heard.push([done, total]), {
        splitFrom: 0,
        threads: 'background',
      });
      expect(heard.length).toBeGreaterThan(0);
      expect(heard.at(-1)).toEqual([report.events, report.events]);
    } finally {
      conn.sqlite.close();
    }
  });

  it('answers callers who ask at the same time with one verification at a time', async () => {
    const t = await ledgerOf(600);
    const head = await t.store.head();
    const [a, b, c] = await Promise.all([t.store.verify(), t.store.verify(), t.store.verify()]);
    expect(a).toEqual({ ok: true, events: head.sequence, head });
    // The second and third shared the run that started when the first ended.
    expect(b).toBe(c);
    expect(b).not.toBe(a);
    expect(b).toEqual(a);
    const answers = await Promise.all([get(t, '/v1/ledger/verify'), get(t, '/v1/ledger/verify')]);
    for (const answer of answers) expect(answer).toEqual(a);
  });
});
