import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '../../src/paths.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { applySteps, freshExchangeId } from '../../src/seed/apply.js';
import { syntheticLedger } from '../../src/seed/synthetic.js';
import { SqliteLedgerStore } from '../../src/store/sqlite/sqlite-store.js';
import { startLedger, type TestLedger } from '../support/app.js';
import { counts, expectRateLine, expectedHash, get, lastLine, runCli, runNode, type CliResult } from './helpers.js';

/*
 * Design, "Audit": export (GET /v1/events as NDJSON) can be verified offline and imported into
 * an empty ledger (backup, restore); import replays through the same rules. The design's
 * "Storage" makes appending all-or-nothing; the import CLI says so too: a refused line leaves
 * nothing written.
 *
 * One synthetic ledger of ≥ 10,000 events is built once (through the store's command path)
 * and shared by every test of this file.
 */

const EVENT_KEYS = [
  'data',
  'hash',
  'id',
  'note',
  'occurredAt',
  'prevHash',
  'principal',
  'recordedAt',
  'sequence',
  'source',
  'streamId',
  'type',
  'version',
];
const ZERO_COUNTS = {
  events: 0,
  parties: 0,
  exchanges: 0,
  exchange_parties: 0,
  stage_reports: 0,
  reading_totals: 0,
  stage_reading_rows: 0,
  reporters: 0,
  observers: 0,
  claims: 0,
};

let src: TestLedger;
let dst: TestLedger;
let dir: string;
let httpFile: string;
let cliFile: string;
let lines: string[];
let published: { sequence: number; hash: string; eventId: string; recordedAt: string };
let cliExport: CliResult;
let cliImport: CliResult;
/** Requests answered with an NDJSON stream (the contract hook sees a stream object, not JSON). */
const ndjsonUrls = new Set<string>();

const file = (name: string) => join(dir, name);
const writeLines = (name: string, ls: string[]) => {
  writeFileSync(file(name), `${ls.join('\n')}\n`);
  return file(name);
};
/** The 1-based line of the first event of `type` at or after line `from`. */
const lineOf = (type: string, from: number) =>
  from + lines.slice(from - 1).findIndex((l) => JSON.parse(l).type === type);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ledger-export-'));
  httpFile = file('http.ndjson');
  cliFile = file('cli.ndjson');
  src = await startLedger();
  await applySteps(src.ledger, syntheticLedger({ events: 10_000, idOf: freshExchangeId }));
  published = await get(src, '/v1/ledger/head');
}, 120_000);

afterAll(async () => {
  const violations = [...(src?.contractViolations ?? []), ...(dst?.contractViolations ?? [])];
  await src?.close();
  await dst?.close();
  rmSync(dir, { recursive: true, force: true });
  // The harness validates a body against the schema of its media type; an NDJSON stream is
  // not one JSON document, so the export's answers are checked line by line in the tests instead.
  const streamed = (v: string) => [...ndjsonUrls].some((u) => v.startsWith(`GET ${u} → 200: body does not match`));
  expect(
    violations.filter((v) => !streamed(v)),
    'every response matches openapi/openapi.json',
  ).toEqual([]);
});

