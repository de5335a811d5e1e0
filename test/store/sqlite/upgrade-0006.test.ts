import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIRST } from '../../../src/domain/readings.js';
import { nonZero } from '../../../src/domain/reading-totals.js';
import { Ledger } from '../../../src/ledger/ledger.js';
import { PROJECT_ROOT } from '../../../src/paths.js';
import { openStore } from '../../../src/server.js';
import type { LedgerStore } from '../../../src/store/ledger-store.js';

/**
 * A ledger file written by the build before accounts existed (39c43e8): a 1,000-for-1,000
 * POW exchange in stages (one voided, one re-recorded, the last with the completion), an
 * agreed 6,000-bodies handover with one stage, and a medical proposal. Opening it migrates it
 * (0006): every stage becomes one unattributed account with its event's source and note, and
 * the totals so far become the first reading under both filings.
 */
const FIXTURE = join(PROJECT_ROOT, 'test', 'fixtures', 'ledger-before-0006.db');

/** What the old build answered for GET /v1/totals on the fixture. */
const OLD_TOTALS = [
  { party: 'RU', kind: 'medical', handedOver: 0, received: 0, agreedOutstanding: 0, unspecifiedSides: 0, proposed: 50 },
  {
    party: 'RU',
    kind: 'pow',
    handedOver: 1000,
    received: 1000,
    agreedOutstanding: 0,
    unspecifiedSides: 0,
    proposed: 0,
  },
  {
    party: 'RU',
    kind: 'remains',
    handedOver: 1212,
    received: 0,
    agreedOutstanding: 4788,
    unspecifiedSides: 0,
    proposed: 0,
  },
  {
    party: 'UA',
    kind: 'pow',
    handedOver: 1000,
    received: 1000,
    agreedOutstanding: 0,
    unspecifiedSides: 0,
    proposed: 0,
  },
  {
    party: 'UA',
    kind: 'remains',
    handedOver: 0,
    received: 1212,
    agreedOutstanding: 0,
    unspecifiedSides: 0,
    proposed: 0,
  },
];
const NEW_FIGURES = {
  handedOverUndisclosedStages: 0,
  receivedUndisclosedStages: 0,
  handedOverApproximate: 0,
  receivedApproximate: 0,
};

describe('a ledger written before accounts existed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-upgrade-0006-'));
  const dbPath = join(dir, 'ledger.db');
  let store: LedgerStore;

  beforeAll(async () => {
    copyFileSync(FIXTURE, dbPath);
    store = await openStore({ databaseUrl: `file:${dbPath}` });
  });
  afterAll(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps its totals as the first reading, under both filings, and verifies', async () => {
    for (const filing of ['kind', 'exchange'] as const) {
      const totals = (await store.totals({ reading: FIRST, filing })).filter(nonZero);
      expect(totals).toEqual(OLD_TOTALS.map((t) => ({ ...t, ...NEW_FIGURES })));
    }
    const report = await store.verify();
    expect(report, JSON.stringify(report)).toMatchObject({ ok: true, events: 14 });
  });

  it('makes every stage one unattributed account, with its source and note', async () => {
    const pow = (await store.getExchange('ex-pow'))!;
    expect(pow.stages.map((s) => [s.id, s.voided?.reason ?? null])).toEqual([
      ['st-1', null],
      ['st-2', 'misread'],
      ['st-3', null],
      ['st-4', null],
    ]);
    expect(pow.stages[0]!.accounts).toEqual([
      {
        reportedBy: null,
        sides: [
          { party: 'UA', count: 390, approximate: false, breakdown: null },
          { party: 'RU', count: 390, approximate: false, breakdown: null },
        ],
        source: { title: 'First stage', url: 'https://example.org/First%20stage' },
        note: 'first of three',
        occurredAt: '2025-05-23',
        recordedAt: '2025-07-01T00:00:00.000Z',
      },
    ]);
    expect(pow.readings).toEqual({
      termsAccounts: [],
      reporters: [],
      tallies: {
        [FIRST]: [
          { delivered: 1000, undisclosedStages: 0, approximate: 0 },
          { delivered: 1000, undisclosedStages: 0, approximate: 0 },
        ],
      },
    });
  });

  it('takes later accounts of its old stages, each reading then counting its own', async () => {
    const ledger = new Ledger(store);
    const outcome = await ledger.executeExchange({
      exchangeId: 'ex-remains',
      command: {
        action: 'addAccount',
        stageId: 'st-5',
        reportedBy: 'UA',
        sides: [{ party: 'RU', count: 1210 }],
        occurredAt: '2025-06-12',
        source: { title: 'Coordination Headquarters' },
        note: null,
      },
      principal: 'test',
      now: new Date().toISOString(),
      idempotency: null,
      expectedVersion: null,
      respond: (r) => ({ status: r.ok ? 201 : 422, headers: {}, body: r.ok ? null : r.rejection }),
    });
    expect(outcome).toMatchObject({ kind: 'answered', response: { status: 201 } });
    const ru = (reading: string) =>
      store.totals({ reading, filing: 'kind', party: 'RU', kind: 'remains' }).then((t) => t[0]);
    expect(await ru(FIRST)).toMatchObject({ handedOver: 1212, agreedOutstanding: 4788 });
    expect(await ru('UA')).toMatchObject({ handedOver: 1210, agreedOutstanding: 4790 });
    expect(await store.reporters()).toEqual(['UA']);
    expect((await store.verify()).ok).toBe(true);
  });

  it('is caught by verify when a reading row or a stage account is changed in place', async () => {
    const tamper = new Database(dbPath);
    tamper.prepare(`UPDATE reading_totals SET handed_over = handed_over - 2 WHERE reading = 'UA'`).run();
    tamper.close();
    expect((await store.verify()) as unknown).toMatchObject({
      ok: false,
      firstDifference: {
        kind: 'read-model',
        table: 'reading_totals',
        key: 'kind/UA/RU/remains',
        detail: 'handedOver is -4, the events give -2',
      },
    });
    const back = new Database(dbPath);
    back.prepare(`UPDATE reading_totals SET handed_over = handed_over + 2 WHERE reading = 'UA'`).run();
    back
      .prepare(
        `UPDATE stage_reports SET stage = json_set(stage, '$.accounts[0].sides[0].count', 1213) WHERE stage_id = 'st-5'`,
      )
      .run();
    back.close();
    expect((await store.verify()) as unknown).toMatchObject({
      ok: false,
      firstDifference: { kind: 'read-model', table: 'stage_reports', key: 'ex-remains' },
    });
  });
});
