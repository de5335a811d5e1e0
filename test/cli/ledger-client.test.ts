import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpLedger } from '../../src/cli/stages/ledger-client.js';

/*
 * How import-stages talks to a service that is busy or briefly out of reach: a stand-in
 * service answers as a real one would under load (429 with Retry-After, a dropped connection).
 * A write is sent again only with its Idempotency-Key, which makes that safe.
 */

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function standIn(answer: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<string> {
  let n = 0;
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(req, res, ++n));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('import-stages over HTTP', () => {
  it('waits as long as a 429’s Retry-After says, then sends the same write with the same key', async () => {
    const keys: (string | undefined)[] = [];
    const base = await standIn((req, res, n) => {
      keys.push(req.headers['idempotency-key'] as string | undefined);
      if (n === 1) res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/problem+json' }).end('{}');
      else res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"e1"}');
    });
    const waits: [string, number][] = [];
    const started = performance.now();
    const answer = await httpLedger(base, 'k3y', (why, s) => waits.push([why, s])).post('/v1/exchanges', {}, 'row-key');
    expect(answer).toMatchObject({ status: 201, body: { id: 'e1' } });
    expect(waits).toEqual([['rate limited by the service', 1]]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(990);
    expect(keys).toEqual(['row-key', 'row-key']);
  });

  it('sends a write again after a dropped connection only when it carries an Idempotency-Key', async () => {
    const base = await standIn((req, res, n) => {
      if (n % 2 === 1) req.socket.destroy();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    const ledger = httpLedger(base, null, () => {});
    expect(await ledger.post('/v1/exchanges/e1/agree', {}, 'row-key')).toMatchObject({ status: 200 });
    // Without a key, a second send might record the row twice: the failure is reported instead.
    await expect(ledger.post('/v1/exchanges/e1/agree', {})).rejects.toThrow(
      /^POST http:\/\/127\.0\.0\.1:\d+\/v1\/exchanges\/e1\/agree failed/,
    );
  });
});