describe('export', () => {
  it('starts from a synthetic ledger of at least 10,000 events that verifies', async () => {
    expect(published.sequence).toBeGreaterThanOrEqual(10_000);
    expect(await get(src, '/v1/ledger/verify')).toEqual({ ok: true, events: published.sequence, head: published });
  });

  it('streams the whole ledger from GET /v1/events with Accept: application/x-ndjson, one event per line', async () => {
    const chunks: Buffer[] = [];
    ndjsonUrls.add('/v1/events');
    const res = await src
      .http()
      .get('/v1/events')
      .set('Accept', 'application/x-ndjson')
      .buffer(true)
      .parse((r, done) => {
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => done(null, Buffer.concat(chunks)));
      });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    // Streamed, not buffered into one body: no length known up front.
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.headers['transfer-encoding']).toBe('chunked');
    expect(chunks.length).toBeGreaterThan(1);
    const text = Buffer.concat(chunks).toString('utf8');
    writeFileSync(httpFile, text);
    expect(text.endsWith('\n')).toBe(true);
    lines = text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(published.sequence);
    let previous = '0'.repeat(64);
    for (const [i, line] of lines.entries()) {
      const e = JSON.parse(line);
      expect(line).toBe(JSON.stringify(e)); // one compact JSON document per line
      expect(Object.keys(e).sort()).toEqual(EVENT_KEYS);
      expect(e.sequence).toBe(i + 1);
      expect(e.prevHash).toBe(previous);
      previous = e.hash;
    }
    expect(previous).toBe(published.hash);
    // Spot checks: the lines are the events the JSON pages serve.
    for (const after of [0, 4321, published.sequence - 3]) {
      const page = (await get(src, `/v1/events?after=${after}&limit=3`)).data;
      expect(page).toEqual(lines.slice(after, after + 3).map((l) => JSON.parse(l)));
    }
    // And the hashes are recomputable from the lines alone.
    for (const n of [1, 2, 5000, published.sequence])
      expect(expectedHash(JSON.parse(lines[n - 1]!))).toBe(JSON.parse(lines[n - 1]!).hash);
  });

  it('streams from the sequence cursor `after`', async () => {
    ndjsonUrls.add(`/v1/events?after=${published.sequence - 5}`);
    const res = await src
      .http()
      .get(`/v1/events?after=${published.sequence - 5}`)
      .set('Accept', 'application/x-ndjson')
      .buffer(true)
      .parse((r, done) => {
        let s = '';
        r.on('data', (c: Buffer) => (s += c.toString()));
        r.on('end', () => done(null, s));
      });
    expect(res.status).toBe(200);
    expect(res.body).toBe(`${lines.slice(-5).join('\n')}\n`);
  });

  it('`npm run export -- FILE` writes the same bytes, with its rate on stderr', async () => {
    cliExport = await runCli('export', src.databaseUrl, cliFile);
    expect(cliExport.code, cliExport.stderr).toBe(0);
    expect(JSON.parse(cliExport.stdout)).toEqual({ file: cliFile, events: published.sequence, head: published });
    expectRateLine(cliExport.stderr, 'export', published.sequence);
    expect(statSync(cliFile).size).toBe(statSync(httpFile).size);
    expect(readFileSync(cliFile).equals(readFileSync(httpFile))).toBe(true);
  });
});

