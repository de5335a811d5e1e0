import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { fastEventCanonical } from '../../src/audit/jcs.js';
import { MIGRATIONS_FOLDER } from '../../src/paths.js';
import { applySteps, freshExchangeId } from '../../src/seed/apply.js';
import { syntheticLedger } from '../../src/seed/synthetic.js';
import { openSqlite } from '../../src/store/sqlite/connection.js';
import { verifyLedger } from '../../src/store/sqlite/verify-ledger.js';
import { startLedger, type TestLedger } from '../support/app.js';
import { expectRateLine, expectedHash, get, jcs, post, runCli, tamper, type CliResult } from './helpers.js';

/*
 * Design, "Audit": a verify command (`npm run verify`, and GET /v1/ledger/verify for admins)
 * re-folds every event through the same domain code, checks the hash chain, and compares the
 * read models and totals with what it recomputed; it names the first event where they differ.
 *
 * Each case below builds the same small ledger over HTTP on a fresh file, then changes the
 * file behind the service's back as someone with access to it could (dropping the append-only
 * triggers first), and asks both the route and the CLI.
 */

interface Built {
  t: TestLedger;
  e1: string;
  e2: string;
  /** Stage ids of E1, in the order recorded. */
  s390: string;
  s307: string;
  events: Record<string, any>[];
}

let open: TestLedger[] = [];

afterEach(async () => {
  for (const t of open) {
    const violations = t.contractViolations;
    await t.close();
    expect(violations, 'every response matches openapi/openapi.json').toEqual([]);
  }
  open = [];
});

