import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { applySteps, freshExchangeId } from '../../src/seed/apply.js';
import { syntheticLedger } from '../../src/seed/synthetic.js';
import { useLedger, type TestLedger } from '../support/app.js';
import { registerParties } from '../support/scenario.js';

/*
 * GET /v1/exchanges, /v1/totals and /v1/events with `Accept: text/csv`: RFC 4180 with a header
 * row, one row per exchange / party and kind / event, under the same filters as the JSON
 * answer, and the whole filtered set (not a page). Every CSV is read back with csv-parse and
 * compared, cell by cell, with the JSON answer to the same question.
 */

type Json = Record<string, unknown>;

const EXCHANGE_COLUMNS = [
  'id',
  'kind',
  'status',
  'proposedBy',
  'reading',
  'partyA',
  'handsOverA',
  'deliveredA',
  'varianceA',
  'undisclosedStagesA',
  'approximateA',
  'partyB',
  'handsOverB',
  'deliveredB',
  'varianceB',
  'undisclosedStagesB',
  'approximateB',
  'title',
  'mediator',
  'reporters',
  'occurredAt',
  'agreedAt',
  'createdAt',
  'updatedAt',
  'version',
];
const TOTALS_COLUMNS = [
  'reporter',
  'party',
  'kind',
  'handedOver',
  'received',
  'agreedOutstanding',
  'unspecifiedSides',
  'proposed',
  'handedOverUndisclosedStages',
  'receivedUndisclosedStages',
  'handedOverApproximate',
  'receivedApproximate',
];
const EVENT_COLUMNS = [
  'sequence',
  'id',
  'streamId',
  'version',
  'type',
  'occurredAt',
  'recordedAt',
  'principal',
  'sourceTitle',
  'sourceUrl',
  'sourcePublishedAt',
  'note',
  'data',
  'prevHash',
  'hash',
];

/** What a spreadsheet would run as a formula: such text is written with a leading quote. */
const FORMULA = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/** A JSON value as the CSV cell it must become: null empty, numbers as written, formulas defused. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return FORMULA.test(v) ? `'${v}` : v;
  return String(v);
}

const rowOf = (columns: string[], values: Record<string, unknown>) =>
  Object.fromEntries(columns.map((c) => [c, cell(values[c])]));

/** A JSON totals row as its CSV row: under the default reading, whose reporter cell is empty. */
const totalsRow = (r: Json) => rowOf(TOTALS_COLUMNS, { reporter: null, ...r });

function exchangeRow(e: Json): Record<string, string> {
  const [a, b] = e.sides as Json[];
  const side = (s: Json, x: string) => ({
    [`party${x}`]: s.party,
    [`handsOver${x}`]: s.handsOver,
    [`delivered${x}`]: s.delivered,
    [`variance${x}`]: s.variance,
    [`undisclosedStages${x}`]: s.undisclosedStages,
    [`approximate${x}`]: s.approximate,
  });
  return rowOf(EXCHANGE_COLUMNS, {
    ...e,
    reporters: (e.reporters as string[]).join(' '),
    ...side(a!, 'A'),
    ...side(b!, 'B'),
  });
}

function eventRow(e: Json): Record<string, string> {
  const source = e.source as Json | null;
  return rowOf(EVENT_COLUMNS, {
    ...e,
    sourceTitle: source?.title,
    sourceUrl: source?.url,
    sourcePublishedAt: source?.publishedAt,
    data: JSON.stringify(e.data),
  });
}

interface Csv {
  text: string;
  headers: string[];
  rows: Record<string, string>[];
  res: { status: number; headers: Record<string, string> };
}

