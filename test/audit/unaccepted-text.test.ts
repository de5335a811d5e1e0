import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Ledger } from '../../src/ledger/ledger.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readExport } from '../../src/audit/ndjson.js';
import { openStore } from '../../src/server.js';
import { startLedger, type TestLedger } from '../support/app.js';
import { allEvents, expectedHash, get, openFile, post, runCli, tamper } from './helpers.js';

/*
 * A ledger an earlier build wrote holds what that build accepted and this one refuses: a
 * source URL with a space, an emoji or `<script>` in it, or a NUL; a note with a NUL. Such
 * events are written here into the file directly, the chain re-hashed from the first of them
 * on (as the earlier build would have hashed them), so the ledger is intact, yet holds them.
 * Every read route must answer (they used to answer 500 for every page holding one), show
 * each safely and flag it; verify must name them; the export keeps them as recorded.
 */

const AS_SENT = {
  space: 'https://example.org/a b',
  emoji: 'https://example.org/\u{1F600}',
  script: 'https://example.org/<script>alert(1)</script>',
  nul: 'https://example.org/\u0000x',
};

let t: TestLedger;
let exchangeId = '';
/** The recorded events, by what was written into them. */
const seq: Record<'space' | 'emoji' | 'script' | 'nul' | 'note', number> = {
  space: 0,
  emoji: 0,
  script: 0,
  nul: 0,
  note: 0,
};
let published: { sequence: number; hash: string };
let dir = '';

/** The events as the file holds them, in order, as objects the independent hash of helpers.ts takes. */
function recorded(dbPath: string): Record<string, any>[] {
  const db = openFile(dbPath, { readonly: true });
  try {
    return (db.prepare('SELECT * FROM events ORDER BY sequence').all() as Record<string, any>[]).map((r) => ({
      sequence: r.sequence,
      id: r.id,
      streamId: r.stream_id,
      version: r.version,
      type: r.type,
      data: JSON.parse(r.data),
      occurredAt: r.occurred_at,
      recordedAt: r.recorded_at,
      principal: r.principal,
      source: r.source === null ? null : JSON.parse(r.source),
      note: r.note,
      prevHash: r.prev_hash,
      hash: r.hash,
    }));
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  t = await startLedger();
  dir = mkdtempSync(join(tmpdir(), 'ledger-unaccepted-'));
  for (const id of ['UA', 'RU'])
    await post(t, '/v1/parties', { id, name: `Party ${id}`, occurredAt: '2014-01-01' }, 201);
  const source = (n: number) => ({ title: `Report ${n}`, url: `https://example.org/report/${n}` });
  exchangeId = (
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
        source: source(1),
      },
      201,
    )
  ).id;
  await post(t, `/v1/exchanges/${exchangeId}/agree`, { by: 'RU', occurredAt: '2025-05-16', source: source(2) });
  await post(
    t,
    `/v1/exchanges/${exchangeId}/stages`,
    {
      sides: [
        { party: 'UA', count: 390 },
        { party: 'RU', count: 390 },
      ],
      occurredAt: '2025-05-23',
      source: source(3),
    },
    201,
  );
  await post(
    t,
    `/v1/exchanges/${exchangeId}/stages`,
    {
      sides: [
        { party: 'UA', count: 307 },
        { party: 'RU', count: 307 },
      ],
      occurredAt: '2025-05-24',
      source: source(4),
    },
    201,
  );
  await post(t, `/v1/exchanges/${exchangeId}/complete`, {
    sides: [
      { party: 'UA', count: 303 },
      { party: 'RU', count: 303 },
    ],
    occurredAt: '2025-05-25',
  });
  // Read once through the pages, so that the read cache holds what the edit must replace.
  expect((await allEvents(t)).length).toBe(8);

  const events = recorded(t.dbPath);
  // RU's registration, the proposal, the agreement and the two stages: one event per command each.
  [seq.note, seq.space, seq.emoji, seq.script, seq.nul] = [2, 3, 4, 5, 6];
  events[seq.space - 1]!.source.url = AS_SENT.space;
  events[seq.emoji - 1]!.source.url = AS_SENT.emoji;
  events[seq.script - 1]!.source.url = AS_SENT.script;
  events[seq.nul - 1]!.source.url = AS_SENT.nul;
  events[seq.note - 1]!.note = 'line\u0000break';
  for (let i = seq.note - 1; i < events.length; i += 1) {
    if (i > 0) events[i]!.prevHash = events[i - 1]!.hash;
    events[i]!.hash = expectedHash(events[i]!);
  }
  tamper(t.dbPath, (db) => {
    const update = db.prepare('UPDATE events SET source = ?, note = ?, prev_hash = ?, hash = ? WHERE sequence = ?');
    for (const e of events.slice(seq.note - 1))
      update.run(e.source === null ? null : JSON.stringify(e.source), e.note, e.prevHash, e.hash, e.sequence);
    // An earlier build projected what it accepted: its stages' accounts carry the same text.
    const account = db.prepare(
      `UPDATE stage_reports SET stage = json_set(stage, '$.accounts[0].source', json(?), '$.accounts[0].note', ?) WHERE stage_id = ?`,
    );
    for (const e of events.filter((x) => x.type === 'StageRecorded'))
      account.run(e.source === null ? 'null' : JSON.stringify(e.source), e.note, JSON.parse(e.data).stageId ?? e.data.stageId);
  });
  published = { sequence: events.at(-1)!.sequence, hash: events.at(-1)!.hash };
});

