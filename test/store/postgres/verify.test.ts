import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import pg from 'pg';
import type request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applySteps, freshExchangeId } from '../../../src/seed/apply.js';
import { syntheticLedger } from '../../../src/seed/synthetic.js';
import { MIGRATIONS_FOLDER } from '../../../src/paths.js';
import { createPool } from '../../../src/store/postgres/connection.js';
import { PostgresLedgerStore } from '../../../src/store/postgres/postgres-store.js';
import { verifyOn } from '../../../src/store/postgres/verify-ledger.js';
import { SqliteLedgerStore } from '../../../src/store/sqlite/sqlite-store.js';
import type { VerifyReport } from '../../../src/store/ledger-store.js';
import { startLedger } from '../../support/app.js';
import { expectedHash, tamper } from '../../audit/helpers.js';
import { createDatabase, startPgLedger, startPgService, urlOf, type TestDatabase } from './support.js';

/*
 * Design, "Audit", on PostgreSQL: verify re-folds every event, checks the hash chain and
 * compares every read model and every reading's totals, on one snapshot, and names the first difference
 * as the SQLite store's verify does. The small ledger of test/audit/verify.test.ts is built
 * on both stores by the same requests; each case changes both behind the service's back in
 * the same way (on PostgreSQL as its administrator, with triggers and foreign keys off:
 * session_replication_role = replica) and both verdicts must be the same report. The ledger
 * holds the reported record too (an observer, a stage with two accounts, a later account, a
 * claim), so that every reading's read models are compared as well.
 */

type Http = () => ReturnType<typeof request>;

interface Built {
  e1: string;
  e2: string;
  s390: string;
  s307: string;
  /** The stage with accounts: AZ's approximate count, AM's undisclosed one, ICRC's later one. */
  reported: string;
  events: Record<string, any>[];
}

async function send(http: Http, url: string, body: object, status = 200): Promise<any> {
  const res = await http().post(url).send(body);
  expect(res.status, `POST ${url}: ${res.text}`).toBe(status);
  return res.body;
}

async function build(http: Http): Promise<Built> {
  for (const id of ['UA', 'RU', 'AM', 'AZ'])
    await send(http, '/v1/parties', { id, name: `Party ${id}`, occurredAt: '2014-01-01' }, 201);
  const e1 = (
    await send(
      http,
      '/v1/exchanges',
      {
        kind: 'pow',
        proposedBy: 'UA',
        sides: [
          { party: 'UA', handsOver: 1000 },
          { party: 'RU', handsOver: 1000 },
        ],
        occurredAt: '2025-05-16',
      },
      201,
    )
  ).id;
  await send(http, `/v1/exchanges/${e1}/agree`, { by: 'RU', occurredAt: '2025-05-16' });
  const s390 = (
    await send(
      http,
      `/v1/exchanges/${e1}/stages`,
      {
        sides: [
          { party: 'UA', count: 390 },
          { party: 'RU', count: 390 },
        ],
        occurredAt: '2025-05-23',
      },
      201,
    )
  ).stage.id;
  const s307 = (
    await send(
      http,
      `/v1/exchanges/${e1}/stages`,
      {
        sides: [
          { party: 'UA', count: 307 },
          { party: 'RU', count: 307 },
        ],
        occurredAt: '2025-05-24',
      },
      201,
    )
  ).stage.id;
  const e2 = (
    await send(
      http,
      '/v1/exchanges',
      {
        kind: 'remains',
        proposedBy: 'AZ',
        sides: [
          { party: 'AM', handsOver: 0 },
          { party: 'AZ', handsOver: 500 },
        ],
        occurredAt: '2025-06-01',
      },
      201,
    )
  ).id;
  await send(http, `/v1/exchanges/${e2}/agree`, { by: 'AM', occurredAt: '2025-06-02' });
  await send(
    http,
    `/v1/exchanges/${e2}/stages`,
    { sides: [{ party: 'AZ', count: 200 }], occurredAt: '2025-06-05' },
    201,
  );
  await send(http, '/v1/observers', { id: 'ICRC', name: 'ICRC', occurredAt: '2014-01-01' }, 201);
  const reported = (
    await send(
      http,
      `/v1/exchanges/${e2}/stages`,
      {
        accounts: [
          { reportedBy: 'AZ', sides: [{ party: 'AZ', count: 120, approximate: true }] },
          { reportedBy: 'AM', sides: [{ party: 'AZ', count: null }] },
        ],
        occurredAt: '2025-06-06',
      },
      201,
    )
  ).stage.id;
  await send(
    http,
    `/v1/exchanges/${e2}/stages/${reported}/accounts`,
    { reportedBy: 'ICRC', sides: [{ party: 'AZ', count: 118 }], occurredAt: '2025-06-07' },
    201,
  );
  await send(
    http,
    '/v1/claims',
    {
      reportedBy: 'AM',
      party: 'AZ',
      kind: 'remains',
      field: 'handedOver',
      from: '2025-06-01',
      value: 330,
      source: { title: 'AM statement' },
      occurredAt: '2025-06-08',
    },
    201,
  );
  await send(http, `/v1/exchanges/${e1}/complete`, {
    sides: [
      { party: 'UA', count: 303 },
      { party: 'RU', count: 303 },
    ],
    occurredAt: '2025-05-25',
  });
  const events = (await http().get('/v1/events?limit=1000')).body.data;
  expect(events).toHaveLength(4 + 6 + 3 + 4);
  return { e1, e2, s390, s307, reported, events };
}

