import { request as httpRequest } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT } from '../../src/server.js';
import type { TestLedger } from '../support/app.js';
import {
  MASTER_KEY,
  PROPOSAL,
  bearer,
  brief,
  createKey,
  expect401,
  expectNoLeak,
  expectProblem,
  ledgerSize,
  propose,
  registerParties,
  useSecuredLedger,
  type CreatedKey,
} from './helpers.js';

/*
 * Hostile input: oversized, wrongly typed, deeply nested and prototype-polluting bodies, odd
 * Authorization headers (some only a raw socket can send), injection- and traversal-looking
 * ids and queries, and a flood per key. Every one is a 4xx problem+json that leaks nothing
 * internal, nothing is written, and the service stays healthy.
 */

const m = bearer(MASTER_KEY);
const MiB = 1024 * 1024;

interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: Record<string, unknown> | undefined;
}

/** The checks every hostile request gets: a 4xx problem+json (status member = HTTP status), nothing internal. */
function expectRefused(res: Answer | Response, status?: number): void {
  expectNoLeak(res);
  expect(res.status, brief(res.text)).toBeGreaterThanOrEqual(400);
  expect(res.status, brief(res.text)).toBeLessThan(500);
  expectProblem(res, status ?? res.status);
}

/** Sends raw bytes over TCP (what no HTTP client would send) and parses the one answer. */
function rawRequest(port: number, bytes: Buffer | string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = raw.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      const text = rest.join('\r\n\r\n');
      let body: Record<string, unknown> | undefined;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = undefined;
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, text, body });
    });
    // Not half-closed: a client that sends FIN before its answer may get none (Node ends such
    // sockets while a slower store still works); `Connection: close` has the server close it.
    socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  });
}

// Many of these requests carry no valid key, from one address, within a minute: the allowance
// of such failures (see 'failed keys from one address' below) is raised out of their way.
const t = useSecuredLedger({ AUTH_FAILURES_PER_MINUTE: '1000000' });
let port = 0;
let exchangeId = '';
let keys: Record<'reader' | 'recorder' | 'admin', CreatedKey>;
/** The whole ledger's size once set up: no hostile request may change it. */
let baseline = 0;

beforeAll(async () => {
  await t().app.listen({ port: 0, host: '127.0.0.1' });
  port = (t().app.server.address() as AddressInfo).port;
  await registerParties(t(), 'UA', 'RU');
  exchangeId = await propose(t());
  keys = {
    reader: await createKey(t(), 'reader'),
    recorder: await createKey(t(), 'recorder'),
    admin: await createKey(t(), 'admin'),
  };
  baseline = await ledgerSize(t());
});

const keyCount = async () => ((await t().http().get('/v1/keys').set('authorization', m)).body.data as unknown[]).length;

