import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLedger } from '../support/app.js';
import { agreedBetween, expectRefused, get, post, registerObserver, side, type Json } from '../support/reported.js';

/*
 * An exchange read under a reading (`according`, DESIGN.md Wave 2, "Which figure counts: the
 * reading"): a reporter's figure for each side of each stage, else, side by side, the stage's
 * first account's; a null count is the reporter's word and stays undisclosed. It composes
 * with asOf, and the list shows its entries under the same reading.
 */

describe('readings of an exchange', () => {
  const t = useLedger();
  let id = '';
  let first = '';
  let second = '';

  beforeAll(async () => {
    await registerObserver(t(), 'ICRC', 'International Committee of the Red Cross');
    await registerObserver(t(), 'press');
    id = await agreedBetween(t(), 'remains', [0, 6000], '2025-06-02');
    // RU's account first (the default reading); UA's and the ICRC's later.
    first = (
      await post(
        t(),
        `/v1/exchanges/${id}/stages`,
        { reportedBy: 'RU', sides: [{ party: 'RU', count: 1212 }], occurredAt: '2025-06-11' },
        201,
      )
    ).body.stage.id;
    second = (
      await post(
        t(),
        `/v1/exchanges/${id}/stages`,
        { reportedBy: 'RU', sides: [{ party: 'RU', count: 1200 }], occurredAt: '2025-06-13' },
        201,
      )
    ).body.stage.id;
    await post(
      t(),
      `/v1/exchanges/${id}/stages/${first}/accounts`,
      { reportedBy: 'UA', sides: [{ party: 'RU', count: 1210 }], occurredAt: '2025-06-12' },
      201,
    );
    // UA says the number of the second stage was not disclosed; the ICRC gives an estimate.
    await post(
      t(),
      `/v1/exchanges/${id}/stages/${second}/accounts`,
      { reportedBy: 'UA', sides: [{ party: 'RU', count: null }], occurredAt: '2025-06-14' },
      201,
    );
    await post(
      t(),
      `/v1/exchanges/${id}/stages/${second}/accounts`,
      {
        reportedBy: 'ICRC',
        sides: [{ party: 'RU', count: 1250, approximate: true }],
        occurredAt: '2025-06-14',
        source: { title: 'ICRC statement' },
      },
      201,
    );
  });

  const ru = (view: Json) => view.sides[1];

  it('by default: each stage’s first account', async () => {
    const view = await get(t(), `/v1/exchanges/${id}`);
    expect(view.reading).toBeNull();
    expect(view.reporters).toEqual(['RU', 'UA', 'ICRC']);
    expect(ru(view)).toEqual({
      party: 'RU',
      handsOver: 6000,
      delivered: 2412,
      undisclosedStages: 0,
      approximate: 0,
      variance: -3588,
    });
  });

  it('according to UA: its figures, its null staying undisclosed (no fallback past its word)', async () => {
    const view = await get(t(), `/v1/exchanges/${id}?according=UA`);
    expect(view.reading).toBe('UA');
    expect(ru(view)).toMatchObject({ delivered: 1210, undisclosedStages: 1, approximate: 0, variance: -4790 });
    expect(view.stages.map((s: Json) => s.sides[1])).toEqual([
      side('RU', 1210, { reportedBy: 'UA' }),
      side('RU', null, { reportedBy: 'UA' }),
    ]);
    // UA gave no figure for its own side: RU's first account stands for it.
    expect(view.stages[0].sides[0]).toEqual(side('UA', 0, { reportedBy: 'RU' }));
  });

  it('according to an observer: its estimate, and where it said nothing, the first account', async () => {
    const view = await get(t(), `/v1/exchanges/${id}?according=ICRC`);
    expect(view.reading).toBe('ICRC');
    expect(ru(view)).toMatchObject({ delivered: 1212 + 1250, undisclosedStages: 0, approximate: 1250 });
    expect(view.stages.map((s: Json) => s.sides[1].reportedBy)).toEqual(['RU', 'ICRC']);
    const stage = await get(t(), `/v1/exchanges/${id}/stages/${second}?according=ICRC`);
    expect(stage.sides[1]).toEqual(side('RU', 1250, { approximate: true, reportedBy: 'ICRC' }));
    expect(stage.disputed).toBe(true);
  });

  it('according to a registered reporter that gave no account: the default figures, the reading named', async () => {
    const view = await get(t(), `/v1/exchanges/${id}?according=press`);
    const plain = await get(t(), `/v1/exchanges/${id}`);
    expect(view.reading).toBe('press');
    expect(view.sides).toEqual(plain.sides);
    expect(view.stages.map((s: Json) => s.sides)).toEqual(plain.stages.map((s: Json) => s.sides));
  });

  it('composes with asOf: an account not yet given then does not count', async () => {
    const before = await get(t(), `/v1/exchanges/${id}?according=UA&asOf=2025-06-11`);
    expect(before.reading).toBe('UA');
    expect(ru(before)).toMatchObject({ delivered: 1212, undisclosedStages: 0 });
    expect(before.stages).toHaveLength(1);
    expect(before.stages[0].accounts).toHaveLength(1);
    const after = await get(t(), `/v1/exchanges/${id}?according=UA&asOf=2025-06-12`);
    expect(ru(after)).toMatchObject({ delivered: 1210 });
    expect(after.stages[0].accounts.map((a: Json) => a.reportedBy)).toEqual(['RU', 'UA']);
  });

  it('lists the exchanges under the reading, in JSON and CSV alike', async () => {
    const list = await get(t(), '/v1/exchanges?according=UA');
    expect(list.data).toHaveLength(1);
    expect(list.data[0].reading).toBe('UA');
    expect(list.data[0].sides[1]).toMatchObject({ delivered: 1210, undisclosedStages: 1 });
    expect((await get(t(), '/v1/exchanges')).data[0].sides[1]).toMatchObject({ delivered: 2412 });
    const res = await t().http().get('/v1/exchanges?according=ICRC').set('Accept', 'text/csv');
    expect(res.status).toBe(200);
    const [header, row] = parse(res.text) as string[][];
    const cells = Object.fromEntries(header!.map((h, i) => [h, row![i]]));
    expect(cells).toMatchObject({
      reading: 'ICRC',
      deliveredB: '2462',
      approximateB: '1250',
      undisclosedStagesB: '0',
      reporters: 'RU UA ICRC',
    });
  });

  it.each([
    `/v1/exchanges/ID?according=NOBODY`,
    `/v1/exchanges?according=NOBODY`,
    `/v1/exchanges/ID/stages/STAGE?according=NOBODY`,
    `/v1/exchanges/ID?according=each`,
    `/v1/exchanges?according=each`,
    `/v1/exchanges/ID?according=bad%20id`,
  ])('%s: 400 naming query.according', async (path) => {
    const res = await t().http().get(path.replace('ID', id).replace('STAGE', first));
    expectRefused(res, 400, '/problems/validation-failed', 'query.according');
  });
});
