import { beforeAll, describe, expect, it } from 'vitest';
import { useLedger, type TestLedger } from '../support/app.js';
import { registerParties } from '../support/scenario.js';

/*
 * GET /v1/totals, figures worked out by hand from the design's definitions:
 * - handedOver: the party's delivered counts in stages (not voided);
 * - received: the other party's delivered counts in the party's exchanges;
 * - agreedOutstanding: over agreed exchanges, max(handsOver − delivered, 0) of the party's side,
 *   sides with handsOver null counted in unspecifiedSides instead;
 * - proposed: over proposed exchanges, the party's handsOver;
 * - from/to bound the stages by their occurredAt (inclusive; a date means the whole day).
 *
 * The scenario:
 * E1 pow UA/RU 1,000 for 1,000: agreed 16 May; stages 390 (23 May), 307 (24 May), a duplicate
 *    307 (24 May) voided, complete with 303 (25 May) → completed, 1,000 each way.
 * E2 remains RU→UA, RU 3,000 / UA 0: agreed 2 Jun; stages RU 1,212 (11 Jun), RU 500 (12 Jun,
 *    voided 13 Jun), RU 1,200 (14 Jun 10:00+03:00) → agreed, RU delivered 2,412, outstanding 588.
 * E3 medical UA/RU, both handsOver null: agreed 1 Jul; stage UA 50, RU 40 (10 Jul).
 * E4 pow UA/RU proposed by UA 500/400, countered by RU 450/450 (2 Aug) → proposed.
 * E5 pow UA/RU 1,200 for 1,200: agreed 11 Aug; stage UA 200, RU 150 (20 Aug)
 *    → outstanding UA 1,000, RU 1,050.
 * E6 civilians AM/AZ 30 for 30: agreed 2 Mar; stage AM 10, AZ 12 (5 Mar); cancelled 10 Mar.
 * E7 pow AM/AZ 100 for 100: agreed; completed 1 Apr with AM 105, AZ 100 (overshoot).
 * E8 children UA/RU proposed 20/0, rejected → nothing.
 * E9 pow AM/AZ proposed 7/7, withdrawn → nothing.
 */

interface Row {
  party: string;
  kind: string;
  handedOver: number;
  received: number;
  agreedOutstanding: number;
  unspecifiedSides: number;
  proposed: number;
  handedOverUndisclosedStages: number;
  receivedUndisclosedStages: number;
  handedOverApproximate: number;
  receivedApproximate: number;
}

const FIGURES = [
  'handedOver',
  'received',
  'agreedOutstanding',
  'unspecifiedSides',
  'proposed',
  'handedOverUndisclosedStages',
  'receivedUndisclosedStages',
  'handedOverApproximate',
  'receivedApproximate',
] as const;
const row = (party: string, kind: string, f: Partial<Omit<Row, 'party' | 'kind'>>): Row => ({
  party,
  kind,
  handedOver: 0,
  received: 0,
  agreedOutstanding: 0,
  unspecifiedSides: 0,
  proposed: 0,
  // Every stage of this scenario has one plain account: nothing undisclosed or approximate.
  handedOverUndisclosedStages: 0,
  receivedUndisclosedStages: 0,
  handedOverApproximate: 0,
  receivedApproximate: 0,
  ...f,
});

const EXPECTED: Row[] = [
  row('UA', 'pow', { handedOver: 1000 + 200, received: 1000 + 150, agreedOutstanding: 1000, proposed: 450 }),
  row('RU', 'pow', { handedOver: 1000 + 150, received: 1000 + 200, agreedOutstanding: 1050, proposed: 450 }),
  row('RU', 'remains', { handedOver: 2412, agreedOutstanding: 588 }),
  row('UA', 'remains', { received: 2412 }),
  row('UA', 'medical', { handedOver: 50, received: 40, unspecifiedSides: 1 }),
  row('RU', 'medical', { handedOver: 40, received: 50, unspecifiedSides: 1 }),
  row('AM', 'civilians', { handedOver: 10, received: 12 }),
  row('AZ', 'civilians', { handedOver: 12, received: 10 }),
  row('AM', 'pow', { handedOver: 105, received: 100 }),
  row('AZ', 'pow', { handedOver: 100, received: 105 }),
];