/** The same change on both stores: SQL for each, given the ledger as that store built it. */
interface Tampering {
  sqlite: (db: Database.Database, b: Built) => void;
  pg: (sql: (text: string, values?: unknown[]) => Promise<unknown>, b: Built) => Promise<void>;
}

const find = (b: Built, pred: (e: Record<string, any>) => boolean) => b.events.findIndex(pred);
const stageEvent = (b: Built, stageId: string) =>
  find(b, (e) => e.type === 'StageRecorded' && e.data.stageId === stageId);
const forgedStage = (b: Built) => {
  const i = stageEvent(b, b.s390);
  const forged: Record<string, any> = {
    ...b.events[i]!,
    data: {
      ...b.events[i]!.data,
      sides: [
        { party: 'UA', count: 391 },
        { party: 'RU', count: 390 },
      ],
    },
  };
  return { i, forged: { ...forged, hash: expectedHash(forged) } as Record<string, any> };
};
const rehashedFrom = (b: Built) => {
  const { i } = forgedStage(b);
  const rewritten = b.events.map((e) => ({ ...e }));
  rewritten[i]!.data = {
    ...rewritten[i]!.data,
    sides: [
      { party: 'UA', count: 391 },
      { party: 'RU', count: 390 },
    ],
  };
  for (let k = i; k < rewritten.length; k += 1) {
    if (k > 0) rewritten[k]!.prevHash = rewritten[k - 1]!.hash;
    rewritten[k]!.hash = expectedHash(rewritten[k]!);
  }
  return rewritten.slice(i);
};

/** The same UPDATE (or INSERT) on both stores, given the ledger as each built it. */
const same = (sql: (b: Built) => string, params: (b: Built) => unknown[] = () => []): Tampering => ({
  sqlite: (db, b) => {
    db.pragma('foreign_keys = OFF');
    db.prepare(sql(b).replaceAll(/\$\d/g, '?')).run(...params(b));
  },
  pg: (run, b) => run(sql(b), params(b)).then(() => undefined),
});

