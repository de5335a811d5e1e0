import { expect } from 'vitest';
import type { TestLedger } from './app.js';

/** Helpers for the totals' readings and the claims (issue 14): a record as reported, made over HTTP, and its totals. */

export interface SideInput {
  party: string;
  count: number | null;
  approximate?: boolean;
  breakdown?: { kind: string; count: number }[];
}
export interface AccountInput {
  reportedBy: string;
  sides: SideInput[];
  source?: { title: string };
  note?: string;
}
export interface TermsAccountInput {
  reportedBy: string;
  sides: { party: string; handsOver: number | null }[];
}

/** POST that must answer `status`; the body. */
export async function send(t: TestLedger, url: string, body: object, status: number) {
  const res = await t.http().post(url).send(body);
  expect(res.status, `POST ${url} ${JSON.stringify(body)}: ${res.text}`).toBe(status);
  return res.body;
}

export async function registerObservers(t: TestLedger, ...ids: string[]): Promise<void> {
  for (const id of ids) await send(t, '/v1/observers', { id, name: `Observer ${id}`, occurredAt: '2024-01-01' }, 201);
}

export async function proposeReported(
  t: TestLedger,
  o: {
    kind: string;
    proposedBy: string;
    sides: [string, number | null][];
    occurredAt: string;
    termsAccounts?: TermsAccountInput[];
  },
): Promise<string> {
  const body = {
    kind: o.kind,
    proposedBy: o.proposedBy,
    occurredAt: o.occurredAt,
    sides: o.sides.map(([party, handsOver]) => ({ party, handsOver })),
    ...(o.termsAccounts && { termsAccounts: o.termsAccounts }),
  };
  return (await send(t, '/v1/exchanges', body, 201)).id;
}

export const agree = (t: TestLedger, id: string, by: string, occurredAt: string) =>
  send(t, `/v1/exchanges/${id}/agree`, { by, occurredAt }, 200);

/** A stage given as accounts; its id. */
export async function stageOf(t: TestLedger, id: string, accounts: AccountInput[], occurredAt: string) {
  return (await send(t, `/v1/exchanges/${id}/stages`, { accounts, occurredAt }, 201)).stage.id as string;
}

export const addAccount = (t: TestLedger, id: string, stageId: string, account: AccountInput, occurredAt: string) =>
  send(t, `/v1/exchanges/${id}/stages/${stageId}/accounts`, { ...account, occurredAt }, 201);

export interface TotalsRow {
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
export type Figures = Omit<TotalsRow, 'party' | 'kind'>;

export const FIGURES = [
  'handedOver',
  'received',
  'agreedOutstanding',
  'unspecifiedSides',
  'proposed',
  'handedOverUndisclosedStages',
  'receivedUndisclosedStages',
  'handedOverApproximate',
  'receivedApproximate',
] as const satisfies readonly (keyof Figures)[];

/** A row with every figure not given at 0. */
export const row = (party: string, kind: string, f: Partial<Figures> = {}): TotalsRow => ({
  party,
  kind,
  ...(Object.fromEntries(FIGURES.map((n) => [n, 0])) as Figures),
  ...f,
});

const key = (r: { party: string; kind: string }) => `${r.party}/${r.kind}`;
/** Rows that say something, in one order (rows all zero are no figure). */
export const nonZero = <R extends TotalsRow>(rows: readonly R[]): R[] =>
  rows.filter((r) => FIGURES.some((f) => r[f] !== 0)).sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));

export interface TotalsBody {
  reading: string | null;
  by: 'kind' | 'exchange';
  data: TotalsRow[];
  readings?: { reporter: string; data: TotalsRow[] }[];
}

export async function getTotals(t: TestLedger, query = ''): Promise<TotalsBody> {
  const res = await t.http().get(`/v1/totals${query ? `?${query}` : ''}`);
  expect(res.status, `GET /v1/totals?${query}: ${res.text}`).toBe(200);
  return res.body as TotalsBody;
}

