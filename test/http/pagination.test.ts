import { beforeAll, describe, expect, it } from 'vitest';
import { useLedger, type TestLedger } from '../support/app.js';
import { registerParties } from '../support/scenario.js';

/*
 * GET /v1/exchanges: oldest proposal first (ties by creation), filters status, kind, party,
 * from, to (the proposal date, inclusive, a date meaning the whole day), and cursor pages that
 * visit every item once, even while others write.
 */

type Fate = 'proposed' | 'agreed' | 'completed' | 'rejected' | 'withdrawn' | 'cancelled';
const KINDS = ['pow', 'remains', 'medical', 'civilians', 'children'] as const;
const PAIRS = [
  ['UA', 'RU'],
  ['AM', 'AZ'],
  ['UA', 'AM'],
  ['RU', 'GE'],
] as const;
const FATES: Fate[] = ['proposed', 'agreed', 'completed', 'rejected', 'withdrawn', 'cancelled'];

interface Made {
  id: string;
  index: number;
  kind: string;
  parties: readonly string[];
  occurredAt: string;
  /** The instant the proposal date stands for: a bare date is the start of its UTC day. */
  instant: number;
  /** The UTC calendar day of the proposal. */
  day: string;
  status: Fate;
}

const instantOf = (t: string) => Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(t) ? `${t}T00:00:00Z` : t);
const dayOf = (t: string) => new Date(instantOf(t)).toISOString().slice(0, 10);
const documentedOrder = (a: Made, b: Made) => a.instant - b.instant || a.index - b.index;

async function post(t: TestLedger, url: string, body: object, status = 200) {
  const res = await t.http().post(url).send(body);
  expect(res.status, `${url}: ${res.text}`).toBe(status);
  return res.body;
}

/** Propose between a and b (a proposes), then bring it to its fate on the same date. */
async function make(
  t: TestLedger,
  index: number,
  kind: string,
  [a, b]: readonly string[],
  occurredAt: string,
  fate: Fate,
): Promise<Made> {
  const ex = await post(
    t,
    '/v1/exchanges',
    {
      kind,
      proposedBy: a,
      occurredAt,
      sides: [
        { party: a, handsOver: 10 + index },
        { party: b, handsOver: 10 + index },
      ],
    },
    201,
  );
  const url = `/v1/exchanges/${ex.id}`;
  if (fate === 'rejected') await post(t, `${url}/reject`, { by: b, occurredAt });
  if (fate === 'withdrawn') await post(t, `${url}/withdraw`, { by: a, occurredAt });
  if (fate === 'agreed' || fate === 'completed' || fate === 'cancelled')
    await post(t, `${url}/agree`, { by: b, occurredAt });
  if (fate === 'completed') await post(t, `${url}/complete`, { occurredAt, sides: [{ party: a, count: 1 }] });
  if (fate === 'cancelled') await post(t, `${url}/cancel`, { by: a, occurredAt });
  return {
    id: ex.id,
    index,
    kind,
    parties: [a!, b!],
    occurredAt,
    instant: instantOf(occurredAt),
    day: dayOf(occurredAt),
    status: fate,
  };
}

interface Walk {
  ids: string[];
  pages: number;
  items: { id: string; occurredAt: string; status: string; kind: string; sides: { party: string }[] }[];
}

/** Follow nextCursor to the end, checking each page's shape. */
async function walk(
  t: TestLedger,
  query: string,
  limit: number,
  between?: (seenSoFar: string[]) => Promise<void>,
): Promise<Walk> {
  const out: Walk = { ids: [], pages: 0, items: [] };
  let cursor: string | null = null;
  for (let guard = 0; guard < 500; guard++) {
    const qs = [query, `limit=${limit}`, cursor !== null ? `cursor=${encodeURIComponent(cursor)}` : '']
      .filter(Boolean)
      .join('&');
    const res = await t.http().get(`/v1/exchanges?${qs}`);
    expect(res.status, res.text).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['data', 'nextCursor']);
    const data = res.body.data as Walk['items'];
    expect(data.length).toBeLessThanOrEqual(limit);
    out.pages++;
    out.items.push(...data);
    out.ids.push(...data.map((e) => e.id));
    cursor = res.body.nextCursor;
    if (cursor === null) return out;
    expect(typeof cursor).toBe('string');
    expect(data.length, 'a page with a next cursor is not empty').toBeGreaterThan(0);
    if (between) await between([...out.ids]);
  }
  throw new Error('the walk never ended');
}