async function build(): Promise<Built> {
  const t = await startLedger();
  open.push(t);
  for (const id of ['UA', 'RU', 'AM', 'AZ'])
    await post(t, '/v1/parties', { id, name: `Party ${id}`, occurredAt: '2014-01-01' }, 201);
  const e1 = (
    await post(
      t,
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
  await post(t, `/v1/exchanges/${e1}/agree`, { by: 'RU', occurredAt: '2025-05-16' });
  const s390 = (
    await post(
      t,
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
    await post(
      t,
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
    await post(
      t,
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
  await post(t, `/v1/exchanges/${e2}/agree`, { by: 'AM', occurredAt: '2025-06-02' });
  await post(t, `/v1/exchanges/${e2}/stages`, { sides: [{ party: 'AZ', count: 200 }], occurredAt: '2025-06-05' }, 201);
  await post(t, `/v1/exchanges/${e1}/complete`, {
    sides: [
      { party: 'UA', count: 303 },
      { party: 'RU', count: 303 },
    ],
    occurredAt: '2025-05-25',
  });
  const events = (await get(t, '/v1/events?limit=1000')).data;
  // 4 registrations, E1: propose, agree, 2 stages, final stage + completion; E2: propose, agree, stage.
  expect(events).toHaveLength(4 + 6 + 3);
  return { t, e1, e2, s390, s307, events };
}

/** The route's and the CLI's verdicts on the same file. */
async function verifyBoth(t: TestLedger): Promise<{ route: any; cli: CliResult; report: any }> {
  const route = await get(t, '/v1/ledger/verify');
  const cli = await runCli('verify', t.dbPath);
  let report: any;
  expect(
    () => (report = JSON.parse(cli.stdout)),
    `verify CLI stdout is its JSON report: ${cli.stdout}\n${cli.stderr}`,
  ).not.toThrow();
  return { route, cli, report };
}

/** Not intact, with the same first difference from the route and the CLI (exit 1). */
async function expectTampered(t: TestLedger, difference: Record<string, unknown>): Promise<any> {
  const { route, cli, report } = await verifyBoth(t);
  expect(route.ok).toBe(false);
  expect(route.firstDifference).toMatchObject(difference);
  expect(cli.code, cli.stderr).toBe(1);
  expect(report.ok).toBe(false);
  expect(report.firstDifference).toEqual(route.firstDifference);
  for (const v of Object.values(difference))
    if (typeof v === 'string' || typeof v === 'number') expect(cli.stdout).toContain(String(v));
  expectRateLine(cli.stderr, 'verify', report.events);
  return route.firstDifference;
}

const find = (events: Record<string, any>[], pred: (e: Record<string, any>) => boolean) => {
  const e = events.find(pred);
  expect(e).toBeDefined();
  return e!;
};

describe('verify', () => {
  it('passes an intact ledger: the route says ok and the CLI exits 0', async () => {
    const { t, events } = await build();
    const head = await get(t, '/v1/ledger/head');
    const { route, cli, report } = await verifyBoth(t);
    expect(route).toEqual({ ok: true, events: events.length, head });
    expect(cli.code, cli.stderr).toBe(0);
    expect(report).toEqual(route);
    expectRateLine(cli.stderr, 'verify', events.length);
  });

  it('(a) names the event whose row was edited in place (a stage count in data)', async () => {
    const { t, e1, s390, events } = await build();
    const stage = find(events, (e) => e.type === 'StageRecorded' && e.data.stageId === s390);
    tamper(t.dbPath, (db) => {
      const r = db
        .prepare("UPDATE events SET data = json_set(data, '$.sides[0].count', 391) WHERE id = ?")
        .run(stage.id);
      expect(r.changes).toBe(1);
    });
    // The service reads the edited row as it now is.
    const edited = find((await get(t, `/v1/exchanges/${e1}/events`)).data, (e) => e.id === stage.id);
    expect(edited.data.sides[0]).toEqual({ party: 'UA', count: 391 });
    const d = await expectTampered(t, { kind: 'event', sequence: stage.sequence, eventId: stage.id });
    expect(d.detail).toMatch(/hash/);
  });

  it('(a′) an edit whose own hash was recomputed still breaks the chain at the next event', async () => {
    const { t, s390, events } = await build();
    const i = events.findIndex((e) => e.type === 'StageRecorded' && e.data.stageId === s390);
    const stage = events[i]!;
    const forged: Record<string, any> = {
      ...stage,
      data: {
        ...stage.data,
        sides: [
          { party: 'UA', count: 391 },
          { party: 'RU', count: 390 },
        ],
      },
    };
    forged.hash = expectedHash(forged);
    tamper(t.dbPath, (db) => {
      db.prepare('UPDATE events SET data = ?, hash = ? WHERE id = ?').run(
        JSON.stringify(forged.data),
        forged.hash,
        stage.id,
      );
    });
    const next = events[i + 1]!;
    const d = await expectTampered(t, { kind: 'event', sequence: next.sequence, eventId: next.id });
    expect(d.detail).toMatch(/prevHash/);
  });

  it('(a″) a forger who re-hashes the whole chain from the edit on is caught by the read models (and by the published head)', async () => {
    const { t, e1, s390, events } = await build();
    const published = await get(t, '/v1/ledger/head');
    const i = events.findIndex((e) => e.type === 'StageRecorded' && e.data.stageId === s390);
    const rewritten = events.map((e) => ({ ...e }));
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
    tamper(t.dbPath, (db) => {
      const upd = db.prepare('UPDATE events SET data = ?, prev_hash = ?, hash = ? WHERE id = ?');
      for (const e of rewritten.slice(i)) upd.run(JSON.stringify(e.data), e.prevHash, e.hash, e.id);
    });
    const head = await get(t, '/v1/ledger/head');
    expect(head.sequence).toBe(published.sequence);
    expect(head.hash).not.toBe(published.hash);
    await expectTampered(t, { kind: 'read-model', table: 'exchanges', key: e1 });
  });

  it('(b) names the totals row edited in place by filing, reading, party and kind', async () => {
    const { t } = await build();
    tamper(t.dbPath, (db) => {
      const r = db
        .prepare(
          "UPDATE reading_totals SET handed_over = handed_over + 1 WHERE filing = 'kind' AND reading = '@first' AND party = 'RU' AND kind = 'pow'",
        )
        .run();
      expect(r.changes).toBe(1);
    });
    const d = await expectTampered(t, { kind: 'read-model', table: 'reading_totals', key: 'kind/@first/RU/pow' });
    expect(d.detail).toMatch(/handedOver/);
    expect(d.detail).toMatch(/1001/);
  });

  it('(b′) a totals row added out of nothing is named too', async () => {
    const { t } = await build();
    tamper(t.dbPath, (db) => {
      db.prepare(
        "INSERT INTO reading_totals VALUES ('kind', '@first', 'AM', 'children', 0, 0, 0, 0, 7, 0, 0, 0, 0)",
      ).run();
    });
    await expectTampered(t, { kind: 'read-model', table: 'reading_totals', key: 'kind/@first/AM/children' });
  });

  it('(c) names the first event after a deleted one', async () => {
    const { t, s307, events } = await build();
    const i = events.findIndex((e) => e.type === 'StageRecorded' && e.data.stageId === s307);
    tamper(t.dbPath, (db) => {
      const r = db.prepare('DELETE FROM events WHERE id = ?').run(events[i]!.id);
      expect(r.changes).toBe(1);
    });
    const after = events[i + 1]!;
    const d = await expectTampered(t, { kind: 'event', sequence: after.sequence, eventId: after.id });
    expect(d.detail).toMatch(/missing|expected/);
  });

  it('(c′) a deleted last event (a truncated ledger) is found by the read models, and the head no longer matches the published one', async () => {
    const { t, e1, events } = await build();
    const published = await get(t, '/v1/ledger/head');
    const last = events.at(-1)!;
    expect(last.streamId).toBe(e1);
    tamper(t.dbPath, (db) => db.prepare('DELETE FROM events WHERE id = ?').run(last.id));
    expect((await get(t, '/v1/ledger/head')).hash).not.toBe(published.hash);
    await expectTampered(t, { kind: 'read-model', table: 'exchanges', key: e1 });
  });

  it('(d) names the exchange whose state was edited in the exchanges read model', async () => {
    const { t, e2 } = await build();
    tamper(t.dbPath, (db) => {
      const r = db
        // The views read delivered from the readings kept beside the state: both are edited, as a forger would.
        .prepare(
          `UPDATE exchanges SET state = json_set(state, '$.sides[1].delivered', 250),
             readings = json_set(readings, '$.tallies."@first"[1].delivered', 250) WHERE id = ?`,
        )
        .run(e2);
      expect(r.changes).toBe(1);
    });
    expect((await get(t, `/v1/exchanges/${e2}`)).sides[1].delivered).toBe(250);
    await expectTampered(t, { kind: 'read-model', table: 'exchanges', key: e2 });
  });

  it('(d′) names the exchange whose status column was edited', async () => {
    const { t, e2 } = await build();
    tamper(t.dbPath, (db) => db.prepare("UPDATE exchanges SET status = 'completed' WHERE id = ?").run(e2));
    const d = await expectTampered(t, { kind: 'read-model', table: 'exchanges', key: e2 });
    expect(d.detail).toMatch(/completed/);
  });

  it('(e) names the exchange whose stage count was edited in stage_reports', async () => {
    const { t, e1, s390 } = await build();
    tamper(t.dbPath, (db) => {
      const r = db
        .prepare(
          "UPDATE stage_reports SET stage = json_set(stage, '$.accounts[0].sides[0].count', 391) WHERE stage_id = ?",
        )
        .run(s390);
      expect(r.changes).toBe(1);
    });
    await expectTampered(t, { kind: 'read-model', table: 'stage_reports', key: e1 });
  });

  it('(e′) names the exchange whose stage was voided behind the ledger’s back in stage_reports', async () => {
    const { t, e1, s307 } = await build();
    tamper(t.dbPath, (db) =>
      db
        .prepare(
          `UPDATE stage_reports SET stage = json_set(stage, '$.voided', json('{"occurredAt":"2025-05-26","recordedAt":"2025-05-26T00:00:00.000Z","reason":"x"}')) WHERE stage_id = ?`,
        )
        .run(s307),
    );
    await expectTampered(t, { kind: 'read-model', table: 'stage_reports', key: e1 });
  });

  it('(f) names the exchange whose readings were edited beside its state', async () => {
    const { t, e2 } = await build();
    tamper(t.dbPath, (db) => {
      const r = db
        .prepare(
          "UPDATE exchanges SET readings = json_set(readings, '$.tallies.@first[0].delivered', 600) WHERE id = ?",
        )
        .run(e2);
      expect(r.changes).toBe(1);
    });
    await expectTampered(t, { kind: 'read-model', table: 'exchanges', key: e2 });
  });

  // Rows of an exchange that has no events: invisible to the exchange reads, but summed by the
  // date-bounded and as-of totals. (The sqlite3 shell has foreign keys off by default.)
  it.each([
    [
      'stage_reports',
      "INSERT INTO stage_reports (stage_id, exchange_id, sequence, stage) VALUES ('forged-stage', 'no-such-exchange', 99999, '{}')",
    ],
    [
      'stage_reading_rows',
      "INSERT INTO stage_reading_rows (stage_id, filing, reading, party, kind, exchange_id, occurred_at, handed_over, received, handed_over_undisclosed_stages, received_undisclosed_stages, handed_over_approximate, received_approximate) VALUES ('forged-stage', 'kind', '@first', 'UA', 'pow', 'no-such-exchange', '2025-05-23', 5000, 0, 0, 0, 0, 0)",
    ],

    [
      'exchange_parties',
      "INSERT INTO exchange_parties (party, exchange_id, occurred_at, seq) VALUES ('UA', 'no-such-exchange', '2025-05-16', 999)",
    ],
  ])('(g) finds a %s row that belongs to no exchange of the ledger', async (table, insert) => {
    const { t } = await build();
    const before = await get(t, '/v1/totals?party=UA&kind=pow&from=2025-01-01');
    tamper(t.dbPath, (db) => {
      db.pragma('foreign_keys = OFF');
      db.prepare(insert).run();
    });
    // A forged dated row would count in every total bounded by date: verify must find it.
    if (table === 'stage_reading_rows')
      expect(await get(t, '/v1/totals?party=UA&kind=pow&from=2025-01-01')).not.toEqual(before);
    const d = await expectTampered(t, { kind: 'read-model', table, key: '*' });
    expect(d.detail).toMatch(/rows, but the exchanges' events account for/);
  });
});

/**
 * verifyLedger on a connection of its own; splitFrom 0 hands half of the streams to a worker
 * thread, or (background) all of them.
 */
async function verifyDirect(dbPath: string, splitFrom?: number, threads?: 'split' | 'background') {
  const conn = openSqlite(dbPath, MIGRATIONS_FOLDER);
  try {
    return await verifyLedger(conn, undefined, { splitFrom, threads });
  } finally {
    conn.sqlite.close();
  }
}

const party = (id: string) => ({
  kind: 'party' as const,
  command: { partyId: id, name: id, occurredAt: '2014-01-01', note: null },
});

describe('verify on a ledger in use', () => {
  it('reads one snapshot: commands committed while it runs are not half seen', async () => {
    const t = await startLedger();
    open.push(t);
    await applySteps(t.ledger, syntheticLedger({ events: 3000, idOf: freshExchangeId }));
    const before = await t.store.head();
    const order: string[] = [];
    // The snapshot is taken when verify is called; the parties are committed while it yields.
    const verifying = t.store.verify().then((r) => (order.push('verify'), r));
    const writing = applySteps(t.ledger, ['W1', 'W2', 'W3'].map(party)).then(() => order.push('writes'));
    const [report] = await Promise.all([verifying, writing]);
    expect(order).toEqual(['writes', 'verify']);
    expect(report).toEqual({ ok: true, events: before.sequence, head: before });
    expect(await t.store.verify()).toEqual({ ok: true, events: before.sequence + 3, head: await t.store.head() });
  });

  it('splits the streams with a worker thread, reading the same snapshot, and says what one thread says', async () => {
    const t = await startLedger();
    open.push(t);
    await applySteps(t.ledger, syntheticLedger({ events: 3000, idOf: freshExchangeId }));
    const head = await t.store.head();
    const order: string[] = [];
    let writing: Promise<unknown> | undefined;
    const conn = openSqlite(t.dbPath, MIGRATIONS_FOLDER);
    const report = await verifyLedger(conn, undefined, {
      splitFrom: 0,
      // Both threads hold their snapshot: commit while they read it.
      onSplit: () => (writing = applySteps(t.ledger, [party('W1')]).then(() => order.push('write'))),
    }).finally(() => conn.sqlite.close());
    order.push('verify');
    expect(writing).toBeDefined();
    await writing;
    expect(order).toEqual(['write', 'verify']);
    expect(report).toEqual({ ok: true, events: head.sequence, head });

    // A difference in the worker's half, then one in this thread's too, then in the chain: the
    // first is named either way.
    let ids: string[] = [];
    tamper(t.dbPath, (db) => {
      ids = db.prepare('SELECT id FROM exchanges ORDER BY id').pluck().all() as string[];
      db.prepare("UPDATE exchanges SET status = 'x' WHERE id = ?").run(ids.at(-3));
    });
    const late = await verifyDirect(t.dbPath);
    expect(late).toMatchObject({ ok: false, firstDifference: { table: 'exchanges', key: ids.at(-3) } });
    expect(await verifyDirect(t.dbPath, 0)).toEqual(late);
    expect(await verifyDirect(t.dbPath, 0, 'background')).toEqual(late);
    tamper(t.dbPath, (db) =>
      db
        .prepare("UPDATE exchanges SET readings = json_set(readings, '$.tallies.@first[0].delivered', 7) WHERE id = ?")
        .run(ids.at(3)),
    );
    const early = await verifyDirect(t.dbPath);
    expect(early).toMatchObject({ ok: false, firstDifference: { table: 'exchanges', key: ids.at(3) } });
    expect(await verifyDirect(t.dbPath, 0)).toEqual(early);
    expect(await verifyDirect(t.dbPath, 0, 'background')).toEqual(early);
    tamper(t.dbPath, (db) => {
      db.prepare("UPDATE events SET data = json_set(data, '$.zz', 1) WHERE sequence IN (?, ?)").run(
        head.sequence - 10,
        1500,
      );
    });
    const chain = await verifyDirect(t.dbPath);
    expect(chain).toMatchObject({ ok: false, events: 1499, firstDifference: { kind: 'event', sequence: 1500 } });
    expect(await verifyDirect(t.dbPath, 0)).toEqual(chain);
    expect(await verifyDirect(t.dbPath, 0, 'background')).toEqual(chain);
  });
});

describe('the canonical form verify hashes', () => {
  const event = (data: unknown, extra: Record<string, unknown> = {}) => ({
    sequence: 7,
    id: 'e',
    streamId: 's',
    version: 1,
    type: 'T',
    data,
    occurredAt: '2025-01-01',
    recordedAt: '2025-01-01T00:00:00.000Z',
    principal: 'p',
    source: null,
    note: null,
    prevHash: '0'.repeat(64),
    hash: 'h',
    ...extra,
  });
  const { hash: _hash, ...body } = event(null);

  it('is the RFC 8785 form `canonicalize` writes, for any JSON data', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.option(fc.string()), (data, note) => {
        const e = event(data, { note });
        const { hash: _h, ...b } = e;
        const fast = fastEventCanonical(e as never);
        if (fast !== undefined) expect(fast).toBe(canonicalize(b));
        // And so to the independent JCS of helpers.ts.
        expect(fast ?? canonicalize(b)).toBe(jcs(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves to `canonicalize` what it does not cover, rather than writing something else', () => {
    for (const data of [
      { a: undefined },
      [undefined],
      { n: Infinity },
      NaN,
      'a\ud800b',
      { '\udc00': 1 },
      { b: Buffer.from('x') },
      1n,
    ]) {
      expect(fastEventCanonical(event(data) as never)).toBeUndefined();
    }
    expect(fastEventCanonical(event(1, { extra: 1 }) as never)).toBeUndefined();
    const { data: _d, ...missing } = event(1);
    expect(fastEventCanonical(missing as never)).toBeUndefined();
    // Sealing hashes an event before it has its hash: the same text as with one.
    const { hash: _h, ...unhashed } = event(1) as { hash: string };
    expect(fastEventCanonical(unhashed as never)).toBe(fastEventCanonical(event(1) as never));
    const data = {
      z: 1,
      é: [1e21, -0, 0.1, '"\\\n\u2028😀'],
      A: JSON.parse('{"__proto__": 1}'),
      '\u{1F600}': true,
      '\uFF01': false,
    };
    expect(fastEventCanonical(event(data) as never)).toBe(canonicalize({ ...body, data }));
  });
});

describe('verify and export on a DATABASE_URL that names no ledger', () => {
  it('refuse with a non-zero exit and create nothing (a typo must not "verify" an empty ledger)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-missing-'));
    try {
      const missing = join(dir, 'typo', 'ledger.db');
      for (const [name, args] of [
        ['verify', []],
        ['export', [join(dir, 'out.ndjson')]],
      ] as const) {
        const r = await runCli(name, missing, ...args);
        expect(r.code, name).toBe(2);
        expect(r.stderr, name).toContain(`no ledger at ${missing}`);
        expect(r.stdout, name).not.toContain('"ok": true');
      }
      expect(existsSync(join(dir, 'typo'))).toBe(false);
      expect(existsSync(join(dir, 'out.ndjson'))).toBe(false);
      // An existing file that is not a ledger (empty here) is refused, and left as it was.
      const empty = join(dir, 'empty.db');
      writeFileSync(empty, '');
      const r = await runCli('verify', empty);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('is not a ledger');
      expect(statSync(empty).size).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
