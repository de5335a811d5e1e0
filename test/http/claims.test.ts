import { beforeAll, describe, expect, it } from 'vitest';
import { useLedger, type TestLedger } from '../support/app.js';
import { registerParties } from '../support/scenario.js';
import { recordJune2025, registerObservers, send, stageOf } from '../support/reported-totals.js';

/*
 * Claims checked against the ledger (issue 14): a sourced statement about a total, recorded
 * as an event, shown beside the ledger's figure for the same window under the default reading
 * (reading null) and under each reporter that gave an account (RU, UA, ICRC, in that order),
 * with claim − ledger. Figures by hand from recordJune2025 (test/support/reported.ts): RU
 * handed over 6,060 bodies up to 16 June by RU's first accounts and 6,057 by UA's, one stage
 * undisclosed; the 84 of 23 May are pow by RU's account, 33 pow + 51 civilians by UA's.
 */

interface Check {
  reading: string | null;
  ledger: number;
  difference: number;
  undisclosedStages: number;
  approximate: number;
}

const check = (reading: string | null, ledger: number, value: number, undisclosedStages = 0, approximate = 0) => ({
  reading,
  ledger,
  difference: value - ledger,
  undisclosedStages,
  approximate,
});

const source = { title: 'Coordination Headquarters, 20 June 2025' };

/** UA: "6,057 bodies received from Russia in June up to the 16th" (about RU's handedOver). */
const UA_CLAIM = {
  reportedBy: 'UA',
  party: 'RU',
  kind: 'remains',
  field: 'handedOver',
  from: '2025-06-01',
  to: '2025-06-16',
  value: 6057,
  source,
  occurredAt: '2025-06-20',
  note: 'the figure of the identification commission',
};

async function events(t: TestLedger) {
  const res = await t.http().get('/v1/events?limit=1000');
  expect(res.status).toBe(200);
  return res.body.data as { type: string; streamId: string; data: Record<string, unknown>; source: unknown }[];
}

