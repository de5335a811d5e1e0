import { beforeAll, describe, expect, it } from 'vitest';
import { useLedger } from '../support/app.js';
import { agreed, registerParties } from '../support/scenario.js';
import { agreedBetween, expectRefused, get, post, side, written, type Json } from '../support/reported.js';

/*
 * Accounts of a stage and of the terms, through the HTTP API (DESIGN.md, Wave 2, "Accounts:
 * who says how many"). The example is the repatriation of June 2025: Russia's negotiator
 * announced 6,060 bodies handed over, Ukraine's Coordination Headquarters counted 6,057
 * received. Every account is kept as reported, and the default reading is the first one.
 */

const RU_SOURCE = { title: 'Russian negotiator, 16 June 2025', url: 'https://example.org/ru/6060' };
const UA_SOURCE = { title: 'Coordination Headquarters, 16 June 2025', url: 'https://example.org/ua/6057' };

const history = async (t: ReturnType<ReturnType<typeof useLedger>>, id: string) =>
  (await get(t, `/v1/exchanges/${id}/events`)).data as Json[];

describe('a stage with several accounts', () => {
  const t = useLedger();
  let id = '';
  let stage: Json;
  let recorded: Json;

  beforeAll(async () => {
    id = await agreedBetween(t());
    recorded = (
      await post(
        t(),
        `/v1/exchanges/${id}/stages`,
        {
          accounts: [
            { reportedBy: 'RU', sides: [{ party: 'RU', count: 6060 }], source: RU_SOURCE },
            { reportedBy: 'UA', sides: [{ party: 'RU', count: 6057 }], source: UA_SOURCE, note: 'received' },
          ],
          occurredAt: '2025-06-16',
        },
        201,
      )
    ).body;
    stage = recorded.stage;
  });

  it('keeps every account as reported, the first naming every side, and says the counts are disputed', () => {
    expect(stage.accounts).toEqual([
      {
        reportedBy: 'RU',
        sides: [side('UA', 0), side('RU', 6060)],
        source: RU_SOURCE,
        note: null,
        occurredAt: '2025-06-16',
        recordedAt: stage.recordedAt,
      },
      {
        reportedBy: 'UA',
        sides: [side('RU', 6057)],
        source: UA_SOURCE,
        note: 'received',
        occurredAt: '2025-06-16',
        recordedAt: stage.recordedAt,
      },
    ]);
    expect(stage.disputed).toBe(true);
    expect(stage.disputedParties).toEqual(['RU']);
    expect(stage.afterCompletion).toBe(false);
  });

  it('shows the first account’s figures by default, each naming whose account it is', async () => {
    expect(stage.sides).toEqual([side('UA', 0, { reportedBy: 'RU' }), side('RU', 6060, { reportedBy: 'RU' })]);
    expect(recorded.exchange.reading).toBeNull();
    expect(recorded.exchange.reporters).toEqual(['RU', 'UA']);
    expect(recorded.exchange.sides[1]).toEqual({
      party: 'RU',
      handsOver: 6000,
      delivered: 6060,
      undisclosedStages: 0,
      approximate: 0,
      variance: 60,
    });
    const view = await get(t(), `/v1/exchanges/${id}`);
    expect(view.stages).toEqual([stage]);
    expect(await get(t(), `/v1/exchanges/${id}/stages/${stage.id}`)).toEqual(stage);
  });

  it('shows UA’s figure under according=UA, falling back side by side to the first account', async () => {
    const view = await get(t(), `/v1/exchanges/${id}?according=UA`);
    expect(view.reading).toBe('UA');
    expect(view.sides.map((s: Json) => [s.party, s.delivered, s.variance])).toEqual([
      ['UA', 0, 0],
      ['RU', 6057, 57],
    ]);
    // UA gave no figure for its own side: that one is the first account's (RU's).
    expect(view.stages[0].sides).toEqual([side('UA', 0, { reportedBy: 'RU' }), side('RU', 6057, { reportedBy: 'UA' })]);
    // The accounts themselves do not depend on the reading.
    expect(view.stages[0].accounts).toEqual(stage.accounts);
  });

  it('is one StageReported event holding the accounts, their sources and notes', async () => {
    const last = (await history(t(), id)).at(-1)!;
    expect(last.type).toBe('StageReported');
    expect(last.data).toEqual({
      exchangeId: id,
      stageId: stage.id,
      accounts: [
        { reportedBy: 'RU', sides: [side('UA', 0), side('RU', 6060)], source: RU_SOURCE, note: null },
        { reportedBy: 'UA', sides: [side('RU', 6057)], source: UA_SOURCE, note: 'received' },
      ],
      afterCompletion: false,
    });
  });
});

