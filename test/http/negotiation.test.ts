import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createKey, expect401, expectProblem, MASTER_KEY, useSecuredLedger } from '../security/helpers.js';
import { useLedger } from '../support/app.js';
import { registerParties } from '../support/scenario.js';

/*
 * Every route answers in the media types it documents (JSON, and for some CSV or NDJSON) and
 * no other: an Accept header that allows none of them is 406 problem+json, instead of JSON
 * the client did not ask for. Absent, `*\/*`, `application/*` and problem+json still get the
 * usual answer.
 */

const JSON_ROUTES = ['/v1/parties', '/v1/parties/UA', '/v1/ledger/head', '/healthz', '/readyz', '/problems/not-found'];
const CSV_ROUTES = ['/v1/exchanges', '/v1/totals', '/v1/events'];

describe('content negotiation', () => {
  const t = useLedger();
  beforeAll(async () => {
    await registerParties(t(), 'UA', 'RU');
  });

  it.each([...JSON_ROUTES, ...CSV_ROUTES, '/openapi.json'])(
    'GET %s with Accept: image/png → 406 problem+json',
    async (url) => {
      const res = await t().http().get(url).set('accept', 'image/png');
      expectProblem(res, 406, 'not-acceptable');
      expect(res.body.detail).toMatch(/application\/json/);
    },
  );

  it('refuses a write whose answer could not be read as asked, and writes nothing', async () => {
    const res = await t().http().post('/v1/parties').set('accept', 'text/html').send({ id: 'GE', name: 'Georgia' });
    expectProblem(res, 406, 'not-acceptable');
    expect((await t().http().get('/v1/parties/GE')).status).toBe(404);
  });

  it.each([
    ['no Accept', undefined],
    ['*/*', '*/*'],
    ['application/*', 'application/*'],
    ['application/json', 'application/json'],
    ['application/json with a charset', 'application/json; charset=utf-8'],
    ['only problem+json', 'application/problem+json'],
    ['a browser’s', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'],
    ['mixed case', 'Application/JSON'],
  ])('answers JSON to %s', async (_what, accept) => {
    for (const url of [...JSON_ROUTES, ...CSV_ROUTES]) {
      const request = t().http().get(url);
      const res = await (accept === undefined ? request : request.set('accept', accept));
      expect(res.status, `${url}: ${res.text.slice(0, 200)}`).toBe(200);
      expect(res.headers['content-type'], url).toMatch(/^application\/json/);
    }
  });

  it('serves the OpenAPI document to whoever reads JSON, and nothing else', async () => {
    expect((await t().http().get('/openapi.json').set('accept', 'application/json, */*;q=0.1')).status).toBe(200);
    expectProblem(await t().http().get('/openapi.json').set('accept', 'text/csv'), 406, 'not-acceptable');
  });

  it('refuses CSV on a route that has no CSV answer, rather than answering JSON', async () => {
    for (const url of JSON_ROUTES)
      expectProblem(await t().http().get(url).set('accept', 'text/csv'), 406, 'not-acceptable');
  });

  it.each([
    ['text/csv', 'text/csv'],
    ['text/*', 'text/csv'],
    ['text/csv;q=0.9, application/json;q=0.5', 'text/csv'],
    ['application/json;q=0.5, text/csv', 'text/csv'],
    ['text/csv, application/json', 'application/json'],
    ['text/csv;q=0, */*', 'application/json'],
    ['image/png, text/csv;q=0.1', 'text/csv'],
  ])('on the CSV routes, Accept: %s → %s', async (accept, type) => {
    for (const url of CSV_ROUTES) {
      const res = await t().http().get(url).set('accept', accept);
      expect(res.status, url).toBe(200);
      expect(res.headers['content-type'], url).toMatch(new RegExp(`^${type}`));
      expect(res.headers.vary, url).toMatch(/accept/i);
    }
  });

  it('refuses a type the client ruled out with q=0, even when a wildcard allows the rest', async () => {
    expectProblem(
      await t().http().get('/v1/parties').set('accept', 'application/json;q=0, text/csv'),
      406,
      'not-acceptable',
    );
    expectProblem(
      await t().http().get('/v1/totals').set('accept', 'application/json;q=0, text/csv;q=0, */*'),
      406,
      'not-acceptable',
    );
  });

  it('still streams NDJSON from /v1/events when asked', async () => {
    const res = await t().http().get('/v1/events').set('accept', 'application/x-ndjson');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(
      res.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).type),
    ).toEqual(['PartyRegistered', 'PartyRegistered']);
  });

  it('answers errors as problem+json whatever the Accept header asked for', async () => {
    for (const accept of ['text/csv', 'application/json']) {
      expectProblem(await t().http().get('/v1/exchanges?status=lost').set('accept', accept), 400, 'validation-failed');
      expectProblem(await t().http().get('/v1/nowhere').set('accept', accept), 404, 'not-found');
    }
  });
});

describe('content negotiation with authentication', () => {
  const t = useSecuredLedger();

  it('says 401 to a request without a key before it says 406', async () => {
    expect401(await t().http().get('/v1/totals').set('accept', 'image/png'));
  });

  it('says 406 to a reader', async () => {
    const reader = await createKey(t(), 'reader');
    expectProblem(
      await t().http().get('/v1/totals').set('accept', 'image/png').set('authorization', bearer(reader.secret)),
      406,
      'not-acceptable',
    );
    const csv = await t().http().get('/v1/totals').set('accept', 'text/csv').set('authorization', bearer(MASTER_KEY));
    expect(csv.status).toBe(200);
    expect(csv.text).toBe(
      'reporter,party,kind,handedOver,received,agreedOutstanding,unspecifiedSides,proposed,' +
        'handedOverUndisclosedStages,receivedUndisclosedStages,handedOverApproximate,receivedApproximate\r\n',
    );
  });
});