describe('oversized bodies', () => {
  const WRITES = () => [
    '/v1/exchanges',
    '/v1/parties',
    '/v1/keys',
    `/v1/exchanges/${exchangeId}/agree`,
    `/v1/exchanges/${exchangeId}/stages`,
  ];

  it('answers 413 payload-too-large to a 2 MiB JSON body on every write, and writes nothing', async () => {
    const keysBefore = await keyCount();
    const body = JSON.stringify({
      ...PROPOSAL,
      name: 'x',
      id: 'BIG',
      role: 'reader',
      by: 'RU',
      note: 'x'.repeat(2 * MiB),
    });
    for (const path of WRITES()) {
      const res = await t()
        .http()
        .post(path)
        .set('authorization', m)
        .set('content-type', 'application/json')
        .send(body);
      expectRefused(res, 413);
      expect(res.body.type, path).toBe('/problems/payload-too-large');
    }
    expect(await ledgerSize(t())).toBe(baseline);
    expect(await keyCount()).toBe(keysBefore);
  });

  it('draws the line at 1 MiB exactly: 1 MiB is read (and refused by the schema), 1 MiB + 1 byte is 413', async () => {
    expect(BODY_LIMIT).toBe(MiB);
    const padded = (size: number) => {
      const skeleton = JSON.stringify({ id: 'EDGE', name: 'edge', note: '' });
      return skeleton.replace('"note":""', `"note":"${'x'.repeat(size - skeleton.length)}"`);
    };
    expect(Buffer.byteLength(padded(MiB))).toBe(MiB);
    const at = await t()
      .http()
      .post('/v1/parties')
      .set('authorization', m)
      .set('content-type', 'application/json')
      .send(padded(MiB));
    expectRefused(at, 400); // note is longer than 5000: read, then refused by the schema
    expectRefused(
      await t()
        .http()
        .post('/v1/parties')
        .set('authorization', m)
        .set('content-type', 'application/json')
        .send(padded(MiB + 1)),
      413,
    );
  });

  it('answers 413 to a 2 MiB body sent chunked, without Content-Length', async () => {
    const res = await new Promise<Answer>((resolve, reject) => {
      const req = httpRequest(
        {
          port,
          host: '127.0.0.1',
          method: 'POST',
          path: '/v1/exchanges',
          headers: { authorization: m, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
        },
        (r) => {
          let text = '';
          r.on('data', (c: Buffer) => (text += c.toString()));
          r.on('end', () =>
            resolve({
              status: r.statusCode!,
              headers: r.headers as Record<string, string>,
              text,
              body: JSON.parse(text) as Record<string, unknown>,
            }),
          );
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) =>
        e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : reject(e),
      );
      req.write('{"note":"');
      const chunk = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 32; i++) req.write(chunk);
      req.end('"}');
    });
    expectRefused(res, 413);
    expect(await ledgerSize(t())).toBe(baseline);
  });

  it('refuses an oversized body without a key with 401, before reading it', async () => {
    expect401(
      await t()
        .http()
        .post('/v1/exchanges')
        .set('content-type', 'application/json')
        .send(`{"note":"${'x'.repeat(2 * MiB)}"}`),
    );
  });
});

describe('bodies that are not JSON', () => {
  it.each([
    ['text/plain', 'kind=pow'],
    ['application/x-www-form-urlencoded', 'id=FORM&name=form'],
    ['application/xml', '<party><id>XML</id><name>xml</name></party>'],
    ['text/xml', '<party/>'],
    [
      'multipart/form-data; boundary=xyz',
      '--xyz\r\nContent-Disposition: form-data; name="id"\r\n\r\nMP\r\n--xyz--\r\n',
    ],
    ['application/octet-stream', '\u0000\u0001\u0002'],
  ])('answers 415 unsupported-media-type to %s, and writes nothing', async (type, body) => {
    for (const path of ['/v1/parties', '/v1/exchanges', '/v1/keys']) {
      const res = await t().http().post(path).set('authorization', m).set('content-type', type).send(body);
      expectRefused(res, 415);
      expect(res.body.type).toBe('/problems/unsupported-media-type');
    }
    expect(await ledgerSize(t())).toBe(baseline);
  });
});

describe('deeply nested JSON', () => {
  const deepArray = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  it.each([
    [
      '100k levels of [ in a field',
      () => `{"kind":${deepArray(100_000)},"proposedBy":"UA","sides":[],"occurredAt":"2025-05-16"}`,
    ],
    ['100k levels of [ as the whole body', () => deepArray(100_000)],
    ['a 50k-level object', () => deepObject(50_000)],
    [
      'a 50k-level object in a known object field',
      () =>
        `{"kind":"pow","proposedBy":"UA","sides":[{"party":"UA","handsOver":1},{"party":"RU","handsOver":1}],"occurredAt":"2025-05-16","source":{"title":${deepObject(50_000)}}}`,
    ],
    [
      'a 50k-level object in the note',
      () =>
        `{"kind":"pow","proposedBy":"UA","sides":[{"party":"UA","handsOver":1},{"party":"RU","handsOver":1}],"occurredAt":"2025-05-16","note":${deepObject(50_000)}}`,
    ],
    ['unterminated nesting', () => deepArray(100_000).slice(0, 150_000)],
  ])('%s: 4xx problem+json, not 500, nothing written', async (_what, body) => {
    const res = await t()
      .http()
      .post('/v1/exchanges')
      .set('authorization', m)
      .set('content-type', 'application/json')
      .send(body());
    expectRefused(res);
    expect(await ledgerSize(t())).toBe(baseline);
  });
});