describe('a stage as sides', () => {
  const t = useLedger();

  it('with reportedBy is one attributed account, with the command’s source and note', async () => {
    const id = await agreedBetween(t());
    const res = await post(
      t(),
      `/v1/exchanges/${id}/stages`,
      {
        reportedBy: 'UA',
        sides: [
          { party: 'RU', count: 1212 },
          { party: 'UA', count: 27 },
        ],
        occurredAt: '2025-06-11',
        source: UA_SOURCE,
        note: 'first stage',
      },
      201,
    );
    expect(res.body.stage.accounts).toEqual([
      expect.objectContaining({
        reportedBy: 'UA',
        sides: [side('UA', 27), side('RU', 1212)],
        source: UA_SOURCE,
        note: 'first stage',
      }),
    ]);
    expect(res.body.stage.disputed).toBe(false);
    expect(res.body.exchange.reporters).toEqual(['UA']);
    expect((await history(t(), id)).at(-1)!.type).toBe('StageReported');
  });

  it('without reportedBy, whole counts only, is still the StageRecorded of before, one unattributed account', async () => {
    const id = await agreedBetween(t());
    const res = await post(
      t(),
      `/v1/exchanges/${id}/stages`,
      { sides: [{ party: 'RU', count: 1212 }], occurredAt: '2025-06-11', source: RU_SOURCE, note: 'n' },
      201,
    );
    expect(res.body.stage.accounts).toEqual([
      expect.objectContaining({
        reportedBy: null,
        sides: [side('UA', 0), side('RU', 1212)],
        source: RU_SOURCE,
        note: 'n',
      }),
    ]);
    expect(res.body.stage.sides).toEqual([side('UA', 0, { reportedBy: null }), side('RU', 1212, { reportedBy: null })]);
    expect(res.body.exchange.reporters).toEqual([]);
    const last = (await history(t(), id)).at(-1)!;
    expect(last.type).toBe('StageRecorded');
    expect(last.data).toEqual({
      exchangeId: id,
      stageId: res.body.stage.id,
      sides: [
        { party: 'UA', count: 0 },
        { party: 'RU', count: 1212 },
      ],
    });
  });

  it('may give a count not disclosed: the stage counts apart, delivered does not take it for 0 silently', async () => {
    const id = await agreedBetween(t());
    await post(
      t(),
      `/v1/exchanges/${id}/stages`,
      { sides: [{ party: 'RU', count: 1000 }], occurredAt: '2025-06-11' },
      201,
    );
    const res = await post(
      t(),
      `/v1/exchanges/${id}/stages`,
      { sides: [{ party: 'RU', count: null }], occurredAt: '2025-06-12', note: 'the third stage took place' },
      201,
    );
    expect(res.body.stage.sides[1]).toEqual(side('RU', null, { reportedBy: null }));
    expect(res.body.exchange.sides[1]).toMatchObject({ delivered: 1000, undisclosedStages: 1, approximate: 0 });
    const view = await get(t(), `/v1/exchanges/${id}`);
    expect(view.sides[1]).toMatchObject({ delivered: 1000, undisclosedStages: 1, variance: -5000 });
    expect(view.sides[0]).toMatchObject({ delivered: 0, undisclosedStages: 0 });
  });

  it('may mark a count approximate: the part of delivered from estimates is shown', async () => {
    const id = await agreedBetween(t());
    await post(
      t(),
      `/v1/exchanges/${id}/stages`,
      { sides: [{ party: 'RU', count: 1000 }], occurredAt: '2025-06-11' },
      201,
    );
    const res = await post(
      t(),
      `/v1/exchanges/${id}/stages`,
      { sides: [{ party: 'RU', count: 250, approximate: true }], occurredAt: '2025-06-12' },
      201,
    );
    expect(res.body.stage.sides[1]).toEqual(side('RU', 250, { approximate: true, reportedBy: null }));
    expect(res.body.exchange.sides[1]).toMatchObject({ delivered: 1250, approximate: 250, undisclosedStages: 0 });
  });

  it('may break a count down by kind (civilians inside a POW swap)', async () => {
    await registerParties(t(), 'UA', 'RU');
    const id = await agreed(t(), { occurredAt: '2025-05-16' });
    const breakdown = [
      { kind: 'pow', count: 33 },
      { kind: 'civilians', count: 51 },
    ];
    const res = await post(
      t(),
      `/v1/exchanges/${id}/stages`,
      {
        accounts: [
          { reportedBy: 'UA', sides: [{ party: 'RU', count: 84, breakdown }] },
          { reportedBy: 'RU', sides: [{ party: 'RU', count: 84 }], note: 'prisoners of war' },
        ],
        occurredAt: '2025-05-23',
      },
      201,
    );
    expect(res.body.stage.sides[1]).toEqual(side('RU', 84, { breakdown, reportedBy: 'UA' }));
    expect(res.body.stage.accounts[1].sides).toEqual([side('RU', 84)]);
    // Two accounts of the same count, one broken down: no dispute.
    expect(res.body.stage.disputed).toBe(false);
  });
});