/**
 * A small record as it was reported, after the 2025 exchanges (figures as in issue 14):
 * - E2, pow UA/RU, terms 100 for 100 (RU's account: RU hands over 120), proposed by UA 16 May,
 *   agreed 20 May; one stage on 23 May: RU's account 84 each way, then UA's account of what it
 *   got back: 84, of them 33 pow and 51 civilians (a POW swap with civilians inside).
 * - E1, remains RU→UA, terms RU 6,000 / UA 0, proposed by RU 1 June, agreed by UA 2 June:
 *   11 Jun RU 1,212 and UA 27, by RU and by UA alike; 12 Jun UA's 500, voided on 13 Jun;
 *   13 Jun RU's stage with no count published (null); 14 Jun RU 1,200, to which UA gives
 *   1,197 on 15 Jun; completed 16 Jun with 3,648 by both; 23 Jun, after completion, ICRC's
 *   "about 3" (approximate).
 * So RU handed over 6,060 bodies up to 16 June by RU's count and 6,057 by UA's, one stage
 * undisclosed; 6,063 and 6,060 with the late 3. Reporters, in order of their first account:
 * RU (E2's terms), UA (E2's stage), ICRC (E1's late stage).
 */
export async function recordJune2025(t: TestLedger): Promise<{ e1: string; e2: string; stages: string[] }> {
  const e2 = await proposeReported(t, {
    kind: 'pow',
    proposedBy: 'UA',
    sides: [
      ['UA', 100],
      ['RU', 100],
    ],
    occurredAt: '2025-05-16',
    termsAccounts: [{ reportedBy: 'RU', sides: [{ party: 'RU', handsOver: 120 }] }],
  });
  await agree(t, e2, 'RU', '2025-05-20');
  const swap = await stageOf(
    t,
    e2,
    [
      {
        reportedBy: 'RU',
        sides: [
          { party: 'UA', count: 84 },
          { party: 'RU', count: 84 },
        ],
        source: { title: 'Russian ministry of defence' },
      },
      {
        reportedBy: 'UA',
        sides: [
          {
            party: 'RU',
            count: 84,
            breakdown: [
              { kind: 'pow', count: 33 },
              { kind: 'civilians', count: 51 },
            ],
          },
        ],
        source: { title: 'Coordination Headquarters' },
      },
    ],
    '2025-05-23',
  );

  const e1 = await proposeReported(t, {
    kind: 'remains',
    proposedBy: 'RU',
    sides: [
      ['RU', 6000],
      ['UA', 0],
    ],
    occurredAt: '2025-06-01',
  });
  await agree(t, e1, 'UA', '2025-06-02');
  const both = (ru: number, ua?: number): AccountInput[] =>
    ['RU', 'UA'].map((reportedBy) => ({
      reportedBy,
      sides: [{ party: 'RU', count: ru }, ...(ua === undefined ? [] : [{ party: 'UA', count: ua }])],
    }));
  const s1 = await stageOf(t, e1, both(1212, 27), '2025-06-11');
  const wrong = await stageOf(t, e1, [{ reportedBy: 'UA', sides: [{ party: 'RU', count: 500 }] }], '2025-06-12');
  await send(
    t,
    `/v1/exchanges/${e1}/stages/${wrong}/void`,
    { occurredAt: '2025-06-13', reason: 'reported twice' },
    200,
  );
  const s2 = await stageOf(t, e1, [{ reportedBy: 'RU', sides: [{ party: 'RU', count: null }] }], '2025-06-13');
  const s3 = await stageOf(t, e1, [{ reportedBy: 'RU', sides: [{ party: 'RU', count: 1200 }] }], '2025-06-14');
  await addAccount(t, e1, s3, { reportedBy: 'UA', sides: [{ party: 'RU', count: 1197 }] }, '2025-06-15');
  await send(t, `/v1/exchanges/${e1}/complete`, { occurredAt: '2025-06-16', accounts: both(3648) }, 200);
  const late = await stageOf(
    t,
    e1,
    [{ reportedBy: 'ICRC', sides: [{ party: 'RU', count: 3, approximate: true }] }],
    '2025-06-23',
  );
  return { e1, e2, stages: [swap, s1, wrong, s2, s3, late] };
}
