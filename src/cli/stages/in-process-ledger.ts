import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../config.js';
import { buildServer, openStore } from '../../server.js';
import type { Answer, Ledger } from './ledger-client.js';

/**
 * The service's own app on a ledger file (or `:memory:`), in this process, answering through
 * `inject`: no port is opened. Without a master key, as a command on the file itself is: its
 * events are recorded with the principal `dev`, as in development mode.
 */
export async function inProcessLedger(databaseUrl: string): Promise<Ledger> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000000' });
  const store = await openStore(config);
  let app: FastifyInstance;
  try {
    app = await buildServer(config, store);
    await app.ready();
  } catch (e) {
    await store.close();
    throw e;
  }
  const answer = async (method: 'GET' | 'POST', url: string, body?: unknown, key?: string): Promise<Answer> => {
    const res = await app.inject({
      method,
      url,
      ...(body === undefined ? {} : { payload: body as object }),
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(key ? { 'idempotency-key': key } : {}),
      },
    });
    return {
      status: res.statusCode,
      headers: res.headers as Answer['headers'],
      body: res.body === '' ? null : res.json(),
    };
  };
  return {
    name: databaseUrl,
    get: (path) => answer('GET', path),
    post: (path, body, key) => answer('POST', path, body, key),
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}
