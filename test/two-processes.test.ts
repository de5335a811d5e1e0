import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getJson, postJson, startService, type ServiceProcess } from './support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'ledger-two-'));
const running: ServiceProcess[] = [];
afterAll(async () => {
  for (const s of running) {
    if (s.child.exitCode === null) {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('two service processes on one database file', () => {
  it('both serve reads and writes at once, without a 500 and without losing an acknowledged write', async () => {
    const file = `file:${join(dir, 'shared.db')}`;
    const a = await startService({ DATABASE_URL: file });
    running.push(a);
    const b = await startService({ DATABASE_URL: file });
    running.push(b);
    expect(a.baseUrl).not.toBe(b.baseUrl);

    // Set-up written through both: what one process writes, the other reads at once.
    expect((await postJson(a.baseUrl, '/v1/parties', { id: 'UA', name: 'Ukraine' })).status).toBe(201);
    expect((await postJson(b.baseUrl, '/v1/parties', { id: 'RU', name: 'Russia' })).status).toBe(201);
    const proposed = await postJson(b.baseUrl, '/v1/exchanges', {
      kind: 'pow',
      proposedBy: 'UA',
      sides: [
        { party: 'UA', handsOver: 5000 },
        { party: 'RU', handsOver: 5000 },
      ],
      occurredAt: '2025-05-16',
    });
    expect(proposed.status).toBe(201);
    const id = proposed.body.id as string;
    expect(
      (await postJson(a.baseUrl, `/v1/exchanges/${id}/agree`, { by: 'RU', occurredAt: '2025-05-16' })).status,
    ).toBe(200);

    // Eight writers and two readers per process, all at once, on the same exchange and ledger.
    const statuses: number[] = [];
    const acknowledged: { stageId: string; count: number; via: string }[] = [];
    const proposals: string[] = [];
    const writer = (base: string, w: number) => async () => {
      for (let i = 0; i < 30; i += 1) {
        const count = 1 + ((w + i) % 7);
        const r = await postJson(base, `/v1/exchanges/${id}/stages`, {
          sides: [
            { party: 'UA', count },
            { party: 'RU', count },
          ],
          occurredAt: '2025-05-23',
        });
        statuses.push(r.status);
        if (r.status === 201) acknowledged.push({ stageId: r.body.stage.id, count, via: base });
        if (i % 10 === 0) {
          const p = await postJson(base, '/v1/exchanges', {
            kind: 'remains',
            proposedBy: 'RU',
            sides: [
              { party: 'RU', handsOver: 100 + i },
              { party: 'UA', handsOver: 0 },
            ],
            occurredAt: '2025-06-01',
          });
          statuses.push(p.status);
          if (p.status === 201) proposals.push(p.body.id);
        }
      }
    };
    let writing = true;
    const reader = (base: string) => async () => {
      while (writing) {
        for (const path of [
          `/v1/exchanges/${id}`,
          '/v1/totals?kind=pow',
          '/v1/exchanges?limit=20',
          '/v1/events?limit=50',
        ]) {
          statuses.push((await getJson(base, path)).status);
        }
      }
    };
    const readers = [a, b].flatMap((s) => [reader(s.baseUrl)(), reader(s.baseUrl)()]);
    await Promise.all([a, b].flatMap((s) => Array.from({ length: 8 }, (_, w) => writer(s.baseUrl, w)())));
    writing = false;
    await Promise.all(readers);

    expect(
      statuses.filter((s) => s >= 500),
      'no 5xx under contention',
    ).toEqual([]);
    expect(
      statuses.filter((s) => s !== 200 && s !== 201),
      'every request succeeded',
    ).toEqual([]);
    expect(acknowledged.filter((x) => x.via === a.baseUrl).length).toBe(240);
    expect(acknowledged.filter((x) => x.via === b.baseUrl).length).toBe(240);
    expect(proposals).toHaveLength(48);

    const sum = acknowledged.reduce((s, x) => s + x.count, 0);
    for (const s of [a, b]) {
      const exchange = (await getJson(s.baseUrl, `/v1/exchanges/${id}`)).body;
      const recorded = new Set((exchange.stages as { id: string }[]).map((st) => st.id));
      expect(
        acknowledged.filter((x) => !recorded.has(x.stageId)),
        'every acknowledged stage is in the ledger',
      ).toEqual([]);
      expect(exchange.stages).toHaveLength(acknowledged.length);
      expect(exchange.sides.map((side: { delivered: number }) => side.delivered)).toEqual([sum, sum]);

      const totals = (await getJson(s.baseUrl, '/v1/totals?kind=pow')).body.data as {
        party: string;
        handedOver: number;
        received: number;
      }[];
      expect(totals.map((t) => [t.party, t.handedOver, t.received])).toEqual([
        ['RU', sum, sum],
        ['UA', sum, sum],
      ]);
      const remains = (await getJson(s.baseUrl, '/v1/totals?kind=remains&party=RU')).body.data[0];
      expect(remains.proposed).toBe(16 * (100 * 3 + 0 + 10 + 20));

      // One unbroken chain: both processes appended to the same head, never beside each other.
      const verify = await getJson(s.baseUrl, '/v1/ledger/verify');
      expect(verify.body).toMatchObject({ ok: true, events: 4 + acknowledged.length + proposals.length });
    }
    expect((await getJson(a.baseUrl, '/v1/ledger/head')).body).toEqual(
      (await getJson(b.baseUrl, '/v1/ledger/head')).body,
    );
  });
});