/** The readings' read models changed behind the service's back. */
const READING_CASES: [string, Tampering, Record<string, unknown>][] = [
  [
    '(h) an exchange’s readings edited',
    {
      sqlite: (db, b) =>
        db
          .prepare(
            `UPDATE exchanges SET readings = json_set(readings, '$.tallies."@first"[1].delivered', 999) WHERE id = ?`,
          )
          .run(b.e2),
      pg: (sql, b) =>
        sql(
          `UPDATE exchanges SET readings = jsonb_set(readings::jsonb, '{tallies,@first,1,delivered}', '999')::text
            WHERE id = $1`,
          [b.e2],
        ).then(() => undefined),
    },
    { kind: 'read-model', table: 'exchanges', detail: 'stored readings differ from the fold of its events' },
  ],
  [
    '(i) an account of a stage edited',
    {
      sqlite: (db, b) =>
        db
          .prepare(
            `UPDATE stage_reports SET stage = json_set(stage, '$.accounts[1].sides[0].count', 7) WHERE stage_id = ?`,
          )
          .run(b.reported),
      pg: (sql, b) =>
        sql(
          `UPDATE stage_reports SET stage = jsonb_set(stage::jsonb, '{accounts,1,sides,0,count}', '7')::text
            WHERE stage_id = $1`,
          [b.reported],
        ).then(() => undefined),
    },
    { kind: 'read-model', table: 'stage_reports' },
  ],
  [
    '(i′) a stage ordered by another event than the one that recorded it',
    same(
      () => `UPDATE stage_reports SET sequence = sequence - 1 WHERE stage_id = $1`,
      (b) => [b.s390],
    ),
    { kind: 'read-model', table: 'stage_reports', detail: 'a stage is not ordered by the event that recorded it' },
  ],
  [
    '(j) a stage’s row under a reporter’s reading edited',
    same(
      () => `UPDATE stage_reading_rows SET handed_over = handed_over + 1
        WHERE stage_id = $1 AND reading = 'ICRC' AND filing = 'kind' AND party = 'AZ'`,
      (b) => [b.reported],
    ),
    { kind: 'read-model', table: 'stage_reading_rows', detail: 'handedOver is -1, the events give -2' },
  ],
  [
    '(j′) a stage’s rows dated elsewhere',
    same(
      () => `UPDATE stage_reading_rows SET occurred_at = '2025-06-30' WHERE stage_id = $1`,
      (b) => [b.reported],
    ),
    { kind: 'read-model', table: 'stage_reading_rows' },
  ],
  [
    '(k) a reading total edited',
    same(
      // A departure of the exchange filing where the events give none (a breakdown-free ledger has no such rows).
      () => `INSERT INTO reading_totals VALUES ('exchange', '@first', 'AM', 'remains', 0, 0, 0, 0, 3, 0, 0, 0, 0)`,
    ),
    {
      kind: 'read-model',
      table: 'reading_totals',
      key: 'exchange/@first/AM/remains',
      detail: 'proposed is 3, the events give 0',
    },
  ],
  [
    '(k′) a reading total of a reporter out of nothing',
    same(() => `INSERT INTO reading_totals VALUES ('kind', 'ICRC', 'UA', 'pow', 0, 0, 0, 0, 4, 0, 0, 0, 0)`),
    { kind: 'read-model', table: 'reading_totals', key: 'kind/ICRC/UA/pow' },
  ],
  [
    '(l) a reporter left out',
    same(() => `DELETE FROM reporters WHERE id = 'ICRC'`),
    { kind: 'read-model', table: 'reporters', key: 'ICRC' },
  ],
  [
    '(p) a reporter’s first sequence moved (it orders according=each)',
    same(() => `UPDATE reporters SET first_sequence = first_sequence + 1 WHERE id = 'ICRC'`),
    { kind: 'read-model', table: 'reporters', key: 'ICRC' },
  ],
  [
    '(m) an observer renamed',
    same(() => `UPDATE observers SET name = 'Red Cross' WHERE id = 'ICRC'`),
    { kind: 'read-model', table: 'observers', key: 'ICRC' },
  ],
  [
    '(n) a claim’s value edited',
    {
      sqlite: (db) => db.prepare(`UPDATE claims SET claim = json_set(claim, '$.value', 331)`).run(),
      pg: (sql) =>
        sql(`UPDATE claims SET claim = jsonb_set(claim::jsonb, '{value}', '331')::text`).then(() => undefined),
    },
    { kind: 'read-model', table: 'claims', detail: 'row differs from its ClaimRecorded event' },
  ],
  [
    '(o) a stage_reports row of no exchange',
    same(() => `INSERT INTO stage_reports VALUES ('forged-stage', 'no-such-exchange', 99, '{}')`),
    { kind: 'read-model', table: 'stage_reports', key: '*' },
  ],
];