// Proposal dates, deliberately out of order, with ties, offsets, and one day (2025-01-20)
// that has only date-times. No date-time falls on an exact UTC midnight.
const DATES = [
  '2025-03-10',
  '2025-01-05',
  '2025-02-01T09:30:00+02:00',
  '2024-12-31',
  '2025-03-10',
  '2025-02-01',
  '2025-02-01T23:30:00-05:00',
  '2025-01-20T06:00:00Z',
  '2025-04-01',
  '2025-01-20T18:00:00+03:00',
  '2025-01-05T12:00:00Z',
  '2025-03-10',
  '2025-02-28',
  '2024-11-11T11:11:11.111Z',
  '2025-01-05',
];

describe('GET /v1/exchanges pages in the documented order, with every filter', () => {
  const t = useLedger();
  const made: Made[] = [];

  beforeAll(async () => {
    await registerParties(t(), 'UA', 'RU', 'AM', 'AZ', 'GE');
    for (let i = 0; i < 30; i++) {
      const date = DATES[(i * 7) % DATES.length]!;
      made.push(await make(t(), i, KINDS[i % KINDS.length]!, PAIRS[i % PAIRS.length]!, date, FATES[i % FATES.length]!));
    }
  });

  const expected = (pred: (m: Made) => boolean) =>
    made
      .filter(pred)
      .sort(documentedOrder)
      .map((m) => m.id);

  it('has a varied fixture (every kind, party, status; ties; offsets)', () => {
    expect(new Set(made.map((m) => m.kind)).size).toBe(5);
    expect(new Set(made.map((m) => m.status)).size).toBe(6);
    expect(new Set(made.flatMap((m) => m.parties)).size).toBe(5);
    expect(made.length - new Set(made.map((m) => m.occurredAt)).size).toBeGreaterThan(5);
  });

  it.each([1, 2, 3, 7, 29, 30, 31, 200])('walks everything once, oldest first, with limit %i', async (limit) => {
    const w = await walk(t(), '', limit);
    expect(w.ids).toEqual(expected(() => true));
    expect(w.pages).toBeGreaterThanOrEqual(Math.ceil(30 / limit));
  });

  it('uses the default limit of 50 and returns no cursor when all fit', async () => {
    const res = await t().http().get('/v1/exchanges');
    expect(res.status).toBe(200);
    expect(res.body.data.map((e: { id: string }) => e.id)).toEqual(expected(() => true));
    expect(res.body.nextCursor).toBeNull();
  });

  it('lists each exchange as GET /v1/exchanges/{id} shows it, without its stages', async () => {
    const res = await t().http().get('/v1/exchanges?limit=20');
    let withStages = 0;
    for (const item of res.body.data) {
      const { stages, ...summary } = (await t().http().get(`/v1/exchanges/${item.id}`)).body;
      if (stages.length > 0) withStages += 1;
      expect(item).toEqual(summary);
    }
    expect(withStages, 'the page holds exchanges that have stages').toBeGreaterThan(0);
  });

  it.each(FATES)('filters status=%s', async (status) => {
    const w = await walk(t(), `status=${status}`, 2);
    expect(w.ids).toEqual(expected((m) => m.status === status));
    expect(w.ids.length).toBeGreaterThan(0);
    expect(w.items.every((e) => e.status === status)).toBe(true);
  });

  it.each(KINDS)('filters kind=%s', async (kind) => {
    const w = await walk(t(), `kind=${kind}`, 2);
    expect(w.ids).toEqual(expected((m) => m.kind === kind));
    expect(w.ids.length).toBeGreaterThan(0);
  });

  it.each(['UA', 'RU', 'AM', 'AZ', 'GE'])('filters party=%s (either side)', async (party) => {
    const w = await walk(t(), `party=${party}`, 3);
    expect(w.ids).toEqual(expected((m) => m.parties.includes(party)));
    expect(w.ids.length).toBeGreaterThan(0);
    expect(w.items.every((e) => e.sides.some((s) => s.party === party))).toBe(true);
  });

  it('returns an empty page for a party with no exchanges', async () => {
    await registerParties(t(), 'MD');
    const res = await t().http().get('/v1/exchanges?party=MD');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: [], nextCursor: null });
  });

  it('filters from (inclusive, a date is the start of its day)', async () => {
    const w = await walk(t(), 'from=2025-02-01', 4);
    expect(w.ids).toEqual(expected((m) => m.day >= '2025-02-01'));
    // The date-only exchanges of 1 Feb are in.
    expect(made.some((m) => m.occurredAt === '2025-02-01')).toBe(true);
    expect(w.ids).toEqual(expect.arrayContaining(made.filter((m) => m.occurredAt === '2025-02-01').map((m) => m.id)));
  });

  it('filters to (inclusive: a date means the whole day)', async () => {
    const w = await walk(t(), 'to=2025-02-01', 4);
    expect(w.ids).toEqual(expected((m) => m.day <= '2025-02-01'));
    // 09:30+02:00 on 1 Feb is in; 23:30-05:00 on 1 Feb is 04:30Z on 2 Feb, out.
    const late = made.filter((m) => m.occurredAt === '2025-02-01T09:30:00+02:00').map((m) => m.id);
    expect(late.length).toBeGreaterThan(0);
    expect(w.ids).toEqual(expect.arrayContaining(late));
  });

  it('filters a single day with from = to', async () => {
    const w = await walk(t(), 'from=2025-03-10&to=2025-03-10', 2);
    expect(w.ids).toEqual(expected((m) => m.day === '2025-03-10'));
    expect(w.ids.length).toBeGreaterThanOrEqual(3);
  });

  it('filters by date-time bounds', async () => {
    const noon = Date.parse('2025-01-20T12:00:00Z');
    const after = await walk(t(), `from=${encodeURIComponent('2025-01-20T12:00:00Z')}&to=2025-01-20`, 5);
    expect(after.ids).toEqual(expected((m) => m.instant >= noon && m.day <= '2025-01-20'));
    expect(after.ids.length).toBeGreaterThan(0);
    const before = await walk(t(), `from=2025-01-20&to=${encodeURIComponent('2025-01-20T14:00:00+02:00')}`, 5);
    expect(before.ids).toEqual(expected((m) => m.instant <= noon && m.day >= '2025-01-20'));
    expect(before.ids.length).toBeGreaterThan(0);
  });

  it('refuses from after to (it would select nothing) naming both', async () => {
    const res = await t().http().get('/v1/exchanges?from=2025-03-01&to=2025-02-01');
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['query.from', 'query.to']);
  });

  it.each([
    ['status=agreed&kind=pow', (m: Made) => m.status === 'agreed' && m.kind === 'pow'],
    ['party=UA&status=proposed', (m: Made) => m.parties.includes('UA') && m.status === 'proposed'],
    ['party=AM&kind=medical', (m: Made) => m.parties.includes('AM') && m.kind === 'medical'],
    [
      'party=RU&from=2025-01-05&to=2025-03-10',
      (m: Made) => m.parties.includes('RU') && m.day >= '2025-01-05' && m.day <= '2025-03-10',
    ],
    ['kind=civilians&from=2025-02-01', (m: Made) => m.kind === 'civilians' && m.day >= '2025-02-01'],
    ['status=completed&to=2025-02-28', (m: Made) => m.status === 'completed' && m.day <= '2025-02-28'],
    [
      'party=UA&kind=pow&status=agreed&from=2024-01-01&to=2025-12-31',
      (m: Made) => m.parties.includes('UA') && m.kind === 'pow' && m.status === 'agreed',
    ],
    ['party=GE&status=cancelled', (m: Made) => m.parties.includes('GE') && m.status === 'cancelled'],
  ] as const)('combines filters: %s', async (query, pred) => {
    for (const limit of [1, 3]) {
      const w = await walk(t(), query, limit);
      expect(w.ids).toEqual(expected(pred));
    }
  });

  it('at least some combinations are non-empty (the combinations test something)', () => {
    expect(expected((m) => m.parties.includes('UA') && m.status === 'proposed').length).toBeGreaterThan(0);
    expect(
      expected((m) => m.parties.includes('RU') && m.day >= '2025-01-05' && m.day <= '2025-03-10').length,
    ).toBeGreaterThan(1);
    expect(expected((m) => m.kind === 'civilians' && m.day >= '2025-02-01').length).toBeGreaterThan(0);
  });

  it('cursors are tied to the position, not to the filter they came with: a cursor continues after its item', async () => {
    const all = expected(() => true);
    const first = await t().http().get('/v1/exchanges?limit=10');
    const second = await t()
      .http()
      .get(`/v1/exchanges?limit=10&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body.data.map((e: { id: string }) => e.id)).toEqual(all.slice(10, 20));
    // Asking again with the same cursor gives the same page (cursors are stable).
    const again = await t()
      .http()
      .get(`/v1/exchanges?limit=10&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(again.body).toEqual(second.body);
  });
});

