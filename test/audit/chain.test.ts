import { describe, expect, it } from 'vitest';
import { useLedger } from '../support/app.js';
import { ZEROS, allEvents, expectedHash, get, jcs, post } from './helpers.js';

/*
 * Design, "Audit": each event carries hash = SHA-256(prevHash ‖ canonical JSON of the event)
 * and the ledger's head hash is published (GET /v1/ledger/head). The EventView documents the
 * canonical form as RFC 8785 over the event without `hash`. The recomputation below uses the
 * JCS written in helpers.ts, not the service's code.
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

describe('the JCS used by these tests', () => {
  it('sorts keys, drops whitespace and writes numbers and strings as ECMAScript does', () => {
    expect(jcs({ b: [1, 1e21, 0.5, -0], a: { d: null, c: true }, é: 'x"\n' })).toBe(
      '{"a":{"c":true,"d":null},"b":[1,1e+21,0.5,0],"é":"x\\"\\n"}',
    );
  });
});

describe('an empty ledger', () => {
  const t = useLedger();

  it('publishes sequence 0 and 64 zeros as its head', async () => {
    expect(await get(t(), '/v1/ledger/head')).toEqual({ sequence: 0, hash: ZEROS, eventId: null, recordedAt: null });
    expect((await get(t(), '/v1/events')).data).toEqual([]);
  });
});

describe('the hash chain after a sequence of commands', () => {
  const t = useLedger();
  let exchangeIds: string[] = [];

  it('records the commands', async () => {
    const h = t();
    for (const [id, name] of [
      ['UA', 'Україна'],
      ['RU', 'Россия'],
      ['AM', 'Armenia'],
      ['AZ', 'Azərbaycan'],
    ]) {
      await post(h, '/v1/parties', { id, name, occurredAt: '2014-01-01', note: `registered "${id}" ✓ 🕊` }, 201);
    }
    const e1 = (
      await post(
        h,
        '/v1/exchanges',
        {
          kind: 'pow',
          proposedBy: 'UA',
          title: '1 000 for 1 000 — Istanbul',
          mediator: 'Türkiye',
          sides: [
            { party: 'UA', handsOver: 1200 },
            { party: 'RU', handsOver: 1200 },
          ],
          occurredAt: '2025-05-16',
          source: {
            title: 'Istanbul talks',
            url: 'https://example.org/istanbul?a=1&b=2',
            publishedAt: '2025-05-16T18:30:00+03:00',
          },
          note: 'line one\nline two\t"quoted" \\ back-slash',
        },
        201,
      )
    ).id as string;
    await post(h, `/v1/exchanges/${e1}/counter`, {
      by: 'RU',
      sides: [
        { party: 'UA', handsOver: 1000 },
        { party: 'RU', handsOver: 1000 },
      ],
      occurredAt: '2025-05-16T20:00:00+03:00',
    });
    await post(h, `/v1/exchanges/${e1}/agree`, { by: 'UA', occurredAt: '2025-05-17' });
    await post(
      h,
      `/v1/exchanges/${e1}/stages`,
      {
        sides: [
          { party: 'UA', count: 390 },
          { party: 'RU', count: 390 },
        ],
        occurredAt: '2025-05-23',
      },
      201,
    );
    const dup = (
      await post(
        h,
        `/v1/exchanges/${e1}/stages`,
        {
          sides: [
            { party: 'RU', count: 307 },
            { party: 'UA', count: 307 },
          ],
          occurredAt: '2025-05-24',
        },
        201,
      )
    ).stage.id as string;
    await post(
      h,
      `/v1/exchanges/${e1}/stages`,
      {
        sides: [
          { party: 'UA', count: 307 },
          { party: 'RU', count: 307 },
        ],
        occurredAt: '2025-05-24',
        source: { title: 'Second stage' },
      },
      201,
    );
    await post(h, `/v1/exchanges/${e1}/stages/${dup}/void`, { occurredAt: '2025-05-25', reason: 'recorded twice' });
    await post(h, `/v1/exchanges/${e1}/complete`, {
      sides: [
        { party: 'UA', count: 303 },
        { party: 'RU', count: 303 },
      ],
      occurredAt: '2025-05-25',
    });
    const e2 = (
      await post(
        h,
        '/v1/exchanges',
        {
          kind: 'remains',
          proposedBy: 'AM',
          sides: [
            { party: 'AM', handsOver: 0 },
            { party: 'AZ', handsOver: 3000 },
          ],
          occurredAt: '2025-06-01T09:15:30.5+04:00',
        },
        201,
      )
    ).id as string;
    await post(h, `/v1/exchanges/${e2}/reject`, { by: 'AZ', occurredAt: '2025-06-02', reason: 'no' });
    exchangeIds = [e1, e2];
  });

  it('chains every event to the one before, from 64 zeros, with hash = SHA-256(prevHash ‖ JCS(event without hash))', async () => {
    const events = await allEvents(t(), 3);
    // 4 registrations; E1: propose, counter, agree, 3 stages, void, final stage + completion; E2: propose, reject.
    expect(events).toHaveLength(4 + 9 + 2);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    expect(events[0]!.prevHash).toBe(ZEROS);
    for (const [i, e] of events.entries()) {
      expect(Object.keys(e).sort()).toEqual(EVENT_KEYS);
      expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
      if (i > 0) expect(e.prevHash, `prevHash of event ${e.sequence}`).toBe(events[i - 1]!.hash);
      expect(e.hash, `hash of event ${e.sequence} (${e.type})`).toBe(expectedHash(e));
    }
    // The hashes are all different: each covers its own content and its place in the chain.
    expect(new Set(events.map((e) => e.hash)).size).toBe(events.length);
    expect(events.map((e) => e.type)).toEqual([
      'PartyRegistered',
      'PartyRegistered',
      'PartyRegistered',
      'PartyRegistered',
      'ExchangeProposed',
      'ExchangeCountered',
      'ExchangeAgreed',
      'StageRecorded',
      'StageRecorded',
      'StageRecorded',
      'StageVoided',
      'StageRecorded',
      'ExchangeCompleted',
      'ExchangeProposed',
      'ExchangeRejected',
    ]);
  });

  it('hashes exactly what it exports: a change to any field would not match', async () => {
    const events = await allEvents(t());
    const e = events.find((x) => x.type === 'ExchangeProposed')!;
    expect(expectedHash(e)).toBe(e.hash);
    for (const change of [
      { note: `${e.note}.` },
      {
        data: {
          ...e.data,
          sides: [
            { party: 'UA', handsOver: 1201 },
            { party: 'RU', handsOver: 1200 },
          ],
        },
      },
      { occurredAt: '2025-05-15' },
      { recordedAt: '2025-01-01T00:00:00.000Z' },
      { principal: 'someone-else' },
      { source: null },
      { sequence: e.sequence + 1 },
    ]) {
      expect(expectedHash({ ...e, ...change })).not.toBe(e.hash);
    }
  });

  it('serves the same events, with the same hashes, in each exchange’s history', async () => {
    const events = await allEvents(t());
    for (const id of exchangeIds) {
      const history = (await get(t(), `/v1/exchanges/${id}/events`)).data as Record<string, any>[];
      expect(history).toEqual(events.filter((e) => e.streamId === id));
      for (const e of history) expect(e.hash).toBe(expectedHash(e));
    }
  });

  it('publishes the last sequence and hash as the head, and moves it with the next write', async () => {
    const before = await allEvents(t());
    const last = before.at(-1)!;
    expect(await get(t(), '/v1/ledger/head')).toEqual({
      sequence: last.sequence,
      hash: last.hash,
      eventId: last.id,
      recordedAt: last.recordedAt,
    });

    const e3 = (
      await post(
        t(),
        '/v1/exchanges',
        {
          kind: 'children',
          proposedBy: 'UA',
          sides: [
            { party: 'UA', handsOver: 5 },
            { party: 'RU', handsOver: 0 },
          ],
          occurredAt: '2025-07-01',
        },
        201,
      )
    ).id;
    const after = await allEvents(t());
    expect(after).toHaveLength(before.length + 1);
    expect(after.slice(0, before.length)).toEqual(before);
    const next = after.at(-1)!;
    expect(next).toMatchObject({
      sequence: last.sequence + 1,
      streamId: e3,
      type: 'ExchangeProposed',
      prevHash: last.hash,
    });
    expect(next.hash).toBe(expectedHash(next));
    expect(await get(t(), '/v1/ledger/head')).toEqual({
      sequence: next.sequence,
      hash: next.hash,
      eventId: next.id,
      recordedAt: next.recordedAt,
    });
  });

  it('a refused command writes nothing to the chain', async () => {
    const head = await get(t(), '/v1/ledger/head');
    const res = await t()
      .http()
      .post(`/v1/exchanges/${exchangeIds[0]}/agree`)
      .send({ by: 'RU', occurredAt: '2025-06-01' });
    expect(res.status).toBe(409);
    expect(await get(t(), '/v1/ledger/head')).toEqual(head);
  });
});