describe('a later account of a stage', () => {
  const t = useLedger();
  let id = '';
  let stageId = '';

  beforeAll(async () => {
    id = await agreedBetween(t());
    stageId = (
      await post(
        t(),
        `/v1/exchanges/${id}/stages`,
        { reportedBy: 'RU', sides: [{ party: 'RU', count: 6060 }], occurredAt: '2025-06-16', source: RU_SOURCE },
        201,
      )
    ).body.stage.id;
  });

  it('is its own event: 201 with the stage and the exchange, nothing replaced', async () => {
    const before = await written(t(), id);
    const res = await post(
      t(),
      `/v1/exchanges/${id}/stages/${stageId}/accounts`,
      {
        reportedBy: 'UA',
        sides: [{ party: 'RU', count: 6057 }],
        occurredAt: '2025-06-17',
        source: UA_SOURCE,
        note: 'bodies received',
      },
      201,
    );
    const version = (before.exchange.version as number) + 1;
    expect(res.headers.location).toBe(`/v1/exchanges/${id}/stages/${stageId}`);
    expect(res.headers.etag).toBe(`"${version}"`);
    expect(res.body.exchange).toMatchObject({ id, version, reporters: ['RU', 'UA'], reading: null });
    // The default reading is the first account: the later one changes nothing of it.
    expect(res.body.exchange.sides[1]).toMatchObject({ delivered: 6060 });
    expect(res.body.stage.accounts).toHaveLength(2);
    expect(res.body.stage.accounts[0]).toMatchObject({ reportedBy: 'RU', source: RU_SOURCE });
    expect(res.body.stage.accounts[1]).toEqual({
      reportedBy: 'UA',
      sides: [side('RU', 6057)],
      source: UA_SOURCE,
      note: 'bodies received',
      occurredAt: '2025-06-17',
      recordedAt: expect.any(String),
    });
    expect(res.body.stage).toMatchObject({ disputed: true, disputedParties: ['RU'] });
    expect(await get(t(), `/v1/exchanges/${id}/stages/${stageId}`)).toEqual(res.body.stage);

    const events = await history(t(), id);
    expect(events).toHaveLength(before.events + 1);
    expect(events.at(-1)).toMatchObject({
      type: 'StageAccountAdded',
      data: { exchangeId: id, stageId, reportedBy: 'UA', sides: [side('RU', 6057)] },
      source: UA_SOURCE,
      note: 'bodies received',
      occurredAt: '2025-06-17',
    });
    expect((await get(t(), `/v1/exchanges/${id}?according=UA`)).sides[1]).toMatchObject({ delivered: 6057 });
  });

  it('with an Idempotency-Key is written once; a retry answers the first answer', async () => {
    const body = { reportedBy: 'RU', sides: [{ party: 'RU', count: 6061 }], occurredAt: '2025-06-18' };
    const key = `account-${process.pid}-${Date.now()}`;
    const path = `/v1/exchanges/${id}/stages/${stageId}/accounts`;
    const first = await t().http().post(path).set('Idempotency-Key', key).send(body);
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const before = await written(t(), id);
    const retry = await t().http().post(path).set('Idempotency-Key', key).send(body);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.headers.location).toBe(first.headers.location);
    expect(await written(t(), id)).toEqual(before);
    const other = await t()
      .http()
      .post(path)
      .set('Idempotency-Key', key)
      .send({ ...body, occurredAt: '2025-06-19' });
    expectRefused(other, 422, '/problems/idempotency-key-reused');
    expect(await written(t(), id)).toEqual(before);
  });

  it('with a stale If-Match is refused with 412, writing nothing; with the current ETag it is written', async () => {
    const before = await written(t(), id);
    const path = `/v1/exchanges/${id}/stages/${stageId}/accounts`;
    const body = { reportedBy: 'UA', sides: [{ party: 'UA', count: 0 }], occurredAt: '2025-06-20' };
    const stale = await t().http().post(path).set('If-Match', '"1"').send(body);
    expectRefused(stale, 412, '/problems/precondition-failed');
    expect(stale.body.currentVersion).toBe(before.exchange.version);
    expect(await written(t(), id)).toEqual(before);
    const fresh = await t().http().post(path).set('If-Match', `"${before.exchange.version}"`).send(body);
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(201);
  });
});