const key = (r: { party: string; kind: string }) => `${r.party}/${r.kind}`;
const nonZero = (rows: Row[]) =>
  rows.filter((r) => FIGURES.some((f) => r[f] !== 0)).sort((a, b) => key(a).localeCompare(key(b)));

async function post(t: TestLedger, url: string, body: object, status = 200) {
  const res = await t.http().post(url).send(body);
  expect(res.status, `${url}: ${res.text}`).toBe(status);
  return res.body;
}

async function exchange(
  t: TestLedger,
  kind: string,
  proposedBy: string,
  sides: [string, number | null][],
  occurredAt: string,
): Promise<string> {
  const ex = await post(
    t,
    '/v1/exchanges',
    { kind, proposedBy, occurredAt, sides: sides.map(([party, handsOver]) => ({ party, handsOver })) },
    201,
  );
  return ex.id;
}

async function stage(t: TestLedger, id: string, counts: Record<string, number>, occurredAt: string): Promise<string> {
  const res = await post(
    t,
    `/v1/exchanges/${id}/stages`,
    { sides: Object.entries(counts).map(([party, count]) => ({ party, count })), occurredAt },
    201,
  );
  return res.stage.id;
}

async function totals(t: TestLedger, query = ''): Promise<Row[]> {
  const res = await t.http().get(`/v1/totals${query ? `?${query}` : ''}`);
  expect(res.status, res.text).toBe(200);
  expect(Object.keys(res.body)).toEqual(['reading', 'by', 'data']);
  // The default reading (each stage's first account), filed by kind.
  expect(res.body).toMatchObject({ reading: null, by: 'kind' });
  for (const r of res.body.data) expect(Object.keys(r).sort()).toEqual(['kind', 'party', ...FIGURES].sort());
  return res.body.data;
}

/** The row for a party and kind; a missing row reads as zeros. */
function figures(rows: Row[], party: string, kind: string): Row {
  const found = rows.filter((r) => r.party === party && r.kind === kind);
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0] ?? row(party, kind, {});
}