async function getCsv(t: TestLedger, url: string): Promise<Csv> {
  const res = await t.http().get(url).set('accept', 'text/csv');
  expect(res.status, `${url}: ${res.text.slice(0, 300)}`).toBe(200);
  expect(res.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
  const [headers, ...records] = parse(res.text, { relax_column_count: false }) as string[][];
  const rows = records.map((r) => Object.fromEntries(headers!.map((h, i) => [h, r[i]!])));
  return { text: res.text, headers: headers!, rows, res };
}

/** Every exchange the JSON list gives for `query`, following nextCursor page by page. */
async function jsonExchanges(t: TestLedger, query: string, limit = 200): Promise<Json[]> {
  const items: Json[] = [];
  let cursor: string | null = null;
  do {
    const url = `/v1/exchanges?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await t.http().get(url);
    expect(res.status, res.text).toBe(200);
    items.push(...(res.body.data as Json[]));
    cursor = res.body.nextCursor as string | null;
  } while (cursor);
  return items;
}

async function jsonEvents(t: TestLedger, after = 0): Promise<Json[]> {
  const events: Json[] = [];
  for (let cursor: string | null = String(after); cursor; ) {
    const res = await t.http().get(`/v1/events?after=${cursor}&limit=1000`);
    expect(res.status, res.text).toBe(200);
    events.push(...(res.body.data as Json[]));
    cursor = res.body.nextCursor as string | null;
  }
  return events;
}

async function post(t: TestLedger, url: string, body: object, status = 200): Promise<Json> {
  const res = await t.http().post(url).send(body);
  expect(res.status, `${url}: ${res.text}`).toBe(status);
  return res.body as Json;
}

describe('CSV answers on a ledger with awkward text', () => {
  const t = useLedger();
  const TITLES = {
    quoted: 'Istanbul, "1,000 for 1,000"',
    lines: 'Line one\nline two',
    cyrillic: 'Ереван — Баку: 30 ↔ 30 «civils»',
  };
  const FORMULAS = {
    equals: '=HYPERLINK("http://evil.example","click")',
    at: '@SUM(1+1)*cmd|" /C calc"!A0',
    minus: '-2+3',
    plus: '+380 calls',
  };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    await registerParties(t(), 'UA', 'RU', 'AM', 'AZ');
    // Completed short of its terms: a negative variance, which stays a number.
    const a = await post(
      t(),
      '/v1/exchanges',
      {
        kind: 'pow',
        proposedBy: 'UA',
        title: TITLES.quoted,
        mediator: 'Türkiye',
        occurredAt: '2025-05-16',
        sides: [
          { party: 'UA', handsOver: 1000 },
          { party: 'RU', handsOver: 1000 },
        ],
        source: { title: 'Ombudsman\r\nreport', url: 'https://example.org/a?b=1,2' },
        note: '\tindented, with "quotes"',
      },
      201,
    );
    ids.quoted = a.id as string;
    await post(t(), `/v1/exchanges/${ids.quoted}/agree`, { by: 'RU', occurredAt: '2025-05-16' });
    await post(
      t(),
      `/v1/exchanges/${ids.quoted}/stages`,
      {
        sides: [
          { party: 'UA', count: 390 },
          { party: 'RU', count: 390 },
        ],
        occurredAt: '2025-05-23',
      },
      201,
    );
    await post(t(), `/v1/exchanges/${ids.quoted}/complete`, {
      sides: [
        { party: 'UA', count: 300 },
        { party: 'RU', count: 303 },
      ],
      occurredAt: '2025-05-25',
      note: FORMULAS.plus,
    });
    // One-way, only proposed, with a formula for a mediator.
    ids.lines = (
      await post(
        t(),
        '/v1/exchanges',
        {
          kind: 'remains',
          proposedBy: 'RU',
          title: TITLES.lines,
          mediator: FORMULAS.equals,
          occurredAt: '2025-05-20',
          sides: [
            { party: 'RU', handsOver: 6000 },
            { party: 'UA', handsOver: 0 },
          ],
        },
        201,
      )
    ).id as string;
    // Agreed, one side unspecified.
    ids.at = (
      await post(
        t(),
        '/v1/exchanges',
        {
          kind: 'medical',
          proposedBy: 'UA',
          title: FORMULAS.at,
          mediator: FORMULAS.minus,
          occurredAt: '2025-05-18T09:30:00+03:00',
          sides: [
            { party: 'UA', handsOver: null },
            { party: 'RU', handsOver: 25 },
          ],
        },
        201,
      )
    ).id as string;
    await post(t(), `/v1/exchanges/${ids.at}/agree`, { by: 'RU', occurredAt: '2025-05-19' });
    await post(
      t(),
      `/v1/exchanges/${ids.at}/stages`,
      { sides: [{ party: 'RU', count: 7 }], occurredAt: '2025-05-21' },
      201,
    );
    ids.cyrillic = (
      await post(
        t(),
        '/v1/exchanges',
        {
          kind: 'civilians',
          proposedBy: 'AM',
          title: TITLES.cyrillic,
          occurredAt: '2024-11-02',
          sides: [
            { party: 'AM', handsOver: 30 },
            { party: 'AZ', handsOver: 30 },
          ],
        },
        201,
      )
    ).id as string;
    await post(t(), `/v1/exchanges/${ids.cyrillic}/reject`, {
      by: 'AZ',
      occurredAt: '2024-11-03',
      reason: 'terms, "as worded"',
    });
  });

  const byId = (csv: Csv) => new Map(csv.rows.map((r) => [r.id!, r]));

  it('writes RFC 4180: a header row, CRLF line ends, quotes doubled inside quoted cells', async () => {
    const csv = await getCsv(t(), '/v1/exchanges');
    expect(csv.headers).toEqual(EXCHANGE_COLUMNS);
    expect(csv.text.startsWith(`${EXCHANGE_COLUMNS.join(',')}\r\n`)).toBe(true);
    expect(csv.text.endsWith('\r\n')).toBe(true);
    // Every line break outside a quoted cell is CRLF (the one inside the title stays \n).
    expect(csv.text.replace(/"(?:[^"]|"")*"/g, '').match(/\n/g)!.length).toBe(
      csv.text.replace(/"(?:[^"]|"")*"/g, '').match(/\r\n/g)!.length,
    );
    expect(csv.text).toContain('"Istanbul, ""1,000 for 1,000"""');
    expect(csv.text).toContain('"Line one\nline two"');
  });

  it('round-trips commas, quotes, line breaks and non-ASCII text exactly', async () => {
    const rows = byId(await getCsv(t(), '/v1/exchanges'));
    expect(rows.get(ids.quoted!)!.title).toBe(TITLES.quoted);
    expect(rows.get(ids.quoted!)!.mediator).toBe('Türkiye');
    expect(rows.get(ids.lines!)!.title).toBe(TITLES.lines);
    expect(rows.get(ids.cyrillic!)!.title).toBe(TITLES.cyrillic);
    const events = (await getCsv(t(), '/v1/events')).rows;
    const proposal = events.find((e) => e.streamId === ids.quoted && e.type === 'ExchangeProposed')!;
    expect(proposal.sourceTitle).toBe('Ombudsman\r\nreport');
    expect(proposal.sourceUrl).toBe('https://example.org/a?b=1,2');
    expect(JSON.parse(proposal.data!)).toMatchObject({ title: TITLES.quoted, mediator: 'Türkiye' });
    const rejection = events.find((e) => e.streamId === ids.cyrillic && e.type === 'ExchangeRejected')!;
    expect(JSON.parse(rejection.data!)).toMatchObject({ reason: 'terms, "as worded"' });
  });

  it('defuses text a spreadsheet would run as a formula with a leading quote, and leaves negative numbers alone', async () => {
    const rows = byId(await getCsv(t(), '/v1/exchanges'));
    expect(rows.get(ids.lines!)!.mediator).toBe(`'${FORMULAS.equals}`);
    expect(rows.get(ids.at!)!.title).toBe(`'${FORMULAS.at}`);
    expect(rows.get(ids.at!)!.mediator).toBe(`'${FORMULAS.minus}`);
    expect(rows.get(ids.quoted!)!).toMatchObject({
      deliveredA: '690',
      varianceA: '-310',
      deliveredB: '693',
      varianceB: '-307',
    });
    const events = (await getCsv(t(), '/v1/events')).rows;
    expect(events.find((e) => e.type === 'ExchangeProposed' && e.streamId === ids.quoted)!.note).toBe(
      `'\tindented, with "quotes"`,
    );
    expect(events.find((e) => e.type === 'ExchangeCompleted')!.note).toBe(`'${FORMULAS.plus}`);
    // The JSON answer keeps the text exactly as recorded.
    expect((await t().http().get(`/v1/exchanges/${ids.lines}`)).body.mediator).toBe(FORMULAS.equals);
  });

  it.each([
    '',
    'status=agreed',
    'status=proposed',
    'kind=pow',
    'kind=civilians',
    'party=UA',
    'party=AZ',
    'from=2025-05-18',
    'to=2025-05-18',
    'from=2025-05-17&to=2025-05-20',
    'from=2025-05-18T06:30:00Z&to=2025-05-18T06:30:00Z',
    'party=RU&kind=medical&status=agreed',
    'party=GE',
  ])('GET /v1/exchanges?%s: the CSV rows are the JSON list, in its order, every page of it', async (query) => {
    const json = await jsonExchanges(t(), query, 1);
    const csv = await getCsv(t(), `/v1/exchanges?${query}`);
    expect(csv.headers).toEqual(EXCHANGE_COLUMNS);
    expect(csv.rows).toEqual(json.map(exchangeRow));
  });

  it('ignores limit (the file is the whole filtered list) and starts after a cursor', async () => {
    const all = await jsonExchanges(t(), '');
    expect(all.length).toBe(4);
    expect((await getCsv(t(), '/v1/exchanges?limit=1')).rows.map((r) => r.id)).toEqual(all.map((e) => e.id));
    const first = await t().http().get('/v1/exchanges?limit=2');
    const rest = await getCsv(t(), `/v1/exchanges?cursor=${first.body.nextCursor}&limit=1`);
    expect(rest.rows.map((r) => r.id)).toEqual(all.slice(2).map((e) => e.id));
  });

  it.each([
    '',
    'party=UA',
    'party=AM',
    'kind=pow',
    'kind=medical',
    'asOf=2025-05-22',
    'asOf=2025-05-16',
    'from=2025-05-24',
    'to=2025-05-23',
    'from=2025-05-21&to=2025-05-23&party=RU',
    'asOf=2025-05-24&kind=pow&party=RU',
    'party=GE',
  ])('GET /v1/totals?%s: one CSV row per party and kind, the JSON figures', async (query) => {
    const json = await t().http().get(`/v1/totals?${query}`);
    expect(json.status, json.text).toBe(200);
    const csv = await getCsv(t(), `/v1/totals?${query}`);
    expect(csv.headers).toEqual(TOTALS_COLUMNS);
    expect(csv.rows).toEqual((json.body.data as Json[]).map(totalsRow));
  });

  it('gives the totals that matter as numbers a spreadsheet can add', async () => {
    const rows = (await getCsv(t(), '/v1/totals?party=UA&kind=pow')).rows;
    expect(rows).toEqual([
      {
        reporter: '',
        party: 'UA',
        kind: 'pow',
        handedOver: '690',
        received: '693',
        agreedOutstanding: '0',
        unspecifiedSides: '0',
        proposed: '0',
        handedOverUndisclosedStages: '0',
        receivedUndisclosedStages: '0',
        handedOverApproximate: '0',
        receivedApproximate: '0',
      },
    ]);
  });

  it.each([0, 3, 9])('GET /v1/events?after=%i: one CSV row per event, as the JSON pages give them', async (after) => {
    const json = await jsonEvents(t(), after);
    const csv = await getCsv(t(), `/v1/events?after=${after}&limit=1`);
    expect(csv.headers).toEqual(EVENT_COLUMNS);
    expect(csv.rows).toEqual(json.map(eventRow));
  });

  it('refuses a bad filter as problem+json, not as CSV', async () => {
    for (const url of [
      '/v1/exchanges?status=lost',
      '/v1/totals?asOf=yesterday',
      '/v1/events?after=-1',
      '/v1/exchanges?cursor=nope',
    ]) {
      const res = await t().http().get(url).set('accept', 'text/csv');
      expect(res.status, url).toBe(400);
      expect(res.headers['content-type'], url).toMatch(/^application\/problem\+json/);
    }
  });
});

