import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import journal from '../../../migrations/pg/meta/_journal.json' with { type: 'json' };
import { expectedHash, ZEROS } from '../../audit/helpers.js';
import { admin, createDatabase, startPgService, type PgService, type TestDatabase } from './support.js';

/*
 * Design, "PostgreSQL and several instances": instances sharing one database behave as one
 * service. Two stores (two pools: two instances) on one database, each behind its own HTTP
 * service, take commands at once: every one is acknowledged once, the sequence is gapless and
 * in commit order (a reader following /v1/events?after= never skips one), the hash chain is
 * one chain, an Idempotency-Key is honoured whichever instance is asked, and a race has one
 * winner.
 */
describe('two instances on one PostgreSQL database', () => {
  let db: TestDatabase;
  let a: PgService;
  let b: PgService;
  const both = () => [a, b];
  let e1: string;
  let e2: string;

  beforeAll(async () => {
    db = await createDatabase();
    // Started together: they migrate the new database once between them.
    [a, b] = await Promise.all([startPgService(db.url), startPgService(db.url)]);
    for (const id of ['UA', 'RU'])
      expect((await a.http().post('/v1/parties').send({ id, name: id, occurredAt: '2014-01-01' })).status).toBe(201);
    const propose = async (via: PgService) => {
      const res = await via
        .http()
        .post('/v1/exchanges')
        .send({
          kind: 'pow',
          proposedBy: 'UA',
          sides: [
            { party: 'UA', handsOver: 100 },
            { party: 'RU', handsOver: 100 },
          ],
          occurredAt: '2025-05-16',
        });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    [e1, e2] = [await propose(a), await propose(b)];
    for (const [via, id] of [
      [b, e1],
      [a, e2],
    ] as const)
      expect(
        (await via.http().post(`/v1/exchanges/${id}/agree`).send({ by: 'RU', occurredAt: '2025-05-16' })).status,
      ).toBe(200);
  });

  afterAll(async () => {
    for (const s of [a, b]) await s?.close();
    await db?.drop();
    expect(
      [...(a?.contractViolations ?? []), ...(b?.contractViolations ?? [])],
      'every response matches openapi/openapi.json',
    ).toEqual([]);
  });

  it('applied the migrations once though both started at once', async () => {
    expect(await admin('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations', [], db.name)).toEqual([
      { n: journal.entries.length },
    ]);
    for (const s of both()) expect(await s.store.readiness()).toEqual({ ready: true });
  });

  it('takes 50 commands at once via both: acknowledged once, gapless, one chain, no reader skips', async () => {
    const start = (await a.store.head()).sequence;
    // A reader on b follows the ledger while the commands are written through both.
    const followed: number[] = [];
    let writing = true;
    const follow = (async () => {
      let after = start;
      while (writing || after < (await b.store.head()).sequence) {
        const page = (await b.http().get(`/v1/events?after=${after}&limit=7`)).body.data as { sequence: number }[];
        for (const e of page) followed.push(e.sequence);
        after = page.at(-1)?.sequence ?? after;
      }
    })();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        both()
          [i % 2]!.http()
          .post(`/v1/exchanges/${i % 4 < 2 ? e1 : e2}/stages`)
          .send({
            sides: [
              { party: 'UA', count: 1 },
              { party: 'RU', count: 2 },
            ],
            occurredAt: '2025-05-23',
          }),
      ),
    );
    writing = false;
    await follow;
    expect(answers.map((r) => r.status)).toEqual(Array(50).fill(201));

    const events = (await a.http().get(`/v1/events?after=0&limit=1000`)).body.data as Record<string, any>[];
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    events.forEach((e, i) => {
      expect(e.prevHash).toBe(i === 0 ? ZEROS : events[i - 1]!.hash);
      expect(e.hash).toBe(expectedHash(e));
    });
    const recorded = events.filter((e) => e.type === 'StageRecorded').map((e) => e.data.stageId as string);
    expect(recorded.sort()).toEqual(answers.map((r) => r.body.stage.id as string).sort());
    expect(followed).toEqual(events.slice(start).map((e) => e.sequence));

    for (const [id, stages] of [
      [e1, 26],
      [e2, 24],
    ] as const) {
      for (const s of both()) {
        const exchange = (await s.http().get(`/v1/exchanges/${id}`)).body;
        expect(exchange.version).toBe(2 + stages);
        expect(exchange.sides.map((x: { delivered: number }) => x.delivered)).toEqual([stages, 2 * stages]);
      }
    }
    const head = await a.store.head();
    for (const s of both()) expect(await s.store.verify()).toEqual({ ok: true, events: head.sequence, head });
  });

  it('honours an Idempotency-Key whichever instance is asked, however many times at once', async () => {
    const send = (via: PgService, count: number) =>
      via
        .http()
        .post(`/v1/exchanges/${e1}/stages`)
        .set('idempotency-key', 'tranche-of-23-may')
        .send({
          sides: [
            { party: 'UA', count },
            { party: 'RU', count },
          ],
          occurredAt: '2025-05-23',
        });
    const before = (await a.store.head()).sequence;
    const answers = await Promise.all([a, b, a, b, b, a].map((via) => send(via, 7)));
    expect(answers.map((r) => r.status)).toEqual(Array(6).fill(201));
    expect(new Set(answers.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(answers.filter((r) => r.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
    expect((await b.store.head()).sequence).toBe(before + 1);
    // The same key with another request, on the other instance than the first answer's.
    const first = answers.findIndex((r) => r.headers['idempotent-replayed'] === undefined);
    const reused = await send(first % 2 === 0 ? b : a, 8);
    expect(reused.status).toBe(422);
    expect(reused.body.type).toBe('/problems/idempotency-key-reused');
    expect((await a.store.head()).sequence).toBe(before + 1);
  });

  it('lets one of two racing commands win; the other is refused (412 stale If-Match, 409 closed)', async () => {
    const proposed = async () =>
      (
        await a
          .http()
          .post('/v1/exchanges')
          .send({
            kind: 'remains',
            proposedBy: 'UA',
            sides: [
              { party: 'UA', handsOver: 5 },
              { party: 'RU', handsOver: 5 },
            ],
            occurredAt: '2025-06-01',
          })
      ).body.id as string;
    const e3 = await proposed();
    const agreeing = await Promise.all(
      both().map((s) =>
        s.http().post(`/v1/exchanges/${e3}/agree`).set('if-match', '"1"').send({ by: 'RU', occurredAt: '2025-06-01' }),
      ),
    );
    expect(agreeing.map((r) => r.status).sort()).toEqual([200, 412]);
    const e4 = await proposed();
    const [agreed, rejected] = await Promise.all([
      a.http().post(`/v1/exchanges/${e4}/agree`).send({ by: 'RU', occurredAt: '2025-06-01' }),
      b.http().post(`/v1/exchanges/${e4}/reject`).send({ by: 'RU', occurredAt: '2025-06-01' }),
    ]);
    expect([agreed!.status, rejected!.status].sort()).toEqual([200, 409]);
    const e4events = (await a.http().get(`/v1/exchanges/${e4}/events`)).body.data as { type: string }[];
    expect(e4events).toHaveLength(2);
    expect((await b.store.verify()).ok).toBe(true);
  });
});

describe('API keys on two instances of one PostgreSQL database', () => {
  const MASTER = 'k'.repeat(40);
  const master = { authorization: `Bearer ${MASTER}` };
  let db: TestDatabase;
  let a: PgService;
  let b: PgService;

  beforeAll(async () => {
    db = await createDatabase();
    [a, b] = await Promise.all([
      startPgService(db.url, { LEDGER_MASTER_KEY: MASTER }),
      startPgService(db.url, { LEDGER_MASTER_KEY: MASTER }),
    ]);
  });
  afterAll(async () => {
    for (const s of [a, b]) await s?.close();
    await db?.drop();
    expect(
      [...(a?.contractViolations ?? []), ...(b?.contractViolations ?? [])],
      'every response matches openapi/openapi.json',
    ).toEqual([]);
  });

  it('a key made on one instance works on the other at once; revoked on either, both refuse it at once', async () => {
    const created = await a.http().post('/v1/keys').set(master).send({ name: 'reader of the office', role: 'reader' });
    expect(created.status).toBe(201);
    const reader = { authorization: `Bearer ${created.body.secret}` };
    for (const s of [a, b]) expect((await s.http().get('/v1/ledger/head').set(reader)).status).toBe(200);
    expect((await b.http().delete(`/v1/keys/${created.body.id}`).set(master)).status).toBe(200);
    for (const s of [a, b]) expect((await s.http().get('/v1/ledger/head').set(reader)).status).toBe(401);
    expect((await a.http().get('/v1/keys').set(master)).body.data).toMatchObject([
      { id: created.body.id, revokedBy: 'master' },
    ]);
  });
});