describe('claims', () => {
  const t = useLedger();
  let first: { id: string; checks: Check[] };

  beforeAll(async () => {
    await registerParties(t(), 'UA', 'RU');
    await registerObservers(t(), 'ICRC', 'press');
    await recordJune2025(t());
  });

  it('records a claim: 201, Location, as said, beside every reading’s figure for its window', async () => {
    const res = await t().http().post('/v1/claims').send(UA_CLAIM);
    expect(res.status, res.text).toBe(201);
    expect(res.headers.location).toBe(`/v1/claims/${res.body.id}`);
    const { note, ...said } = UA_CLAIM;
    expect(res.body).toMatchObject({ ...said, note });
    expect(res.body.checks).toEqual([
      check(null, 6060, 6057, 1),
      check('RU', 6060, 6057, 1),
      check('UA', 6057, 6057, 1),
      check('ICRC', 6060, 6057, 1),
    ]);
    first = res.body;
  });

  it('is an event of the ledger, stream claim:<id>, with its source', async () => {
    const last = (await events(t())).at(-1)!;
    expect(last).toMatchObject({
      type: 'ClaimRecorded',
      streamId: `claim:${first.id}`,
      data: {
        claimId: first.id,
        reportedBy: 'UA',
        party: 'RU',
        kind: 'remains',
        field: 'handedOver',
        from: '2025-06-01',
        to: '2025-06-16',
        value: 6057,
      },
      source,
    });
  });

  it('reads it back by id with the same checks', async () => {
    const res = await t().http().get(`/v1/claims/${first.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(first);
  });

  it('closes a window left open at the claim’s own date, and counts a breakdown under its kind', async () => {
    // RU's ministry, 24 May: "84 prisoners of war handed over". UA counted 33 pow among them.
    const pow = await send(
      t(),
      '/v1/claims',
      {
        reportedBy: 'RU',
        party: 'RU',
        kind: 'pow',
        field: 'handedOver',
        value: 84,
        source: { title: 'Russian ministry of defence' },
        occurredAt: '2025-05-24',
      },
      201,
    );
    expect(pow).toMatchObject({ from: null, to: null });
    expect(pow.checks).toEqual([check(null, 84, 84), check('RU', 84, 84), check('UA', 33, 84), check('ICRC', 84, 84)]);
    // The press, 25 May: "Ukraine got 51 civilians back": only UA's account says so.
    const civilians = await send(
      t(),
      '/v1/claims',
      {
        reportedBy: 'press',
        party: 'UA',
        kind: 'civilians',
        field: 'received',
        value: 51,
        source: { title: 'a news agency' },
        occurredAt: '2025-05-25',
      },
      201,
    );
    expect(civilians.checks).toEqual([
      check(null, 0, 51),
      check('RU', 0, 51),
      check('UA', 51, 51),
      check('ICRC', 0, 51),
    ]);
    // The window ends at the claim's date: a claim of 10 June about remains sees none of June's stages.
    const early = await send(
      t(),
      '/v1/claims',
      { ...UA_CLAIM, to: undefined, occurredAt: '2025-06-10', value: 0 },
      201,
    );
    expect(early.checks.map((c: Check) => c.ledger)).toEqual([0, 0, 0, 0]);
  });

  it('says how much of the ledger’s figure is approximate: ICRC’s late “about 3”', async () => {
    const icrc = await send(
      t(),
      '/v1/claims',
      {
        reportedBy: 'ICRC',
        party: 'UA',
        kind: 'remains',
        field: 'received',
        from: '2025-06-01',
        value: 6063,
        source: { title: 'ICRC operational update' },
        occurredAt: '2025-06-30',
      },
      201,
    );
    expect(icrc.checks).toEqual([
      check(null, 6063, 6063, 1, 3),
      check('RU', 6063, 6063, 1, 3),
      check('UA', 6060, 6063, 1, 3),
      check('ICRC', 6063, 6063, 1, 3),
    ]);
  });

  it('lists claims in the order recorded, in pages', async () => {
    const all = await t().http().get('/v1/claims');
    expect(all.status).toBe(200);
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.data.map((c: { value: number }) => c.value)).toEqual([6057, 84, 51, 0, 6063]);
    expect(all.body.data[0]).toEqual(first);
    const page1 = await t().http().get('/v1/claims?limit=3');
    expect(page1.body.data).toEqual(all.body.data.slice(0, 3));
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await t().http().get(`/v1/claims?limit=3&cursor=${page1.body.nextCursor}`);
    expect(page2.body.data).toEqual(all.body.data.slice(3));
    expect(page2.body.nextCursor).toBeNull();
    // A last page exactly full says so itself: no empty page after it.
    const exact = await t().http().get('/v1/claims?limit=5');
    expect(exact.body.nextCursor).toBeNull();
    const bad = await t().http().get('/v1/claims?cursor=abc');
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['query.cursor']);
  });

  it('answers 404 problem+json for a claim not recorded', async () => {
    const res = await t().http().get('/v1/claims/0196e5a4-8f00-7000-8000-000000000000');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('refuses bad claims naming each field, and writes nothing', async () => {
    const before = (await events(t())).length;
    const refused = async (body: object, status: number, paths: string[]) => {
      const res = await t().http().post('/v1/claims').send(body);
      expect(res.status, res.text).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { path: string }) => e.path).sort(), res.text).toEqual(paths);
    };
    await refused({ ...UA_CLAIM, reportedBy: 'Kommersant' }, 422, ['reportedBy']);
    await refused({ ...UA_CLAIM, party: 'ICRC' }, 422, ['party']);
    await refused({ ...UA_CLAIM, to: '2025-06-21' }, 422, ['to']);
    await refused({ ...UA_CLAIM, from: '2025-06-21', to: undefined }, 422, ['from']);
    await refused({ ...UA_CLAIM, occurredAt: '2999-01-01' }, 422, ['occurredAt']);
    await refused({ ...UA_CLAIM, from: '2025-06-17' }, 400, ['from', 'to']);
    await refused({ ...UA_CLAIM, source: undefined }, 400, ['source']);
    await refused({ ...UA_CLAIM, value: -1, field: 'delivered' }, 400, ['field', 'value']);
    await refused({ ...UA_CLAIM, colour: 'red' }, 400, ['colour']);
    expect((await events(t())).length).toBe(before);
  });

  it('replays a claim sent again with the same Idempotency-Key: the first answer, one event', async () => {
    const body = { ...UA_CLAIM, value: 6000, note: 'sent twice' };
    const a = await t().http().post('/v1/claims').set('idempotency-key', 'claim-twice').send(body);
    expect(a.status, a.text).toBe(201);
    const before = (await events(t())).length;
    const b = await t().http().post('/v1/claims').set('idempotency-key', 'claim-twice').send(body);
    expect(b.status).toBe(201);
    expect(b.body).toEqual(a.body);
    expect(b.headers['idempotent-replayed']).toBe('true');
    expect((await events(t())).length).toBe(before);
  });

  it('checks a claim against the ledger as it stands: a later stage moves the figure, not the claim', async () => {
    // A late handover dated within the window of UA's first claim, recorded after it.
    const e1 = ((await t().http().get('/v1/exchanges?kind=remains')).body.data as { id: string }[])[0]!.id;
    await stageOf(t(), e1, [{ reportedBy: 'UA', sides: [{ party: 'RU', count: 5 }] }], '2025-06-16');
    const res = await t().http().get(`/v1/claims/${first.id}`);
    expect(res.body.value).toBe(6057);
    expect(res.body.checks).toEqual([
      check(null, 6065, 6057, 1),
      check('RU', 6065, 6057, 1),
      check('UA', 6062, 6057, 1),
      check('ICRC', 6065, 6057, 1),
    ]);
  });
});
