import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLedger } from '../support/app.js';
import { registerParties } from '../support/scenario.js';
import {
  FIGURES,
  getTotals,
  nonZero,
  recordJune2025,
  registerObservers,
  row,
  type TotalsRow,
} from '../support/reported-totals.js';

/*
 * GET /v1/totals under a reading (issue 14), figures worked out by hand from the design's
 * rules on the record of recordJune2025 (test/support/reported.ts):
 * - the default reading takes each stage's first account; `according=R` takes R's latest
 *   figure for a side, else the first account's; R's account of the standing terms counts
 *   for its proposed and agreedOutstanding;
 * - a count null is left out of handedOver/received and counted in …UndisclosedStages;
 *   an approximate count is in handedOver/received and again in …Approximate;
 * - by=kind files a breakdown under its kinds (the rest under the exchange's), by=exchange
 *   all of it under the exchange's kind.
 *
 * E2 (pow): agreed 100 for 100, RU's terms RU 120; the 23 May stage 84 each way (RU), UA's
 * account of RU's side: 33 pow + 51 civilians. Outstanding 100 − 84 = 16 a side; RU's reading
 * 120 − 84 = 36 for RU.
 * E1 (remains, completed): RU 1,212 + [null] + 1,200 (UA: 1,197) + 3,648 + late ~3 = 6,063
 * (UA: 6,060); UA handed over 27. The voided 500 counts nowhere.
 */

const FIRST_ROWS: TotalsRow[] = [
  row('RU', 'pow', { handedOver: 84, received: 84, agreedOutstanding: 16 }),
  row('RU', 'remains', { handedOver: 6063, received: 27, handedOverUndisclosedStages: 1, handedOverApproximate: 3 }),
  row('UA', 'pow', { handedOver: 84, received: 84, agreedOutstanding: 16 }),
  row('UA', 'remains', { handedOver: 27, received: 6063, receivedUndisclosedStages: 1, receivedApproximate: 3 }),
];

const RU_ROWS: TotalsRow[] = FIRST_ROWS.map((r) =>
  r.party === 'RU' && r.kind === 'pow' ? { ...r, agreedOutstanding: 36 } : r,
);

const UA_REMAINS: TotalsRow[] = [
  row('RU', 'remains', { handedOver: 6060, received: 27, handedOverUndisclosedStages: 1, handedOverApproximate: 3 }),
  row('UA', 'remains', { handedOver: 27, received: 6060, receivedUndisclosedStages: 1, receivedApproximate: 3 }),
];

const UA_BY_KIND: TotalsRow[] = nonZero([
  row('RU', 'civilians', { handedOver: 51 }),
  row('RU', 'pow', { handedOver: 33, received: 84, agreedOutstanding: 16 }),
  row('UA', 'civilians', { received: 51 }),
  row('UA', 'pow', { handedOver: 84, received: 33, agreedOutstanding: 16 }),
  ...UA_REMAINS,
]);

const UA_BY_EXCHANGE: TotalsRow[] = nonZero([
  row('RU', 'pow', { handedOver: 84, received: 84, agreedOutstanding: 16 }),
  row('UA', 'pow', { handedOver: 84, received: 84, agreedOutstanding: 16 }),
  ...UA_REMAINS,
]);