const CASES: [string, Tampering, Record<string, unknown>][] = [
  [
    '(a) an event edited in place',
    {
      sqlite: (db, b) =>
        db
          .prepare("UPDATE events SET data = json_set(data, '$.sides[0].count', 391) WHERE id = ?")
          .run(b.events[stageEvent(b, b.s390)]!.id),
      pg: (sql, b) =>
        sql(`UPDATE events SET data = jsonb_set(data::jsonb, '{sides,0,count}', '391')::text WHERE id = $1`, [
          b.events[stageEvent(b, b.s390)]!.id,
        ]).then(() => undefined),
    },
    { kind: 'event', sequence: 7 },
  ],
  [
    '(a′) an edit whose own hash was recomputed',
    {
      sqlite: (db, b) => {
        const { forged } = forgedStage(b);
        db.prepare('UPDATE events SET data = ?, hash = ? WHERE id = ?').run(
          JSON.stringify(forged.data),
          forged.hash,
          forged.id,
        );
      },
      pg: async (sql, b) => {
        const { forged } = forgedStage(b);
        await sql('UPDATE events SET data = $1, hash = $2 WHERE id = $3', [
          JSON.stringify(forged.data),
          forged.hash,
          forged.id,
        ]);
      },
    },
    { kind: 'event', sequence: 8 },
  ],
  [
    '(a″) the whole chain re-hashed from an edit on',
    {
      sqlite: (db, b) => {
        const upd = db.prepare('UPDATE events SET data = ?, prev_hash = ?, hash = ? WHERE id = ?');
        for (const e of rehashedFrom(b)) upd.run(JSON.stringify(e.data), e.prevHash, e.hash, e.id);
      },
      pg: async (sql, b) => {
        for (const e of rehashedFrom(b))
          await sql('UPDATE events SET data = $1, prev_hash = $2, hash = $3 WHERE id = $4', [
            JSON.stringify(e.data),
            e.prevHash,
            e.hash,
            e.id,
          ]);
      },
    },
    { kind: 'read-model', table: 'exchanges' },
  ],
  [
    '(c) a deleted event',
    {
      sqlite: (db, b) => db.prepare('DELETE FROM events WHERE id = ?').run(b.events[stageEvent(b, b.s307)]!.id),
      pg: (sql, b) =>
        sql('DELETE FROM events WHERE id = $1', [b.events[stageEvent(b, b.s307)]!.id]).then(() => undefined),
    },
    { kind: 'event', sequence: 9, detail: 'sequence 9 where 8 was expected (an event is missing or out of order)' },
  ],
  [
    '(c′) the last event deleted',
    {
      sqlite: (db, b) => db.prepare('DELETE FROM events WHERE id = ?').run(b.events.at(-1)!.id),
      pg: (sql, b) => sql('DELETE FROM events WHERE id = $1', [b.events.at(-1)!.id]).then(() => undefined),
    },
    { kind: 'read-model', table: 'exchanges' },
  ],
  [
    '(d) an exchange’s state edited',
    {
      sqlite: (db, b) =>
        db.prepare("UPDATE exchanges SET state = json_set(state, '$.sides[1].delivered', 250) WHERE id = ?").run(b.e2),
      pg: (sql, b) =>
        sql(`UPDATE exchanges SET state = jsonb_set(state::jsonb, '{sides,1,delivered}', '250')::text WHERE id = $1`, [
          b.e2,
        ]).then(() => undefined),
    },
    { kind: 'read-model', table: 'exchanges', detail: 'stored state differs from the fold of its events' },
  ],
  [
    '(d′) an exchange’s status column edited',
    {
      sqlite: (db, b) => db.prepare("UPDATE exchanges SET status = 'completed' WHERE id = ?").run(b.e2),
      pg: (sql, b) => sql("UPDATE exchanges SET status = 'completed' WHERE id = $1", [b.e2]).then(() => undefined),
    },
    { kind: 'read-model', table: 'exchanges' },
  ],
  ...READING_CASES,
  ...(
    [
      [
        'exchange_parties',
        `INSERT INTO exchange_parties (party, exchange_id, occurred_at, seq)
          VALUES ('UA', 'no-such-exchange', '2025-05-16', 999)`,
      ],
    ] as const
  ).map(([table, insert]): [string, Tampering, Record<string, unknown>] => [
    `(g) a ${table} row of no exchange`,
    {
      sqlite: (db) => {
        db.pragma('foreign_keys = OFF');
        db.prepare(insert).run();
      },
      pg: (sql) => sql(insert).then(() => undefined),
    },
    { kind: 'read-model', table, key: '*' },
  ]),
];

