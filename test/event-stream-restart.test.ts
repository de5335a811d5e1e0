import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startService, type ServiceProcess } from './support/process.js';
import { followFeed, until } from './support/sse.js';

const MASTER_KEY = 'feed-restart-master-key-0123456789-abcdef';
const auth = `Bearer ${MASTER_KEY}`;
const dir = mkdtempSync(join(tmpdir(), 'ledger-feed-'));
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

async function post(baseUrl: string, path: string, body: unknown): Promise<any> {
  const headers = { 'content-type': 'application/json', authorization: auth };
  const res = await fetch(baseUrl + path, { method: 'POST', headers, body: JSON.stringify(body) });
  const json = await res.json();
  expect(res.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}

async function ledger(baseUrl: string): Promise<{ sequence: number }[]> {
  const res = await fetch(`${baseUrl}/v1/events?limit=1000`, { headers: { authorization: auth } });
  return ((await res.json()) as { data: { sequence: number }[] }).data;
}

describe('the live feed across a restart of the service', () => {
  it('an EventSource gets every event once, in order, before and after, resuming with Last-Event-ID', async () => {
    const env = { DATABASE_URL: `file:${join(dir, 'ledger.db')}`, LEDGER_MASTER_KEY: MASTER_KEY };
    const first = await startService(env);
    running.push(first);
    const { port } = new URL(first.baseUrl);
    await post(first.baseUrl, '/v1/parties', { id: 'UA', name: 'Ukraine' });
    await post(first.baseUrl, '/v1/parties', { id: 'RU', name: 'Russia' });

    const feed = followFeed(`${first.baseUrl}/v1/events/stream`, auth);
    try {
      await feed.count(2);
      const { id } = await post(first.baseUrl, '/v1/exchanges', {
        kind: 'pow',
        proposedBy: 'UA',
        occurredAt: '2025-05-16',
        sides: [
          { party: 'UA', handsOver: 100 },
          { party: 'RU', handsOver: 100 },
        ],
      });
      await feed.count(3);

      // SIGTERM with the stream open: the service ends it and exits at once, not after its grace delay.
      const stopping = Date.now();
      first.child.kill('SIGTERM');
      expect((await first.exited).code).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(5_000);

      // The same service again on the same port and ledger file; one event is recorded before the
      // client is back (it waits the retry delay the stream gave it), one after.
      const second = await startService({ ...env, PORT: port });
      running.push(second);
      await post(second.baseUrl, `/v1/exchanges/${id}/agree`, { by: 'RU', occurredAt: '2025-05-16' });
      await until(
        () => feed.opened() >= 2,
        () => 'the EventSource to reconnect',
        10_000,
      );
      const sides = [
        { party: 'UA', count: 40 },
        { party: 'RU', count: 40 },
      ];
      await post(second.baseUrl, `/v1/exchanges/${id}/stages`, { sides, occurredAt: '2025-05-23' });
      await feed.count(5);

      const recorded = await ledger(second.baseUrl);
      expect(recorded.map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5]);
      expect(feed.received.map((e) => e.data)).toEqual(recorded);
      expect(feed.received.map((e) => e.id)).toEqual(['1', '2', '3', '4', '5']);
      // The reconnection resumed after the last event received, not from the start.
      expect(feed.requests[0]!.get('last-event-id')).toBeNull();
      expect(feed.requests.at(-1)!.get('last-event-id')).toBe('3');
      // Nothing more comes than what is recorded.
      await new Promise((r) => setTimeout(r, 200));
      expect(feed.received).toHaveLength(5);
    } finally {
      feed.close();
    }
  });
});
