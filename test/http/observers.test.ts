import { beforeAll, describe, expect, it } from 'vitest';
import { useLedger, type TestLedger } from '../support/app.js';
import { registerParties } from '../support/scenario.js';

/*
 * Observers (issue 14): reporters beside the parties, registered as parties are (POST
 * /v1/observers, Idempotency-Key), in the same id space: one id never names two reporters.
 */

const ICRC = { id: 'ICRC', name: 'International Committee of the Red Cross', occurredAt: '2025-05-16' };

async function eventCount(t: TestLedger): Promise<number> {
  const res = await t.http().get('/v1/events?limit=1000');
  expect(res.status, res.text).toBe(200);
  return res.body.data.length;
}

describe('observers', () => {
  const t = useLedger();

  beforeAll(async () => {
    await registerParties(t(), 'UA', 'RU');
  });

  it('registers an observer: 201, Location, and the observer as registered', async () => {
    const res = await t().http().post('/v1/observers').send(ICRC);
    expect(res.status, res.text).toBe(201);
    expect(res.headers.location).toBe('/v1/observers/ICRC');
    expect(res.body).toEqual({ id: 'ICRC', name: ICRC.name, registeredAt: '2025-05-16' });
    const read = await t().http().get('/v1/observers/ICRC');
    expect(read.status).toBe(200);
    expect(read.body).toEqual(res.body);
  });

  it('records the registration as an event of stream observer:<id>, with its note', async () => {
    const res = await t()
      .http()
      .post('/v1/observers')
      .send({ id: 'UN-HRMMU', name: 'UN Human Rights Monitoring Mission in Ukraine', note: 'monitoring mission' });
    expect(res.status, res.text).toBe(201);
    // Without occurredAt, the time of recording.
    expect(Date.parse(res.body.registeredAt)).toBeGreaterThan(Date.now() - 60_000);
    const events = (await t().http().get('/v1/events?limit=1000')).body.data as {
      type: string;
      streamId: string;
      data: unknown;
      note: string | null;
    }[];
    const last = events.at(-1)!;
    expect(last).toMatchObject({
      type: 'ObserverRegistered',
      streamId: 'observer:UN-HRMMU',
      data: { observerId: 'UN-HRMMU', name: 'UN Human Rights Monitoring Mission in Ukraine' },
      note: 'monitoring mission',
    });
  });

  it('lists observers by id, and no party among them', async () => {
    const res = await t().http().get('/v1/observers');
    expect(res.status).toBe(200);
    expect(res.body.data.map((o: { id: string }) => o.id)).toEqual(['ICRC', 'UN-HRMMU']);
    const parties = (await t().http().get('/v1/parties')).body.data.map((p: { id: string }) => p.id);
    expect(parties).toEqual(['RU', 'UA']);
  });

  it('answers 404 problem+json for an observer not registered, and for a party asked as an observer', async () => {
    for (const id of ['press', 'UA']) {
      const res = await t().http().get(`/v1/observers/${id}`);
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.detail).toBe(`no observer ${id}`);
    }
  });

  it('refuses an observer id already registered as a party, or as an observer (409), writing nothing', async () => {
    const before = await eventCount(t());
    const asParty = await t().http().post('/v1/observers').send({ id: 'UA', name: 'Ukraine again' });
    expect(asParty.status, asParty.text).toBe(409);
    expect(asParty.body.type).toBe('/problems/reporter-already-registered');
    expect(asParty.body.detail).toMatch(/UA/);
    expect(asParty.body.detail).toMatch(/party/);
    const twice = await t().http().post('/v1/observers').send({ id: 'ICRC', name: 'ICRC again' });
    expect(twice.status, twice.text).toBe(409);
    expect(twice.body.type).toBe('/problems/reporter-already-registered');
    expect(twice.body.detail).toMatch(/observer/);
    expect(await eventCount(t())).toBe(before);
    expect((await t().http().get('/v1/observers/ICRC')).body.name).toBe(ICRC.name);
  });

  it('refuses a party id already registered as an observer (409), writing nothing', async () => {
    const before = await eventCount(t());
    const res = await t().http().post('/v1/parties').send({ id: 'ICRC', name: 'not a party' });
    expect(res.status, res.text).toBe(409);
    expect(res.body.type).toBe('/problems/reporter-already-registered');
    expect(res.body.detail).toMatch(/observer/);
    expect((await t().http().get('/v1/parties/ICRC')).status).toBe(404);
    expect(await eventCount(t())).toBe(before);
  });

  it('refuses `each`, kept for the readings, with 422 naming id', async () => {
    const res = await t().http().post('/v1/observers').send({ id: 'each', name: 'Everyone' });
    expect(res.status, res.text).toBe(422);
    expect(res.body.errors).toEqual([{ path: 'id', message: expect.stringContaining('according=each') }]);
    expect((await t().http().get('/v1/observers/each')).status).toBe(404);
  });

  it('refuses bad input with 400 naming each field', async () => {
    const res = await t().http().post('/v1/observers').send({ id: 'not an id!', name: '', colour: 'red' });
    expect(res.status, res.text).toBe(400);
    const paths = (res.body.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['colour', 'id', 'name']);
  });

  it('refuses an occurredAt more than a day ahead with 422 naming it', async () => {
    const res = await t()
      .http()
      .post('/v1/observers')
      .send({ id: 'press', name: 'The press', occurredAt: '2999-01-01' });
    expect(res.status, res.text).toBe(422);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['occurredAt']);
  });

  it('replays a registration sent again with the same Idempotency-Key (201 again, one event)', async () => {
    const body = { id: 'press', name: 'The press', occurredAt: '2025-06-01' };
    const first = await t().http().post('/v1/observers').set('idempotency-key', 'observer-press').send(body);
    expect(first.status, first.text).toBe(201);
    const before = await eventCount(t());
    const retry = await t().http().post('/v1/observers').set('idempotency-key', 'observer-press').send(body);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.location).toBe('/v1/observers/press');
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await eventCount(t())).toBe(before);
    const other = await t()
      .http()
      .post('/v1/observers')
      .set('idempotency-key', 'observer-press')
      .send({ ...body, name: 'Another press' });
    expect(other.status).toBe(422);
    expect(other.body.type).toBe('/problems/idempotency-key-reused');
  });
});
