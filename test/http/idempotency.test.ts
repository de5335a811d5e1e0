import type { Response } from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLedger, type TestLedger } from '../support/app.js';
import { agreed, propose, registerParties } from '../support/scenario.js';

/*
 * An Idempotency-Key on any POST makes a retry return the first response (same status and
 * body) instead of writing twice; the same key with a different request is refused (422).
 */

async function ledgerEvents(t: TestLedger): Promise<{ sequence: number; streamId: string; type: string }[]> {
  const all: { sequence: number; streamId: string; type: string }[] = [];
  let after = '0';
  for (;;) {
    const res = await t.http().get(`/v1/events?after=${after}&limit=1000`);
    expect(res.status).toBe(200);
    all.push(...res.body.data);
    if (res.body.nextCursor === null) return all;
    after = res.body.nextCursor;
  }
}

async function snapshot(t: TestLedger) {
  const events = await ledgerEvents(t);
  const totals = (await t.http().get('/v1/totals')).body;
  const exchanges = (await t.http().get('/v1/exchanges?limit=200')).body.data.length as number;
  const parties = (await t.http().get('/v1/parties')).body.data.length as number;
  return { events: events.length, head: events.at(-1)?.sequence ?? 0, totals, exchanges, parties };
}

function expectSameAnswer(first: Response, retry: Response): void {
  expect(retry.status).toBe(first.status);
  expect(retry.body).toEqual(first.body);
  expect(retry.headers['content-type']).toBe(first.headers['content-type']);
  if (first.headers.location) expect(retry.headers.location).toBe(first.headers.location);
  if (first.headers.etag) expect(retry.headers.etag).toBe(first.headers.etag);
  expect(first.headers['idempotent-replayed']).toBeUndefined();
  expect(retry.headers['idempotent-replayed']).toBe('true');
}

let keyCounter = 0;
const freshKey = (label: string) => `${label}-${process.pid}-${Date.now()}-${++keyCounter}`;