describe('GET /v1/exchanges pages stay exact while others write', () => {
  const t = useLedger();
  const initial: Made[] = [];
  let index = 0;
  const madeLater: Made[] = [];

  beforeAll(async () => {
    await registerParties(t(), 'UA', 'RU', 'AM', 'AZ', 'GE');
    for (let i = 0; i < 24; i++) {
      const month = String(1 + (i % 6)).padStart(2, '0');
      const day = String(1 + ((i * 5) % 27)).padStart(2, '0');
      initial.push(
        await make(t(), index++, KINDS[i % 2]!, PAIRS[i % PAIRS.length]!, `2025-${month}-${day}`, 'proposed'),
      );
    }
  });

  /** Between pages: new exchanges early, late and tied with existing dates, and transitions. */
  function interfere() {
    let round = 0;
    return async (seenSoFar: string[]) => {
      round++;
      const tie = initial[(round * 5) % initial.length]!;
      madeLater.push(await make(t(), index++, 'pow', ['UA', 'RU'], `2024-0${1 + (round % 9)}-15`, 'proposed'));
      madeLater.push(await make(t(), index++, 'remains', ['AM', 'AZ'], tie.occurredAt, 'proposed'));
      madeLater.push(
        await make(t(), index++, 'pow', ['RU', 'GE'], `2025-12-${String(1 + (round % 27)).padStart(2, '0')}`, 'agreed'),
      );
      // Move two existing exchanges on: one already seen, one not yet.
      const seenIds = new Set(seenSoFar);
      const pick = (want: boolean) =>
        [...initial].reverse().find((m) => seenIds.has(m.id) === want && m.status === 'proposed');
      for (const m of [pick(true), pick(false)]) {
        if (!m) continue;
        const [a, b] = m.parties;
        if (round % 2) {
          await post(t(), `/v1/exchanges/${m.id}/counter`, {
            by: b,
            sides: [
              { party: a, handsOver: 1 },
              { party: b, handsOver: 1 },
            ],
            occurredAt: m.occurredAt,
          });
          await post(t(), `/v1/exchanges/${m.id}/agree`, { by: a, occurredAt: m.occurredAt });
          m.status = 'agreed';
        } else {
          await post(t(), `/v1/exchanges/${m.id}/reject`, { by: b, occurredAt: m.occurredAt });
          m.status = 'rejected';
        }
      }
    };
  }

  function expectNoRepeats(ids: string[]) {
    expect(ids.length).toBe(new Set(ids).size);
  }

  function expectInOrder(items: { id: string; occurredAt: string }[]) {
    const instants = items.map((e) => instantOf(e.occurredAt));
    for (let i = 1; i < instants.length; i++) expect(instants[i]!).toBeGreaterThanOrEqual(instants[i - 1]!);
  }

  it('an unfiltered walk never repeats and never skips what existed before it began', async () => {
    const before = new Set(initial.map((m) => m.id));
    const w = await walk(t(), '', 4, interfere());
    expectNoRepeats(w.ids);
    expectInOrder(w.items);
    for (const id of before) expect(w.ids, `skipped ${id}`).toContain(id);
    expect(madeLater.length).toBeGreaterThan(10);
    // Exchanges proposed later but dated after the walk's position do show up.
    const lateDated = madeLater.filter((m) => m.occurredAt.startsWith('2025-12'));
    expect(w.ids).toEqual(expect.arrayContaining(lateDated.map((m) => m.id)));
  });

  it('a walk filtered by party never repeats or skips, over the party index', async () => {
    const existed = (await walk(t(), 'party=UA', 200)).ids;
    const w = await walk(t(), 'party=UA', 3, interfere());
    expectNoRepeats(w.ids);
    expectInOrder(w.items);
    for (const id of existed) expect(w.ids, `skipped ${id}`).toContain(id);
  });

  it('a walk filtered by status=proposed sees every exchange that stayed proposed throughout, once', async () => {
    const atStart = (await walk(t(), 'status=proposed', 200)).ids;
    const w = await walk(t(), 'status=proposed', 3, interfere());
    expectNoRepeats(w.ids);
    expectInOrder(w.items);
    expect(w.items.every((e) => e.status === 'proposed')).toBe(true);
    const atEnd = new Set((await walk(t(), 'status=proposed', 200)).ids);
    const stayed = atStart.filter((id) => atEnd.has(id));
    expect(stayed.length).toBeGreaterThan(5);
    for (const id of stayed) expect(w.ids, `skipped ${id}`).toContain(id);
  });

  it('a final quiet walk equals the documented order of everything written', async () => {
    const all = [...initial, ...madeLater].sort(documentedOrder).map((m) => m.id);
    expect((await walk(t(), '', 7)).ids).toEqual(all);
  });
});
