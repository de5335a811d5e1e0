import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildServer, openStore } from '../../src/server.js';
import { startLedger, type TestLedger } from '../support/app.js';
import { agreed, registerParties, stage } from '../support/scenario.js';
import { followFeed, openRawStream, until } from '../support/sse.js';
import { MASTER_KEY, createKey, expectProblem } from '../security/helpers.js';

/** A listening copy of the service: EventSource needs a real socket, not supertest's. */
async function listening(t: TestLedger): Promise<string> {
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
}

type Listed = { sequence: number; type: string };
const allEvents = async (t: TestLedger) => (await t.http().get('/v1/events?limit=1000')).body.data as Listed[];

// Pages of 3, so that every backlog here spans several; a poll too slow to be what delivers a
// write of this process (only the in-process signal can, within the tests' waits).
const FEED = { pageSize: 3, pollMs: 60_000, heartbeatMs: 60_000 };

describe('GET /v1/events/stream', () => {
  let t: TestLedger;
  let base = '';
  let exchangeId = '';
  beforeAll(async () => {
    t = await startLedger({}, { eventStream: FEED });
    base = await listening(t);
    await registerParties(t, 'UA', 'RU');
    exchangeId = await agreed(t);
    await stage(t, exchangeId, { UA: 5, RU: 5 }, '2025-05-23');
  });
  afterAll(async () => {
    await t.close();
    expect(t.contractViolations).toEqual([]);
  });

  it('sends the ledger in order: id = sequence, event = type, data = the JSON of GET /v1/events', async () => {
    const expected = await allEvents(t);
    expect(expected.length).toBeGreaterThan(FEED.pageSize);
    const feed = followFeed(`${base}/v1/events/stream`);
    try {
      await feed.count(expected.length);
      expect(feed.received.map((e) => e.data)).toEqual(expected);
      expect(feed.received.map((e) => e.id)).toEqual(expected.map((e) => String(e.sequence)));
      expect(feed.received.map((e) => e.type)).toEqual(expected.map((e) => e.type));
    } finally {
      feed.close();
    }
  });

  it('sends an event recorded while it is open as soon as it is recorded (no poll needed), once', async () => {
    const feed = followFeed(`${base}/v1/events/stream`);
    try {
      const before = (await allEvents(t)).length;
      await feed.count(before);
      await stage(t, exchangeId, { UA: 7, RU: 7 }, '2025-05-24');
      await feed.count(before + 1, 2_000);
      const last = feed.received.at(-1)!;
      expect(last.type).toBe('StageRecorded');
      expect(last.data).toEqual((await allEvents(t)).at(-1));
      expect(new Set(feed.received.map((e) => e.id)).size).toBe(feed.received.length);
    } finally {
      feed.close();
    }
  });

  // A reconnecting EventSource keeps its first URL: the header must win.
  it('resumes after `after`, and after Last-Event-ID, which wins over `after`', async () => {
    const sequences = (await allEvents(t)).map((e) => e.sequence);
    const fromAfter = await openRawStream(`${base}/v1/events/stream?after=2`);
    const fromHeader = await openRawStream(`${base}/v1/events/stream?after=1`, { 'last-event-id': '4' });
    try {
      await fromAfter.waitFor(() => fromAfter.events().length === sequences.length - 2, 'the events after 2');
      await fromHeader.waitFor(() => fromHeader.events().length === sequences.length - 4, 'the events after 4');
      expect(fromAfter.events().map((f) => Number(f.id))).toEqual(sequences.slice(2));
      expect(fromHeader.events().map((f) => Number(f.id))).toEqual(sequences.slice(4));
    } finally {
      await fromAfter.close();
      await fromHeader.close();
    }
  });

  it('answers as text/event-stream, uncached, and asks clients to reconnect after a set delay', async () => {
    const s = await openRawStream(`${base}/v1/events/stream`);
    try {
      expect(s.res.status).toBe(200);
      expect(s.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(s.res.headers.get('cache-control')).toBe('no-store');
      // Counted against the rate limit once, like any request (its headers set before the stream).
      expect(Number(s.res.headers.get('x-ratelimit-limit'))).toBeGreaterThan(0);
      await s.waitFor((f) => f.length > 0, 'a first frame');
      expect(s.frames[0]).toEqual({ retry: '2000' });
    } finally {
      await s.close();
    }
  });

  it('is answered to HEAD with the stream’s headers and no body', async () => {
    const res = await fetch(`${base}/v1/events/stream`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
  });

  it.each([
    ['a Last-Event-ID that is not a sequence', { 'last-event-id': 'abc' }, '', 'headers.last-event-id'],
    ['a negative after', {}, '?after=-1', 'query.after'],
    ['an unknown parameter', {}, '?limit=5', 'query.limit'],
  ])('refuses %s with 400 problem+json naming it', async (_what, headers, query, path) => {
    const res = await t.http().get(`/v1/events/stream${query}`).set(headers);
    expectProblem(res, 400, 'validation-failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('stops reading the store once its client has gone', async () => {
    const reads = { n: 0 };
    const ledgerEvents = t.store.ledgerEvents.bind(t.store);
    t.store.ledgerEvents = async (after, limit) => {
      reads.n += 1;
      return ledgerEvents(after, limit);
    };
    try {
      const s = await openRawStream(`${base}/v1/events/stream`);
      await s.waitFor((f) => f.some((x) => x.id !== undefined), 'an event');
      await s.close();
      // The server sees the socket close; after that, a write must not wake a read for it.
      await new Promise((r) => setTimeout(r, 100));
      const before = reads.n;
      await stage(t, exchangeId, { UA: 1, RU: 1 }, '2025-05-25');
      await new Promise((r) => setTimeout(r, 200));
      expect(reads.n).toBe(before);
    } finally {
      t.store.ledgerEvents = ledgerEvents;
    }
  });
});

describe('heartbeats', () => {
  it('sends a comment after the configured time without events, and again after each such time', async () => {
    const t = await startLedger({}, { eventStream: { heartbeatMs: 150 } });
    try {
      const s = await openRawStream(`${await listening(t)}/v1/events/stream`);
      await s.waitFor((f) => f.filter((x) => x.comment === 'heartbeat').length >= 2, 'two heartbeats', 3_000);
      expect(s.events()).toEqual([]);
      await s.close();
    } finally {
      await t.close();
    }
  });
});

describe('several instances on one database', () => {
  it('a stream on one instance sends what another instance records (found by its poll)', async () => {
    const a = await startLedger({}, { eventStream: { pollMs: 60_000 } });
    // A second service on the same file, with a store (connection) of its own: another instance.
    const config = loadConfig({ DATABASE_URL: a.databaseUrl, LOG_LEVEL: 'silent' });
    const storeB = await openStore(config);
    const b = await buildServer(config, storeB, { eventStream: { pollMs: 50, heartbeatMs: 60_000 } });
    await b.listen({ port: 0, host: '127.0.0.1' });
    const feed = followFeed(`http://127.0.0.1:${(b.server.address() as AddressInfo).port}/v1/events/stream`);
    try {
      await until(
        () => feed.opened() === 1,
        () => 'the stream to open',
      );
      await registerParties(a, 'UA', 'RU');
      await feed.count(2, 2_000);
      expect(feed.received.map((e) => e.data)).toEqual(await allEvents(a));
    } finally {
      feed.close();
      await b.close();
      await storeB.close();
      await a.close();
    }
  });
});

describe('a change source (as PostgreSQL’s LISTEN/NOTIFY would feed it)', () => {
  it('wakes the streams of an instance when it speaks, without waiting for the poll', async () => {
    const a = await startLedger();
    let speak = () => {};
    const changes = { subscribe: (listener: () => void) => ((speak = listener), () => (speak = () => {})) };
    const config = loadConfig({ DATABASE_URL: a.databaseUrl, LOG_LEVEL: 'silent' });
    const storeB = await openStore(config);
    const b = await buildServer(config, storeB, { eventStream: { pollMs: 60_000, changes } });
    await b.listen({ port: 0, host: '127.0.0.1' });
    const feed = followFeed(`http://127.0.0.1:${(b.server.address() as AddressInfo).port}/v1/events/stream`);
    try {
      await until(
        () => feed.opened() === 1,
        () => 'the stream to open',
      );
      await registerParties(a, 'UA');
      await new Promise((r) => setTimeout(r, 200));
      expect(feed.received, 'nothing before the source speaks (the poll is a minute away)').toEqual([]);
      speak();
      await feed.count(1, 2_000);
      expect(feed.received[0]!.type).toBe('PartyRegistered');
    } finally {
      feed.close();
      await b.close();
      await storeB.close();
      await a.close();
    }
  });
});

describe('closing the service', () => {
  it('ends every open stream at once: app.close() does not wait on its clients, and they see the end', async () => {
    const t = await startLedger({}, { eventStream: { heartbeatMs: 60_000 } });
    const base = await listening(t);
    await registerParties(t, 'UA');
    const streams = await Promise.all([1, 2, 3].map(() => openRawStream(`${base}/v1/events/stream`)));
    for (const s of streams) await s.waitFor((f) => f.some((x) => x.id === '1'), 'the first event');
    const started = Date.now();
    await t.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    for (const s of streams) {
      await s.finished;
      expect(s.ended()).toBe(true);
      expect(s.frames.at(-1)?.comment).toMatch(/^end at 1; reconnect/);
    }
  });

  it('does not wait on a stream whose request was still being authenticated when closing began', async () => {
    const t = await startLedger({ LEDGER_MASTER_KEY: MASTER_KEY }, { eventStream: { heartbeatMs: 60_000 } });
    const base = await listening(t);
    const { secret } = await createKey(t, 'reader');
    // The key's look-up waits until the service is closing, then lets the request on to the route.
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let looking = () => {};
    const lookedUp = new Promise<void>((r) => (looking = r));
    const findLiveKey = t.store.keys.findLiveKey.bind(t.store.keys);
    t.store.keys.findLiveKey = async (digest) => {
      looking();
      await gate;
      return findLiveKey(digest);
    };
    const stream = openRawStream(`${base}/v1/events/stream`, { authorization: `Bearer ${secret}` });
    await lookedUp;
    const closed = t.close();
    await new Promise((r) => setTimeout(r, 50));
    release();
    const s = await stream;
    await s.finished;
    expect(s.res.status).toBe(200);
    expect(s.events()).toEqual([]);
    await closed;
  });
});
