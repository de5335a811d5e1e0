import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createKey, expect401, expectProblem, useSecuredLedger } from '../security/helpers.js';
import { useLedger } from '../support/app.js';
import { registerParties } from '../support/scenario.js';

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
    for (const [method, url] of [
      ['delete', '/v1/nothing'],
      ['get', '/v1/exchanges/x/teleport'],
      ['get', '/v2/exchanges'],
    ] as const) {
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

describe('a period given backwards', () => {
  const t = useLedger();
  beforeAll(async () => {
    await registerParties(t(), 'UA', 'RU');
  });

  it.each(['/v1/exchanges', '/v1/totals'])('%s?from later than to → 400 naming both fields', async (path) => {
    for (const [from, to] of [
      ['2025-05-24', '2025-05-23'],
      ['2025-05-23T10:00:00Z', '2025-05-23T09:59:59Z'],
      ['2025-05-24T00:30:00+02:00', '2025-05-22'],
    ]) {
      for (const accept of ['application/json', 'text/csv']) {
        const res = await t()
          .http()
          .get(`${path}?from=${encodeURIComponent(from!)}&to=${encodeURIComponent(to!)}`)
          .set('accept', accept);
        expectProblem(res, 400, 'validation-failed');
        expect(res.body.errors.map((e: { path: string }) => e.path).sort(), `${from} > ${to}`).toEqual([
          'query.from',
          'query.to',
        ]);
      }
    }
  });

  it.each(['/v1/exchanges', '/v1/totals'])(
    '%s takes a period of one day, or one instant, or a date and an instant of that day',
    async (path) => {
      for (const [from, to] of [
        ['2025-05-23', '2025-05-23'],
        ['2025-05-23T10:00:00Z', '2025-05-23T10:00:00Z'],
        ['2025-05-23T22:00:00Z', '2025-05-23'],
        ['2025-05-23', '2025-05-23T00:00:00Z'],
      ]) {
        const res = await t()
          .http()
          .get(`${path}?from=${encodeURIComponent(from!)}&to=${encodeURIComponent(to!)}`);
        expect(res.status, `${from}..${to}: ${res.text}`).toBe(200);
      }
    },
  );

  it('still names a bad date alone, without comparing it', async () => {
    const res = await t().http().get('/v1/totals?from=2025-13-01&to=2025-01-01');
    expectProblem(res, 400, 'validation-failed');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['query.from']);
  });
});

describe('the OpenAPI document’s server', () => {
  const t = useLedger();

  it('resolves to the service that served the document, on whatever host and port it runs', async () => {
    await t().app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t().app.server.address() as AddressInfo;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      const documentUrl = `http://${host}/openapi.json`;
      const doc = (await (await fetch(documentUrl)).json()) as { servers: { url: string }[] };
      expect(doc.servers.length).toBe(1);
      // As a client does (OpenAPI 3.1 §4.8.5): the server URL against the document's, then the path.
      const base = new URL(doc.servers[0]!.url, documentUrl);
      expect(base.origin).toBe(`http://${host}`);
      const health = await fetch(new URL(`${base.pathname.replace(/\/$/, '')}/healthz`, base));
      expect(health.status).toBe(200);
    }
  });
});
