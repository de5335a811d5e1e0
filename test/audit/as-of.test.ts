import { beforeAll, describe, expect, it } from 'vitest';
import { FIGURE_NAMES, type Figures } from '../../src/domain/totals.js';
import { useLedger, type TestLedger } from '../support/app.js';
import { get, post } from './helpers.js';

/*
 * Design, "Totals": `asOf` (a time) gives the same figures as the ledger stood at that world
 * time: events with occurredAt ≤ asOf. A date-only asOf means the end of that day; a
 * date-only occurredAt stands for the start of its day (src/domain/time.ts), so a stage dated
 * 23 May counts from any instant of 23 May on. GET /v1/exchanges/{id}?asOf= is the exchange as
 * it stood then; 404 before its proposal.
 *
 * The dated history (recorded in this order; every figure below is worked out by hand):
 * E1 pow UA/RU, proposed by UA 1,200 for 1,200 on 16 May 2025, agreed by RU 17 May;
 *    S1 390/390 on 23 May; SD UA 120 / RU 100 on 23 May (a wrong report);
 *    S3 303/303 on 25 May; S2 307/307 on 24 May, recorded LATE (after S3);
 *    SD voided on 26 May; completed on 30 May (no last tranche).
 * E2 pow AM/AZ, proposed by AM 100/100 on 1 Jun; countered by AZ at 2025-06-03T15:00+03:00
 *    (12:00Z) to AM 120 / AZ 80; agreed by AM 5 Jun; stage AM 50 / AZ 40 on 10 Jun.
 * E3 civilians UA/RU, proposed by RU (UA 25, RU 30) on 2 Jun; agreed by UA 4 Jun;
 *    stage UA 10 / RU 12 on 6 Jun; cancelled by RU on 8 Jun.
 * E5 remains AM/AZ, proposed by AZ one way (AM 0, AZ 300) on 20 Jun; withdrawn 22 Jun.
 * E4 medical UA/RU, both sides unspecified (null), proposed by UA 1 Jul; agreed by RU 2 Jul;
 *    stage UA 5 / RU 7 on 3 Jul.
 */

type Row = { party: string; kind: string } & Figures;
const FIGURES = FIGURE_NAMES;
/** [party, kind, handedOver, received, agreedOutstanding, unspecifiedSides, proposed] */
type Tuple = [string, string, number, number, number, number, number];
const rows = (...ts: Tuple[]): Row[] =>
  sorted(
    ts.map(([party, kind, handedOver, received, agreedOutstanding, unspecifiedSides, proposed]) => ({
      party,
      kind,
      handedOver,
      received,
      agreedOutstanding,
      unspecifiedSides,
      proposed,
    })),
  );
const key = (r: { party: string; kind: string }) => `${r.party}/${r.kind}`;
const sorted = (rs: Row[]) => [...rs].sort((a, b) => key(a).localeCompare(key(b)));
const nonZero = (rs: Row[]) => sorted(rs.filter((r) => FIGURES.some((f) => r[f] !== 0)));

async function totalsRaw(t: TestLedger, query: string): Promise<Row[]> {
  const res = await t.http().get(`/v1/totals${query ? `?${query}` : ''}`);
  expect(res.status, `GET /v1/totals?${query}: ${res.text}`).toBe(200);
  // Every stage here has one count given, none undisclosed or approximate: those figures are 0.
  return (res.body.data as (Row & Record<string, number>)[]).map(
    ({ handedOverUndisclosedStages, receivedUndisclosedStages, handedOverApproximate, receivedApproximate, ...r }) => {
      expect([
        handedOverUndisclosedStages,
        receivedUndisclosedStages,
        handedOverApproximate,
        receivedApproximate,
      ]).toEqual([0, 0, 0, 0]);
      return r as Row;
    },
  );
}
/** The non-zero rows (a row of zeros says nothing and is not part of any figure). */
const totals = async (t: TestLedger, query: string) => nonZero(await totalsRaw(t, query));
const asOf = (t: string) => `asOf=${encodeURIComponent(t)}`;