describe('Idempotency-Key', () => {
  const t = useLedger();

  beforeAll(async () => {
    await registerParties(t(), 'UA', 'RU', 'AM', 'AZ');
  });

  const proposal = (handsOver = 1000) => ({
    kind: 'pow',
    proposedBy: 'UA',
    occurredAt: '2025-05-16',
    title: '1,000 for 1,000',
    sides: [
      { party: 'UA', handsOver },
      { party: 'RU', handsOver },
    ],
  });

  it('replays a proposal: same status, body and Location, one exchange written', async () => {
    const key = freshKey('propose');
    const before = await snapshot(t());
    const first = await t().http().post('/v1/exchanges').set('Idempotency-Key', key).send(proposal());
    expect(first.status).toBe(201);
    const afterFirst = await snapshot(t());
    expect(afterFirst.events).toBe(before.events + 1);
    expect(afterFirst.exchanges).toBe(before.exchanges + 1);

    for (let i = 0; i < 3; i++) {
      const retry = await t().http().post('/v1/exchanges').set('Idempotency-Key', key).send(proposal());
      expectSameAnswer(first, retry);
    }
    expect(await snapshot(t())).toEqual(afterFirst);
    // The control: without the key, the same body is a second proposal.
    const again = await t().http().post('/v1/exchanges').send(proposal());
    expect(again.status).toBe(201);
    expect(again.body.id).not.toBe(first.body.id);
  });

  it('replays a stage: same 201 and body, delivered and totals counted once', async () => {
    const id = await agreed(t(), {
      kind: 'remains',
      sides: [
        { party: 'UA', handsOver: 0 },
        { party: 'RU', handsOver: 3000 },
      ],
    });
    const key = freshKey('stage');
    const body = { sides: [{ party: 'RU', count: 1212 }], occurredAt: '2025-06-11' };
    const first = await t().http().post(`/v1/exchanges/${id}/stages`).set('Idempotency-Key', key).send(body);
    expect(first.status, first.text).toBe(201);
    const afterFirst = await snapshot(t());
    const remains = afterFirst.totals.data.find(
      (r: { party: string; kind: string }) => r.party === 'RU' && r.kind === 'remains',
    );
    expect(remains).toMatchObject({ handedOver: 1212, agreedOutstanding: 3000 - 1212 });

    const retry = await t().http().post(`/v1/exchanges/${id}/stages`).set('Idempotency-Key', key).send(body);
    expectSameAnswer(first, retry);
    expect(await snapshot(t())).toEqual(afterFirst);
    const ex = await t().http().get(`/v1/exchanges/${id}`);
    expect(ex.body.stages).toHaveLength(1);
    expect(ex.body.sides.find((s: { party: string }) => s.party === 'RU').delivered).toBe(1212);
  });

  it('replays an agree: same 200, one ExchangeAgreed', async () => {
    const id = await propose(t());
    const key = freshKey('agree');
    const first = await t()
      .http()
      .post(`/v1/exchanges/${id}/agree`)
      .set('Idempotency-Key', key)
      .send({ by: 'RU', occurredAt: '2025-05-17' });
    expect(first.status).toBe(200);
    expect(first.body.status).toBe('agreed');
    const afterFirst = await snapshot(t());
    const retry = await t()
      .http()
      .post(`/v1/exchanges/${id}/agree`)
      .set('Idempotency-Key', key)
      .send({ by: 'RU', occurredAt: '2025-05-17' });
    expectSameAnswer(first, retry);
    expect(await snapshot(t())).toEqual(afterFirst);
    const history = await t().http().get(`/v1/exchanges/${id}/events`);
    expect(history.body.data.map((e: { type: string }) => e.type)).toEqual(['ExchangeProposed', 'ExchangeAgreed']);
  });

  it('replays a party registration: 201 again, not 409, one registration', async () => {
    const key = freshKey('party');
    const body = { id: 'GE', name: 'Georgia' };
    const first = await t().http().post('/v1/parties').set('Idempotency-Key', key).send(body);
    expect(first.status).toBe(201);
    const afterFirst = await snapshot(t());
    const retry = await t().http().post('/v1/parties').set('Idempotency-Key', key).send(body);
    expectSameAnswer(first, retry);
    expect(await snapshot(t())).toEqual(afterFirst);
    const registrations = (await ledgerEvents(t())).filter((e) => e.streamId === 'party:GE');
    expect(registrations).toHaveLength(1);
    // Without the key, the same body is refused as a duplicate: the replay above was not a re-run.
    expect((await t().http().post('/v1/parties').send(body)).status).toBe(409);
  });

  it('replays the first answer even after the exchange moved on', async () => {
    const id = await propose(t());
    const key = freshKey('stale');
    const first = await t()
      .http()
      .post(`/v1/exchanges/${id}/agree`)
      .set('Idempotency-Key', key)
      .send({ by: 'RU', occurredAt: '2025-05-17' });
    expect(first.status).toBe(200);
    expect(first.body.version).toBe(2);
    await t()
      .http()
      .post(`/v1/exchanges/${id}/stages`)
      .send({ sides: [{ party: 'UA', count: 5 }], occurredAt: '2025-05-18' })
      .expect(201);
    const retry = await t()
      .http()
      .post(`/v1/exchanges/${id}/agree`)
      .set('Idempotency-Key', key)
      .send({ by: 'RU', occurredAt: '2025-05-17' });
    expectSameAnswer(first, retry);
    expect(retry.body.version).toBe(2);
    // A new key for the same body is a new request: the exchange is agreed now, so it is 409.
    const fresh = await t()
      .http()
      .post(`/v1/exchanges/${id}/agree`)
      .set('Idempotency-Key', freshKey('new'))
      .send({ by: 'RU', occurredAt: '2025-05-17' });
    expect(fresh.status).toBe(409);
  });

  it('refuses the same key with a different body (422) and writes nothing', async () => {
    const key = freshKey('reuse');
    const first = await t().http().post('/v1/exchanges').set('Idempotency-Key', key).send(proposal(1000));
    expect(first.status).toBe(201);
    const afterFirst = await snapshot(t());
    const other = await t().http().post('/v1/exchanges').set('Idempotency-Key', key).send(proposal(1200));
    expect(other.status).toBe(422);
    expect(other.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(other.body.type).toBe('/problems/idempotency-key-reused');
    expect(other.body.status).toBe(422);
    expect(other.headers['idempotent-replayed']).toBeUndefined();
    expect(await snapshot(t())).toEqual(afterFirst);
    // The first request is still replayable with its own body.
    expectSameAnswer(first, await t().http().post('/v1/exchanges').set('Idempotency-Key', key).send(proposal(1000)));
  });

  it('refuses the same key and body sent to another exchange (a different request)', async () => {
    const a = await propose(t());
    const b = await propose(t());
    const key = freshKey('route');
    const body = { by: 'RU', occurredAt: '2025-05-17' };
    expect((await t().http().post(`/v1/exchanges/${a}/agree`).set('Idempotency-Key', key).send(body)).status).toBe(200);
    const before = await snapshot(t());
    const res = await t().http().post(`/v1/exchanges/${b}/agree`).set('Idempotency-Key', key).send(body);
    expect(res.status).toBe(422);
    expect(res.body.type).toBe('/problems/idempotency-key-reused');
    expect(await snapshot(t())).toEqual(before);
    expect((await t().http().get(`/v1/exchanges/${b}`)).body.status).toBe('proposed');
  });

  it('refuses the same key and body sent to another route', async () => {
    const id = await propose(t());
    const key = freshKey('other-route');
    const body = { by: 'RU', occurredAt: '2025-05-17' };
    expect((await t().http().post(`/v1/exchanges/${id}/reject`).set('Idempotency-Key', key).send(body)).status).toBe(
      200,
    );
    const before = await snapshot(t());
    const res = await t().http().post(`/v1/exchanges/${id}/agree`).set('Idempotency-Key', key).send(body);
    expect(res.status).toBe(422);
    expect(res.body.type).toBe('/problems/idempotency-key-reused');
    expect(await snapshot(t())).toEqual(before);
  });

  it('replays a refused command (409) as the same 409, even once it would succeed', async () => {
    const id = await propose(t());
    const key = freshKey('refused');
    const body = {
      sides: [
        { party: 'UA', count: 10 },
        { party: 'RU', count: 10 },
      ],
      occurredAt: '2025-05-20',
    };
    const first = await t().http().post(`/v1/exchanges/${id}/stages`).set('Idempotency-Key', key).send(body);
    expect(first.status).toBe(409);
    expect(first.body.type).toBe('/problems/transition-not-allowed');
    expect(first.body.currentStatus).toBe('proposed');
    const before = await snapshot(t());
    const retry = await t().http().post(`/v1/exchanges/${id}/stages`).set('Idempotency-Key', key).send(body);
    expectSameAnswer(first, retry);
    expect(await snapshot(t())).toEqual(before);

    // Now the exchange is agreed: a stage would be accepted, but the key's answer stands.
    await t().http().post(`/v1/exchanges/${id}/agree`).send({ by: 'RU', occurredAt: '2025-05-17' }).expect(200);
    const afterAgree = await snapshot(t());
    const later = await t().http().post(`/v1/exchanges/${id}/stages`).set('Idempotency-Key', key).send(body);
    expectSameAnswer(first, later);
    expect(await snapshot(t())).toEqual(afterAgree);
    expect((await t().http().get(`/v1/exchanges/${id}`)).body.stages).toHaveLength(0);
  });

  it('replays a rule refusal (422) as the same 422', async () => {
    const key = freshKey('rule');
    const body = { ...proposal(), proposedBy: 'AM' };
    const first = await t().http().post('/v1/exchanges').set('Idempotency-Key', key).send(body);
    expect(first.status).toBe(422);
    expect(first.body.type).toBe('/problems/unprocessable');
    const before = await snapshot(t());
    const retry = await t().http().post('/v1/exchanges').set('Idempotency-Key', key).send(body);
    expectSameAnswer(first, retry);
    expect(await snapshot(t())).toEqual(before);
  });

  it('keeps keys independent: two keys with the same body are two requests', async () => {
    const before = await snapshot(t());
    const a = await t().http().post('/v1/exchanges').set('Idempotency-Key', freshKey('a')).send(proposal(77));
    const b = await t().http().post('/v1/exchanges').set('Idempotency-Key', freshKey('b')).send(proposal(77));
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.body.id).not.toBe(b.body.id);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    const after = await snapshot(t());
    expect(after.events).toBe(before.events + 2);
    expect(after.exchanges).toBe(before.exchanges + 2);
  });

  it('writes exactly once for ten concurrent identical requests with one key', async () => {
    const key = freshKey('concurrent');
    const before = await snapshot(t());
    const body = proposal(4242);
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        t()
          .http()
          .post('/v1/exchanges')
          .set('Idempotency-Key', key)
          .send(body)
          .then((r) => r),
      ),
    );
    for (const r of answers) {
      expect(r.status, r.text).toBe(201);
      expect(r.body).toEqual(answers[0]!.body);
    }
    expect(answers.filter((r) => r.headers['idempotent-replayed'] === 'true')).toHaveLength(9);
    const after = await snapshot(t());
    expect(after.events).toBe(before.events + 1);
    expect(after.exchanges).toBe(before.exchanges + 1);
    const ua = after.totals.data.find((r: { party: string; kind: string }) => r.party === 'UA' && r.kind === 'pow');
    const uaBefore = before.totals.data.find(
      (r: { party: string; kind: string }) => r.party === 'UA' && r.kind === 'pow',
    );
    expect(ua.proposed - (uaBefore?.proposed ?? 0)).toBe(4242);
  });

  it('writes exactly once for concurrent identical stages with one key', async () => {
    const id = await agreed(t());
    const key = freshKey('concurrent-stage');
    const body = {
      sides: [
        { party: 'UA', count: 100 },
        { party: 'RU', count: 100 },
      ],
      occurredAt: '2025-05-23',
    };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        t()
          .http()
          .post(`/v1/exchanges/${id}/stages`)
          .set('Idempotency-Key', key)
          .send(body)
          .then((r) => r),
      ),
    );
    for (const r of answers) {
      expect(r.status, r.text).toBe(201);
      expect(r.body).toEqual(answers[0]!.body);
    }
    const ex = await t().http().get(`/v1/exchanges/${id}`);
    expect(ex.body.stages).toHaveLength(1);
    expect(ex.body.sides.map((s: { delivered: number }) => s.delivered)).toEqual([100, 100]);
  });

  it('refuses a malformed Idempotency-Key with 400 and writes nothing', async () => {
    const before = await snapshot(t());
    for (const key of ['has space', 'x'.repeat(256), 'clé']) {
      const res = await t().http().post('/v1/exchanges').set('Idempotency-Key', key).send(proposal());
      expect(res.status, `${key}: ${res.text}`).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.type).toBe('/problems/validation-failed');
    }
    expect(await snapshot(t())).toEqual(before);
  });
});
