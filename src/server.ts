import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyReply, type onResponseHookHandler } from 'fastify';
import { validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { fastSerializerCompiler } from './http/serializer.js';
import { clientAddressOf } from './http/client-address.js';
import { connectRedis, sharedLimits } from './http/shared-limits.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { storeKindOf, type Config } from './config.js';
import {
  authenticator,
  limitingFailures,
  registerAccessRules,
  registerAuthentication,
  type FailureCount,
} from './http/auth/authentication.js';
import { registerErrorHandling } from './http/errors.js';
import { registerNegotiation } from './http/negotiation.js';
import { answerClientError, httpServerOptions, refuseUnframedRequests } from './http/node-answers.js';
import { swaggerOptions } from './http/openapi.js';
import { PROBLEM_CONTENT_TYPE, ProblemError, problem } from './http/problem.js';
import { exchangeRoutes } from './http/routes/exchanges.js';
import { healthRoutes } from './http/routes/health.js';
import { keyRoutes } from './http/routes/keys.js';
import { ledgerRoutes } from './http/routes/ledger.js';
import { pageRoutes } from './http/routes/page.js';
import { PAGE_DIR } from './http/page/assets.js';
import { DEFAULT_EVENT_STREAM, eventStreamRoutes, type EventStreamOptions } from './http/routes/event-stream.js';
import { LedgerSignal, type ChangeSource } from './feed/ledger-signal.js';
import { partyRoutes } from './http/routes/parties.js';
import { observerRoutes } from './http/routes/observers.js';
import { claimRoutes } from './http/routes/claims.js';
import { MIGRATIONS_FOLDER, PROJECT_ROOT } from './paths.js';
import { Ledger } from './ledger/ledger.js';
import type { LedgerStore } from './store/ledger-store.js';
import { CachedKeyStore, type KeyCacheOptions } from './store/cached-key-store.js';
import { PostgresLedgerStore } from './store/postgres/postgres-store.js';
import { sqlitePathOf } from './store/sqlite/connection.js';
import { SqliteLedgerStore, type SqliteStoreOptions } from './store/sqlite/sqlite-store.js';

const VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** 1 MiB: far above any real command, small enough that a hostile body costs nothing. */
export const BODY_LIMIT = 1024 * 1024;

export async function openStore(
  config: Pick<Config, 'databaseUrl'> & Partial<Pick<Config, 'readCacheMb'>>,
  options: Pick<SqliteStoreOptions, 'verify'> = {},
): Promise<LedgerStore> {
  if (storeKindOf(config.databaseUrl) === 'postgres') return PostgresLedgerStore.open(config.databaseUrl);
  const readCache = config.readCacheMb === undefined ? {} : { maxBytes: config.readCacheMb * 1024 * 1024 };
  return SqliteLedgerStore.open(sqlitePathOf(config.databaseUrl), MIGRATIONS_FOLDER, { ...options, readCache });
}

/** Failed authentications counted per client address by the rate limiter's own counter. */
function countFailures(app: FastifyInstance, perMinute: number): FailureCount {
  const failures = app.createRateLimit({
    max: perMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => clientAddressOf(request.ip),
  });
  return async (request) => {
    const limit = await failures(request);
    return limit.isAllowed
      ? { exceeded: false, retryAfterSeconds: 0 }
      : { exceeded: limit.isExceeded, retryAfterSeconds: limit.ttlInSeconds };
  };
}

export interface ServerOptions {
  /** The API-key cache in front of the key store (TTL, size, clock); see CachedKeyStore. */
  keyCache?: KeyCacheOptions;
  /** Where the built page is read from (scripts/build-page.ts); dist/page by default. */
  pageDir?: string;
  /** The live feed (GET /v1/events/stream): heartbeat, poll and page; `changes` as a store gives them. */
  eventStream?: Partial<EventStreamOptions & { pollMs: number; changes: ChangeSource }>;
}

/** TRUST_PROXY as Fastify takes it: a number of hops becomes proxy-addr's rule for it (the hops nearest the service). */
function trustedProxies(trust: Config['trustProxy']): false | string[] | ((address: string, hop: number) => boolean) {
  return typeof trust === 'number' ? (_address, hop) => hop < trust : trust;
}

/** The service's log: the level asked for, and never a key or a cookie. */
export const loggerOptions = (level: Config['logLevel']) => ({
  level,
  redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
});

/** The composition root: every part of the service is wired here and nowhere else. */
export async function buildServer(
  config: Config,
  store: LedgerStore,
  options: ServerOptions = {},
): Promise<FastifyInstance> {
  // One key store for authentication and key management alike, so that a revocation through
  // this process drops the key from the cache before its next request.
  // A key may only be cached by a store that says when others commit (SQLite's data_version):
  // elsewhere a revocation on another instance must take effect at once, so every request asks.
  const keys = store.keys.changesElsewhere ? new CachedKeyStore(store.keys, options.keyCache) : store.keys;
  const ledger = new Ledger(store);
  const redis = config.redisUrl === null ? null : await connectRedis(config.redisUrl);
  const app = Fastify({
    logger: loggerOptions(config.logLevel),
    bodyLimit: BODY_LIMIT,
    // request.ip (the rate limits' address, the logs) is the client's behind the proxies trusted here.
    trustProxy: trustedProxies(config.trustProxy),
    return503OnClosing: true,
    http: httpServerOptions,
    clientErrorHandler: answerClientError,
    // A URL Fastify cannot route (bad percent-encoding, an over-long id) is still answered
    // as problem+json, and still only after authentication.
    frameworkErrors: (error, request, rawReply) => {
      const reply = rawReply as unknown as FastifyReply;
      void (async () => {
        try {
          // Development mode is the only one without a key check: fail closed otherwise.
          // (`authenticate` is made below, once the rate limiter is registered: before any request.)
          if (config.masterKey !== null) await authenticate!(request);
          const p = problem(
            'validation-failed',
            error.code === 'FST_ERR_MAX_PARAM_LENGTH'
              ? 'a path parameter is too long'
              : 'the URL is not valid (bad percent-encoding)',
          );
          await reply
            .code(400)
            .type(PROBLEM_CONTENT_TYPE)
            .send({ ...p, errors: [{ path: 'url', message: p.detail }] });
        } catch (e) {
          const p = e instanceof ProblemError ? e.problem : problem('internal', 'an internal error occurred');
          await reply
            .code(p.status)
            .headers(e instanceof ProblemError ? e.headers : {})
            .type(PROBLEM_CONTENT_TYPE)
            .send(p);
        }
      })();
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(fastSerializerCompiler);
  // Only JSON bodies are accepted: anything else is 415, not parsed as text.
  app.removeContentTypeParser(['text/plain']);
  registerErrorHandling(app);
  refuseUnframedRequests(app);
  // This process's writes wake its live feeds at once (other instances' are found by the poll).
  const { pollMs, changes, ...stream } = { ...DEFAULT_EVENT_STREAM, ...options.eventStream };
  const signal = new LedgerSignal(async () => (await store.head()).sequence, { pollMs, changes });
  const notifyWritten: onResponseHookHandler = (request, reply, done) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 300) signal.notify();
    done();
  };
  // On the routes that take other methods only: a read runs no onResponse hook at all.
  app.addHook('onRoute', (route) => {
    if ([route.method].flat().some((m) => m !== 'GET' && m !== 'HEAD'))
      route.onResponse = [...[route.onResponse ?? []].flat(), notifyWritten];
  });
  registerAccessRules(app);
  registerNegotiation(app);
  // Public routes (liveness and readiness probes, docs) are never throttled: they get no
  // rate-limit hook at all, decided once per route (the access rules' onRoute hook has set the
  // role by now) rather than by an allowList asked on every request.
  app.addHook('onRoute', (route) => {
    if (route.config?.role === 'public') route.config = { ...route.config, rateLimit: false };
  });
  // Its hooks are route-level, so they run after authentication's global one (registered
  // below): the limit is per key (per address only in development mode).
  if (redis) app.addHook('onClose', async () => void (await redis.quit()));
  await app.register(rateLimit, {
    ...(redis && { store: sharedLimits(redis, config.redisPrefix) }),
    max: config.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) =>
      request.principal === 'dev' || request.principal === undefined
        ? `address:${clientAddressOf(request.ip)}`
        : `key:${request.principal}`,
    errorResponseBuilder: (_request, context) =>
      Object.assign(new Error('rate limited'), { statusCode: 429, retryAfter: context.after }),
  });
  const authenticate =
    config.masterKey === null
      ? null
      : limitingFailures(authenticator(config.masterKey, keys), countFailures(app, config.authFailuresPerMinute));
  // Before any route, so that every route gets it.
  registerAuthentication(app, authenticate);

  await app.register(swagger, swaggerOptions(VERSION));
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { config: { role: 'public' }, schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes, { store });
  await app.register(partyRoutes, { store, ledger });
  await app.register(observerRoutes, { store, ledger });
  await app.register(exchangeRoutes, { store, ledger });
  await app.register(ledgerRoutes, { store });
  await app.register(claimRoutes, { store, ledger });
  await app.register(eventStreamRoutes, { store, signal, stream });
  await app.register(keyRoutes, { keys });
  await app.register(pageRoutes, { dir: options.pageDir ?? PAGE_DIR });
  return app;
}