describe('prototype pollution', () => {
  it.each([
    ['__proto__ at the top', '/v1/parties', '{"id":"PP1","name":"x","__proto__":{"polluted":"yes"}}'],
    [
      'constructor.prototype at the top',
      '/v1/parties',
      '{"id":"PP2","name":"x","constructor":{"prototype":{"polluted":"yes"}}}',
    ],
    [
      '__proto__ in a side',
      '/v1/exchanges',
      '{"kind":"pow","proposedBy":"UA","sides":[{"party":"UA","handsOver":1,"__proto__":{"polluted":"yes"}},{"party":"RU","handsOver":1}],"occurredAt":"2025-05-16"}',
    ],
    [
      '__proto__ in the source',
      '/v1/exchanges',
      '{"kind":"pow","proposedBy":"UA","sides":[{"party":"UA","handsOver":1},{"party":"RU","handsOver":1}],"occurredAt":"2025-05-16","source":{"title":"t","__proto__":{"polluted":"yes"}}}',
    ],
    [
      '__proto__ raising a key’s role',
      '/v1/keys',
      '{"name":"sneaky","role":"reader","__proto__":{"role":"admin","polluted":"yes"}}',
    ],
    [
      'constructor.prototype raising a key’s role',
      '/v1/keys',
      '{"name":"sneaky","role":"reader","constructor":{"prototype":{"role":"admin","polluted":"yes"}}}',
    ],
  ])('%s: 400, nothing written, no prototype touched', async (_what, path, body) => {
    const keysBefore = await keyCount();
    const res = await t().http().post(path).set('authorization', m).set('content-type', 'application/json').send(body);
    expectRefused(res, 400);
    expect(await ledgerSize(t())).toBe(baseline);
    expect(await keyCount()).toBe(keysBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).role).toBeUndefined();
  });

  it.each(['__proto__[polluted]=yes', 'constructor[prototype][polluted]=yes', '__proto__.polluted=yes'])(
    'query %s: 400',
    async (query) => {
      expectRefused(await t().http().get(`/v1/exchanges?${query}`).set('authorization', m), 400);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );
});

