import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPage } from '../../scripts/build-page.js';
import { acceptsGzip } from '../../src/http/page/headers.js';
import { startLedger, type TestLedger } from '../support/app.js';
import { bearer, expect401, expectProblem, MASTER_KEY } from '../security/helpers.js';

/*
 * How the service serves the page: public (the data behind it is not), from memory, with the
 * right types, caching and a strict Content-Security-Policy; and what it says when the page
 * was not built.
 */

let dir: string;
let t: TestLedger;
let script: string;
let style: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ledger-page-'));
  await buildPage(dir);
  t = await startLedger({ LEDGER_MASTER_KEY: MASTER_KEY }, { pageDir: dir });
  const assets = readdirSync(join(dir, 'assets'));
  script = assets.find((a) => a.endsWith('.js'))!;
  style = assets.find((a) => a.endsWith('.css'))!;
});

afterAll(async () => {
  const violations = t.contractViolations.filter((v) => !/^HEAD /.test(v));
  await t.close();
  rmSync(dir, { recursive: true, force: true });
  expect(violations).toEqual([]);
});

describe('GET /', () => {
  it('is public: the page holds no data, and the API behind it still asks for a key', async () => {
    const res = await t.http().get('/');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toContain(`<script type="module" src="/assets/${script}"></script>`);
    expect(res.text).toContain(`<link rel="stylesheet" href="/assets/${style}">`);
    expect401(await t.http().get('/v1/totals'));
    expect401(await t.http().get('/v1/ledger/head'));
  });

  it('sends a strict Content-Security-Policy and its companions', async () => {
    const res = await t.http().get('/');
    const csp = Object.fromEntries(
      (res.headers['content-security-policy'] as string).split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values.join(' ')];
      }),
    );
    expect(csp).toEqual({
      'default-src': "'none'",
      'script-src': "'self'",
      'style-src': "'self'",
      'img-src': "'self'",
      'connect-src': "'self'",
      'base-uri': "'none'",
      'form-action': "'none'",
      'frame-ancestors': "'none'",
      'require-trusted-types-for': "'script'",
      'trusted-types': "'none'",
    });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-frame-options']).toBe('DENY');
    // Nothing inline that the policy would have to allow.
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son[a-z]+=/i);
  });

  it('is revalidated on every load, and a matching ETag is 304 without a body', async () => {
    const res = await t.http().get('/');
    expect(res.headers['cache-control']).toBe('no-cache');
    const etag = res.headers.etag as string;
    expect(etag).toMatch(/^"[\w-]+"$/);
    const again = await t.http().get('/').set('if-none-match', `"other", W/${etag}`);
    expect(again.status).toBe(304);
    expect(again.text ?? '').toBe('');
    expect((await t.http().get('/').set('if-none-match', '"other"')).status).toBe(200);
  });
});

describe('GET /assets/{name}', () => {
  it('serves the bundle and the style sheet with their types, cached for good (named by their content)', async () => {
    const js = await t.http().get(`/assets/${script}`);
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.headers['x-content-type-options']).toBe('nosniff');
    expect(js.text).toContain('Chart.js');
    const css = await t.http().get(`/assets/${style}`);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.text).toContain('.figures');
  });

  it('needs no key, even with a key of no value', async () => {
    const res = await t.http().get(`/assets/${script}`).set('authorization', bearer('lgr_not-a-key'));
    expect(res.status).toBe(200);
  });

  it('sends gzip to a client that takes it, and plain bytes to one that does not', async () => {
    // inject gives the bytes as sent (supertest would inflate them).
    const zipped = await t.app.inject({ url: `/assets/${script}`, headers: { 'accept-encoding': 'gzip, br' } });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('accept-encoding');
    const plain = await t.app.inject({ url: `/assets/${script}`, headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gunzipSync(zipped.rawPayload).equals(plain.rawPayload)).toBe(true);
    expect(zipped.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);
  });

  it('answers 404 problem+json for a name it does not hold, a path outside the folder included', async () => {
    for (const name of ['page-00000000.js', '..%2Findex.html', 'index.html', '%2e%2e%2f%2e%2e%2fpackage.json']) {
      expectProblem(await t.http().get(`/assets/${name}`), 404, 'not-found');
    }
  });
});

describe('before the page is built', () => {
  it('GET / says how to build it, as problem+json', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'ledger-page-'));
    const bare = await startLedger({}, { pageDir: empty });
    try {
      const res = await bare.http().get('/');
      expectProblem(res, 503, 'not-ready');
      expect(res.body.detail).toContain('npm run build');
      expectProblem(await bare.http().get('/assets/page-00000000.js'), 404);
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('Accept-Encoding', () => {
  it.each([
    ['gzip', true],
    ['deflate, gzip;q=0.5', true],
    ['br;q=1, *;q=0.1', true],
    ['GZIP', true],
    ['gzip;q=0', false],
    ['*;q=0', false],
    ['identity', false],
    ['', false],
    ['br', false],
    ['gzip;q=0, *', false],
  ])('%j → gzip %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });
});