afterAll(async () => {
  const violations = t.contractViolations;
  await t.close();
  rmSync(dir, { recursive: true, force: true });
  expect(violations, 'every response, the pages holding these events too, matches openapi/openapi.json').toEqual([]);
});

const byPath = (e: Record<string, any>) =>
  Object.fromEntries((e.unacceptedText ?? []).map((f: { path: string; shown: string }) => [f.path, f.shown]));

/** Checks the events of `events` that are among those written here (an exchange's history has no registration). */
function expectShownSafely(events: Record<string, any>[]): void {
  const present = new Set(events.map((e) => e.sequence));
  const at = (n: number) => (present.has(n) ? events.find((e) => e.sequence === n)! : null);
  const check = (n: number, expectation: (e: Record<string, any>) => void) => {
    const e = at(n);
    if (e) expectation(e);
  };
  expect(at(seq.space)?.source.url).toBe('https://example.org/a%20b');
  expect(at(seq.emoji)?.source.url).toBe('https://example.org/%F0%9F%98%80');
  expect(at(seq.script)?.source.url).toBe('https://example.org/%3Cscript%3Ealert(1)%3C/script%3E');
  for (const n of [seq.space, seq.emoji, seq.script])
    expect(byPath(at(n)!), `event ${n}`).toEqual({ 'source.url': 'normalised' });
  // A NUL is no character of a URL: the rule makes none of it.
  expect(at(seq.nul)?.source).toEqual({ title: 'Report 4' });
  expect(byPath(at(seq.nul)!)).toEqual({ 'source.url': 'left out' });
  // Other text is valid JSON as it is: shown as recorded, and flagged.
  check(seq.note, (e) => {
    expect(e.note).toBe('line\u0000break');
    expect(byPath(e)).toEqual({ note: 'as recorded' });
  });
  for (const e of events.filter((x) => !Object.values(seq).includes(x.sequence)))
    expect(e.unacceptedText, `event ${e.sequence}`).toBeUndefined();
}

describe('a ledger holding text this build would not accept', () => {
  it('is intact: its chain is valid and ends in the head the file holds', async () => {
    expect(await get(t, '/v1/ledger/head')).toMatchObject(published);
  });

  it('reads back through the JSON pages of /v1/events, each event shown safely and flagged', async () => {
    expectShownSafely((await get(t, '/v1/events?limit=1000')).data);
    // One event per page, so that each is a page of its own.
    const one: Record<string, any>[] = [];
    for (let after = 0; after < published.sequence; after += 1)
      one.push(...(await get(t, `/v1/events?after=${after}&limit=1`)).data);
    expectShownSafely(one);
  });

  it('reads back through the exchange’s history, its state, its stages, the list and the totals', async () => {
    expectShownSafely((await get(t, `/v1/exchanges/${exchangeId}/events`)).data);
    const exchange = await get(t, `/v1/exchanges/${exchangeId}`);
    expect(exchange.status).toBe('completed');
    for (const s of exchange.stages) await get(t, `/v1/exchanges/${exchangeId}/stages/${s.id}`);
    expect((await get(t, '/v1/exchanges')).data).toHaveLength(1);
    expect((await get(t, '/v1/totals?party=UA')).data[0]).toMatchObject({ handedOver: 1000, received: 1000 });
  });

  it('is exported as recorded: what the hashes cover', async () => {
    const res = await t.http().get('/v1/events').set('accept', 'application/x-ndjson');
    expect(res.status).toBe(200);
    const lines = res.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, any>);
    expect(lines.map((e) => e.sequence)).toEqual(Array.from({ length: published.sequence }, (_, i) => i + 1));
    expect(lines[seq.space - 1]!.source.url).toBe(AS_SENT.space);
    expect(lines[seq.nul - 1]!.source.url).toBe(AS_SENT.nul);
    expect(lines[seq.note - 1]!.note).toBe('line\u0000break');
    for (const e of lines) {
      expect(e.hash).toBe(expectedHash(e));
      expect(e.unacceptedText).toBeUndefined();
    }
    writeFileSync(join(dir, 'export.ndjson'), res.text);
  });

  it('verifies, and verify names every such field, in ledger order (the route and `npm run verify` alike)', async () => {
    const report = await get(t, '/v1/ledger/verify');
    expect(report.ok).toBe(true);
    expect(report.firstDifference).toBeUndefined();
    expect(report.unacceptedText.events).toBe(5);
    expect(
      report.unacceptedText.first.map((f: { sequence: number; path: string }) => `${f.sequence} ${f.path}`),
    ).toEqual([
      `${seq.note} note`,
      `${seq.space} source.url`,
      `${seq.emoji} source.url`,
      `${seq.script} source.url`,
      `${seq.nul} source.url`,
    ]);
    expect(report.unacceptedText.first[4].message).toMatch(/U\+0000/);
    const cli = await runCli('verify', t.dbPath);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual(report);
  });

  it('restores from its export into an empty ledger, as recorded, and reads back there too', async () => {
    const target = join(dir, 'restored.db');
    // What `npm run import` runs, in this process (the CLI itself is tested in export-import.test.ts).
    const store = await openStore({ databaseUrl: `file:${target}` });
    try {
      const imported = await new Ledger(store).importLedger(readExport(join(dir, 'export.ndjson')));
      expect(imported).toMatchObject({ ok: true, head: published });
    } finally {
      await store.close();
    }
    const restored = await startLedger({ DATABASE_URL: `file:${target}` });
    try {
      expectShownSafely((await get(restored, '/v1/events?limit=1000')).data);
      expect((await get(restored, '/v1/ledger/verify')).unacceptedText.events).toBe(5);
    } finally {
      await restored.close();
    }
  });
});