describe('as-of: totals and exchanges as the ledger stood at a world time', () => {
  const t = useLedger();
  const id = { e1: '', e2: '', e3: '', e4: '', e5: '' };
  const st = { s1: '', sd: '', s2: '', s3: '', e2s: '', e3s: '', e4s: '' };

  beforeAll(async () => {
    const h = t();
    for (const p of ['UA', 'RU', 'AM', 'AZ'])
      await post(h, '/v1/parties', { id: p, name: `Party ${p}`, occurredAt: '2014-01-01' }, 201);
    const propose = async (kind: string, proposedBy: string, sides: [string, number | null][], occurredAt: string) =>
      (
        await post(
          h,
          '/v1/exchanges',
          { kind, proposedBy, occurredAt, sides: sides.map(([party, handsOver]) => ({ party, handsOver })) },
          201,
        )
      ).id as string;
    const stage = async (ex: string, counts: [string, number][], occurredAt: string) =>
      (
        await post(
          h,
          `/v1/exchanges/${ex}/stages`,
          { sides: counts.map(([party, count]) => ({ party, count })), occurredAt },
          201,
        )
      ).stage.id as string;

    id.e1 = await propose(
      'pow',
      'UA',
      [
        ['UA', 1200],
        ['RU', 1200],
      ],
      '2025-05-16',
    );
    await post(h, `/v1/exchanges/${id.e1}/agree`, { by: 'RU', occurredAt: '2025-05-17' });
    st.s1 = await stage(
      id.e1,
      [
        ['UA', 390],
        ['RU', 390],
      ],
      '2025-05-23',
    );
    st.sd = await stage(
      id.e1,
      [
        ['UA', 120],
        ['RU', 100],
      ],
      '2025-05-23',
    );
    st.s3 = await stage(
      id.e1,
      [
        ['UA', 303],
        ['RU', 303],
      ],
      '2025-05-25',
    );
    st.s2 = await stage(
      id.e1,
      [
        ['UA', 307],
        ['RU', 307],
      ],
      '2025-05-24',
    ); // reported late
    await post(h, `/v1/exchanges/${id.e1}/stages/${st.sd}/void`, {
      occurredAt: '2025-05-26',
      reason: 'misreported tranche',
    });
    await post(h, `/v1/exchanges/${id.e1}/complete`, { occurredAt: '2025-05-30' });

    id.e2 = await propose(
      'pow',
      'AM',
      [
        ['AM', 100],
        ['AZ', 100],
      ],
      '2025-06-01',
    );
    id.e3 = await propose(
      'civilians',
      'RU',
      [
        ['UA', 25],
        ['RU', 30],
      ],
      '2025-06-02',
    );
    await post(h, `/v1/exchanges/${id.e2}/counter`, {
      by: 'AZ',
      sides: [
        { party: 'AM', handsOver: 120 },
        { party: 'AZ', handsOver: 80 },
      ],
      occurredAt: '2025-06-03T15:00:00+03:00',
    });
    await post(h, `/v1/exchanges/${id.e3}/agree`, { by: 'UA', occurredAt: '2025-06-04' });
    await post(h, `/v1/exchanges/${id.e2}/agree`, { by: 'AM', occurredAt: '2025-06-05' });
    st.e3s = await stage(
      id.e3,
      [
        ['UA', 10],
        ['RU', 12],
      ],
      '2025-06-06',
    );
    await post(h, `/v1/exchanges/${id.e3}/cancel`, { by: 'RU', occurredAt: '2025-06-08', reason: 'talks broke down' });
    st.e2s = await stage(
      id.e2,
      [
        ['AM', 50],
        ['AZ', 40],
      ],
      '2025-06-10',
    );
    id.e5 = await propose(
      'remains',
      'AZ',
      [
        ['AM', 0],
        ['AZ', 300],
      ],
      '2025-06-20',
    );
    await post(h, `/v1/exchanges/${id.e5}/withdraw`, { by: 'AZ', occurredAt: '2025-06-22' });
    id.e4 = await propose(
      'medical',
      'UA',
      [
        ['UA', null],
        ['RU', null],
      ],
      '2025-07-01',
    );
    await post(h, `/v1/exchanges/${id.e4}/agree`, { by: 'RU', occurredAt: '2025-07-02' });
    st.e4s = await stage(
      id.e4,
      [
        ['UA', 5],
        ['RU', 7],
      ],
      '2025-07-03',
    );
  });

  // The figures of E1 once completed, of E2 once staged, of E3 once cancelled, of E4 once staged.
  const E1_DONE: Tuple[] = [
    ['UA', 'pow', 1000, 1000, 0, 0, 0],
    ['RU', 'pow', 1000, 1000, 0, 0, 0],
  ];
  const E3_CANCELLED: Tuple[] = [
    ['UA', 'civilians', 10, 12, 0, 0, 0],
    ['RU', 'civilians', 12, 10, 0, 0, 0],
  ];
  const E2_STAGED: Tuple[] = [
    ['AM', 'pow', 50, 40, 70, 0, 0],
    ['AZ', 'pow', 40, 50, 40, 0, 0],
  ];
  // pow rows merge E1 and E2 only when the same party appears in both; UA/RU and AM/AZ do not.

  describe('GET /v1/totals?asOf=', () => {
    const cases: [string, Row[]][] = [
      // Before anything.
      ['2014-01-01', rows()],
      ['2025-05-15', rows()],
      ['2025-05-15T23:59:59.999Z', rows()],
      // E1 proposed, then agreed.
      ['2025-05-16', rows(['UA', 'pow', 0, 0, 0, 0, 1200], ['RU', 'pow', 0, 0, 0, 0, 1200])],
      ['2025-05-17', rows(['UA', 'pow', 0, 0, 1200, 0, 0], ['RU', 'pow', 0, 0, 1200, 0, 0])],
      ['2025-05-22T23:59:59Z', rows(['UA', 'pow', 0, 0, 1200, 0, 0], ['RU', 'pow', 0, 0, 1200, 0, 0])],
      // 23 May: S1 390/390 and the wrong SD 120/100 (not voided yet).
      ['2025-05-23', rows(['UA', 'pow', 510, 490, 690, 0, 0], ['RU', 'pow', 490, 510, 710, 0, 0])],
      // 24 May: + S2 307/307, although it was recorded after S3.
      ['2025-05-24', rows(['UA', 'pow', 817, 797, 383, 0, 0], ['RU', 'pow', 797, 817, 403, 0, 0])],
      // 25 May: + S3 303/303.
      ['2025-05-25', rows(['UA', 'pow', 1120, 1100, 80, 0, 0], ['RU', 'pow', 1100, 1120, 100, 0, 0])],
      // Instants just before the void of 26 May (00:30 at +02:00 is still 25 May, 22:30 UTC).
      ['2025-05-25T23:00:00+02:00', rows(['UA', 'pow', 1120, 1100, 80, 0, 0], ['RU', 'pow', 1100, 1120, 100, 0, 0])],
      ['2025-05-26T00:30:00+02:00', rows(['UA', 'pow', 1120, 1100, 80, 0, 0], ['RU', 'pow', 1100, 1120, 100, 0, 0])],
      // 26 May: SD voided: 1,000 each way, 200 outstanding each.
      ['2025-05-26', rows(['UA', 'pow', 1000, 1000, 200, 0, 0], ['RU', 'pow', 1000, 1000, 200, 0, 0])],
      ['2025-05-26T00:00:00Z', rows(['UA', 'pow', 1000, 1000, 200, 0, 0], ['RU', 'pow', 1000, 1000, 200, 0, 0])],
      ['2025-05-29', rows(['UA', 'pow', 1000, 1000, 200, 0, 0], ['RU', 'pow', 1000, 1000, 200, 0, 0])],
      // 30 May: completed, nothing outstanding.
      ['2025-05-30', rows(...E1_DONE)],
      ['2025-05-31', rows(...E1_DONE)],
      // 1 Jun: E2 proposed by AM 100/100.
      ['2025-06-01', rows(...E1_DONE, ['AM', 'pow', 0, 0, 0, 0, 100], ['AZ', 'pow', 0, 0, 0, 0, 100])],
      // 2 Jun: E3 proposed, UA 25 / RU 30.
      [
        '2025-06-02',
        rows(
          ...E1_DONE,
          ['AM', 'pow', 0, 0, 0, 0, 100],
          ['AZ', 'pow', 0, 0, 0, 0, 100],
          ['UA', 'civilians', 0, 0, 0, 0, 25],
          ['RU', 'civilians', 0, 0, 0, 0, 30],
        ),
      ],
      // The counter at 12:00 UTC on 3 Jun: not yet a second before, in force at that instant and for the rest of the day.
      [
        '2025-06-03T11:59:59Z',
        rows(
          ...E1_DONE,
          ['AM', 'pow', 0, 0, 0, 0, 100],
          ['AZ', 'pow', 0, 0, 0, 0, 100],
          ['UA', 'civilians', 0, 0, 0, 0, 25],
          ['RU', 'civilians', 0, 0, 0, 0, 30],
        ),
      ],
      [
        '2025-06-03T14:59:59+03:00',
        rows(
          ...E1_DONE,
          ['AM', 'pow', 0, 0, 0, 0, 100],
          ['AZ', 'pow', 0, 0, 0, 0, 100],
          ['UA', 'civilians', 0, 0, 0, 0, 25],
          ['RU', 'civilians', 0, 0, 0, 0, 30],
        ),
      ],
      [
        '2025-06-03T15:00:00+03:00',
        rows(
          ...E1_DONE,
          ['AM', 'pow', 0, 0, 0, 0, 120],
          ['AZ', 'pow', 0, 0, 0, 0, 80],
          ['UA', 'civilians', 0, 0, 0, 0, 25],
          ['RU', 'civilians', 0, 0, 0, 0, 30],
        ),
      ],
      [
        '2025-06-03',
        rows(
          ...E1_DONE,
          ['AM', 'pow', 0, 0, 0, 0, 120],
          ['AZ', 'pow', 0, 0, 0, 0, 80],
          ['UA', 'civilians', 0, 0, 0, 0, 25],
          ['RU', 'civilians', 0, 0, 0, 0, 30],
        ),
      ],
      // 4 Jun: E3 agreed.
      [
        '2025-06-04',
        rows(
          ...E1_DONE,
          ['AM', 'pow', 0, 0, 0, 0, 120],
          ['AZ', 'pow', 0, 0, 0, 0, 80],
          ['UA', 'civilians', 0, 0, 25, 0, 0],
          ['RU', 'civilians', 0, 0, 30, 0, 0],
        ),
      ],
      // 5 Jun: E2 agreed on the countered terms.
      [
        '2025-06-05',
        rows(
          ...E1_DONE,
          ['AM', 'pow', 0, 0, 120, 0, 0],
          ['AZ', 'pow', 0, 0, 80, 0, 0],
          ['UA', 'civilians', 0, 0, 25, 0, 0],
          ['RU', 'civilians', 0, 0, 30, 0, 0],
        ),
      ],
      // 6 Jun: E3 stage UA 10 / RU 12.
      [
        '2025-06-06',
        rows(
          ...E1_DONE,
          ['AM', 'pow', 0, 0, 120, 0, 0],
          ['AZ', 'pow', 0, 0, 80, 0, 0],
          ['UA', 'civilians', 10, 12, 15, 0, 0],
          ['RU', 'civilians', 12, 10, 18, 0, 0],
        ),
      ],
      // 8 Jun: E3 cancelled: its stage stays counted, nothing outstanding.
      ['2025-06-08', rows(...E1_DONE, ['AM', 'pow', 0, 0, 120, 0, 0], ['AZ', 'pow', 0, 0, 80, 0, 0], ...E3_CANCELLED)],
      // 10 Jun: E2 stage AM 50 / AZ 40.
      ['2025-06-10', rows(...E1_DONE, ...E2_STAGED, ...E3_CANCELLED)],
      // 20 Jun: E5 proposed one way (AZ 300); 22 Jun: withdrawn.
      ['2025-06-20', rows(...E1_DONE, ...E2_STAGED, ...E3_CANCELLED, ['AZ', 'remains', 0, 0, 0, 0, 300])],
      ['2025-06-21T12:00:00Z', rows(...E1_DONE, ...E2_STAGED, ...E3_CANCELLED, ['AZ', 'remains', 0, 0, 0, 0, 300])],
      ['2025-06-22', rows(...E1_DONE, ...E2_STAGED, ...E3_CANCELLED)],
      // 1 Jul: E4 proposed with unspecified sides (proposed counts 0); 2 Jul agreed; 3 Jul staged.
      ['2025-07-01', rows(...E1_DONE, ...E2_STAGED, ...E3_CANCELLED)],
      [
        '2025-07-02',
        rows(
          ...E1_DONE,
          ...E2_STAGED,
          ...E3_CANCELLED,
          ['UA', 'medical', 0, 0, 0, 1, 0],
          ['RU', 'medical', 0, 0, 0, 1, 0],
        ),
      ],
      [
        '2025-07-03',
        rows(
          ...E1_DONE,
          ...E2_STAGED,
          ...E3_CANCELLED,
          ['UA', 'medical', 5, 7, 0, 1, 0],
          ['RU', 'medical', 7, 5, 0, 1, 0],
        ),
      ],
    ];

    it.each(cases)('asOf=%s', async (at, expected) => {
      expect(await totals(t(), asOf(at))).toEqual(expected);
    });

    it('has no rows at all before the first proposal', async () => {
      expect(await totalsRaw(t(), asOf('2025-05-15'))).toEqual([]);
    });

    const filtered: [string, Row[]][] = [
      // Party and kind filters.
      [`${asOf('2025-05-25')}&party=UA`, rows(['UA', 'pow', 1120, 1100, 80, 0, 0])],
      [`${asOf('2025-05-26')}&party=RU&kind=pow`, rows(['RU', 'pow', 1000, 1000, 200, 0, 0])],
      [
        `${asOf('2025-06-06')}&kind=civilians`,
        rows(['UA', 'civilians', 10, 12, 15, 0, 0], ['RU', 'civilians', 12, 10, 18, 0, 0]),
      ],
      [`${asOf('2025-06-10')}&party=AZ`, rows(['AZ', 'pow', 40, 50, 40, 0, 0])],
      [`${asOf('2025-06-03T11:59:59Z')}&party=AM&kind=pow`, rows(['AM', 'pow', 0, 0, 0, 0, 100])],
      [`${asOf('2025-05-20')}&party=AM`, rows()],
      [`${asOf('2025-06-30')}&kind=medical`, rows()],
      // from/to bound the stages counted in handedOver/received (outstanding stays the exchange's).
      [
        `${asOf('2025-05-25')}&kind=pow&from=2025-05-24`,
        rows(['UA', 'pow', 610, 610, 80, 0, 0], ['RU', 'pow', 610, 610, 100, 0, 0]),
      ],
      [
        `${asOf('2025-05-25')}&to=2025-05-23`,
        rows(['UA', 'pow', 510, 490, 80, 0, 0], ['RU', 'pow', 490, 510, 100, 0, 0]),
      ],
      [`${asOf('2025-05-25')}&party=RU&from=2025-05-23&to=2025-05-23`, rows(['RU', 'pow', 490, 510, 100, 0, 0])],
      [`${asOf('2025-05-26')}&party=RU&from=2025-05-23&to=2025-05-23`, rows(['RU', 'pow', 390, 390, 200, 0, 0])],
      [
        `${asOf('2025-05-24')}&from=2025-05-24T00:00:00Z&to=2025-05-31`,
        rows(['UA', 'pow', 307, 307, 383, 0, 0], ['RU', 'pow', 307, 307, 403, 0, 0]),
      ],
      [
        `${asOf('2025-07-03')}&from=2025-06-01&to=2025-06-30`,
        rows(
          ['AM', 'pow', 50, 40, 70, 0, 0],
          ['AZ', 'pow', 40, 50, 40, 0, 0],
          ['UA', 'civilians', 10, 12, 0, 0, 0],
          ['RU', 'civilians', 12, 10, 0, 0, 0],
          ['UA', 'medical', 0, 0, 0, 1, 0],
          ['RU', 'medical', 0, 0, 0, 1, 0],
        ),
      ],
      [`${asOf('2025-06-09')}&from=2025-06-01&party=AM`, rows(['AM', 'pow', 0, 0, 120, 0, 0])],
    ];

    it.each(filtered)('%s', async (query, expected) => {
      expect(await totals(t(), query)).toEqual(expected);
    });

    it('a from bound at 00:00 UTC counts the stages dated that day, as the bare date does', async () => {
      // A stage dated 24 May (a bare date: the start of that day) lies on or after 2025-05-24T00:00:00Z.
      const may24on = rows(['UA', 'pow', 610, 610, 0, 0, 0], ['RU', 'pow', 610, 610, 0, 0, 0], ...E2_STAGED);
      expect(await totals(t(), 'kind=pow&from=2025-05-24')).toEqual(may24on);
      expect(await totals(t(), `kind=pow&from=${encodeURIComponent('2025-05-24T00:00:00Z')}`)).toEqual(may24on);
      expect(await totals(t(), `kind=pow&from=${encodeURIComponent('2025-05-24T03:00:00+03:00')}`)).toEqual(may24on);
      expect(
        await totals(t(), `kind=pow&${asOf('2025-05-25')}&from=${encodeURIComponent('2025-05-24T00:00:00Z')}`),
      ).toEqual(rows(['UA', 'pow', 610, 610, 80, 0, 0], ['RU', 'pow', 610, 610, 100, 0, 0]));
    });

    it('equals the plain totals at any time after everything', async () => {
      const plain = await totalsRaw(t(), '');
      const all = rows(
        ...E1_DONE,
        ...E2_STAGED,
        ...E3_CANCELLED,
        ['UA', 'medical', 5, 7, 0, 1, 0],
        ['RU', 'medical', 7, 5, 0, 1, 0],
      );
      expect(nonZero(plain)).toEqual(all);
      for (const at of ['2025-07-03', '2025-12-31', '2026-01-01T00:00:00+14:00', new Date().toISOString()]) {
        const later = await totalsRaw(t(), asOf(at));
        expect(nonZero(later), `asOf=${at}`).toEqual(nonZero(plain));
        // Rows that only one side lists hold nothing but zeros.
        const keys = new Set(plain.map(key));
        for (const r of later.filter((x) => !keys.has(key(x))))
          expect(
            FIGURES.every((f) => r[f] === 0),
            `asOf=${at}: extra row ${key(r)}`,
          ).toBe(true);
      }
      for (const q of [
        'party=UA',
        'kind=pow',
        'party=AZ&kind=pow',
        'from=2025-05-24&to=2025-06-06',
        'party=RU&from=2025-05-23&to=2025-05-23',
      ]) {
        expect(nonZero(await totalsRaw(t(), `${q}&${asOf('2030-01-01')}`)), q).toEqual(
          nonZero(await totalsRaw(t(), q)),
        );
      }
    });

    it('refuses an asOf that is not a world time', async () => {
      for (const bad of ['yesterday', '2025-02-30', '2025-05-23T10:00:00']) {
        const res = await t()
          .http()
          .get(`/v1/totals?${asOf(bad)}`);
        expect(res.status, bad).toBe(400);
      }
    });
  });

  describe('GET /v1/exchanges/{id}?asOf=', () => {
    async function exchangeAt(ex: string, at: string) {
      const res = await t()
        .http()
        .get(`/v1/exchanges/${ex}?${asOf(at)}`);
      expect(res.status, `${ex} asOf ${at}: ${res.text}`).toBe(200);
      return res.body;
    }
    const sides = (b: any) => b.sides.map((s: any) => [s.party, s.handsOver, s.delivered]);
    const stageIds = (b: any) => b.stages.map((s: any) => s.id).sort();

    it('is 404 before the proposal', async () => {
      for (const [ex, at] of [
        [id.e1, '2025-05-15'],
        [id.e1, '2025-05-15T23:59:59Z'],
        [id.e2, '2025-05-31'],
        [id.e3, '2025-06-01'],
        [id.e4, '2025-06-30'],
        [id.e5, '2025-06-19'],
      ] as const) {
        const res = await t()
          .http()
          .get(`/v1/exchanges/${ex}?${asOf(at)}`);
        expect(res.status, `${ex} asOf ${at}`).toBe(404);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
    });

    it('E1 through its life: proposed, agreed, stages as dated (the late one included from its own date), the void, completed', async () => {
      const e1 = id.e1;
      let b = await exchangeAt(e1, '2025-05-16');
      expect([b.status, b.proposedBy]).toEqual(['proposed', 'UA']);
      expect(sides(b)).toEqual([
        ['UA', 1200, 0],
        ['RU', 1200, 0],
      ]);
      expect(b.stages).toEqual([]);

      b = await exchangeAt(e1, '2025-05-22');
      expect(b.status).toBe('agreed');
      expect(b.agreedAt).toBe('2025-05-17');
      expect(sides(b)).toEqual([
        ['UA', 1200, 0],
        ['RU', 1200, 0],
      ]);
      expect(b.stages).toEqual([]);

      b = await exchangeAt(e1, '2025-05-23');
      expect(b.status).toBe('agreed');
      expect(stageIds(b)).toEqual([st.s1, st.sd].sort());
      expect(sides(b)).toEqual([
        ['UA', 1200, 510],
        ['RU', 1200, 490],
      ]);
      expect(b.stages.every((s: any) => s.voided === null)).toBe(true);

      b = await exchangeAt(e1, '2025-05-24');
      expect(stageIds(b)).toEqual([st.s1, st.sd, st.s2].sort());
      expect(sides(b)).toEqual([
        ['UA', 1200, 817],
        ['RU', 1200, 797],
      ]);
      const s2 = b.stages.find((s: any) => s.id === st.s2);
      expect(s2).toMatchObject({
        occurredAt: '2025-05-24',
        sides: [
          { party: 'UA', count: 307 },
          { party: 'RU', count: 307 },
        ],
        voided: null,
      });

      for (const at of ['2025-05-25', '2025-05-26T00:30:00+02:00']) {
        b = await exchangeAt(e1, at);
        expect(stageIds(b), at).toEqual([st.s1, st.sd, st.s2, st.s3].sort());
        expect(sides(b), at).toEqual([
          ['UA', 1200, 1120],
          ['RU', 1200, 1100],
        ]);
        expect(b.stages.find((s: any) => s.id === st.sd).voided, at).toBeNull();
      }

      b = await exchangeAt(e1, '2025-05-26');
      expect(b.status).toBe('agreed');
      expect(stageIds(b)).toEqual([st.s1, st.sd, st.s2, st.s3].sort());
      expect(b.stages.find((s: any) => s.id === st.sd).voided).toMatchObject({
        occurredAt: '2025-05-26',
        reason: 'misreported tranche',
      });
      expect(sides(b)).toEqual([
        ['UA', 1200, 1000],
        ['RU', 1200, 1000],
      ]);
      expect(b.sides.map((s: any) => s.variance)).toEqual([-200, -200]);

      b = await exchangeAt(e1, '2025-05-30');
      expect(b.status).toBe('completed');
      expect(b.allowedTransitions).toEqual(['voidStage', 'recordStage']);
      expect(sides(b)).toEqual([
        ['UA', 1200, 1000],
        ['RU', 1200, 1000],
      ]);
    });

    it('E2: the counter changes terms and proposer from its instant on', async () => {
      let b = await exchangeAt(id.e2, '2025-06-01');
      expect([b.status, b.proposedBy]).toEqual(['proposed', 'AM']);
      expect(sides(b)).toEqual([
        ['AM', 100, 0],
        ['AZ', 100, 0],
      ]);
      b = await exchangeAt(id.e2, '2025-06-03T11:59:59Z');
      expect([b.status, b.proposedBy]).toEqual(['proposed', 'AM']);
      expect(sides(b)).toEqual([
        ['AM', 100, 0],
        ['AZ', 100, 0],
      ]);
      for (const at of ['2025-06-03T12:00:00Z', '2025-06-03', '2025-06-04']) {
        b = await exchangeAt(id.e2, at);
        expect([b.status, b.proposedBy], at).toEqual(['proposed', 'AZ']);
        expect(sides(b), at).toEqual([
          ['AM', 120, 0],
          ['AZ', 80, 0],
        ]);
      }
      b = await exchangeAt(id.e2, '2025-06-09');
      expect(b.status).toBe('agreed');
      expect(sides(b)).toEqual([
        ['AM', 120, 0],
        ['AZ', 80, 0],
      ]);
      b = await exchangeAt(id.e2, '2025-06-10');
      expect(b.status).toBe('agreed');
      expect(stageIds(b)).toEqual([st.e2s]);
      expect(sides(b)).toEqual([
        ['AM', 120, 50],
        ['AZ', 80, 40],
      ]);
    });

    it('E3 cancelled and E5 withdrawn on their dates; E4 agreed with unspecified sides', async () => {
      expect((await exchangeAt(id.e3, '2025-06-03')).status).toBe('proposed');
      let b = await exchangeAt(id.e3, '2025-06-07');
      expect(b.status).toBe('agreed');
      expect(sides(b)).toEqual([
        ['UA', 25, 10],
        ['RU', 30, 12],
      ]);
      b = await exchangeAt(id.e3, '2025-06-08');
      expect(b.status).toBe('cancelled');
      expect(sides(b)).toEqual([
        ['UA', 25, 10],
        ['RU', 30, 12],
      ]);
      expect((await exchangeAt(id.e5, '2025-06-21')).status).toBe('proposed');
      expect((await exchangeAt(id.e5, '2025-06-22')).status).toBe('withdrawn');
      b = await exchangeAt(id.e4, '2025-07-02');
      expect(b.status).toBe('agreed');
      expect(sides(b)).toEqual([
        ['UA', null, 0],
        ['RU', null, 0],
      ]);
      expect(b.stages).toEqual([]);
      b = await exchangeAt(id.e4, '2025-07-03');
      expect(sides(b)).toEqual([
        ['UA', null, 5],
        ['RU', null, 7],
      ]);
    });

    it('after everything, is the current exchange', async () => {
      for (const ex of Object.values(id)) {
        const current = await get(t(), `/v1/exchanges/${ex}`);
        expect(await exchangeAt(ex, '2025-12-31'), ex).toEqual(current);
      }
    });
  });
});

/*
 * A bare date does not precede an instant of the same day (the time rules compare by day), so
 * a counter dated "16 May" may follow a proposal at 15:00 on 16 May, and a stage dated "2 June"
 * an agreement at 15:00 on 2 June. As of a time earlier that day, neither the counter nor the
 * stage was in force yet: the exchange did not exist / was not agreed, and nothing was handed over.
 */
describe('as-of with bare dates after instants of the same day', () => {
  const t = useLedger();
  let countered = '';
  let staged = '';

  beforeAll(async () => {
    const h = t();
    for (const p of ['UA', 'RU']) await post(h, '/v1/parties', { id: p, name: p, occurredAt: '2014-01-01' }, 201);
    countered = (
      await post(
        h,
        '/v1/exchanges',
        {
          kind: 'pow',
          proposedBy: 'UA',
          sides: [
            { party: 'UA', handsOver: 10 },
            { party: 'RU', handsOver: 10 },
          ],
          occurredAt: '2025-05-16T15:00:00Z',
        },
        201,
      )
    ).id;
    await post(h, `/v1/exchanges/${countered}/counter`, {
      by: 'RU',
      sides: [
        { party: 'UA', handsOver: 12 },
        { party: 'RU', handsOver: 8 },
      ],
      occurredAt: '2025-05-16',
    });
    staged = (
      await post(
        h,
        '/v1/exchanges',
        {
          kind: 'medical',
          proposedBy: 'UA',
          sides: [
            { party: 'UA', handsOver: 10 },
            { party: 'RU', handsOver: 6 },
          ],
          occurredAt: '2025-06-01',
        },
        201,
      )
    ).id;
    await post(h, `/v1/exchanges/${staged}/agree`, { by: 'RU', occurredAt: '2025-06-02T15:00:00Z' });
    await post(
      h,
      `/v1/exchanges/${staged}/stages`,
      {
        sides: [
          { party: 'UA', count: 4 },
          { party: 'RU', count: 3 },
        ],
        occurredAt: '2025-06-02',
      },
      201,
    );
  });

  it('an exchange proposed at 15:00 and countered on that date does not exist as of 10:00 (404, not a 500)', async () => {
    await get(t(), `/v1/exchanges/${countered}?${asOf('2025-05-16T10:00:00Z')}`, 404);
    const later = await get(t(), `/v1/exchanges/${countered}?${asOf('2025-05-16T16:00:00Z')}`);
    expect(later).toMatchObject({ status: 'proposed', proposedBy: 'RU', version: 2 });
    expect(later.sides.map((s: { handsOver: number }) => s.handsOver)).toEqual([12, 8]);
  });

  it('a stage dated the day of an agreement at 15:00 is not in force before the agreement, in the exchange or the totals', async () => {
    const before = await get(t(), `/v1/exchanges/${staged}?${asOf('2025-06-02T10:00:00Z')}`);
    expect(before).toMatchObject({ status: 'proposed', stages: [] });
    expect(before.sides.map((s: { delivered: number }) => s.delivered)).toEqual([0, 0]);
    expect(await totals(t(), `kind=medical&${asOf('2025-06-02T10:00:00Z')}`)).toEqual(
      rows(['UA', 'medical', 0, 0, 0, 0, 10], ['RU', 'medical', 0, 0, 0, 0, 6]),
    );

    const after = await get(t(), `/v1/exchanges/${staged}?${asOf('2025-06-02T16:00:00Z')}`);
    expect(after).toMatchObject({ status: 'agreed' });
    expect(after.sides.map((s: { delivered: number }) => s.delivered)).toEqual([4, 3]);
    expect(await totals(t(), `kind=medical&${asOf('2025-06-02T16:00:00Z')}`)).toEqual(
      rows(['UA', 'medical', 4, 3, 6, 0, 0], ['RU', 'medical', 3, 4, 3, 0, 0]),
    );
  });
});