const TABLES = [
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

describe('verify on PostgreSQL', () => {
  let dir: string;
  let sqlite: { path: string; built: Built };
  let db: TestDatabase;
  let store: PostgresLedgerStore;
  let built: Built;
  /** The administrator's connection, triggers and foreign keys off. */
  let admin: pg.Client;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-verify-pg-'));
    db = await createDatabase();
    const [t, service] = await Promise.all([startLedger({}, {}, 'sqlite'), startPgService(db.url)]);
    try {
      const [fromSqlite, fromPg] = await Promise.all([build(t.http), build(service.http)]);
      sqlite = { path: join(dir, 'built.db'), built: fromSqlite };
      built = fromPg;
      await t.store.close();
      copyFileSync(t.dbPath, sqlite.path);
    } finally {
      await t.close();
      await service.close();
    }
    store = await PostgresLedgerStore.open(db.url);
    admin = new pg.Client({ connectionString: urlOf(db.name) });
    await admin.connect();
    await admin.query('SET session_replication_role = replica');
    // The ledger as built, kept aside to be put back before each case.
    await admin.query(
      `CREATE SCHEMA pristine; ${TABLES.map((t) => `CREATE TABLE pristine.${t} AS TABLE public.${t}`).join('; ')}`,
    );
  });
  afterAll(async () => {
    await admin?.end();
    await store?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The ledger as built, tampered with, and the verdicts of both stores on it. */
  async function verdicts(tampering: Tampering): Promise<{ sqlite: VerifyReport; pg: VerifyReport }> {
    const copy = join(dir, `${Math.random().toString(36).slice(2)}.db`);
    copyFileSync(sqlite.path, copy);
    tamper(copy, (file) => tampering.sqlite(file, sqlite.built));
    const lite = SqliteLedgerStore.open(copy, MIGRATIONS_FOLDER);
    const fromSqlite = await lite.verify().finally(() => lite.close());

    const putBack = TABLES.map((t) => `INSERT INTO public.${t} SELECT * FROM pristine.${t}`).join('; ');
    await admin.query(`TRUNCATE ${TABLES.join(', ')}; ${putBack}`);
    await tampering.pg((text, values = []) => admin.query(text, values), built);
    return { sqlite: fromSqlite, pg: await store.verify() };
  }

  /** The PostgreSQL report in the SQLite build's names (the same requests made the same ledger, ids apart). */
  function inSqliteNames(report: VerifyReport): VerifyReport {
    let text = JSON.stringify(report);
    built.events.forEach((e, i) => {
      const twin = sqlite.built.events[i]!;
      for (const [mine, theirs] of [
        [e.id, twin.id],
        [e.streamId, twin.streamId],
        [e.hash, twin.hash],
        [e.data.stageId, twin.data.stageId],
        [e.data.claimId, twin.data.claimId],
      ]) {
        if (typeof mine === 'string') text = text.replaceAll(mine, theirs);
      }
    });
    return JSON.parse(text) as VerifyReport;
  }
  const comparable = (report: VerifyReport) => {
    // The clock's time differs between the builds; a re-hashed head is a hash of its own on each.
    const r = { ...report, head: { ...report.head, recordedAt: null, hash: '<head>' } };
    // A hash recomputed from content depends on every id and time in it.
    return 'firstDifference' in r
      ? {
          ...r,
          firstDifference: {
            ...r.firstDifference,
            detail: r.firstDifference.detail.replace(/[0-9a-f]{64}/g, '<hash>'),
          },
        }
      : r;
  };

  it('passes the intact ledger, as SQLite does', async () => {
    const v = await verdicts({ sqlite: () => {}, pg: async () => {} });
    expect(v.pg).toMatchObject({ ok: true, events: 17, head: { sequence: 17, hash: built.events.at(-1)!.hash } });
    expect(inSqliteNames(v.pg).head.hash).toBe(v.sqlite.head.hash);
    expect(comparable(inSqliteNames(v.pg))).toEqual(comparable(v.sqlite));
  });

  it.each(CASES)('%s: names the same first difference as SQLite', async (_case, tampering, expected) => {
    const v = await verdicts(tampering);
    expect(v.sqlite.ok).toBe(false);
    expect(v.pg.ok).toBe(false);
    expect(comparable(inSqliteNames(v.pg))).toEqual(comparable(v.sqlite));
    expect(!v.pg.ok && v.pg.firstDifference).toMatchObject(expected);
  });
});

describe('verify on a PostgreSQL ledger in use', () => {
  const party = (id: string) => ({
    kind: 'party' as const,
    command: { partyId: id, name: id, occurredAt: '2014-01-01', note: null },
  });

  it('reads one snapshot: commands committed while it reads are not seen, not even in part', async () => {
    const t = await startPgLedger();
    const pool = createPool(t.database.url, {});
    try {
      await applySteps(t.ledger, syntheticLedger({ events: 120, idOf: freshExchangeId }), { window: 16 });
      const before = await t.store.head();
      // Verify on a connection whose reads of the ledger wait, once its snapshot is taken,
      // until the commands below are committed.
      const client = await pool.connect();
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      let reached!: () => void;
      const reading = new Promise<void>((r) => (reached = r));
      const waiting = new Proxy(client, {
        get: (target, key) =>
          key !== 'query'
            ? Reflect.get(target, key)
            : async (...args: Parameters<typeof client.query>) => {
                if (typeof args[0] === 'string' && args[0].startsWith('FETCH')) {
                  reached();
                  await held;
                }
                return (target.query as (...a: unknown[]) => unknown)(...args);
              },
      });
      const verifying = verifyOn(waiting);
      await reading;
      await applySteps(t.ledger, ['W1', 'W2', 'W3'].map(party), { window: 1 });
      const after = await t.store.head();
      expect(after.sequence).toBe(before.sequence + 3);
      release();
      expect(await verifying).toEqual({ ok: true, events: before.sequence, head: before });
      await client.query('COMMIT');
      client.release();
      expect(await t.store.verify()).toEqual({ ok: true, events: after.sequence, head: after });
    } finally {
      await pool.end();
      await t.close();
    }
  });

  it('runs one verification at a time; a run asked for after a commit covers it', async () => {
    const t = await startPgLedger();
    try {
      await applySteps(t.ledger, syntheticLedger({ events: 60, idOf: freshExchangeId }), { window: 16 });
      const progress: [number, number][] = [];
      const first = t.store.verify((done, total) => progress.push([done, total]));
      await applySteps(t.ledger, [party('W1')], { window: 1 });
      const head = await t.store.head();
      const [second, third] = [t.store.verify(), t.store.verify()];
      expect(await first).toMatchObject({ ok: true });
      expect(progress.at(-1)).toEqual([(await first).events, (await first).events]);
      expect(await second).toEqual({ ok: true, events: head.sequence, head });
      expect(await third).toEqual(await second);
      expect((await t.http().get('/v1/ledger/verify')).body).toEqual({ ok: true, events: head.sequence, head });
    } finally {
      await t.close();
    }
  });
});