describe('accounts of the terms', () => {
  const t = useLedger();

  beforeAll(async () => {
    await registerParties(t(), 'UA', 'RU');
  });

  const propose = (termsAccounts?: unknown) =>
    post(
      t(),
      '/v1/exchanges',
      {
        kind: 'remains',
        proposedBy: 'RU',
        sides: [
          { party: 'UA', handsOver: 0 },
          { party: 'RU', handsOver: 6000 },
        ],
        occurredAt: '2025-06-02',
        ...(termsAccounts === undefined ? {} : { termsAccounts }),
      },
      201,
    );

  it('on propose are kept beside the terms, in the exchange’s side order, and read under their reporter', async () => {
    const res = await propose([
      { reportedBy: 'RU', sides: [{ party: 'RU', handsOver: 6000 }], source: RU_SOURCE },
      {
        reportedBy: 'UA',
        sides: [
          { party: 'RU', handsOver: 6000 },
          { party: 'UA', handsOver: 6000 },
        ],
        note: '6,000 for 6,000',
      },
    ]);
    const id = res.body.id as string;
    expect(res.body.termsAccounts).toEqual([
      { reportedBy: 'RU', sides: [{ party: 'RU', handsOver: 6000 }], source: RU_SOURCE, note: null },
      {
        reportedBy: 'UA',
        sides: [
          { party: 'UA', handsOver: 6000 },
          { party: 'RU', handsOver: 6000 },
        ],
        source: null,
        note: '6,000 for 6,000',
      },
    ]);
    expect(res.body.reporters).toEqual(['RU', 'UA']);
    expect((await history(t(), id)).map((e) => e.type)).toEqual(['ExchangeProposed', 'TermsReported']);
    // The terms under each reading: the reporter's own where it gave them, else the standing ones.
    const handsOver = async (q: string) =>
      (await get(t(), `/v1/exchanges/${id}${q}`)).sides.map((s: Json) => s.handsOver);
    expect(await handsOver('')).toEqual([0, 6000]);
    expect(await handsOver('?according=UA')).toEqual([6000, 6000]);
    expect(await handsOver('?according=RU')).toEqual([0, 6000]);
  });

  it('do not outlive a counter; a counter may give its own', async () => {
    const id = (await propose([{ reportedBy: 'UA', sides: [{ party: 'UA', handsOver: 6000 }] }])).body.id as string;
    const plain = await post(
      t(),
      `/v1/exchanges/${id}/counter`,
      {
        by: 'UA',
        sides: [
          { party: 'UA', handsOver: 10 },
          { party: 'RU', handsOver: 6000 },
        ],
        occurredAt: '2025-06-03',
      },
      200,
    );
    expect(plain.body.termsAccounts).toEqual([]);
    const again = await post(
      t(),
      `/v1/exchanges/${id}/counter`,
      {
        by: 'RU',
        sides: [
          { party: 'UA', handsOver: 0 },
          { party: 'RU', handsOver: 6000 },
        ],
        occurredAt: '2025-06-04',
        termsAccounts: [{ reportedBy: 'RU', sides: [{ party: 'UA', handsOver: null }] }],
      },
      200,
    );
    expect(again.body.termsAccounts).toEqual([
      { reportedBy: 'RU', sides: [{ party: 'UA', handsOver: null }], source: null, note: null },
    ]);
    const ru = await get(t(), `/v1/exchanges/${id}?according=RU`);
    expect(ru.sides[0]).toMatchObject({ party: 'UA', handsOver: null, variance: null });
    expect((await history(t(), id)).map((e) => e.type)).toEqual([
      'ExchangeProposed',
      'TermsReported',
      'ExchangeCountered',
      'ExchangeCountered',
      'TermsReported',
    ]);
  });
});