describe('CSV answers for a whole ledger, beyond one page of the store', () => {
  const t = useLedger();
  beforeAll(async () => {
    // 3,000 events: some 500 exchanges (more than one page of the walk) and more than one page of the export.
    await applySteps(t().ledger, syntheticLedger({ events: 3000, idOf: freshExchangeId }));
  });

  it('streams every exchange, in the list’s order, without a Content-Length (chunked as it is read)', async () => {
    const json = await jsonExchanges(t(), '');
    expect(json.length).toBeGreaterThan(500);
    const csv = await getCsv(t(), '/v1/exchanges');
    expect(csv.res.headers['transfer-encoding']).toBe('chunked');
    expect(csv.res.headers['content-length']).toBeUndefined();
    expect(csv.rows).toEqual(json.map(exchangeRow));
  });

  it.each(['party=UA', 'kind=remains&status=completed', 'from=2016-01-01&to=2019-12-31', 'party=SD&kind=pow'])(
    'GET /v1/exchanges?%s gives the whole filtered list',
    async (query) => {
      const json = await jsonExchanges(t(), query);
      expect(json.length).toBeGreaterThan(0);
      expect((await getCsv(t(), `/v1/exchanges?${query}`)).rows).toEqual(json.map(exchangeRow));
    },
  );

  it('streams every event of the ledger, in sequence, each with its hash', async () => {
    const json = await jsonEvents(t());
    expect(json.length).toBeGreaterThan(2000);
    const csv = await getCsv(t(), '/v1/events');
    expect(csv.res.headers['transfer-encoding']).toBe('chunked');
    expect(csv.rows.map((r) => Number(r.sequence))).toEqual(json.map((_, i) => i + 1));
    expect(csv.rows).toEqual(json.map(eventRow));
  });

  it('gives the totals of every party and kind', async () => {
    const json = await t().http().get('/v1/totals');
    const csv = await getCsv(t(), '/v1/totals');
    expect(csv.rows.length).toBeGreaterThan(20);
    expect(csv.rows).toEqual((json.body.data as Json[]).map(totalsRow));
  });
});
