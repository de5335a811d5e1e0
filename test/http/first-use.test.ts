import { describe, expect, it } from 'vitest';
import { bearer, createKey, expect401, expectProblem, useSecuredLedger } from '../security/helpers.js';
import { useLedger } from '../support/app.js';

/*
 * What a new user tripped on: a wrong method on a known path said "no route" (now 405 with
 * Allow), a period given backwards was answered as empty (now 400 naming both ends), and the
 * OpenAPI document pointed at 127.0.0.1:3000 wherever the service ran (now relative to it).
 */

describe('a known path asked with a method it does not take', () => {
  const t = useLedger();

  it.each([
    ['delete', '/v1/exchanges', 'GET, HEAD, POST'],
    ['put', '/v1/exchanges/0196e5a4-8f00-7000-8000-000000000001', 'GET, HEAD'],
    ['patch', '/v1/parties/UA', 'GET, HEAD'],
    ['get', '/v1/exchanges/some-id/agree', 'POST'],
    ['delete', '/v1/totals?party=UA', 'GET, HEAD'],
    ['post', '/v1/events', 'GET, HEAD'],
    ['get', '/v1/keys/some-id', 'DELETE'],
  ] as const)('%s %s → 405, Allow: %s', async (method, url, allow) => {
    const res = await t().http()[method](url);
    expectProblem(res, 405, 'method-not-allowed');
    expect(res.headers.allow).toBe(allow);
    expect(res.body.detail).toContain(allow);
  });

  it('keeps 404 for a path no route has', async () => {
    for (const [method, url] of [['delete', '/v1/nothing'], ['get', '/v1/exchanges/x/teleport'], ['get', '/v2/exchanges']] as const) {
      const res = await t().http()[method](url);
      expectProblem(res, 404, 'not-found');
      expect(res.headers.allow).toBeUndefined();
    }
  });
});

describe('405 with authentication on', () => {
  const t = useSecuredLedger();

  it('answers 401 without a key (nothing is told before authentication), 405 with one', async () => {
    expect401(await t().http().delete('/v1/exchanges'));
    const reader = await createKey(t(), 'reader');
    const res = await t().http().delete('/v1/exchanges').set('authorization', bearer(reader.secret));
    expectProblem(res, 405, 'method-not-allowed');
    expect(res.headers.allow).toBe('GET, HEAD, POST');
  });
});