describe('odd Authorization headers', () => {
  it.each([
    ['"Bearer" alone', 'Bearer'],
    ['"Bearer " and nothing', 'Bearer '],
    ['two spaces then junk', 'Bearer  x'],
    ['no space between scheme and key', `Bearer${MASTER_KEY}`],
    ['a tab between scheme and key', `Bearer\t${MASTER_KEY}`],
    ['Basic', 'Basic abc'],
    ['Basic with the master key', `Basic ${Buffer.from(`master:${MASTER_KEY}`).toString('base64')}`],
    ['just the key, no scheme', MASTER_KEY],
    ['the prefix alone', 'Bearer lgr_'],
    ['padding alone', 'Bearer ='],
    ['a 10 KB token', `Bearer ${'a'.repeat(10 * 1024)}`],
    ['a 10 KB value of junk', `Bearer ${'%$#!'.repeat(2560)}`],
    ['a quoted key', `Bearer "${MASTER_KEY}"`],
    ['two keys in one header', `Bearer ${MASTER_KEY}, Bearer ${MASTER_KEY}`],
    ['SQL in the token', "Bearer ' OR 1=1--"],
  ])('%s: 401 problem+json', async (_what, header) => {
    const res = await t().http().get('/v1/parties').set('authorization', header);
    expectRefused(res, 401);
    expect401(res);
    expect(res.text).not.toContain(MASTER_KEY);
  });

  it.each([['bearer'], ['BEARER']])(
    'the scheme in %s case: accepted (RFC 9110: case-insensitive) or 401, never anything else',
    async (scheme) => {
      const res = await t().http().get('/v1/parties').set('authorization', `${scheme} ${MASTER_KEY}`);
      expect([200, 401], res.text).toContain(res.status);
      if (res.status === 401) expect401(res);
    },
  );

  const rawGet = (headerLines: (string | Buffer)[], path = '/v1/parties') =>
    rawRequest(
      port,
      Buffer.concat([
        Buffer.from(`GET ${path} HTTP/1.1\r\nHost: ledger\r\n`),
        ...headerLines.flatMap((h) => [Buffer.isBuffer(h) ? h : Buffer.from(h, 'latin1'), Buffer.from('\r\n')]),
        Buffer.from('Connection: close\r\n\r\n'),
      ]),
    );

  it('sanity: a raw request with the master key is answered 200', async () => {
    const res = await rawGet([`Authorization: Bearer ${MASTER_KEY}`]);
    expect(res.status, res.text).toBe(200);
  });

  it.each([
    [
      'non-ASCII bytes as the token',
      Buffer.concat([Buffer.from('Authorization: Bearer '), Buffer.from([0xc3, 0xa9, 0xff, 0x80, 0xfe])]),
    ],
    [
      'the master key followed by UTF-8 é',
      Buffer.concat([Buffer.from(`Authorization: Bearer ${MASTER_KEY}`), Buffer.from('é', 'utf8')]),
    ],
    [
      'the master key with a Latin-1 byte inside',
      Buffer.concat([
        Buffer.from(`Authorization: Bearer ${MASTER_KEY.slice(0, 10)}`),
        Buffer.from([0xe9]),
        Buffer.from(MASTER_KEY.slice(10)),
      ]),
    ],
    ['a control character', Buffer.concat([Buffer.from(`Authorization: Bearer ${MASTER_KEY}`), Buffer.from([0x01])])],
    [
      'a NUL byte',
      Buffer.concat([Buffer.from('Authorization: Bearer '), Buffer.from([0x00]), Buffer.from(MASTER_KEY)]),
    ],
  ])('over a raw socket, %s: 4xx problem+json, never accepted', async (_what, line) => {
    const res = await rawGet([line]);
    expectRefused(res);
    expect(res.text).not.toContain(MASTER_KEY);
  });

  it('two Authorization headers, the wrong one first: refused', async () => {
    const res = await rawGet(['Authorization: Bearer lgr_not-a-key', `Authorization: Bearer ${MASTER_KEY}`]);
    expectRefused(res);
  });

  it('two Authorization headers, the master key first: refused as ambiguous, not silently resolved to the first', async () => {
    const res = await rawGet([`Authorization: Bearer ${MASTER_KEY}`, 'Authorization: Bearer lgr_not-a-key']);
    expectRefused(res);
  });

  it('headers over the limit (20 KB): 431 problem+json whose status member says 431', async () => {
    const res = await rawGet([`Authorization: Bearer ${'a'.repeat(20 * 1024)}`]);
    expectNoLeak(res);
    expect(res.status).toBe(431);
    expectRefused(res, 431);
  });
});

