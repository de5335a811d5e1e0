import type { Response } from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLedger, type TestLedger } from '../support/app.js';
import { agreed, propose, registerParties, stage } from '../support/scenario.js';

/*
 * Every kind of bad input the design names, on every writing route: each is refused with the
 * right status and problem type, as problem+json, naming every failing field, leaking nothing
 * internal, and writing nothing.
 */

const DAY = 24 * 60 * 60 * 1000;
const dateIn = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);
const instantIn = (ms: number) => new Date(Date.now() + ms).toISOString();

/** The whole ledger as GET /v1/events pages it: count and last hash. */
async function ledgerHead(t: TestLedger): Promise<{ count: number; head: string | null }> {
  let after = '0';
  let count = 0;
  let head: string | null = null;
  for (;;) {
    const res = await t.http().get(`/v1/events?after=${after}&limit=1000`);
    expect(res.status).toBe(200);
    const data = res.body.data as { sequence: number; hash: string }[];
    count += data.length;
    if (data.length) head = data.at(-1)!.hash;
    if (res.body.nextCursor === null) return { count, head };
    after = res.body.nextCursor;
  }
}

function expectNoLeak(res: Response): void {
  const text = res.text;
  expect(text).not.toMatch(/\bat .+:\d+:\d+/); // stack frame
  expect(text).not.toMatch(/\.(ts|js):\d+/);
  expect(text).not.toMatch(/node_modules|\/work\/|SQLITE_|sqlite|drizzle/i);
  expect(text).not.toMatch(/\b(SELECT|INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b/);
  expect(res.body).not.toHaveProperty('stack');
}

interface Refusal {
  status: number;
  type: string;
  /** Exactly the fields that must be named (order free); omitted: not checked. */
  paths?: string[];
}

/** Status, type, media type, RFC 9457 members, every failing field named, nothing leaked. */
function expectProblem(res: Response, url: string, want: Refusal): void {
  expect(res.status, res.text).toBe(want.status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.type).toBe(want.type);
  expect(res.body.status).toBe(want.status);
  expect(typeof res.body.title).toBe('string');
  expect(res.body.title.length).toBeGreaterThan(0);
  expect(typeof res.body.detail).toBe('string');
  // `instance` is optional in RFC 9457; when given it names the request's path.
  if (res.body.instance !== undefined) expect(res.body.instance).toBe(url.split('?')[0]);
  if (want.paths) {
    expect(Array.isArray(res.body.errors), res.text).toBe(true);
    const named = [...new Set((res.body.errors as { path: string; message: string }[]).map((e) => e.path))].sort();
    expect(named, res.text).toEqual([...new Set(want.paths)].sort());
    for (const e of res.body.errors) expect(typeof e.message === 'string' && e.message.length > 0).toBe(true);
  }
  expectNoLeak(res);
}

const VALIDATION = '/problems/validation-failed';
const MALFORMED = '/problems/malformed-json';
const RULE = '/problems/unprocessable';

const invalid = (...paths: string[]): Refusal => ({ status: 400, type: VALIDATION, paths });
const unprocessable = (...paths: string[]): Refusal => ({ status: 422, type: RULE, paths });

type Body = unknown;
interface Case {
  name: string;
  body: Body;
  want: Refusal;
}

describe('bad input is refused and writes nothing', () => {
  const t = useLedger();
  let proposedId = '';
  let agreedId = '';
  let stageId = '';

  beforeAll(async () => {
    await registerParties(t(), 'UA', 'RU', 'AM', 'AZ');
    proposedId = await propose(t(), { occurredAt: '2025-05-16' });
    agreedId = await agreed(t(), { occurredAt: '2025-05-16' });
    stageId = await stage(t(), agreedId, { UA: 390, RU: 390 }, '2025-05-23');
  });

  /** Send, check the refusal, and check that the ledger and the exchange did not move. */
  async function refuse(url: string, body: Body, want: Refusal, raw?: { type: string }): Promise<Response> {
    const before = await ledgerHead(t());
    const exchangeId = /\/v1\/exchanges\/([^/]+)/.exec(url)?.[1];
    const versionBefore = exchangeId ? (await t().http().get(`/v1/exchanges/${exchangeId}`)).body.version : undefined;
    const totalsBefore = (await t().http().get('/v1/totals')).body;
    const req = t().http().post(url);
    const res = raw ? await req.set('content-type', raw.type).send(body as string) : await req.send(body as object);
    expectProblem(res, url, want);
    expect(await ledgerHead(t())).toEqual(before);
    expect((await t().http().get('/v1/totals')).body).toEqual(totalsBefore);
    if (exchangeId && versionBefore !== undefined) {
      expect((await t().http().get(`/v1/exchanges/${exchangeId}`)).body.version).toBe(versionBefore);
    }
    return res;
  }

  // ---------------------------------------------------------------- POST /v1/exchanges
  describe('POST /v1/exchanges', () => {
    const good = {
      kind: 'pow',
      proposedBy: 'UA',
      occurredAt: '2025-05-16',
      sides: [
        { party: 'UA', handsOver: 10 },
        { party: 'RU', handsOver: 10 },
      ],
    };
    const withSide = (i: 0 | 1, side: Record<string, unknown>) => ({
      ...good,
      sides: good.sides.map((s, j) => (j === i ? side : s)),
    });

    const cases: Case[] = [
      // counts
      {
        name: 'a negative count',
        body: withSide(0, { party: 'UA', handsOver: -1 }),
        want: invalid('sides.0.handsOver'),
      },
      {
        name: 'a fractional count',
        body: withSide(1, { party: 'RU', handsOver: 1.5 }),
        want: invalid('sides.1.handsOver'),
      },
      {
        name: 'a count of 10⁷',
        body: withSide(0, { party: 'UA', handsOver: 1e7 }),
        want: invalid('sides.0.handsOver'),
      },
      {
        name: 'a count of 1e300',
        body: withSide(0, { party: 'UA', handsOver: 1e300 }),
        want: invalid('sides.0.handsOver'),
      },
      {
        name: 'a count beyond the safe integers',
        body: withSide(0, { party: 'UA', handsOver: 2 ** 60 }),
        want: invalid('sides.0.handsOver'),
      },
      {
        name: 'a count as a string',
        body: withSide(0, { party: 'UA', handsOver: '10' }),
        want: invalid('sides.0.handsOver'),
      },
      {
        name: 'a count as a boolean',
        body: withSide(1, { party: 'RU', handsOver: true }),
        want: invalid('sides.1.handsOver'),
      },
      {
        name: 'a count as an object',
        body: withSide(1, { party: 'RU', handsOver: { n: 1 } }),
        want: invalid('sides.1.handsOver'),
      },
      { name: 'a side without handsOver', body: withSide(1, { party: 'RU' }), want: invalid('sides.1.handsOver') },
      // wrong types elsewhere
      { name: 'an unknown kind', body: { ...good, kind: 'hostages' }, want: invalid('kind') },
      { name: 'kind as a number', body: { ...good, kind: 1 }, want: invalid('kind') },
      { name: 'kind in capitals', body: { ...good, kind: 'POW' }, want: invalid('kind') },
      { name: 'sides as an object', body: { ...good, sides: { UA: 10, RU: 10 } }, want: invalid('sides') },
      {
        name: 'a side as a string',
        body: { ...good, sides: ['UA', { party: 'RU', handsOver: 1 }] },
        want: invalid('sides.0'),
      },
      { name: 'a title that is not a string', body: { ...good, title: 42 }, want: invalid('title') },
      { name: 'an empty title', body: { ...good, title: '   ' }, want: invalid('title') },
      {
        name: 'a source without title',
        body: { ...good, source: { url: 'https://example.org' } },
        want: invalid('source.title'),
      },
      {
        name: 'a source url that is not http(s)',
        body: { ...good, source: { title: 'x', url: 'javascript:alert(1)' } },
        want: invalid('source.url'),
      },
      {
        name: 'a source publishedAt that is not a date',
        body: { ...good, source: { title: 'x', publishedAt: 'last week' } },
        want: invalid('source.publishedAt'),
      },
      { name: 'a note that is not a string', body: { ...good, note: ['a'] }, want: invalid('note') },
      // missing required fields: all named at once
      { name: 'an empty object', body: {}, want: invalid('kind', 'proposedBy', 'sides', 'occurredAt') },
      { name: 'no occurredAt', body: { ...good, occurredAt: undefined }, want: invalid('occurredAt') },
      { name: 'a side without party', body: withSide(0, { handsOver: 10 }), want: invalid('sides.0.party') },
      // sides
      {
        name: 'three sides',
        body: { ...good, sides: [...good.sides, { party: 'AM', handsOver: 1 }] },
        want: invalid('sides'),
      },
      { name: 'one side', body: { ...good, sides: [good.sides[0]] }, want: invalid('sides') },
      { name: 'no sides', body: { ...good, sides: [] }, want: invalid('sides') },
      // party id formats
      {
        name: 'a party id with a space',
        body: withSide(0, { party: 'U A', handsOver: 1 }),
        want: invalid('sides.0.party'),
      },
      { name: 'an empty party id', body: withSide(1, { party: '', handsOver: 1 }), want: invalid('sides.1.party') },
      {
        name: 'a 33-character party id',
        body: withSide(1, { party: 'x'.repeat(33), handsOver: 1 }),
        want: invalid('sides.1.party'),
      },
      {
        name: 'a party id with a slash',
        body: withSide(1, { party: 'RU/UA', handsOver: 1 }),
        want: invalid('sides.1.party'),
      },
      {
        name: 'a party id with non-ASCII letters',
        body: withSide(1, { party: 'ÜA', handsOver: 1 }),
        want: invalid('sides.1.party'),
      },
      { name: 'a party id as a number', body: withSide(1, { party: 7, handsOver: 1 }), want: invalid('sides.1.party') },
      {
        name: 'proposedBy with an SQL quote',
        body: { ...good, proposedBy: "UA'; DROP TABLE events;--" },
        want: invalid('proposedBy'),
      },
      // dates
      {
        name: 'an impossible day (2025-02-30)',
        body: { ...good, occurredAt: '2025-02-30' },
        want: invalid('occurredAt'),
      },
      {
        name: 'an impossible month (2025-13-01)',
        body: { ...good, occurredAt: '2025-13-01' },
        want: invalid('occurredAt'),
      },
      { name: '"yesterday"', body: { ...good, occurredAt: 'yesterday' }, want: invalid('occurredAt') },
      {
        name: 'a date-time without offset',
        body: { ...good, occurredAt: '2025-05-16T10:00:00' },
        want: invalid('occurredAt'),
      },
      {
        name: 'an impossible date-time (2025-02-30T10:00Z)',
        body: { ...good, occurredAt: '2025-02-30T10:00:00Z' },
        want: invalid('occurredAt'),
      },
      {
        name: 'an impossible hour (T25:00Z)',
        body: { ...good, occurredAt: '2025-05-16T25:00:00Z' },
        want: invalid('occurredAt'),
      },
      {
        name: 'a day-first date (16/05/2025)',
        body: { ...good, occurredAt: '16/05/2025' },
        want: invalid('occurredAt'),
      },
      { name: 'an unpadded date (2025-5-16)', body: { ...good, occurredAt: '2025-5-16' }, want: invalid('occurredAt') },
      { name: 'an empty date', body: { ...good, occurredAt: '' }, want: invalid('occurredAt') },
      {
        name: 'a date as epoch milliseconds',
        body: { ...good, occurredAt: 1747353600000 },
        want: invalid('occurredAt'),
      },
      // unknown fields
      { name: 'an unknown top-level field', body: { ...good, bogus: 1 }, want: invalid('bogus') },
      {
        name: 'an unknown field in source',
        body: { ...good, source: { title: 'x', extra: true } },
        want: invalid('source.extra'),
      },
      {
        name: 'an unknown field in a side',
        body: withSide(1, { party: 'RU', handsOver: 1, delivered: 1 }),
        want: invalid('sides.1.delivered'),
      },
      {
        name: 'a client-chosen id',
        body: { ...good, id: '0196e5a4-8f00-7000-8000-000000000001', status: 'completed' },
        want: invalid('id', 'status'),
      },
      // several fields at once: every one is named
      {
        name: 'six failing fields at once',
        body: {
          kind: 'x',
          proposedBy: 'U A',
          occurredAt: '2025-02-30',
          bogus: 1,
          sides: [
            { party: 'UA', handsOver: -1 },
            { party: 'RU', handsOver: 'ten' },
          ],
        },
        want: invalid('kind', 'proposedBy', 'occurredAt', 'bogus', 'sides.0.handsOver', 'sides.1.handsOver'),
      },
      // the shape of the body itself
      { name: 'a body that is an array', body: [good], want: { status: 400, type: VALIDATION } },
      // rules (422)
      {
        name: 'the same party twice',
        body: {
          ...good,
          sides: [
            { party: 'UA', handsOver: 1 },
            { party: 'UA', handsOver: 2 },
          ],
        },
        want: unprocessable('sides.1.party'),
      },
      {
        name: 'an unregistered party',
        body: withSide(1, { party: 'ZZ', handsOver: 1 }),
        want: unprocessable('sides.1.party'),
      },
      {
        name: 'two unregistered parties',
        body: {
          ...good,
          proposedBy: 'XX',
          sides: [
            { party: 'XX', handsOver: 1 },
            { party: 'YY', handsOver: 1 },
          ],
        },
        want: unprocessable('sides.0.party', 'sides.1.party'),
      },
      { name: 'proposedBy not a side', body: { ...good, proposedBy: 'AM' }, want: unprocessable('proposedBy') },
      {
        name: 'proposedBy an unregistered party',
        body: { ...good, proposedBy: 'ZZ' },
        want: unprocessable('proposedBy'),
      },
      { name: 'a date three days ahead', body: { ...good, occurredAt: dateIn(3) }, want: unprocessable('occurredAt') },
      {
        name: 'a date-time 25 hours ahead',
        body: { ...good, occurredAt: instantIn(25 * 60 * 60 * 1000) },
        want: unprocessable('occurredAt'),
      },
      { name: 'a year far ahead', body: { ...good, occurredAt: '9999-12-31' }, want: unprocessable('occurredAt') },
      {
        name: 'three rules broken at once',
        body: {
          ...good,
          proposedBy: 'AM',
          sides: [
            { party: 'UA', handsOver: 1 },
            { party: 'ZZ', handsOver: 1 },
          ],
          occurredAt: dateIn(5),
        },
        want: unprocessable('occurredAt', 'sides.1.party', 'proposedBy'),
      },
    ];

    it.each(cases)('$name', async ({ body, want }) => {
      await refuse('/v1/exchanges', body, want);
    });

    it('names the bound when a date lies too far ahead', async () => {
      const res = await refuse('/v1/exchanges', { ...good, occurredAt: dateIn(3) }, unprocessable('occurredAt'));
      const bound = /(\d{4}-\d{2}-\d{2}T[\d:.]+Z)/.exec(res.body.errors[0].message)?.[1];
      expect(bound, res.body.errors[0].message).toBeDefined();
      // the bound is about a day from now
      expect(Math.abs(Date.parse(bound!) - (Date.now() + DAY))).toBeLessThan(60_000);
    });

    it('refuses malformed JSON as malformed-json', async () => {
      await refuse(
        '/v1/exchanges',
        '{"kind": "pow", "proposedBy": ',
        { status: 400, type: MALFORMED },
        { type: 'application/json' },
      );
      await refuse('/v1/exchanges', "{'kind': 'pow'}", { status: 400, type: MALFORMED }, { type: 'application/json' });
      await refuse('/v1/exchanges', '{"kind": "pow",}', { status: 400, type: MALFORMED }, { type: 'application/json' });
    });

    it('refuses an empty body sent as JSON as malformed-json', async () => {
      await refuse('/v1/exchanges', '', { status: 400, type: MALFORMED }, { type: 'application/json' });
    });

    it('refuses a body that is a JSON string, number or null', async () => {
      for (const raw of ['"pow"', '42', 'null', 'true']) {
        await refuse('/v1/exchanges', raw, { status: 400, type: VALIDATION }, { type: 'application/json' });
      }
    });

    it('refuses no body at all', async () => {
      const before = await ledgerHead(t());
      const res = await t().http().post('/v1/exchanges');
      expectProblem(res, '/v1/exchanges', { status: 400, type: VALIDATION });
      expect(await ledgerHead(t())).toEqual(before);
    });

    it('refuses a body that is not JSON (415)', async () => {
      await refuse(
        '/v1/exchanges',
        'kind=pow&proposedBy=UA',
        { status: 415, type: '/problems/unsupported-media-type' },
        { type: 'application/x-www-form-urlencoded' },
      );
      await refuse(
        '/v1/exchanges',
        JSON.stringify(good),
        { status: 415, type: '/problems/unsupported-media-type' },
        { type: 'text/plain' },
      );
    });

    it('refuses a body over the size bound (413)', async () => {
      await refuse(
        '/v1/exchanges',
        { ...good, note: 'x'.repeat(2 * 1024 * 1024) },
        { status: 413, type: '/problems/payload-too-large' },
      );
    });

    it('still accepts the good body and the edges of the ranges (controls)', async () => {
      const ok = async (body: object) => {
        const res = await t().http().post('/v1/exchanges').send(body);
        expect(res.status, res.text).toBe(201);
        return res.body;
      };
      await ok(good);
      const edges = await ok({
        ...good,
        sides: [
          { party: 'UA', handsOver: 9_999_999 },
          { party: 'RU', handsOver: 0 },
        ],
      });
      expect(edges.sides.map((s: { handsOver: number }) => s.handsOver)).toEqual([9_999_999, 0]);
      await ok({
        ...good,
        kind: 'medical',
        sides: [
          { party: 'UA', handsOver: null },
          { party: 'RU', handsOver: null },
        ],
      });
      const offset = await ok({ ...good, occurredAt: '2025-05-16T14:00:00+03:00' });
      expect(offset.occurredAt).toBe('2025-05-16T11:00:00.000Z');
      await ok({ ...good, occurredAt: instantIn(12 * 60 * 60 * 1000) }); // within a day ahead: allowed
      await ok({ ...good, occurredAt: '2024-02-29' }); // a real leap day
    });
  });

  // ---------------------------------------------------------------- POST /v1/exchanges/{id}/stages
  describe('POST /v1/exchanges/{id}/stages', () => {
    const url = () => `/v1/exchanges/${agreedId}/stages`;
    const good = {
      sides: [
        { party: 'UA', count: 5 },
        { party: 'RU', count: 5 },
      ],
      occurredAt: '2025-05-24',
    };
    const withSide = (i: 0 | 1, side: Record<string, unknown>) => ({
      ...good,
      sides: good.sides.map((s, j) => (j === i ? side : s)),
    });
    const cases: Case[] = [
      { name: 'a negative count', body: withSide(0, { party: 'UA', count: -5 }), want: invalid('sides.0.count') },
      { name: 'a fractional count', body: withSide(1, { party: 'RU', count: 0.5 }), want: invalid('sides.1.count') },
      { name: 'a count of 10⁷', body: withSide(1, { party: 'RU', count: 10_000_000 }), want: invalid('sides.1.count') },
      { name: 'a count of 1e300', body: withSide(1, { party: 'RU', count: 1e300 }), want: invalid('sides.1.count') },
      { name: 'a count as a string', body: withSide(0, { party: 'UA', count: '5' }), want: invalid('sides.0.count') },
      // A null count is a count not disclosed (Wave 2, accounts.test.ts); a flag must still be a flag.
      {
        name: 'approximate as a string',
        body: withSide(0, { party: 'UA', count: 5, approximate: 'yes' }),
        want: invalid('sides.0.approximate'),
      },
      { name: 'a missing count', body: withSide(0, { party: 'UA' }), want: invalid('sides.0.count') },
      {
        name: 'handsOver instead of count',
        body: withSide(0, { party: 'UA', handsOver: 5 }),
        want: invalid('sides.0.count', 'sides.0.handsOver'),
      },
      { name: 'a bad party id', body: withSide(0, { party: 'U-A!', count: 5 }), want: invalid('sides.0.party') },
      {
        name: 'three sides',
        body: { ...good, sides: [...good.sides, { party: 'AM', count: 1 }] },
        want: invalid('sides'),
      },
      { name: 'no sides', body: { ...good, sides: [] }, want: invalid('sides') },
      { name: 'missing sides and occurredAt', body: {}, want: invalid('sides', 'occurredAt') },
      { name: 'an impossible date', body: { ...good, occurredAt: '2025-02-30' }, want: invalid('occurredAt') },
      {
        name: 'a date-time without offset',
        body: { ...good, occurredAt: '2025-05-24T09:00' },
        want: invalid('occurredAt'),
      },
      { name: 'an unknown top-level field', body: { ...good, exchangeId: agreedId }, want: invalid('exchangeId') },
      {
        name: 'an unknown nested field',
        body: { ...good, source: { title: 'x', extra: 1 } },
        want: invalid('source.extra'),
      },
      {
        name: 'five failing fields at once',
        body: {
          sides: [
            { party: 'UA', count: -1 },
            { party: 'RU', count: 'x', extra: 1 },
          ],
          occurredAt: 'yesterday',
          bogus: true,
        },
        want: invalid('sides.0.count', 'sides.1.count', 'sides.1.extra', 'occurredAt', 'bogus'),
      },
      { name: 'a body that is an array', body: [good], want: { status: 400, type: VALIDATION } },
      // rules
      {
        name: 'a party not of this exchange',
        body: withSide(1, { party: 'AM', count: 5 }),
        want: unprocessable('sides.1.party'),
      },
      {
        name: 'an unregistered party',
        body: withSide(0, { party: 'ZZ', count: 5 }),
        want: unprocessable('sides.0.party'),
      },
      {
        name: 'the same party twice',
        body: {
          ...good,
          sides: [
            { party: 'UA', count: 1 },
            { party: 'UA', count: 2 },
          ],
        },
        want: unprocessable('sides.1.party'),
      },
      {
        name: 'nobody handed over',
        body: {
          ...good,
          sides: [
            { party: 'UA', count: 0 },
            { party: 'RU', count: 0 },
          ],
        },
        want: unprocessable('sides'),
      },
      { name: 'a date in the future', body: { ...good, occurredAt: dateIn(3) }, want: unprocessable('occurredAt') },
      {
        name: 'a date before the agreement',
        body: { ...good, occurredAt: '2025-05-15' },
        want: unprocessable('occurredAt'),
      },
    ];
    it.each(cases)('$name', async ({ body, want }) => {
      await refuse(url(), body, want);
    });

    it('refuses malformed JSON, an empty JSON body and a JSON string', async () => {
      await refuse(url(), '{"sides": [', { status: 400, type: MALFORMED }, { type: 'application/json' });
      await refuse(url(), '', { status: 400, type: MALFORMED }, { type: 'application/json' });
      await refuse(url(), '"390 for 390"', { status: 400, type: VALIDATION }, { type: 'application/json' });
    });

    it('refuses a stage on a proposed exchange with 409 naming the status', async () => {
      const res = await refuse(`/v1/exchanges/${proposedId}/stages`, good, {
        status: 409,
        type: '/problems/transition-not-allowed',
      });
      expect(res.body.currentStatus).toBe('proposed');
      expect(res.body.allowedTransitions).toEqual(expect.arrayContaining(['counter', 'agree', 'reject', 'withdraw']));
    });
  });

  // ---------------------------------------------------------------- POST /v1/exchanges/{id}/counter
  describe('POST /v1/exchanges/{id}/counter', () => {
    const url = () => `/v1/exchanges/${proposedId}/counter`;
    const good = {
      by: 'RU',
      sides: [
        { party: 'UA', handsOver: 900 },
        { party: 'RU', handsOver: 900 },
      ],
      occurredAt: '2025-05-17',
    };
    const cases: Case[] = [
      {
        name: 'a negative count',
        body: { ...good, sides: [{ party: 'UA', handsOver: -900 }, good.sides[1]] },
        want: invalid('sides.0.handsOver'),
      },
      {
        name: 'a fractional count',
        body: { ...good, sides: [good.sides[0], { party: 'RU', handsOver: 899.5 }] },
        want: invalid('sides.1.handsOver'),
      },
      {
        name: 'a count of 1e300',
        body: { ...good, sides: [good.sides[0], { party: 'RU', handsOver: 1e300 }] },
        want: invalid('sides.1.handsOver'),
      },
      {
        name: 'a count as a string',
        body: { ...good, sides: [{ party: 'UA', handsOver: '900' }, good.sides[1]] },
        want: invalid('sides.0.handsOver'),
      },
      { name: 'no by', body: { sides: good.sides, occurredAt: good.occurredAt }, want: invalid('by') },
      { name: 'by as a number', body: { ...good, by: 643 }, want: invalid('by') },
      { name: 'a bad by format', body: { ...good, by: 'R U' }, want: invalid('by') },
      {
        name: 'three sides',
        body: { ...good, sides: [...good.sides, { party: 'AM', handsOver: 1 }] },
        want: invalid('sides'),
      },
      { name: 'an impossible month', body: { ...good, occurredAt: '2025-13-01' }, want: invalid('occurredAt') },
      { name: 'an unknown field', body: { ...good, kind: 'remains' }, want: invalid('kind') },
      { name: 'everything missing', body: {}, want: invalid('by', 'sides', 'occurredAt') },
      { name: 'by not a party of the exchange', body: { ...good, by: 'AM' }, want: unprocessable('by') },
      { name: 'by an unregistered party', body: { ...good, by: 'ZZ' }, want: unprocessable('by') },
      {
        name: 'the same party twice',
        body: { ...good, sides: [good.sides[0], { party: 'UA', handsOver: 1 }] },
        want: unprocessable('sides.1.party'),
      },
      {
        name: 'a side naming another party',
        body: { ...good, sides: [good.sides[0], { party: 'AM', handsOver: 1 }] },
        want: unprocessable('sides.1.party'),
      },
      { name: 'a future date', body: { ...good, occurredAt: dateIn(4) }, want: unprocessable('occurredAt') },
      {
        name: 'a date before the proposal',
        body: { ...good, occurredAt: '2025-05-15' },
        want: unprocessable('occurredAt'),
      },
    ];
    it.each(cases)('$name', async ({ body, want }) => {
      await refuse(url(), body, want);
    });

    it('refuses malformed JSON and a body that is an array', async () => {
      await refuse(url(), '{by: RU}', { status: 400, type: MALFORMED }, { type: 'application/json' });
      await refuse(url(), [good], { status: 400, type: VALIDATION });
    });
  });

  // ---------------------------------------------------------------- POST /v1/exchanges/{id}/agree
  describe('POST /v1/exchanges/{id}/agree', () => {
    const url = () => `/v1/exchanges/${proposedId}/agree`;
    const good = { by: 'RU', occurredAt: '2025-05-17' };
    const cases: Case[] = [
      { name: 'no by', body: { occurredAt: '2025-05-17' }, want: invalid('by') },
      { name: 'by as an array', body: { ...good, by: ['RU'] }, want: invalid('by') },
      { name: 'an empty by', body: { ...good, by: '' }, want: invalid('by') },
      { name: 'no occurredAt', body: { by: 'RU' }, want: invalid('occurredAt') },
      { name: '"yesterday"', body: { ...good, occurredAt: 'yesterday' }, want: invalid('occurredAt') },
      {
        name: 'a date-time without offset',
        body: { ...good, occurredAt: '2025-05-17T12:00:00.000' },
        want: invalid('occurredAt'),
      },
      {
        name: 'terms on an agree',
        body: {
          ...good,
          sides: [
            { party: 'UA', handsOver: 1 },
            { party: 'RU', handsOver: 1 },
          ],
        },
        want: invalid('sides'),
      },
      {
        name: 'an unknown nested field',
        body: { ...good, source: { title: 'x', author: 'y' } },
        want: invalid('source.author'),
      },
      {
        name: 'two failing fields at once',
        body: { by: 1, occurredAt: '2025-02-30' },
        want: invalid('by', 'occurredAt'),
      },
      { name: 'by not a party of the exchange', body: { ...good, by: 'AZ' }, want: unprocessable('by') },
      {
        name: 'a future date-time',
        body: { ...good, occurredAt: instantIn(2 * DAY) },
        want: unprocessable('occurredAt'),
      },
      {
        name: 'a date before the proposal',
        body: { ...good, occurredAt: '2025-05-01' },
        want: unprocessable('occurredAt'),
      },
    ];
    it.each(cases)('$name', async ({ body, want }) => {
      await refuse(url(), body, want);
    });

    it('refuses malformed JSON, an empty JSON body, an array and a string', async () => {
      await refuse(url(), '{"by":"RU"', { status: 400, type: MALFORMED }, { type: 'application/json' });
      await refuse(url(), '', { status: 400, type: MALFORMED }, { type: 'application/json' });
      await refuse(url(), '["RU"]', { status: 400, type: VALIDATION }, { type: 'application/json' });
      await refuse(url(), '"agree"', { status: 400, type: VALIDATION }, { type: 'application/json' });
    });

    it('refuses an agree by the proposer itself (409 party-not-allowed)', async () => {
      await refuse(url(), { by: 'UA', occurredAt: '2025-05-17' }, { status: 409, type: '/problems/party-not-allowed' });
    });
  });

  // ---------------------------------------------------------------- POST /v1/exchanges/{id}/complete
  describe('POST /v1/exchanges/{id}/complete', () => {
    const url = () => `/v1/exchanges/${agreedId}/complete`;
    const good = {
      occurredAt: '2025-05-25',
      sides: [
        { party: 'UA', count: 303 },
        { party: 'RU', count: 303 },
      ],
    };
    const cases: Case[] = [
      {
        name: 'a negative count',
        body: { ...good, sides: [{ party: 'UA', count: -303 }, good.sides[1]] },
        want: invalid('sides.0.count'),
      },
      {
        name: 'a count of 1e7',
        body: { ...good, sides: [good.sides[0], { party: 'RU', count: 1e7 }] },
        want: invalid('sides.1.count'),
      },
      {
        name: 'a count as a string',
        body: { ...good, sides: [good.sides[0], { party: 'RU', count: '303' }] },
        want: invalid('sides.1.count'),
      },
      { name: 'an empty last tranche', body: { ...good, sides: [] }, want: invalid('sides') },
      {
        name: 'three sides',
        body: { ...good, sides: [...good.sides, { party: 'AM', count: 1 }] },
        want: invalid('sides'),
      },
      { name: 'no occurredAt', body: { sides: good.sides }, want: invalid('occurredAt') },
      { name: 'an impossible date', body: { ...good, occurredAt: '2025-04-31' }, want: invalid('occurredAt') },
      { name: 'a by (not a field of complete)', body: { ...good, by: 'UA' }, want: invalid('by') },
      {
        name: 'two failing fields at once',
        body: { occurredAt: 'soon', sides: [{ party: 'UA', count: 1.25 }] },
        want: invalid('occurredAt', 'sides.0.count'),
      },
      {
        name: 'a party not of this exchange',
        body: { ...good, sides: [{ party: 'AZ', count: 1 }] },
        want: unprocessable('sides.0.party'),
      },
      { name: 'a future date', body: { ...good, occurredAt: dateIn(3) }, want: unprocessable('occurredAt') },
      { name: 'a date before the latest stage', body: { occurredAt: '2025-05-20' }, want: unprocessable('occurredAt') },
    ];
    it.each(cases)('$name', async ({ body, want }) => {
      await refuse(url(), body, want);
    });

    it('refuses malformed JSON and an empty JSON body', async () => {
      await refuse(url(), '{"occurredAt":2025-05-25}', { status: 400, type: MALFORMED }, { type: 'application/json' });
      await refuse(url(), '', { status: 400, type: MALFORMED }, { type: 'application/json' });
    });
  });

  // ---------------------------------------------------------------- POST /v1/exchanges/{id}/stages/{stageId}/void
  describe('POST /v1/exchanges/{id}/stages/{stageId}/void', () => {
    const url = () => `/v1/exchanges/${agreedId}/stages/${stageId}/void`;
    const good = { occurredAt: '2025-05-26', reason: 'recorded twice' };
    const cases: Case[] = [
      { name: 'no reason', body: { occurredAt: good.occurredAt }, want: invalid('reason') },
      { name: 'a blank reason', body: { ...good, reason: '   ' }, want: invalid('reason') },
      { name: 'a reason that is not a string', body: { ...good, reason: 1 }, want: invalid('reason') },
      { name: 'no occurredAt', body: { reason: good.reason }, want: invalid('occurredAt') },
      {
        name: 'a date-time without offset',
        body: { ...good, occurredAt: '2025-05-26 10:00' },
        want: invalid('occurredAt'),
      },
      { name: 'an unknown field', body: { ...good, count: 0 }, want: invalid('count') },
      { name: 'an empty object', body: {}, want: invalid('occurredAt', 'reason') },
      { name: 'a future date', body: { ...good, occurredAt: dateIn(3) }, want: unprocessable('occurredAt') },
      {
        name: 'a date before the stage',
        body: { ...good, occurredAt: '2025-05-22' },
        want: unprocessable('occurredAt'),
      },
    ];
    it.each(cases)('$name', async ({ body, want }) => {
      await refuse(url(), body, want);
    });

    it('refuses malformed JSON and a JSON array', async () => {
      await refuse(url(), '{"reason":"x",', { status: 400, type: MALFORMED }, { type: 'application/json' });
      await refuse(url(), '[]', { status: 400, type: VALIDATION }, { type: 'application/json' });
    });

    it('refuses an unknown stage with 404', async () => {
      await refuse(`/v1/exchanges/${agreedId}/stages/0196e5a4-8f00-7000-8000-00000000dead/void`, good, {
        status: 404,
        type: '/problems/not-found',
      });
    });
  });

  // ---------------------------------------------------------------- POST /v1/parties
  describe('POST /v1/parties', () => {
    const cases: Case[] = [
      { name: 'no id and no name', body: {}, want: invalid('id', 'name') },
      { name: 'no name', body: { id: 'GE' }, want: invalid('name') },
      { name: 'a blank name', body: { id: 'GE', name: '  ' }, want: invalid('name') },
      { name: 'a name that is not a string', body: { id: 'GE', name: 42 }, want: invalid('name') },
      { name: 'an id with a space', body: { id: 'G E', name: 'Georgia' }, want: invalid('id') },
      { name: 'an empty id', body: { id: '', name: 'Georgia' }, want: invalid('id') },
      { name: 'a 33-character id', body: { id: 'g'.repeat(33), name: 'Georgia' }, want: invalid('id') },
      { name: 'an id with a dot', body: { id: 'ge.gov', name: 'Georgia' }, want: invalid('id') },
      { name: 'an id as a number', body: { id: 268, name: 'Georgia' }, want: invalid('id') },
      {
        name: 'an impossible occurredAt',
        body: { id: 'GE', name: 'Georgia', occurredAt: '2025-02-29' },
        want: invalid('occurredAt'),
      },
      { name: 'an unknown field', body: { id: 'GE', name: 'Georgia', iso3: 'GEO' }, want: invalid('iso3') },
      {
        name: 'three failing fields at once',
        body: { id: 'G E', name: '', flag: '🇬🇪' },
        want: invalid('id', 'name', 'flag'),
      },
      {
        name: 'a body that is an array',
        body: [{ id: 'GE', name: 'Georgia' }],
        want: { status: 400, type: VALIDATION },
      },
      {
        name: 'a future occurredAt',
        body: { id: 'GE', name: 'Georgia', occurredAt: dateIn(10) },
        want: unprocessable('occurredAt'),
      },
    ];
    it.each(cases)('$name', async ({ body, want }) => {
      await refuse('/v1/parties', body, want);
    });

    it('refuses malformed JSON, an empty JSON body and a JSON string', async () => {
      await refuse(
        '/v1/parties',
        '{"id":"GE","name":"Georgia"',
        { status: 400, type: MALFORMED },
        { type: 'application/json' },
      );
      await refuse('/v1/parties', '', { status: 400, type: MALFORMED }, { type: 'application/json' });
      await refuse('/v1/parties', '"GE"', { status: 400, type: VALIDATION }, { type: 'application/json' });
    });

    it('refuses a party registered twice with 409', async () => {
      await refuse(
        '/v1/parties',
        { id: 'UA', name: 'Ukraine again' },
        { status: 409, type: '/problems/already-exists' },
      );
    });
  });

  // ---------------------------------------------------------------- transitions on what does not exist
  it('refuses a transition on a missing exchange with 404, writing nothing', async () => {
    const missing = '0196e5a4-8f00-7000-8000-00000000beef';
    await refuse(
      `/v1/exchanges/${missing}/agree`,
      { by: 'RU', occurredAt: '2025-05-17' },
      { status: 404, type: '/problems/not-found' },
    );
    await refuse(
      `/v1/exchanges/${missing}/stages`,
      { sides: [{ party: 'UA', count: 1 }], occurredAt: '2025-05-17' },
      { status: 404, type: '/problems/not-found' },
    );
  });

  // ---------------------------------------------------------------- query parameters
  describe('bad query parameters', () => {
    const cases: { url: string; paths: string[] }[] = [
      { url: '/v1/exchanges?limit=0', paths: ['query.limit'] },
      { url: '/v1/exchanges?limit=201', paths: ['query.limit'] },
      { url: '/v1/exchanges?limit=-1', paths: ['query.limit'] },
      { url: '/v1/exchanges?limit=abc', paths: ['query.limit'] },
      { url: '/v1/exchanges?limit=2.5', paths: ['query.limit'] },
      { url: '/v1/exchanges?status=bogus', paths: ['query.status'] },
      { url: '/v1/exchanges?kind=hostages', paths: ['query.kind'] },
      { url: '/v1/exchanges?party=U%20A', paths: ['query.party'] },
      { url: '/v1/exchanges?from=yesterday', paths: ['query.from'] },
      { url: '/v1/exchanges?to=2025-02-30', paths: ['query.to'] },
      { url: '/v1/exchanges?sort=desc', paths: ['query.sort'] },
      { url: '/v1/exchanges?cursor=not-a-cursor', paths: ['query.cursor'] },
      { url: `/v1/exchanges?cursor=${Buffer.from('{"a":1}').toString('base64url')}`, paths: ['query.cursor'] },
      {
        url: `/v1/exchanges?cursor=${Buffer.from('["2025-05-16","x"]').toString('base64url')}`,
        paths: ['query.cursor'],
      },
      {
        url: '/v1/exchanges?limit=0&status=bogus&kind=x&nope=1',
        paths: ['query.limit', 'query.status', 'query.kind', 'query.nope'],
      },
      { url: '/v1/events?after=-1', paths: ['query.after'] },
      { url: '/v1/events?after=abc', paths: ['query.after'] },
      { url: '/v1/events?limit=0', paths: ['query.limit'] },
      { url: '/v1/events?limit=1001', paths: ['query.limit'] },
      { url: '/v1/events?since=3', paths: ['query.since'] },
      { url: '/v1/totals?kind=bogus', paths: ['query.kind'] },
      { url: '/v1/totals?party=a/b', paths: ['query.party'] },
      { url: '/v1/totals?from=2025-13-01&to=tomorrow', paths: ['query.from', 'query.to'] },
      { url: '/v1/totals?groupBy=kind', paths: ['query.groupBy'] },
    ];
    it.each(cases)('$url → 400', async ({ url, paths }) => {
      const res = await t().http().get(url);
      expectProblem(res, url, invalid(...paths));
    });
  });
});
