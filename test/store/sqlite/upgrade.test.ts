import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { buildServer, openStore } from '../../../src/server.js';
import { PROJECT_ROOT } from '../../../src/paths.js';

/**
 * A ledger file written by the service before migration 0005 (stages inside each exchange's
 * JSON state), with what that version answered for it. Opening it with this version migrates
 * it: every answer must stay the same, and the upgraded file must verify.
 */
const FIXTURE = join(PROJECT_ROOT, 'test', 'fixtures', 'ledger-before-0005.db');
const recorded = JSON.parse(readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'ledger-before-0005.json'), 'utf8'));

type Answer = { status?: string; allowedTransitions?: string[] };
/** What that version answered, as this one says it: a completed exchange now also takes a late stage. */
const now = <T extends Answer>(x: T): T =>
  x.status === 'completed' ? { ...x, allowedTransitions: [...x.allowedTransitions!, 'recordStage'] } : x;
const before = {
  ...recorded,
  a: now(recorded.a),
  b: now(recorded.b),
  list: { ...recorded.list, data: recorded.list.data.map(now) },
};

describe('a ledger written before stages had rows of their own', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-upgrade-'));
  const dbPath = join(dir, 'ledger.db');
  let close: () => Promise<void>;
  let http: () => ReturnType<typeof request>;

  beforeAll(async () => {
    copyFileSync(FIXTURE, dbPath);
    const config = loadConfig({ DATABASE_URL: `file:${dbPath}`, LOG_LEVEL: 'silent' });
    const store = await openStore(config);
    const app = await buildServer(config, store);
    await app.ready();
    http = () => request(app.server);
    close = async () => {
      await app.close();
      await store.close();
    };
  });
  afterAll(async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every exchange as before, stages (voided one included) in their order', async () => {
    for (const ex of [before.a, before.b]) {
      const res = await http().get(`/v1/exchanges/${ex.id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject(ex);
    }
    expect(before.a.stages).toHaveLength(4);
    expect(before.a.stages[1].voided).toMatchObject({ reason: 'recorded twice' });
  });

  it('answers the list and the totals as before', async () => {
    // The list now gives each exchange without its stages (GET the exchange for those).
    const summaries = before.list.data.map(({ stages: _stages, ...summary }: { stages: unknown }) => summary);
    expect((await http().get('/v1/exchanges')).body).toMatchObject({ ...before.list, data: summaries });
    expect((await http().get('/v1/totals')).body).toMatchObject(before.totals);
  });

  it('keeps no stages in the exchanges’ state any more, and verifies', async () => {
    const db = new Database(dbPath, { readonly: true });
    const states = db.prepare('SELECT state FROM exchanges').pluck().all() as string[];
    db.close();
    expect(states).toHaveLength(3);
    for (const s of states) expect(JSON.parse(s)).not.toHaveProperty('stages');
    const verify = await http().get('/v1/ledger/verify');
    expect(verify.body).toMatchObject({ ok: true });
  });

  it('goes on recording: a void and a stage after the upgrade land in delivered and the totals', async () => {
    const a = before.a;
    const b = before.b;
    const stage = await http()
      .post(`/v1/exchanges/${b.id}/stages`)
      .send({ sides: [{ party: 'RU', count: 10 }], occurredAt: '2025-06-12' });
    expect(stage.status).toBe(201);
    const voided = await http()
      .post(`/v1/exchanges/${b.id}/stages/${b.stages[0].id}/void`)
      .send({ reason: 'wrong count', occurredAt: '2025-06-13' });
    expect(voided.status).toBe(200);
    expect(voided.body.sides.find((s: { party: string }) => s.party === 'RU').delivered).toBe(10);
    expect(voided.body.stages.map((s: { voided: unknown }) => s.voided !== null)).toEqual([true, false]);
    const totals = (await http().get('/v1/totals?party=RU&kind=remains')).body.data[0];
    expect(totals.handedOver).toBe(10);
    expect((await http().get(`/v1/exchanges/${a.id}`)).body).toMatchObject(a);
    expect((await http().get('/v1/ledger/verify')).body).toMatchObject({ ok: true });
  });
});
