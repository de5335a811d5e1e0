import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_ADMIN_URL, testDatabase, type TestDatabase } from './support/database.js';
import { runServiceToExit, startService, type ServiceProcess } from './support/process.js';

/*
 * The service on PostgreSQL when the database is wrong or goes away: a start that cannot
 * reach its database stops with one clear line; connections dropped mid-load are answered
 * 503 problem+json, nothing half-written, and the service recovers by itself. Postgres
 * project only.
 */
describe('a DATABASE_URL that cannot serve', () => {
  const cases = [
    ['an unknown scheme', 'mysql://root@127.0.0.1/ledger', /DATABASE_URL: must be file:<path>/],
    ['an unreachable server', 'postgres://postgres@127.0.0.1:1/ledger', /^cannot start: .+/m],
    ['a database that does not exist', `${PG_ADMIN_URL.replace(/\/[^/]*$/, '')}/no_such_ledger_db`, /^cannot start: .+/m],
  ] as const;

  it.each(cases)('stops the start with one clear line and exit code 1: %s', async (_what, url, message) => {
    const { code, output } = await runServiceToExit({ DATABASE_URL: url });
    expect(code).toBe(1);
    expect(output).toMatch(message);
    expect(output, 'no stack trace').not.toMatch(/\n\s+at /);
  });
});

describe('connections dropped mid-load', () => {
  let database: TestDatabase;
  let service: ServiceProcess;
  const post = async (path: string, body: unknown) => {
    const res = await fetch(service.baseUrl + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as any };
  };
  const terminateBackends = async () => {
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    try {
      const name = new URL(database.url).pathname.slice(1);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    } finally {
      await admin.end();
    }
  };

  beforeAll(async () => {
    database = await testDatabase('postgres');
    service = await startService({ DATABASE_URL: database.url, RATE_LIMIT_PER_MINUTE: '1000000', ...database.env });
  }, 60_000);
  afterAll(async () => {
    service?.child.kill('SIGTERM');
    await service?.exited;
    await database?.drop();
  });

  it('answers 503 problem+json or success, never a 500 or a half-written record, and recovers', async () => {
    for (const [id, name] of [['UA', 'Ukraine'], ['RU', 'Russia']]) expect((await post('/v1/parties', { id, name })).status).toBe(201);
    const proposed = await post('/v1/exchanges', {
      kind: 'remains', proposedBy: 'RU', sides: [{ party: 'RU', handsOver: 6000 }, { party: 'UA', handsOver: 0 }], occurredAt: '2025-06-01',
    });
    const id = proposed.body.id as string;
    expect((await post(`/v1/exchanges/${id}/agree`, { by: 'UA', occurredAt: '2025-06-02' })).status).toBe(200);

    const statuses: number[] = [];
    const acknowledged: string[] = [];
    let loading = true;
    const writers = Array.from({ length: 8 }, async () => {
      while (loading) {
        const r = await post(`/v1/exchanges/${id}/stages`, { sides: [{ party: 'RU', count: 10 }], occurredAt: '2025-06-11' });
        statuses.push(r.status);
        if (r.status === 201) acknowledged.push(r.body.stage.id);
        else expect(r.type).toMatch(/^application\/problem\+json/);
      }
    });
    for (let i = 0; i < 3; i += 1) {
      await new Promise((r) => setTimeout(r, 300));
      await terminateBackends();
    }
    await new Promise((r) => setTimeout(r, 300));
    loading = false;
    await Promise.all(writers);

    expect(statuses.filter((s) => s !== 201 && s !== 503), 'only successes and 503s').toEqual([]);
    expect(statuses.filter((s) => s === 503).length, 'the drops were felt').toBeGreaterThan(0);
    // Recovered without a restart: a write and a read succeed.
    const after = await post(`/v1/exchanges/${id}/stages`, { sides: [{ party: 'RU', count: 1 }], occurredAt: '2025-06-12' });
    expect(after.status).toBe(201);
    acknowledged.push(after.body.stage.id);
    const exchange = (await (await fetch(`${service.baseUrl}/v1/exchanges/${id}`)).json()) as any;
    const stageIds = exchange.stages.map((s: { id: string }) => s.id);
    expect(stageIds.sort()).toEqual([...acknowledged].sort());
    expect(exchange.sides[0].delivered).toBe(10 * (acknowledged.length - 1) + 1);
    const verify = (await (await fetch(`${service.baseUrl}/v1/ledger/verify`)).json()) as any;
    expect(verify.ok).toBe(true);
  });
});