describe('a completion with accounts', () => {
  const t = useLedger();

  it('records the last tranche as a stage with its accounts, then completes', async () => {
    const id = await agreedBetween(t());
    const done = await post(
      t(),
      `/v1/exchanges/${id}/complete`,
      {
        accounts: [
          { reportedBy: 'RU', sides: [{ party: 'RU', count: 6060 }] },
          { reportedBy: 'UA', sides: [{ party: 'RU', count: 6057 }] },
        ],
        occurredAt: '2025-06-16',
      },
      200,
    );
    expect(done.body.status).toBe('completed');
    expect(done.body.stages).toHaveLength(1);
    expect(done.body.stages[0]).toMatchObject({ disputed: true, afterCompletion: false });
    expect(done.body.stages[0].accounts.map((a: Json) => a.reportedBy)).toEqual(['RU', 'UA']);
    expect(done.body.allowedTransitions).toEqual(expect.arrayContaining(['recordStage', 'voidStage']));
    expect((await history(t(), id)).slice(-2).map((e) => e.type)).toEqual(['StageReported', 'ExchangeCompleted']);
    const ua = await get(t(), `/v1/exchanges/${id}?according=UA`);
    expect(ua.sides[1]).toMatchObject({ delivered: 6057, variance: 57 });
  });

  it('with sides and a reporter is one attributed account', async () => {
    const id = await agreedBetween(t());
    const done = await post(
      t(),
      `/v1/exchanges/${id}/complete`,
      { reportedBy: 'UA', sides: [{ party: 'RU', count: 6057 }], occurredAt: '2025-06-16' },
      200,
    );
    expect(done.body.stages[0].accounts).toEqual([
      expect.objectContaining({ reportedBy: 'UA', sides: [side('UA', 0), side('RU', 6057)] }),
    ]);
  });
});
