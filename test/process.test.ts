import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postJson, runServiceToExit, startService } from './support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'ledger-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function agreedExchange(baseUrl: string): Promise<string> {
  for (const id of ['UA', 'RU']) expect((await postJson(baseUrl, '/v1/parties', { id, name: id })).status).toBe(201);
  const proposed = await postJson(baseUrl, '/v1/exchanges', {
    kind: 'pow',
    proposedBy: 'UA',
    sides: [
      { party: 'UA', handsOver: 5000 },
      { party: 'RU', handsOver: 5000 },
    ],
    occurredAt: '2025-05-16',
  });
  expect(proposed.status).toBe(201);
  expect(
    (await postJson(baseUrl, `/v1/exchanges/${proposed.body.id}/agree`, { by: 'RU', occurredAt: '2025-05-16' })).status,
  ).toBe(200);
  return proposed.body.id;
}

describe('the service as a process', () => {
  it('loses no acknowledged write when killed with SIGKILL mid-load, and restarts on the same file', async () => {
    const db = join(dir, 'crash.db');
    const first = await startService({ DATABASE_URL: `file:${db}` });
    const id = await agreedExchange(first.baseUrl);

    // Ten writers record stages until the process is killed under them.
    const acknowledged: { stageId: string; count: number }[] = [];
    let n = 0;
    const writer = async () => {
      for (;;) {
        const count = 1 + (n++ % 9);
        try {
          const r = await postJson(first.baseUrl, `/v1/exchanges/${id}/stages`, {
            sides: [
              { party: 'UA', count },
              { party: 'RU', count },
            ],
            occurredAt: '2025-05-23',
          });
          if (r.status === 201) acknowledged.push({ stageId: r.body.stage.id, count });
        } catch {
          return; // the connection died with the process: that write was never acknowledged
        }
      }
    };
    const writers = Array.from({ length: 10 }, writer);
    while (acknowledged.length < 150) await new Promise((r) => setTimeout(r, 5));
    first.child.kill('SIGKILL');
    await Promise.all(writers);
    expect((await first.exited).signal).toBe('SIGKILL');

    const second = await startService({ DATABASE_URL: `file:${db}` });
    try {
      const res = await fetch(`${second.baseUrl}/v1/exchanges/${id}`);
      const exchange = (await res.json()) as {
        stages: { id: string }[];
        sides: { party: string; delivered: number }[];
      };
      const recorded = new Set(exchange.stages.map((s) => s.id));
      const missing = acknowledged.filter((a) => !recorded.has(a.stageId));
      expect(missing, 'every acknowledged stage survived').toEqual([]);
      // delivered is the fold of what is recorded: acknowledged ones plus any committed just before the kill.
      const ackSum = acknowledged.reduce((s, a) => s + a.count, 0);
      expect(exchange.sides[0]!.delivered).toBeGreaterThanOrEqual(ackSum);
      const totals = (await (await fetch(`${second.baseUrl}/v1/totals?party=UA`)).json()) as {
        data: { handedOver: number }[];
      };
      expect(totals.data[0]!.handedOver).toBe(exchange.sides[0]!.delivered);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  });

  it('on SIGTERM finishes the requests in flight, exits 0 and closes the database', async () => {
    const db = join(dir, 'drain.db');
    const service = await startService({ DATABASE_URL: `file:${db}` });
    const id = await agreedExchange(service.baseUrl);
    const { port } = new URL(service.baseUrl);

    // Five requests are in flight when the signal arrives: the server has their headers and
    // half of each body; the other half is sent after SIGTERM.
    const body = JSON.stringify({
      sides: [
        { party: 'UA', count: 7 },
        { party: 'RU', count: 7 },
      ],
      occurredAt: '2025-05-23',
    });
    const half = Math.floor(body.length / 2);
    const pending = Array.from({ length: 5 }, () => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/v1/exchanges/${id}/stages`,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      const answered = new Promise<number>((resolve, reject) => {
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        });
        req.on('error', reject);
      });
      req.write(body.slice(0, half));
      return { req, answered };
    });
    await new Promise((r) => setTimeout(r, 300));
    service.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    for (const p of pending) p.req.end(body.slice(half));

    expect(await Promise.all(pending.map((p) => p.answered))).toEqual([201, 201, 201, 201, 201]);
    const { code } = await service.exited;
    expect(code).toBe(0);
    expect(service.output()).toContain('stopping');
    // The last connection to close checkpoints the WAL and removes it: the database was closed.
    expect(existsSync(`${db}-wal`)).toBe(false);
    const file = new Database(db, { readonly: true });
    const stages = file.prepare("SELECT count(*) AS n FROM events WHERE type = 'StageRecorded'").get() as { n: number };
    file.close();
    expect(stages.n).toBe(5);
  });

  it('warns loudly at start when there is no master key (development mode)', async () => {
    const service = await startService({ DATABASE_URL: `file:${join(dir, 'dev.db')}` });
    service.child.kill('SIGTERM');
    await service.exited;
    expect(service.output()).toContain('NO AUTHENTICATION');
  });

  it('refuses to start on a bad configuration value, naming the variable', async () => {
    const bad = [
      ['PORT', 'eighty'],
      ['LOG_LEVEL', 'loud'],
      ['DATABASE_URL', 'mysql://x'],
      ['READ_CACHE_MB', '-1'],
      ['AUTH_FAILURES_PER_MINUTE', '0'],
      ['TRUST_PROXY', 'everyone'],
      ['REDIS_URL', 'http://x'],
      ['REDIS_PREFIX', 'a b'],
    ] as const;
    // Side by side: each is a process of its own that exits at once.
    const outcomes = await Promise.all(
      bad.map(([name, value]) =>
        runServiceToExit({ DATABASE_URL: `file:${join(dir, 'bad.db')}`, [name]: value }).then((o) => ({ name, ...o })),
      ),
    );
    for (const { name, code, output } of outcomes) {
      expect(code, name).not.toBe(0);
      expect(output, name).toContain(name);
    }
  }, 120_000);
});
