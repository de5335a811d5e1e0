import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLedger, type TestLedger } from '../support/app.js';

/*
 * What Node's HTTP server answers on its own, before any route (a request without Host, an
 * expectation it cannot meet, HTTP it cannot parse), answered as problem+json like the rest;
 * and no answer to HEAD carries a body. Raw sockets: no HTTP client sends these.
 */

interface Answer {
  status: number;
  headers: Record<string, string>;
  /** Everything after the blank line, up to the close of the connection. */
  rest: string;
}

/** Writes the bytes and reads to the close; the last answer on the connection is parsed (after any 100 Continue). */
function raw(port: number, text: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.from(text, 'latin1')));
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks)
        .toString('utf8')
        .replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');
      const end = all.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = all.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      resolve({ status: Number(statusLine.split(' ')[1]), headers, rest: all.slice(end + 4) });
    });
  });
}

const request = (method: string, path: string, headers: string[], body = '') =>
  `${method} ${path} HTTP/1.1\r\n${[...headers, 'Connection: close'].map((h) => `${h}\r\n`).join('')}\r\n${body}`;

function expectProblem(answer: Answer, status: number, type: string, path?: string): void {
  expect(answer.status, answer.rest).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(answer.rest) as { type: string; status: number; errors?: { path: string }[] };
  expect(body).toMatchObject({ type, status });
  if (path) expect(body.errors?.map((e) => e.path)).toEqual([path]);
}

/**
 * Off the document by design: HEAD, which Fastify adds for every GET, is no operation of it,
 * and 417 is an answer to the framing of a request, not of any operation.
 */
const OFF_CONTRACT = [/^HEAD \S+ → \d{3}: operation not in openapi\.json$/, /^\S+ \S+ → 417: status not documented$/];

let ledger: TestLedger;
const t = () => ledger;
let port = 0;
beforeAll(async () => {
  ledger = await startLedger();
  await t().app.listen({ port: 0, host: '127.0.0.1' });
  port = (t().app.server.address() as AddressInfo).port;
});
afterAll(async () => {
  const violations = ledger.contractViolations.filter((v) => !OFF_CONTRACT.some((r) => r.test(v)));
  await ledger.close();
  expect(violations, 'every other response matches openapi/openapi.json').toEqual([]);
});

describe('Expect', () => {
  it('other than 100-continue is 417 problem+json naming the header', async () => {
    const answer = await raw(port, request('GET', '/v1/parties', ['Host: ledger', 'Expect: 100-whatever']));
    expectProblem(answer, 417, '/problems/expectation-failed', 'Expect');
  });

  it('100-continue is met, in any case, and the request goes on to its route', async () => {
    const body = '{"id":"PL","name":"Poland"}';
    const answer = await raw(
      port,
      request(
        'POST',
        '/v1/parties',
        ['Host: ledger', 'Expect: 100-Continue', 'Content-Type: application/json', `Content-Length: ${body.length}`],
        body,
      ),
    );
    expect(answer.status, answer.rest).toBe(201);
    expect(JSON.parse(answer.rest)).toMatchObject({ id: 'PL', name: 'Poland' });
  });
});

describe('Host', () => {
  it('missing from an HTTP/1.1 request is 400 problem+json naming it', async () => {
    expectProblem(await raw(port, request('GET', '/v1/parties', [])), 400, '/problems/validation-failed', 'Host');
  });

  it('given twice is 400 problem+json naming it', async () => {
    expectProblem(
      await raw(port, request('GET', '/v1/parties', ['Host: a', 'Host: b'])),
      400,
      '/problems/validation-failed',
      'Host',
    );
  });

  it('is not required of HTTP/1.0', async () => {
    const answer = await raw(port, 'GET /healthz HTTP/1.0\r\n\r\n');
    expect(answer.status).toBe(200);
  });
});

describe('HEAD', () => {
  const cases: [string, string, string[], number][] = [
    ['a route', '/v1/parties', ['Host: ledger'], 200],
    ['no route', '/v1/nothing-here', ['Host: ledger'], 404],
    ['a bad query', '/v1/parties?x=1', ['Host: ledger'], 400],
    ['a bad percent-encoding', '/v1/parties/%zz', ['Host: ledger'], 400],
    ['an expectation not met', '/v1/parties', ['Host: ledger', 'Expect: 100-whatever'], 417],
    ['no Host', '/v1/parties', [], 400],
  ];
  it.each(cases)('answers %s with headers only', async (_name, path, headers, status) => {
    const answer = await raw(port, request('HEAD', path, headers));
    expect(answer.status).toBe(status);
    if (status >= 400) expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(answer.rest).toBe('');
  });

  it('answers HTTP it cannot parse with headers only, and other methods with the problem', async () => {
    const head = await raw(port, 'HEAD /\x01 HTTP/1.1\r\nHost: ledger\r\n\r\n');
    expect(head.status).toBe(400);
    expect(head.headers['content-type']).toBe('application/problem+json');
    expect(head.rest).toBe('');
    expectProblem(await raw(port, 'GET /\x01 HTTP/1.1\r\nHost: ledger\r\n\r\n'), 400, '/problems/validation-failed');
  });
});