describe('injection- and traversal-looking ids and queries', () => {
  const enc = encodeURIComponent;
  const ids = [
    "' OR 1=1--",
    '../../etc/passwd',
    '..\\..\\windows\\win.ini',
    '1; DROP TABLE events',
    '" OR ""="',
    '%00',
    '\u0000',
    '$(reboot)',
    '{{7*7}}',
    '<script>alert(1)</script>',
  ];
  const cases: [string, () => string][] = [
    ...ids.flatMap((id): [string, () => string][] => [
      [`GET /v1/exchanges/${JSON.stringify(id)}`, () => `/v1/exchanges/${enc(id)}`],
      [`GET /v1/parties/${JSON.stringify(id)}`, () => `/v1/parties/${enc(id)}`],
      [`GET /v1/exchanges/{id}/stages/${JSON.stringify(id)}`, () => `/v1/exchanges/${exchangeId}/stages/${enc(id)}`],
      [`GET /v1/exchanges/${JSON.stringify(id)}/events`, () => `/v1/exchanges/${enc(id)}/events`],
      [`GET /v1/exchanges?party=${JSON.stringify(id)}`, () => `/v1/exchanges?party=${enc(id)}`],
      [`GET /v1/exchanges?cursor=${JSON.stringify(id)}`, () => `/v1/exchanges?cursor=${enc(id)}`],
      [`GET /v1/totals?kind=${JSON.stringify(id)}`, () => `/v1/totals?kind=${enc(id)}`],
      [`GET /v1/events?after=${JSON.stringify(id)}`, () => `/v1/events?after=${enc(id)}`],
    ]),
    ['GET /v1/parties/..%2F..%2Fetc%2Fpasswd (encoded slashes)', () => '/v1/parties/..%2F..%2Fetc%2Fpasswd'],
    ['GET /v1/exchanges/%00 (raw)', () => '/v1/exchanges/%00'],
    ['GET /v1/exchanges?status=%00', () => '/v1/exchanges?status=%00'],
    ['GET /v1/exchanges?from=2025-01-01%27%20OR%201=1--', () => "/v1/exchanges?from=2025-01-01' OR 1=1--"],
    ['GET /v1/events?limit=1;DROP TABLE events', () => `/v1/events?limit=${enc('1;DROP TABLE events')}`],
    ['GET /v1/exchanges?party=UA&party=RU', () => '/v1/exchanges?party=UA&party=RU'],
    ['GET /v1/exchanges?party=<5000 chars>', () => `/v1/exchanges?party=${'x'.repeat(5000)}`],
    ['GET /v1/exchanges/<65 chars>', () => `/v1/exchanges/${'x'.repeat(65)}`],
    ['GET /v1/exchanges/<5000 chars> (a very long id)', () => `/v1/exchanges/${'x'.repeat(5000)}`],
    ['GET /v1/parties/<101 chars> (a very long id)', () => `/v1/parties/${'x'.repeat(101)}`],
    [
      'GET /v1/exchanges/{id}/stages/<5000 chars> (a very long id)',
      () => `/v1/exchanges/${exchangeId}/stages/${'x'.repeat(5000)}`,
    ],
    ['GET /v1/exchanges/% (a lone percent)', () => '/v1/exchanges/%'],
    ['GET /v1/exchanges/%E0%A4%A (broken percent-encoding)', () => '/v1/exchanges/%E0%A4%A'],
  ];

  it.each(cases)('%s: 4xx problem+json with the master key, leaking nothing', async (_what, url) => {
    const res = await t().http().get(url()).set('authorization', m);
    expectRefused(res);
  });

  it.each(cases)('%s: 401 without a key (nothing is answered before authentication)', async (_what, url) => {
    expectRefused(await t().http().get(url()), 401);
  });

  it.each(["' OR '1'='1", "' OR 1=1--", '%', '*', '../keys'])(
    'DELETE /v1/keys/%s: 404, and no key is revoked',
    async (id) => {
      expectRefused(
        await t()
          .http()
          .delete(`/v1/keys/${encodeURIComponent(id)}`)
          .set('authorization', m),
        404,
      );
      const listed = (await t().http().get('/v1/keys').set('authorization', m)).body.data as {
        revokedAt: string | null;
      }[];
      expect(listed.filter((k) => k.revokedAt !== null)).toEqual([]);
    },
  );

  it.each([
    ['/v1/parties/../../etc/passwd', 404],
    ['/../../../etc/passwd', 404],
    ['/v1/exchanges/./../keys', 404],
  ])('raw (unnormalised) %s: %i with a key, 401 without', async (path, status) => {
    const withKey = await rawRequest(
      port,
      `GET ${path} HTTP/1.1\r\nHost: ledger\r\nAuthorization: Bearer ${MASTER_KEY}\r\nConnection: close\r\n\r\n`,
    );
    expectRefused(withKey, status);
    expect(withKey.text).not.toMatch(/root:|\[extensions\]/);
    expectRefused(await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: ledger\r\nConnection: close\r\n\r\n`), 401);
  });

  it.each([
    ['If-Match', "' OR 1=1--"],
    ['If-Match', '"1" OR 1=1'],
    ['Idempotency-Key', 'x'.repeat(300)],
    ['Idempotency-Key', 'é'],
  ])('a hostile %s header (%s) on a write: 400, nothing written', async (name, value) => {
    const res = await t()
      .http()
      .post(`/v1/exchanges/${exchangeId}/agree`)
      .set('authorization', m)
      .set(name, value)
      .send({ by: 'RU', occurredAt: '2025-05-16' });
    expectRefused(res, 400);
    expect(await ledgerSize(t())).toBe(baseline);
  });
});

describe('a flood from one key', () => {
  const rl = useSecuredLedger({ RATE_LIMIT_PER_MINUTE: '5' });

  it('answers 429 rate-limited with Retry-After to that key only; the others keep their own budget; nothing is written', async () => {
    const master = bearer(MASTER_KEY);
    // The master key's budget: two keys and two parties (4 of 5).
    const admin = await createKey(rl(), 'admin');
    const recorder = await createKey(rl(), 'recorder');
    await registerParties(rl(), 'UA', 'RU');
    // The admin key's budget: three readers (3 of 5).
    const [a, b, counter] = [
      await createKey(rl(), 'reader', admin.secret),
      await createKey(rl(), 'reader', admin.secret),
      await createKey(rl(), 'reader', admin.secret),
    ];

    for (let i = 0; i < 5; i++)
      expect(
        (await rl().http().get('/v1/parties').set('authorization', bearer(a!.secret))).status,
        `request ${i + 1}`,
      ).toBe(200);
    const limited = await rl().http().get('/v1/parties').set('authorization', bearer(a!.secret));
    expectRefused(limited, 429);
    expect(limited.body.type).toBe('/problems/rate-limited');
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.text).not.toContain(a!.secret);

    // Another key, in the same window, is not affected.
    for (let i = 0; i < 5; i++)
      expect((await rl().http().get('/v1/parties').set('authorization', bearer(b!.secret))).status).toBe(200);
    expect((await rl().http().get('/v1/parties').set('authorization', bearer(a!.secret))).status).toBe(429);

    // A flood of writes: five land, the sixth is refused and writes nothing.
    for (let i = 0; i < 5; i++)
      expect(
        (await rl().http().post('/v1/exchanges').set('authorization', bearer(recorder.secret)).send(PROPOSAL)).status,
      ).toBe(201);
    expectRefused(
      await rl().http().post('/v1/exchanges').set('authorization', bearer(recorder.secret)).send(PROPOSAL),
      429,
    );
    const events = await rl().http().get('/v1/events?limit=1000').set('authorization', bearer(counter!.secret));
    expect(events.status).toBe(200);
    expect(events.body.data).toHaveLength(2 + 5);

    // The master key is limited too: one left, then 429.
    expect((await rl().http().get('/v1/parties').set('authorization', master)).status).toBe(200);
    expectRefused(await rl().http().get('/v1/parties').set('authorization', master), 429);
  });

  it('never throttles the public probes and documents (/healthz, /readyz, /openapi.json): no 429, no rate-limit headers', async () => {
    for (let i = 0; i < 8; i++) {
      for (const path of ['/healthz', '/readyz', '/openapi.json']) {
        const res = await rl().http().get(path);
        expect(res.status, `${path} request ${i + 1}`).toBe(200);
        expect(
          Object.keys(res.headers).filter((h) => h.includes('ratelimit') || h === 'retry-after'),
          path,
        ).toEqual([]);
      }
    }
  });
});

describe('failed keys from one address', () => {
  const af = useSecuredLedger({ AUTH_FAILURES_PER_MINUTE: '3' });

  it('answers 401 to the first failures in a minute, then 429 with Retry-After; a valid key from that address still passes; nothing is written', async () => {
    const reader = await createKey(af(), 'reader');
    const before = await ledgerSize(af());
    // A valid key refused for its role is not a failed authentication: never counted.
    for (let i = 0; i < 5; i++)
      expectRefused(await af().http().get('/v1/keys').set('authorization', bearer(reader.secret)), 403);

    const wrong = bearer(`lgr_${'A'.repeat(43)}`);
    for (let i = 0; i < 3; i++) expect401(await af().http().get('/v1/parties').set('authorization', wrong));
    const limited = await af().http().get('/v1/parties').set('authorization', wrong);
    expectRefused(limited, 429);
    expect(limited.body.type).toBe('/problems/rate-limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.headers['www-authenticate']).toBeUndefined();
    expect(limited.text).not.toContain('AAAA');
    // Any failure counts, whatever its kind and route: no key, a malformed one, a write with a
    // wrong key, a URL the router cannot read.
    expectRefused(await af().http().get('/v1/parties'), 429);
    expectRefused(await af().http().get('/v1/parties').set('authorization', 'Basic dXNlcjpwYXNz'), 429);
    expectRefused(await af().http().post('/v1/exchanges').set('authorization', wrong).send(PROPOSAL), 429);
    expectRefused(await af().http().get('/v1/exchanges/%E0%A4%A'), 429);

    // Good keys are checked first and never counted: the master key and an API key still pass.
    expect((await af().http().get('/v1/parties').set('authorization', bearer(MASTER_KEY))).status).toBe(200);
    expect((await af().http().get('/v1/parties').set('authorization', bearer(reader.secret))).status).toBe(200);
    expect((await af().http().get('/v1/exchanges/%E0%A4%A').set('authorization', bearer(reader.secret))).status).toBe(
      400,
    );
    expect(await ledgerSize(af())).toBe(before);
  });
});

describe('failed keys behind a reverse proxy', () => {
  const wrong = bearer(`lgr_${'B'.repeat(43)}`);
  const from = (t: () => TestLedger, client: string) =>
    t().http().get('/v1/parties').set('authorization', wrong).set('x-forwarded-for', client);

  // The tests connect from loopback: trusted by its name, or as the one proxy in front.
  describe.each(['loopback', '1'])('trusted (TRUST_PROXY=%s)', (trust) => {
    const proxied = useSecuredLedger({ AUTH_FAILURES_PER_MINUTE: '2', TRUST_PROXY: trust });

    it('counts each client by the address the proxy forwards, not the proxy’s', async () => {
      for (let i = 0; i < 2; i++) expect401(await from(proxied, '203.0.113.5'));
      expectRefused(await from(proxied, '203.0.113.5'), 429);
      expect401(await from(proxied, '203.0.113.6'));
    });
  });

  describe('not trusted (the default)', () => {
    const direct = useSecuredLedger({ AUTH_FAILURES_PER_MINUTE: '2' });

    it('ignores X-Forwarded-For, which any client could forge: every failure counts against the connecting address', async () => {
      for (let i = 0; i < 2; i++) expect401(await from(direct, `203.0.113.${10 + i}`));
      expectRefused(await from(direct, '203.0.113.99'), 429);
    });
  });
});

describe('afterwards', () => {
  afterAll(() => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('the service stayed healthy: /healthz 200, nothing was written by any hostile request, and a normal write succeeds', async () => {
    const health = await t().http().get('/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    expect((await t().http().get('/readyz')).status).toBe(200);
    expect(await ledgerSize(t())).toBe(baseline);
    const party = await t()
      .http()
      .post('/v1/parties')
      .set('authorization', bearer(keys.admin.secret))
      .send({ id: 'TR', name: 'Türkiye' });
    expect(party.status, party.text).toBe(201);
    const proposed = await t()
      .http()
      .post('/v1/exchanges')
      .set('authorization', bearer(keys.recorder.secret))
      .send(PROPOSAL);
    expect(proposed.status, proposed.text).toBe(201);
    expect(
      (await t().http().get(`/v1/exchanges/${proposed.body.id}`).set('authorization', bearer(keys.reader.secret)))
        .status,
    ).toBe(200);
    expect(await ledgerSize(t())).toBe(baseline + 2);
  });
});