describe('GET /v1/totals', () => {
  const t = useLedger();

  beforeAll(async () => {
    const h = t();
    await registerParties(h, 'UA', 'RU', 'AM', 'AZ');

    // E1
    const e1 = await exchange(
      h,
      'pow',
      'UA',
      [
        ['UA', 1000],
        ['RU', 1000],
      ],
      '2025-05-16',
    );
    await post(h, `/v1/exchanges/${e1}/agree`, { by: 'RU', occurredAt: '2025-05-16' });
    await stage(h, e1, { UA: 390, RU: 390 }, '2025-05-23');
    await stage(h, e1, { UA: 307, RU: 307 }, '2025-05-24');
    const dup = await stage(h, e1, { UA: 307, RU: 307 }, '2025-05-24');
    await post(h, `/v1/exchanges/${e1}/stages/${dup}/void`, {
      occurredAt: '2025-05-24',
      reason: 'the same tranche from a second report',
    });
    await post(h, `/v1/exchanges/${e1}/complete`, {
      occurredAt: '2025-05-25',
      sides: [
        { party: 'UA', count: 303 },
        { party: 'RU', count: 303 },
      ],
    });

    // E2
    const e2 = await exchange(
      h,
      'remains',
      'RU',
      [
        ['RU', 3000],
        ['UA', 0],
      ],
      '2025-06-01',
    );
    await post(h, `/v1/exchanges/${e2}/agree`, { by: 'UA', occurredAt: '2025-06-02' });
    await stage(h, e2, { RU: 1212, UA: 0 }, '2025-06-11');
    const wrong = await stage(h, e2, { RU: 500 }, '2025-06-12');
    await post(h, `/v1/exchanges/${e2}/stages/${wrong}/void`, {
      occurredAt: '2025-06-13',
      reason: 'no such handover took place',
    });
    await stage(h, e2, { RU: 1200 }, '2025-06-14T10:00:00+03:00');

    // E3
    const e3 = await exchange(
      h,
      'medical',
      'UA',
      [
        ['UA', null],
        ['RU', null],
      ],
      '2025-07-01',
    );
    await post(h, `/v1/exchanges/${e3}/agree`, { by: 'RU', occurredAt: '2025-07-01' });
    await stage(h, e3, { UA: 50, RU: 40 }, '2025-07-10');

    // E4
    const e4 = await exchange(
      h,
      'pow',
      'UA',
      [
        ['UA', 500],
        ['RU', 400],
      ],
      '2025-08-01',
    );
    await post(h, `/v1/exchanges/${e4}/counter`, {
      by: 'RU',
      occurredAt: '2025-08-02',
      sides: [
        { party: 'UA', handsOver: 450 },
        { party: 'RU', handsOver: 450 },
      ],
    });

    // E5
    const e5 = await exchange(
      h,
      'pow',
      'RU',
      [
        ['UA', 1200],
        ['RU', 1200],
      ],
      '2025-08-10',
    );
    await post(h, `/v1/exchanges/${e5}/agree`, { by: 'UA', occurredAt: '2025-08-11' });
    await stage(h, e5, { UA: 200, RU: 150 }, '2025-08-20');

    // E6
    const e6 = await exchange(
      h,
      'civilians',
      'AM',
      [
        ['AM', 30],
        ['AZ', 30],
      ],
      '2025-03-01',
    );
    await post(h, `/v1/exchanges/${e6}/agree`, { by: 'AZ', occurredAt: '2025-03-02' });
    await stage(h, e6, { AM: 10, AZ: 12 }, '2025-03-05');
    await post(h, `/v1/exchanges/${e6}/cancel`, { by: 'AZ', occurredAt: '2025-03-10', reason: 'talks broke down' });

    // E7
    const e7 = await exchange(
      h,
      'pow',
      'AM',
      [
        ['AM', 100],
        ['AZ', 100],
      ],
      '2025-03-20',
    );
    await post(h, `/v1/exchanges/${e7}/agree`, { by: 'AZ', occurredAt: '2025-03-21' });
    await post(h, `/v1/exchanges/${e7}/complete`, {
      occurredAt: '2025-04-01',
      sides: [
        { party: 'AM', count: 105 },
        { party: 'AZ', count: 100 },
      ],
    });

    // E8, E9
    const e8 = await exchange(
      h,
      'children',
      'UA',
      [
        ['UA', 20],
        ['RU', 0],
      ],
      '2025-09-01',
    );
    await post(h, `/v1/exchanges/${e8}/reject`, { by: 'RU', occurredAt: '2025-09-02' });
    const e9 = await exchange(
      h,
      'pow',
      'AM',
      [
        ['AM', 7],
        ['AZ', 7],
      ],
      '2025-09-03',
    );
    await post(h, `/v1/exchanges/${e9}/withdraw`, { by: 'AM', occurredAt: '2025-09-04' });
  });

  it('gives every figure per party and kind as worked out by hand', async () => {
    const rows = await totals(t());
    expect(nonZero(rows)).toEqual(nonZero(EXPECTED));
    // one row per party and kind
    expect(new Set(rows.map(key)).size).toBe(rows.length);
  });

  it('counts a one-way handover: 3,000 bodies agreed, the other side at 0', async () => {
    const rows = await totals(t(), 'kind=remains');
    expect(figures(rows, 'RU', 'remains')).toEqual(row('RU', 'remains', { handedOver: 2412, agreedOutstanding: 588 }));
    expect(figures(rows, 'UA', 'remains')).toEqual(row('UA', 'remains', { received: 2412 }));
  });

  it('counts sides with handsOver null in unspecifiedSides, not in agreedOutstanding', async () => {
    const rows = await totals(t(), 'kind=medical');
    for (const [p, out, back] of [
      ['UA', 50, 40],
      ['RU', 40, 50],
    ] as const) {
      expect(figures(rows, p, 'medical')).toEqual(
        row(p, 'medical', { handedOver: out, received: back, unspecifiedSides: 1 }),
      );
    }
  });

  it('keeps what a cancelled exchange delivered, with nothing outstanding', async () => {
    const rows = await totals(t(), 'kind=civilians');
    expect(nonZero(rows)).toEqual([
      row('AM', 'civilians', { handedOver: 10, received: 12 }),
      row('AZ', 'civilians', { handedOver: 12, received: 10 }),
    ]);
  });

  it('filters by party', async () => {
    for (const party of ['UA', 'RU', 'AM', 'AZ']) {
      const rows = await totals(t(), `party=${party}`);
      expect(rows.every((r) => r.party === party)).toBe(true);
      expect(nonZero(rows)).toEqual(nonZero(EXPECTED.filter((r) => r.party === party)));
    }
  });

  it('filters by kind', async () => {
    for (const kind of ['pow', 'remains', 'medical', 'civilians', 'children']) {
      const rows = await totals(t(), `kind=${kind}`);
      expect(rows.every((r) => r.kind === kind)).toBe(true);
      expect(nonZero(rows)).toEqual(nonZero(EXPECTED.filter((r) => r.kind === kind)));
    }
  });

  it('filters by party and kind together', async () => {
    const rows = await totals(t(), 'party=RU&kind=pow');
    expect(rows).toEqual([
      row('RU', 'pow', { handedOver: 1150, received: 1200, agreedOutstanding: 1050, proposed: 450 }),
    ]);
    expect(nonZero(await totals(t(), 'party=AM&kind=medical'))).toEqual([]);
  });

  it('bounds stages by date with from/to: inclusive, a date meaning the whole day, voided stages never counted', async () => {
    const ua = async (q: string) => figures(await totals(t(), `party=UA&kind=pow&${q}`), 'UA', 'pow');
    // 24 May: the 307 tranche; its voided duplicate of the same day is out.
    expect(await ua('from=2025-05-24&to=2025-05-24')).toMatchObject({ handedOver: 307, received: 307 });
    expect(await ua('from=2025-05-24&to=2025-05-25')).toMatchObject({ handedOver: 307 + 303, received: 307 + 303 });
    expect(await ua('to=2025-05-23')).toMatchObject({ handedOver: 390, received: 390 });
    expect(await ua('to=2025-05-22')).toMatchObject({ handedOver: 0, received: 0 });
    expect(await ua('from=2025-05-26')).toMatchObject({ handedOver: 200, received: 150 });
    expect(await ua('from=2025-05-23&to=2025-08-20')).toMatchObject({ handedOver: 1200, received: 1150 });
    expect(await ua('from=2025-08-21')).toMatchObject({ handedOver: 0, received: 0 });
  });

  it('bounds stages recorded with a time of day', async () => {
    const ru = async (q: string) => figures(await totals(t(), `party=RU&kind=remains&${q}`), 'RU', 'remains');
    // The 1,200 tranche was at 10:00+03:00 on 14 June, i.e. 07:00Z.
    expect(await ru('to=2025-06-14')).toMatchObject({ handedOver: 2412 });
    expect(await ru('to=2025-06-13')).toMatchObject({ handedOver: 1212 });
    expect(await ru('from=2025-06-14')).toMatchObject({ handedOver: 1200 });
    expect(await ru(`from=${encodeURIComponent('2025-06-14T10:00:00+03:00')}`)).toMatchObject({ handedOver: 1200 });
    expect(await ru(`from=${encodeURIComponent('2025-06-14T07:00:01Z')}`)).toMatchObject({ handedOver: 0 });
    expect(await ru(`to=${encodeURIComponent('2025-06-14T06:59:59Z')}`)).toMatchObject({ handedOver: 1212 });
    expect(await ru(`to=${encodeURIComponent('2025-06-14T07:00:00Z')}`)).toMatchObject({ handedOver: 2412 });
    // The voided 500 of 12 June is never counted.
    expect(await ru('from=2025-06-12&to=2025-06-12')).toMatchObject({ handedOver: 0 });
    const ua = figures(await totals(t(), 'party=UA&kind=remains&from=2025-06-11&to=2025-06-11'), 'UA', 'remains');
    expect(ua).toMatchObject({ handedOver: 0, received: 1212 });
  });

  it('bounds every party and kind at once by date', async () => {
    // March 2025: only E6's stage (5 Mar); E7's last tranche is on 1 April.
    const rows = await totals(t(), 'from=2025-03-01&to=2025-03-31');
    const stageFigures = rows
      .map((r) => ({ party: r.party, kind: r.kind, handedOver: r.handedOver, received: r.received }))
      .filter((r) => r.handedOver || r.received);
    expect(stageFigures.sort((a, b) => key(a).localeCompare(key(b)))).toEqual([
      { party: 'AM', kind: 'civilians', handedOver: 10, received: 12 },
      { party: 'AZ', kind: 'civilians', handedOver: 12, received: 10 },
    ]);
  });

  it('answers as the ledger stood at a world time with asOf', async () => {
    // At noon on 24 May 2025: E6 cancelled (10 Mar), E7 completed (1 Apr), E1 agreed with the
    // 390 and 307 tranches (the duplicate already voided); nothing else proposed yet.
    const rows = await totals(t(), `asOf=${encodeURIComponent('2025-05-24T12:00:00Z')}`);
    expect(nonZero(rows)).toEqual(
      nonZero([
        row('UA', 'pow', { handedOver: 697, received: 697, agreedOutstanding: 303 }),
        row('RU', 'pow', { handedOver: 697, received: 697, agreedOutstanding: 303 }),
        row('AM', 'civilians', { handedOver: 10, received: 12 }),
        row('AZ', 'civilians', { handedOver: 12, received: 10 }),
        row('AM', 'pow', { handedOver: 105, received: 100 }),
        row('AZ', 'pow', { handedOver: 100, received: 105 }),
      ]),
    );
  });

  it('moves with every write: a stage, then its void, then the completion', async () => {
    const h = t();
    const id = await exchange(
      h,
      'children',
      'UA',
      [
        ['UA', 10],
        ['RU', 12],
      ],
      '2025-10-01',
    );
    let uaRow = figures(await totals(h, 'party=UA&kind=children'), 'UA', 'children');
    expect(uaRow).toEqual(row('UA', 'children', { proposed: 10 }));
    await post(h, `/v1/exchanges/${id}/agree`, { by: 'RU', occurredAt: '2025-10-02' });
    uaRow = figures(await totals(h, 'party=UA&kind=children'), 'UA', 'children');
    expect(uaRow).toEqual(row('UA', 'children', { agreedOutstanding: 10 }));
    const s = await stage(h, id, { UA: 4, RU: 12 }, '2025-10-03');
    expect(figures(await totals(h, 'party=UA&kind=children'), 'UA', 'children')).toEqual(
      row('UA', 'children', { handedOver: 4, received: 12, agreedOutstanding: 6 }),
    );
    expect(figures(await totals(h, 'party=RU&kind=children'), 'RU', 'children')).toEqual(
      row('RU', 'children', { handedOver: 12, received: 4, agreedOutstanding: 0 }),
    );
    await post(h, `/v1/exchanges/${id}/stages/${s}/void`, { occurredAt: '2025-10-04', reason: 'misreported' });
    expect(figures(await totals(h, 'party=UA&kind=children'), 'UA', 'children')).toEqual(
      row('UA', 'children', { agreedOutstanding: 10 }),
    );
    expect(figures(await totals(h, 'party=RU&kind=children'), 'RU', 'children')).toEqual(
      row('RU', 'children', { agreedOutstanding: 12 }),
    );
    await post(h, `/v1/exchanges/${id}/complete`, {
      occurredAt: '2025-10-05',
      sides: [
        { party: 'UA', count: 11 },
        { party: 'RU', count: 12 },
      ],
    });
    expect(figures(await totals(h, 'party=UA&kind=children'), 'UA', 'children')).toEqual(
      row('UA', 'children', { handedOver: 11, received: 12 }),
    );
    // Voiding a stage of a completed exchange takes it out of the totals too.
    const done = (await h.http().get(`/v1/exchanges/${id}`)).body;
    const last = done.stages.find((st: { voided: unknown }) => st.voided === null).id;
    await post(h, `/v1/exchanges/${id}/stages/${last}/void`, { occurredAt: '2025-10-06', reason: 'wrong exchange' });
    expect(figures(await totals(h, 'party=UA&kind=children'), 'UA', 'children')).toEqual(row('UA', 'children', {}));
    expect(figures(await totals(h, 'party=RU&kind=children'), 'RU', 'children')).toEqual(row('RU', 'children', {}));
  });

  it('agrees with the exchanges it is made of (delivered per side)', async () => {
    const list = (await t().http().get('/v1/exchanges?limit=200')).body.data as {
      kind: string;
      sides: { party: string; delivered: number }[];
    }[];
    const rows = await totals(t());
    for (const r of rows) {
      const mine = list.filter((e) => e.kind === r.kind && e.sides.some((s) => s.party === r.party));
      const handed = mine.reduce((n, e) => n + e.sides.find((s) => s.party === r.party)!.delivered, 0);
      const got = mine.reduce((n, e) => n + e.sides.find((s) => s.party !== r.party)!.delivered, 0);
      expect({ key: key(r), handed, got }).toEqual({ key: key(r), handed: r.handedOver, got: r.received });
    }
  });
});
