import { beforeAll, describe, expect, it } from 'vitest';
import { useLedger, type TestLedger } from '../support/app.js';
import { agreed, propose, registerParties, stage } from '../support/scenario.js';

/* GET /v1/exchanges/{id} carries its version as ETag; If-Match with a stale one → 412. */

async function eventCount(t: TestLedger): Promise<number> {
  let after = '0';
  let n = 0;
  for (;;) {
    const res = await t.http().get(`/v1/events?after=${after}&limit=1000`);
    n += res.body.data.length;
    if (res.body.nextCursor === null) return n;
    after = res.body.nextCursor;
  }
}

async function read(t: TestLedger, id: string) {
  const res = await t.http().get(`/v1/exchanges/${id}`);
  expect(res.status).toBe(200);
  return { etag: res.headers.etag as string, version: res.body.version as number, body: res.body };
}

describe('ETag and If-Match', () => {
  const t = useLedger();

  beforeAll(async () => {
    await registerParties(t(), 'UA', 'RU');
  });

  it('gives the version as a quoted ETag, changing with every write, and each write answers with the new one', async () => {
    const proposed = await t()
      .http()
      .post('/v1/exchanges')
      .send({
        kind: 'pow',
        proposedBy: 'UA',
        occurredAt: '2025-05-16',
        sides: [
          { party: 'UA', handsOver: 1000 },
          { party: 'RU', handsOver: 1000 },
        ],
      });
    expect(proposed.status).toBe(201);
    const id = proposed.body.id;
    let r = await read(t(), id);
    expect(r.version).toBe(1);
    expect(r.etag).toBe('"1"');
    expect(proposed.headers.etag).toBe(r.etag);

    const seen = new Set([r.etag]);
    const writes: [string, object, number][] = [
      [
        'counter',
        {
          by: 'RU',
          sides: [
            { party: 'UA', handsOver: 1200 },
            { party: 'RU', handsOver: 1200 },
          ],
          occurredAt: '2025-05-17',
        },
        200,
      ],
      ['agree', { by: 'UA', occurredAt: '2025-05-18' }, 200],
      [
        'stages',
        {
          sides: [
            { party: 'UA', count: 390 },
            { party: 'RU', count: 390 },
          ],
          occurredAt: '2025-05-23',
        },
        201,
      ],
      [
        'stages',
        {
          sides: [
            { party: 'UA', count: 307 },
            { party: 'RU', count: 307 },
          ],
          occurredAt: '2025-05-24',
        },
        201,
      ],
    ];
    for (const [path, body, status] of writes) {
      const w = await t().http().post(`/v1/exchanges/${id}/${path}`).send(body);
      expect(w.status, w.text).toBe(status);
      const now = await read(t(), id);
      expect(now.version).toBe(r.version + 1);
      expect(now.etag).toBe(`"${now.version}"`);
      expect(seen.has(now.etag)).toBe(false);
      expect(w.headers.etag).toBe(now.etag);
      seen.add(now.etag);
      r = now;
    }
    // A read changes nothing.
    expect((await read(t(), id)).etag).toBe(r.etag);
    const history = await t().http().get(`/v1/exchanges/${id}/events`);
    expect(history.body.data).toHaveLength(r.version);
  });

  it('accepts If-Match with the current ETag', async () => {
    const id = await propose(t());
    const { etag } = await read(t(), id);
    const res = await t()
      .http()
      .post(`/v1/exchanges/${id}/agree`)
      .set('If-Match', etag)
      .send({ by: 'RU', occurredAt: '2025-05-16' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.status).toBe('agreed');
    const stageRes = await t()
      .http()
      .post(`/v1/exchanges/${id}/stages`)
      .set('If-Match', String(res.headers.etag))
      .send({ sides: [{ party: 'UA', count: 1 }], occurredAt: '2025-05-20' });
    expect(stageRes.status, stageRes.text).toBe(201);
  });

  it('refuses a stale If-Match with 412, naming the current version, and writes nothing', async () => {
    const id = await agreed(t());
    const stale = (await read(t(), id)).etag; // "2"
    await stage(t(), id, { UA: 100, RU: 100 }, '2025-05-23'); // now "3"
    const current = await read(t(), id);
    expect(current.etag).not.toBe(stale);
    const events = await eventCount(t());
    const totals = (await t().http().get('/v1/totals')).body;

    const attempts: [string, object][] = [
      [
        'stages',
        {
          sides: [
            { party: 'UA', count: 50 },
            { party: 'RU', count: 50 },
          ],
          occurredAt: '2025-05-24',
        },
      ],
      ['complete', { occurredAt: '2025-05-25' }],
      ['cancel', { by: 'RU', occurredAt: '2025-05-25' }],
      [`stages/${current.body.stages[0].id}/void`, { occurredAt: '2025-05-25', reason: 'duplicate' }],
    ];
    for (const [path, body] of attempts) {
      const res = await t().http().post(`/v1/exchanges/${id}/${path}`).set('If-Match', stale).send(body);
      expect(res.status, `${path}: ${res.text}`).toBe(412);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.type).toBe('/problems/precondition-failed');
      expect(res.body.currentVersion).toBe(current.version);
    }
    expect(await eventCount(t())).toBe(events);
    expect((await t().http().get('/v1/totals')).body).toEqual(totals);
    const after = await read(t(), id);
    expect(after.etag).toBe(current.etag);
    expect(after.body).toEqual(current.body);
  });

  it('refuses an If-Match from the future too', async () => {
    const id = await propose(t());
    const before = await eventCount(t());
    const res = await t()
      .http()
      .post(`/v1/exchanges/${id}/agree`)
      .set('If-Match', '"99"')
      .send({ by: 'RU', occurredAt: '2025-05-16' });
    expect(res.status).toBe(412);
    expect(res.body.currentVersion).toBe(1);
    expect(await eventCount(t())).toBe(before);
  });

  it('lets If-Match: * pass on an existing exchange', async () => {
    const id = await propose(t());
    await t()
      .http()
      .post(`/v1/exchanges/${id}/counter`)
      .send({
        by: 'RU',
        sides: [
          { party: 'UA', handsOver: 5 },
          { party: 'RU', handsOver: 5 },
        ],
        occurredAt: '2025-05-17',
      })
      .expect(200);
    const res = await t()
      .http()
      .post(`/v1/exchanges/${id}/agree`)
      .set('If-Match', '*')
      .send({ by: 'UA', occurredAt: '2025-05-18' });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.etag).toBe('"3"');
  });

  it('answers 404, not 412 or 200, for If-Match on a missing exchange', async () => {
    for (const ifMatch of ['*', '"1"']) {
      const res = await t()
        .http()
        .post('/v1/exchanges/0196e5a4-8f00-7000-8000-00000000f00d/agree')
        .set('If-Match', ifMatch)
        .send({ by: 'RU', occurredAt: '2025-05-16' });
      expect(res.status).toBe(404);
      expect(res.body.type).toBe('/problems/not-found');
    }
  });

  it('refuses a malformed If-Match with 400 and writes nothing', async () => {
    const id = await propose(t());
    const before = await eventCount(t());
    for (const ifMatch of ['1', 'abc', '"abc"', '"1', '"-1"', '""']) {
      const res = await t()
        .http()
        .post(`/v1/exchanges/${id}/agree`)
        .set('If-Match', ifMatch)
        .send({ by: 'RU', occurredAt: '2025-05-16' });
      expect(res.status, `If-Match ${ifMatch}: ${res.text}`).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.type).toBe('/problems/validation-failed');
    }
    expect(await eventCount(t())).toBe(before);
    expect((await read(t(), id)).body.status).toBe('proposed');
  });
});
