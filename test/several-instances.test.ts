import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase, type TestDatabase } from './support/database.js';
import { startService, type ServiceProcess } from './support/process.js';

/*
 * Three service processes on one PostgreSQL database, as behind a load balancer: concurrent
 * commands on the same exchanges through all three. Runs in the postgres project only.
 */
const MASTER = 'several-instances-master-key-0123456789abcdef';
let database: TestDatabase;
const instances: ServiceProcess[] = [];
const statuses: number[] = [];

interface Answer {
  status: number;
  body: any;
  text: string;
}

async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(base + path, {
    method,
    headers: {
      authorization: `Bearer ${MASTER}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  statuses.push(res.status);
  return {
    status: res.status,
    text,
    body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null,
  };
}
const post = (i: number, path: string, body: unknown, headers?: Record<string, string>) =>
  call(instances[i % 3]!.baseUrl, 'POST', path, body, headers);
const get = (i: number, path: string, key = MASTER) =>
  call(instances[i % 3]!.baseUrl, 'GET', path, undefined, { authorization: `Bearer ${key}` });

async function propose(i: number): Promise<string> {
  const r = await post(i, '/v1/exchanges', {
    kind: 'pow',
    proposedBy: 'UA',
    sides: [
      { party: 'UA', handsOver: 1000 },
      { party: 'RU', handsOver: 1000 },
    ],
    occurredAt: '2025-05-16',
  });
  expect(r.status, r.text).toBe(201);
  return r.body.id as string;
}

async function allEvents(): Promise<any[]> {
  const out: any[] = [];
  for (let after = 0; ; ) {
    const page = await get(after, `/v1/events?after=${after}&limit=1000`);
    expect(page.status).toBe(200);
    out.push(...page.body.data);
    if (page.body.nextCursor === null) return out;
    after = Number(page.body.nextCursor);
  }
}

beforeAll(async () => {
  database = await testDatabase('postgres');
  const env = {
    DATABASE_URL: database.url,
    LEDGER_MASTER_KEY: MASTER,
    RATE_LIMIT_PER_MINUTE: '1000000',
    ...database.env,
  };
  // One after another: each applies (or finds applied) the migrations before listening.
  for (let i = 0; i < 3; i += 1) instances.push(await startService(env));
  for (const [id, name] of [
    ['UA', 'Ukraine'],
    ['RU', 'Russia'],
  ])
    expect((await post(0, '/v1/parties', { id, name })).status).toBe(201);
}, 120_000);

afterAll(async () => {
  for (const s of instances) {
    s.child.kill('SIGTERM');
    await s.exited;
  }
  await database?.drop();
});

describe('three instances on one PostgreSQL database', () => {
  it('let exactly one of a racing agree and reject win, the other 409', async () => {
    const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => propose(i)));
    const races = await Promise.all(
      ids.map((id, i) =>
        Promise.all([
          post(i, `/v1/exchanges/${id}/agree`, { by: 'RU', occurredAt: '2025-05-17' }),
          post(i + 1, `/v1/exchanges/${id}/reject`, { by: 'RU', occurredAt: '2025-05-17' }),
        ]),
      ),
    );
    for (const [agree, reject] of races) {
      expect([agree.status, reject.status].sort(), `${agree.text} / ${reject.text}`).toEqual([200, 409]);
    }
    for (const [i, id] of ids.entries()) {
      const [agree] = races[i]!;
      expect((await get(i + 2, `/v1/exchanges/${id}`)).body.status).toBe(agree.status === 200 ? 'agreed' : 'rejected');
    }
  });

  it('let exactly one of two counters on the same ETag win, the other 412', async () => {
    const id = await propose(0);
    const etag = '"1"';
    const [a, b] = await Promise.all(
      [1, 2].map((i) =>
        post(
          i,
          `/v1/exchanges/${id}/counter`,
          {
            by: 'RU',
            sides: [
              { party: 'UA', handsOver: 900 + i },
              { party: 'RU', handsOver: 900 + i },
            ],
            occurredAt: '2025-05-17',
          },
          { 'if-match': etag },
        ),
      ),
    );
    expect([a!.status, b!.status].sort()).toEqual([200, 412]);
  });

  it('honour one Idempotency-Key across instances: one stage written, the same answer from all three', async () => {
    const id = await propose(0);
    expect((await post(1, `/v1/exchanges/${id}/agree`, { by: 'RU', occurredAt: '2025-05-17' })).status).toBe(200);
    const body = {
      sides: [
        { party: 'UA', count: 390 },
        { party: 'RU', count: 390 },
      ],
      occurredAt: '2025-05-23',
    };
    const answers = await Promise.all(
      [0, 1, 2, 0, 1, 2].map((i) => post(i, `/v1/exchanges/${id}/stages`, body, { 'idempotency-key': `stage-${id}` })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(201));
    expect(new Set(answers.map((a) => a.text)).size, 'every instance replays the first answer').toBe(1);
    const exchange = (await get(2, `/v1/exchanges/${id}`)).body;
    expect(exchange.stages).toHaveLength(1);
    expect(exchange.sides.map((s: { delivered: number }) => s.delivered)).toEqual([390, 390]);
  });

  it('keep every acknowledged write once, in a gapless sequence, and verify', async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => propose(i)));
    for (const [i, id] of ids.entries())
      expect((await post(i, `/v1/exchanges/${id}/agree`, { by: 'RU', occurredAt: '2025-05-17' })).status).toBe(200);
    const acknowledged: string[] = [];
    await Promise.all(
      Array.from({ length: 24 }, async (_, w) => {
        for (let n = 0; n < 10; n += 1) {
          const id = ids[(w + n) % ids.length]!;
          const r = await post(w + n, `/v1/exchanges/${id}/stages`, {
            sides: [{ party: 'UA', count: 1 + (n % 3) }],
            occurredAt: '2025-05-23',
          });
          expect(r.status, r.text).toBe(201);
          acknowledged.push(r.body.stage.id);
        }
      }),
    );
    const events = await allEvents();
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    const recorded = events.filter((e) => e.type === 'StageRecorded').map((e) => e.data.stageId);
    for (const stageId of acknowledged) expect(recorded.filter((s) => s === stageId)).toHaveLength(1);
    for (let i = 0; i < 3; i += 1) {
      const head = (await get(i, '/v1/ledger/head')).body;
      expect(head.sequence).toBe(events.length);
    }
    const verify = await get(1, '/v1/ledger/verify');
    expect(verify.body, verify.text).toMatchObject({ ok: true, events: events.length });
  });

  it('refuse a key revoked on one instance at once on the others', async () => {
    const created = await post(0, '/v1/keys', { name: 'reader', role: 'reader' });
    expect(created.status).toBe(201);
    for (let i = 0; i < 3; i += 1) expect((await get(i, '/v1/totals', created.body.secret)).status).toBe(200);
    expect((await call(instances[0]!.baseUrl, 'DELETE', `/v1/keys/${created.body.id}`)).status).toBe(200);
    expect((await get(1, '/v1/totals', created.body.secret)).status).toBe(401);
    expect((await get(2, '/v1/totals', created.body.secret)).status).toBe(401);
  });

  it('answered no request with a 5xx', () => {
    expect(statuses.length).toBeGreaterThan(300);
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
  });
});