describe('scripts/verify-export.mjs (plain node, no dependencies)', () => {
  const verifyExport = (path: string, ...args: string[]) =>
    runNode([join('scripts', 'verify-export.mjs'), path, ...args]);

  it('says intact on the export, and with --head the published head', async () => {
    const plain = await verifyExport(cliFile);
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(
      new RegExp(`^intact: ${published.sequence} events, sequence ${published.sequence}, head ${published.hash}`),
    );
    const withHead = await verifyExport(cliFile, '--head', published.hash);
    expect(withHead.code, withHead.stderr).toBe(0);
    expect(withHead.stdout).toMatch(/matches the published head/);
  });

  it('says not intact, with the line number, for an edited line', async () => {
    const n = lineOf('StageRecorded', 2500);
    const edited = [...lines];
    const e = JSON.parse(edited[n - 1]!);
    e.data.sides[0].count += 1;
    edited[n - 1] = JSON.stringify(e);
    const r = await verifyExport(writeLines('edited-for-script.ndjson', edited));
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(new RegExp(`^NOT INTACT: line ${n}: hash does not match`));
  });

  it('says not intact for a missing line, naming the line where the gap shows', async () => {
    const r = await verifyExport(
      writeLines(
        'gap-for-script.ndjson',
        lines.filter((_, i) => i !== 6999),
      ),
    );
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/^NOT INTACT: line 7000: sequence 7001 follows 6999/);
  });

  it('refuses --head or --prev without a 64-hex value (an unset variable must not skip the check)', async () => {
    for (const args of [['--head'], ['--head', ''], ['--head', 'abc'], ['--after', '5', '--prev']]) {
      const r = await verifyExport(cliFile, ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^usage:/m);
    }
  });

  it('says not intact when the first lines are dropped, even with the published head', async () => {
    const r = await verifyExport(writeLines('headless-for-script.ndjson', lines.slice(3)), '--head', published.hash);
    expect(r.code).toBe(1);
    expect(lastLine(r.stderr)).toMatch(/^NOT INTACT: line 1: the first event is sequence 4, not 1/);
  });

  it('checks a partial export (after N) given the hash of event N, and refuses a wrong one', async () => {
    const part = writeLines('part-for-script.ndjson', lines.slice(5000));
    const prev = JSON.parse(lines[4999]!).hash as string;
    const ok = await verifyExport(part, '--after', '5000', '--prev', prev, '--head', published.hash);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(
      new RegExp(`^intact: ${published.sequence - 5000} events, sequence ${published.sequence}`),
    );
    const wrong = await verifyExport(part, '--after', '5000', '--prev', JSON.parse(lines[4998]!).hash);
    expect(wrong.code).toBe(1);
    expect(lastLine(wrong.stderr)).toMatch(/^NOT INTACT: line 1: prevHash is not the given hash of event 5000/);
  });

  it('with --head, catches a forger who re-hashed the chain after an edit, and a head that is not the published one', async () => {
    const forged = lines.map((l) => JSON.parse(l));
    const n = lineOf('StageRecorded', 8000);
    forged[n - 1].data.sides[0].count += 100;
    for (let i = n - 1; i < forged.length; i += 1) {
      if (i > 0) forged[i].prevHash = forged[i - 1].hash;
      forged[i].hash = expectedHash(forged[i]);
    }
    const path = writeLines(
      'forged.ndjson',
      forged.map((e) => JSON.stringify(e)),
    );
    expect((await verifyExport(path)).code).toBe(0); // a consistent chain on its own…
    const r = await verifyExport(path, '--head', published.hash); // …but not the published one
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not the published head/);
    const wrongHead = await verifyExport(cliFile, '--head', JSON.parse(lines.at(-2)!).hash);
    expect(wrongHead.code).toBe(1);
    expect(wrongHead.stderr).toMatch(/is not the published head/);
  });
});

