import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readExport } from '../../../src/audit/ndjson.js';
import { Ledger } from '../../../src/ledger/ledger.js';
import { MIGRATIONS_FOLDER } from '../../../src/paths.js';
import { applySteps, freshExchangeId } from '../../../src/seed/apply.js';
import { syntheticLedger } from '../../../src/seed/synthetic.js';
import { SqliteLedgerStore } from '../../../src/store/sqlite/sqlite-store.js';
import { startLedger, type TestLedger } from '../../support/app.js';
import { admin, startPgLedger, type PgLedger } from './support.js';

/*
 * Design, "PostgreSQL and several instances" and "Audit": export and import work on both
 * stores; an SQLite export imports into an empty PostgreSQL ledger with the same head hash,
 * and the ledger it makes answers as the SQLite one did. A PostgreSQL export imports into
 * PostgreSQL and into SQLite alike. A refused line leaves nothing written.
 */

type Http = () => ReturnType<typeof request>;

/** The NDJSON export, as GET /v1/events streams it. */
async function exportOf(http: Http): Promise<string> {
  const res = await http()
    .get('/v1/events')
    .set('accept', 'application/x-ndjson')
    .buffer(true)
    .parse((stream, done) => {
      let text = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => (text += chunk));
      stream.on('end', () => done(null, text));
    });
  expect(res.status).toBe(200);
  return res.body as string;
}

/** Answers a reader relies on, to compare two ledgers by. */
const READS = [
  '/v1/parties',
  '/v1/exchanges?limit=200',
  '/v1/exchanges?status=agreed&limit=7',
  '/v1/totals',
  '/v1/totals?from=2025-03-01&to=2025-09-30',
  '/v1/totals?asOf=2025-06-30',
  '/v1/events?after=100&limit=50',
  '/v1/ledger/head',
];
const answersOf = async (http: Http) => Promise.all(READS.map(async (url) => (await http().get(url)).text));

describe('export and import with PostgreSQL', () => {
  let dir: string;
  let sqlite: TestLedger;
  let fromSqlite: PgLedger;
  let fromPg: PgLedger;
  let sqliteExport: string;
  const ndjsonUrls = ['/v1/events'];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-pg-export-'));
    [sqlite, fromSqlite, fromPg] = await Promise.all([startLedger({}, {}, 'sqlite'), startPgLedger(), startPgLedger()]);
    await applySteps(sqlite.ledger, syntheticLedger({ events: 1500, idOf: freshExchangeId }));
    sqliteExport = join(dir, 'sqlite.ndjson');
    writeFileSync(sqliteExport, await exportOf(sqlite.http));
  }, 120_000);
  afterAll(async () => {
    const violations = [sqlite, fromSqlite, fromPg]
      .flatMap((t) => t?.contractViolations ?? [])
      .filter((v) => !ndjsonUrls.some((u) => v.startsWith(`GET ${u} → 200: body does not match`)));
    await Promise.all([sqlite?.close(), fromSqlite?.close(), fromPg?.close()]);
    rmSync(dir, { recursive: true, force: true });
    expect(violations, 'every response matches openapi/openapi.json').toEqual([]);
  });

  it('imports an SQLite export into an empty PostgreSQL ledger: same head hash, same answers, verified', async () => {
    const head = await sqlite.store.head();
    expect(head.sequence).toBeGreaterThanOrEqual(1500);
    const report = await fromSqlite.ledger.importLedger(readExport(sqliteExport));
    expect(report).toEqual({ ok: true, events: head.sequence, head });
    expect(await fromSqlite.store.verify()).toEqual({ ok: true, events: head.sequence, head });
    expect(await answersOf(fromSqlite.http)).toEqual(await answersOf(sqlite.http));
    expect(await exportOf(fromSqlite.http)).toBe(readFileSync(sqliteExport, 'utf8'));
  });

  it('imports a PostgreSQL export into PostgreSQL and into SQLite, each with the same head hash', async () => {
    const head = await fromSqlite.store.head();
    const pgExport = join(dir, 'pg.ndjson');
    writeFileSync(pgExport, await exportOf(fromSqlite.http));
    expect(await fromPg.ledger.importLedger(readExport(pgExport))).toEqual({ ok: true, events: head.sequence, head });
    expect(await fromPg.store.verify()).toMatchObject({ ok: true, head });

    const file = join(dir, 'back.db');
    const back = SqliteLedgerStore.open(file, MIGRATIONS_FOLDER);
    try {
      expect(await new Ledger(back).importLedger(readExport(pgExport))).toEqual({
        ok: true,
        events: head.sequence,
        head,
      });
      expect(await back.verify()).toMatchObject({ ok: true, head });
    } finally {
      await back.close();
    }
  });

  it('refuses an import into a ledger not empty, and one with a refused line, leaving nothing written', async () => {
    const head = await fromPg.store.head();
    expect(await fromPg.ledger.importLedger(readExport(sqliteExport))).toMatchObject({
      ok: false,
      line: 0,
      reason: /not empty/,
    });
    expect(await fromPg.store.head()).toEqual(head);

    // A count changed on line 900: the chain breaks there, after 899 events were replayed into the transaction.
    const lines = readFileSync(sqliteExport, 'utf8').trimEnd().split('\n');
    const at = 900 - 1 + lines.slice(899).findIndex((l) => JSON.parse(l).type === 'StageRecorded');
    const edited = JSON.parse(lines[at]!);
    edited.data.sides[0].count += 1;
    lines[at] = JSON.stringify(edited);
    const broken = join(dir, 'broken.ndjson');
    writeFileSync(broken, `${lines.join('\n')}\n`);
    const empty = await startPgLedger();
    try {
      expect(await empty.ledger.importLedger(readExport(broken))).toMatchObject({
        ok: false,
        line: at + 1,
        reason: /hash/,
      });
      expect(await empty.store.head()).toMatchObject({ sequence: 0 });
      const tables = [
        'events',
        'parties',
        'exchanges',
        'exchange_parties',
        'stage_reports',
        'reading_totals',
        'stage_reading_rows',
        'reporters',
        'observers',
        'claims',
      ];
      const rows = await admin(
        `SELECT ${tables.map((t) => `(SELECT count(*)::int FROM ${t}) AS ${t}`).join(', ')}`,
        [],
        empty.database.name,
      );
      expect(rows).toEqual([Object.fromEntries(tables.map((t) => [t, 0]))]);
    } finally {
      await empty.close();
    }
  });
});