describe('GET /v1/totals under a reading', () => {
  const t = useLedger();

  beforeAll(async () => {
    await registerParties(t(), 'UA', 'RU');
    await registerObservers(t(), 'ICRC', 'press');
    await recordJune2025(t());
  });

  it('gives each stage’s first account by default, filed by kind, and says so', async () => {
    const body = await getTotals(t());
    expect(Object.keys(body)).toEqual(['reading', 'by', 'data']);
    expect(body).toMatchObject({ reading: null, by: 'kind' });
    expect(nonZero(body.data)).toEqual(FIRST_ROWS);
    for (const r of body.data) expect(Object.keys(r).sort()).toEqual(['kind', 'party', ...FIGURES].sort());
  });

  it('never shows a total as more certain than it is: the undisclosed stage and the approximate 3 are named', async () => {
    const [ru] = (await getTotals(t(), 'party=RU&kind=remains')).data;
    expect(ru).toMatchObject({ handedOver: 6063, handedOverUndisclosedStages: 1, handedOverApproximate: 3 });
    const [ua] = (await getTotals(t(), 'party=UA&kind=remains')).data;
    expect(ua).toMatchObject({ received: 6063, receivedUndisclosedStages: 1, receivedApproximate: 3 });
  });

  it('according=UA: UA’s 1,197 and its breakdown of the 84 (33 pow, 51 civilians under by=kind)', async () => {
    const body = await getTotals(t(), 'according=UA');
    expect(body).toMatchObject({ reading: 'UA', by: 'kind' });
    expect(nonZero(body.data)).toEqual(UA_BY_KIND);
  });

  it('according=UA&by=exchange: the breakdown stays under the exchange’s kind, pow', async () => {
    const body = await getTotals(t(), 'according=UA&by=exchange');
    expect(body).toMatchObject({ reading: 'UA', by: 'exchange' });
    expect(nonZero(body.data)).toEqual(UA_BY_EXCHANGE);
  });

  it('by=exchange under the default reading equals by=kind here: no first account gives a breakdown', async () => {
    const body = await getTotals(t(), 'by=exchange');
    expect(body).toMatchObject({ reading: null, by: 'exchange' });
    expect(nonZero(body.data)).toEqual(FIRST_ROWS);
  });

  it('according=RU: RU’s account of the terms counts for its outstanding (120 − 84 = 36)', async () => {
    const body = await getTotals(t(), 'according=RU');
    expect(body.reading).toBe('RU');
    expect(nonZero(body.data)).toEqual(RU_ROWS);
  });

  it('according=ICRC: the late stage’s first account is ICRC’s, so the reading is the default’s', async () => {
    const body = await getTotals(t(), 'according=ICRC');
    expect(body.reading).toBe('ICRC');
    expect(nonZero(body.data)).toEqual(FIRST_ROWS);
  });

  it('a registered reporter that gave no account reads as the default does', async () => {
    const body = await getTotals(t(), 'according=press');
    expect(body.reading).toBe('press');
    expect(nonZero(body.data)).toEqual(FIRST_ROWS);
  });

  it('according=each: the default reading in data, then one row set per reporter that gave an account', async () => {
    const body = await getTotals(t(), 'according=each');
    expect(Object.keys(body)).toEqual(['reading', 'by', 'data', 'readings']);
    expect(body).toMatchObject({ reading: null, by: 'kind' });
    expect(nonZero(body.data)).toEqual(FIRST_ROWS);
    expect(body.readings!.map((r) => r.reporter)).toEqual(['RU', 'UA', 'ICRC']);
    expect(body.readings!.map((r) => nonZero(r.data))).toEqual([RU_ROWS, UA_BY_KIND, FIRST_ROWS]);
    const byExchange = await getTotals(t(), 'according=each&by=exchange');
    expect(byExchange.by).toBe('exchange');
    expect(byExchange.readings!.map((r) => nonZero(r.data))).toEqual([RU_ROWS, UA_BY_EXCHANGE, FIRST_ROWS]);
  });

  it('composes with party and kind', async () => {
    expect((await getTotals(t(), 'according=UA&party=RU&kind=civilians')).data).toEqual([
      row('RU', 'civilians', { handedOver: 51 }),
    ]);
    expect(nonZero((await getTotals(t(), 'party=RU&kind=civilians')).data)).toEqual([]);
    const each = await getTotals(t(), 'according=each&party=RU&kind=remains');
    expect(each.data).toEqual([FIRST_ROWS[1]]);
    expect(each.readings!.map((r) => r.data.map((x) => x.handedOver))).toEqual([[6063], [6060], [6063]]);
  });

  it('composes with from/to: 6,060 by RU’s count against 6,057 by UA’s up to the completion', async () => {
    const ru = async (q: string) => (await getTotals(t(), `party=RU&kind=remains&${q}`)).data[0];
    expect(await ru('to=2025-06-16')).toEqual(
      row('RU', 'remains', { handedOver: 6060, received: 27, handedOverUndisclosedStages: 1 }),
    );
    expect(await ru('to=2025-06-16&according=UA')).toEqual(
      row('RU', 'remains', { handedOver: 6057, received: 27, handedOverUndisclosedStages: 1 }),
    );
    // After the completion: only ICRC's approximate 3.
    expect(await ru('from=2025-06-17')).toEqual(row('RU', 'remains', { handedOver: 3, handedOverApproximate: 3 }));
    // The day of the undisclosed stage: nothing counted, one stage left out.
    expect(await ru('from=2025-06-13&to=2025-06-13&according=UA')).toEqual(
      row('RU', 'remains', { handedOverUndisclosedStages: 1 }),
    );
    // The voided 500 (UA's account) counts under no reading.
    for (const according of ['', '&according=UA'])
      expect(nonZero([(await ru(`from=2025-06-12&to=2025-06-12${according}`)) ?? row('RU', 'remains')])).toEqual([]);
    // 15 June: UA's later account of the 14 June stage is dated by its stage, not by itself.
    expect(await ru('from=2025-06-14&to=2025-06-15&according=UA')).toMatchObject({ handedOver: 1197 });
  });

  it('composes with asOf: UA’s 1,197 counts from the day UA gave it', async () => {
    const ru = async (q: string) => (await getTotals(t(), `party=RU&kind=remains&${q}`)).data[0];
    const agreedThen = (handedOver: number) =>
      row('RU', 'remains', {
        handedOver,
        received: 27,
        agreedOutstanding: 6000 - handedOver,
        handedOverUndisclosedStages: 1,
      });
    expect(await ru('asOf=2025-06-15')).toEqual(agreedThen(2412));
    expect(await ru('asOf=2025-06-15&according=UA')).toEqual(agreedThen(2409));
    expect(await ru('asOf=2025-06-14&according=UA')).toEqual(agreedThen(2412));
    const each = await getTotals(t(), 'asOf=2025-06-15&according=each&party=RU&kind=remains');
    expect(each.data).toEqual([agreedThen(2412)]);
    expect(each.readings!.map((r) => [r.reporter, r.data[0]!.handedOver, r.data[0]!.agreedOutstanding])).toEqual([
      ['RU', 2412, 3588],
      ['UA', 2409, 3591],
      ['ICRC', 2412, 3588],
    ]);
  });

  it('refuses an according that names no registered reporter with 400 naming query.according', async () => {
    for (const according of ['XX', 'bad!id', 'icrc']) {
      const res = await t()
        .http()
        .get(`/v1/totals?according=${encodeURIComponent(according)}`);
      expect(res.status, res.text).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['query.according']);
    }
    const by = await t().http().get('/v1/totals?by=party');
    expect(by.status).toBe(400);
    expect(by.body.errors.map((e: { path: string }) => e.path)).toEqual(['query.by']);
  });

  it('gives the same figures as CSV, one row per reading, party and kind, the reporter in its own column', async () => {
    const res = await t().http().get('/v1/totals?according=each').set('accept', 'text/csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const records = parse(res.text, { columns: true }) as Record<string, string>[];
    expect(Object.keys(records[0]!)).toEqual(['reporter', 'party', 'kind', ...FIGURES]);
    const asRows = (reporter: string, rows: TotalsRow[]) =>
      rows.map((r) => ({ reporter, ...Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)])) }));
    expect(records).toEqual([
      ...asRows('', FIRST_ROWS),
      ...asRows('RU', RU_ROWS),
      ...asRows('UA', UA_BY_KIND),
      ...asRows('ICRC', FIRST_ROWS),
    ]);
    const one = await t().http().get('/v1/totals?according=UA&party=RU&kind=civilians').set('accept', 'text/csv');
    expect(parse(one.text, { columns: true })).toEqual(asRows('UA', [row('RU', 'civilians', { handedOver: 51 })]));
  });
});