describe('import into an empty ledger', () => {
  it('`npm run import -- FILE` restores the export, with its rate on stderr', async () => {
    dst = await startLedger();
    expect(await get(dst, '/v1/ledger/head')).toMatchObject({ sequence: 0 });
    cliImport = await runCli('import', dst.databaseUrl, cliFile);
    expect(cliImport.code, cliImport.stderr).toBe(0);
    expect(JSON.parse(cliImport.stdout)).toEqual({ ok: true, events: published.sequence, head: published });
    expectRateLine(cliImport.stderr, 'import', published.sequence);
    // Ten thousand events replayed through the rules: seconds on SQLite, longer on a loaded PostgreSQL.
  }, 150_000);

  it('has the same head hash', async () => {
    expect(await get(dst, '/v1/ledger/head')).toEqual(published);
  });

  it('has the same events', async () => {
    for (const after of [0, 1000, 5000, published.sequence - 1000]) {
      expect((await get(dst, `/v1/events?after=${after}&limit=1000`)).data, `after=${after}`).toEqual(
        (await get(src, `/v1/events?after=${after}&limit=1000`)).data,
      );
    }
  });

  it('has the same totals, plain, filtered and as of earlier times', async () => {
    const queries = [
      '',
      'party=UA',
      'kind=remains',
      'party=RU&kind=pow',
      'kind=medical&party=SD',
      'from=2016-01-01',
      'to=2015-06-30',
      'from=2017-03-01&to=2018-12-31T12:00:00Z&party=AM',
      'asOf=2014-02-01',
      'asOf=2015-06-30',
      'asOf=2017-01-01&party=UA',
      `asOf=${encodeURIComponent('2019-07-15T12:00:00+02:00')}`,
      'asOf=2020-01-01&kind=pow&from=2019-01-01',
      `asOf=${new Date().toISOString().slice(0, 10)}`,
    ];
    for (const q of queries) {
      const want = await get(src, `/v1/totals?${q}`);
      expect(want.data.length, q).toBeGreaterThan(0);
      expect(await get(dst, `/v1/totals?${q}`), q).toEqual(want);
    }
    // Not vacuous: the plain totals hold real figures.
    const all = (await get(src, '/v1/totals')).data as {
      handedOver: number;
      agreedOutstanding: number;
      proposed: number;
    }[];
    expect(all.reduce((s, r) => s + r.handedOver, 0)).toBeGreaterThan(10_000);
  });

  it('has the same exchanges: the whole list, and a sample read one by one (state, ETag, history, as-of)', async () => {
    const list = async (t: TestLedger) => {
      const out: any[] = [];
      for (let cursor: string | null = null; ; ) {
        const page: any = await get(t, `/v1/exchanges?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
        out.push(...page.data);
        if (!page.nextCursor) return out;
        cursor = page.nextCursor;
      }
    };
    const before = await list(src);
    expect(before.length).toBeGreaterThan(1000);
    expect(await list(dst)).toEqual(before);
    const step = Math.floor(before.length / 40);
    const sample = before.filter((_, i) => i % step === 0);
    const statuses = new Set(sample.map((x) => x.status));
    expect(statuses.size).toBeGreaterThanOrEqual(3);
    for (const { id } of sample) {
      const [a, b] = [await src.http().get(`/v1/exchanges/${id}`), await dst.http().get(`/v1/exchanges/${id}`)];
      expect(b.status).toBe(200);
      expect(b.body).toEqual(a.body);
      expect(b.headers.etag).toBe(a.headers.etag);
      expect(await get(dst, `/v1/exchanges/${id}/events`)).toEqual(await get(src, `/v1/exchanges/${id}/events`));
      const at = a.body.occurredAt.slice(0, 10);
      expect(await get(dst, `/v1/exchanges/${id}?asOf=${at}`)).toEqual(
        await get(src, `/v1/exchanges/${id}?asOf=${at}`),
      );
    }
  });

  it('verifies: the route says ok and `npm run verify` exits 0', async () => {
    expect(await get(dst, '/v1/ledger/verify')).toEqual({ ok: true, events: published.sequence, head: published });
    const r = await runCli('verify', dst.databaseUrl);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, events: published.sequence, head: published });
    expectRateLine(r.stderr, 'verify', published.sequence);
  });
});

describe('refused imports write nothing', () => {
  interface Case {
    name: string;
    /** The bad file's lines, and the line the refusal must name. */
    make: () => { lines: string[]; line: number };
    reason: RegExp;
  }
  const cases: Case[] = [
    {
      name: 'an edited line',
      reason: /hash does not match/,
      make: () => {
        const n = lineOf('StageRecorded', 1500);
        expect(n).toBeLessThan(1510);
        const e = JSON.parse(lines[n - 1]!);
        e.data.sides[1].count += 1;
        return { line: n, lines: lines.map((l, i) => (i === n - 1 ? JSON.stringify(e) : l)) };
      },
    },
    {
      name: 'a missing line (a gap)',
      reason: /sequence 2001 where 2000 was expected/,
      make: () => ({ line: 2000, lines: lines.filter((_, i) => i !== 1999) }),
    },
    {
      name: 'two lines swapped',
      reason: /sequence 2501 where 2500 was expected/,
      make: () => ({
        line: 2500,
        lines: lines.map((l, i) => (i === 2499 ? lines[2500]! : i === 2500 ? lines[2499]! : l)),
      }),
    },
    {
      name: 'a line that is not JSON',
      reason: /not valid JSON/,
      make: () => ({ line: 3000, lines: lines.map((l, i) => (i === 2999 ? l.slice(0, -7) : l)) }),
    },
    {
      name: 'an export that does not start at the first event',
      reason: /sequence 8001 where 1 was expected/,
      make: () => ({ line: 1, lines: lines.slice(8000) }),
    },
    {
      name: 'an event the rules refuse, in a chain re-hashed to hide it (a stage before its agreement)',
      reason: /rules/,
      make: () => {
        const events = lines.map((l) => JSON.parse(l));
        const n = lineOf('StageRecorded', 1000);
        events[n - 1].occurredAt = '2014-01-02';
        for (let i = n - 1; i < events.length; i += 1) {
          events[i].prevHash = events[i - 1].hash;
          events[i].hash = expectedHash(events[i]);
        }
        return { line: n, lines: events.map((e) => JSON.stringify(e)) };
      },
    },
    {
      name: 'a stage id used a second time, by another exchange, in a chain re-hashed to hide it',
      reason: /stage id .* is already used by an earlier stage/,
      make: () => {
        const events = lines.map((l) => JSON.parse(l));
        const first = lineOf('StageRecorded', 1000);
        const firstEvent = events[first - 1];
        const n =
          events.findIndex(
            (e, i) => i > first + 100 && e.type === 'StageRecorded' && e.streamId !== firstEvent.streamId,
          ) + 1;
        expect(n).toBeGreaterThan(first);
        events[n - 1].data.stageId = firstEvent.data.stageId;
        for (let i = n - 1; i < events.length; i += 1) {
          events[i].prevHash = events[i - 1].hash;
          events[i].hash = expectedHash(events[i]);
        }
        return { line: n, lines: events.map((e) => JSON.stringify(e)) };
      },
    },
  ];

  let results: { c: Case; line: number; target: string; r: CliResult }[] = [];
  let nonEmpty: { target: string; before: Record<string, number>; head: unknown; r: CliResult };

  beforeAll(async () => {
    // A ledger that is not empty: one registration.
    const target = file('non-empty.db');
    const store = SqliteLedgerStore.open(target, MIGRATIONS_FOLDER);
    await applySteps(new Ledger(store), [
      { kind: 'party', command: { partyId: 'UA', name: 'Ukraine', occurredAt: '2014-01-01', note: null } },
    ]);
    const head = await store.head();
    await store.close();
    const before = counts(target);
    expect(before).toMatchObject({ events: 1, parties: 1 });

    const runs = cases.map(async (c, i) => {
      const bad = c.make();
      const path = writeLines(`refused-${i}.ndjson`, bad.lines);
      const t = file(`refused-${i}.db`);
      return { c, line: bad.line, target: t, r: await runCli('import', t, path) };
    });
    const other = runCli('import', target, cliFile).then((r) => ({ target, before, head, r }));
    results = await Promise.all(runs);
    nonEmpty = await other;
  }, 120_000);

  it.each(cases.map((c, i) => [c.name, i] as const))(
    '%s: non-zero exit, the line in the message, an empty ledger after',
    async (_name, i) => {
      const { c, line, target, r } = results[i]!;
      expect(r.code, r.stdout).not.toBe(0);
      expect(lastLine(r.stderr)).toMatch(new RegExp(`^refused: line ${line}: .*; nothing was imported$`));
      expect(r.stderr).toMatch(c.reason);
      expect(r.stdout).toBe('');
      expect(counts(target)).toEqual(ZERO_COUNTS);
    },
  );

  it('a valid export into a ledger that is not empty: refused, and the ledger is as it was', async () => {
    const { target, before, head, r } = nonEmpty;
    expect(r.code).not.toBe(0);
    expect(lastLine(r.stderr)).toMatch(/^refused: line \d+: .*not empty.*; nothing was imported$/);
    expect(counts(target)).toEqual(before);
    const store = SqliteLedgerStore.open(target, MIGRATIONS_FOLDER);
    try {
      expect(await store.head()).toEqual(head);
      expect((await store.verify()).ok).toBe(true);
    } finally {
      await store.close();
    }
  });
});
