import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { KeyStore } from '../../store/key-store.js';
import { ProblemError, problem, problemResponses } from '../problem.js';
import { roleAllows, type Requirement, type Role } from './roles.js';
import { digestOf, sameDigest } from './secrets.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role that may call the route; routes that say nothing need `admin`. */
    role?: Requirement;
  }
  interface FastifyRequest {
    /** Who is writing: an API key id, `master`, or `dev` when the service runs without auth. */
    principal: string;
    role: Role | 'master';
  }
}

/** Routes of plugins (the docs UI) and documents that anyone may read. */
const PUBLIC_PREFIXES = ['/docs', '/openapi.json', '/problems/', '/healthz', '/readyz'];

/** RFC 6750 b64token after the (case-insensitive, RFC 9110) scheme "Bearer", and nothing else. */
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

export const BEARER_SCHEME = 'bearerAuth';

export function requirementOf(route: Pick<RouteOptions, 'url' | 'config'>): Requirement {
  const declared = (route.config as { role?: Requirement } | undefined)?.role;
  if (declared) return declared;
  return PUBLIC_PREFIXES.some((p) => route.url.startsWith(p)) ? 'public' : 'admin';
}

/**
 * Documents every route's access rule in the OpenAPI document (bearer scheme, the role, and
 * its 401/403/413/415/429 answers), so a route added later is described — and guarded — the
 * same way without anyone remembering to.
 */
function documentAccess(route: RouteOptions): void {
  // Every route carries its requirement in its config, worked out once here rather than on
  // each request (the onRequest hook and the rate limiter read it).
  const needed = requirementOf(route);
  route.config = { ...(route.config as object), role: needed } as typeof route.config;
  const schema = route.schema as
    | (Record<string, unknown> & { response?: Record<string, unknown>; hide?: boolean })
    | undefined;
  if (!schema || schema.hide) return;
  if (needed === 'public') {
    schema.security = [];
    return;
  }
  schema.security = [{ [BEARER_SCHEME]: [] }];
  schema['x-required-role'] = needed;
  // A GET's schema is seen twice, for it and for its HEAD route: say the role once.
  const says = `Requires role \`${needed}\` (or the master key).`;
  const before = (schema.description as string | undefined) ?? '';
  if (!before.endsWith(says)) schema.description = before ? `${before}\n\n${says}` : says;
  const hasBody = 'body' in schema;
  // 503: the database (or the shared rate-limit store) cannot be reached just now.
  schema.response = {
    ...schema.response,
    ...problemResponses(401, 403, 429, 503),
    ...(hasBody ? problemResponses(413, 415) : {}),
  };
}

/**
 * Every route's access rule, worked out as the route is added. Registered before the rate
 * limiter, whose own onRoute hook comes after and reads what this one decided.
 */
export function registerAccessRules(app: FastifyInstance): void {
  app.decorateRequest('principal', 'dev');
  app.decorateRequest('role', 'master');
  app.addHook('onRoute', documentAccess);
}

export type Authenticate = (request: FastifyRequest) => Promise<{ principal: string; role: Role | 'master' }>;

/** Requires the key each route's rule asks for; null (development mode) requires none. */
export function registerAuthentication(app: FastifyInstance, authenticate: Authenticate | null): void {
  if (authenticate === null) return; // development mode: no authentication (warned at start)
  app.addHook('onRequest', async (request: FastifyRequest) => {
    // One read of routeOptions (a getter that builds an object each time). Unmatched URLs
    // (no url) need a key too, so that probing answers nothing without one.
    const { config } = request.routeOptions;
    const needed = config.url === undefined ? 'reader' : (config.role ?? requirementOf({ url: config.url, config }));
    if (needed === 'public') return;
    const { principal, role } = await authenticate(request);
    request.principal = principal;
    request.role = role;
    if (!roleAllows(role, needed)) {
      throw new ProblemError(problem('forbidden', `this needs role ${needed}; the key has role ${request.role}`));
    }
  });
}

/** Counts one failed attempt from a request's address: whether the address is now over its allowance, and for how long. */
export type FailureCount = (request: FastifyRequest) => Promise<{ exceeded: boolean; retryAfterSeconds: number }>;

/**
 * Requests with a missing, malformed or unknown key are counted per address; past the
 * allowance, an address's failures are answered 429 with Retry-After instead of 401: a signal
 * to a misconfigured client or a scanner to stop. Not a defence of the keys, which are checked
 * in full either way (they are too long to guess). Only failures count, and a valid key is
 * always checked first: a client with a good key is never refused because of what others
 * sent from its address.
 */
export function limitingFailures(authenticate: Authenticate, countFailure: FailureCount): Authenticate {
  return async (request) => {
    try {
      return await authenticate(request);
    } catch (error) {
      if (error instanceof ProblemError && error.problem.status === 401) {
        const { exceeded, retryAfterSeconds } = await countFailure(request);
        if (exceeded) {
          throw new ProblemError(
            problem(
              'rate-limited',
              `too many requests without a valid API key from this address; retry after ${retryAfterSeconds} s`,
            ),
            {
              'retry-after': String(retryAfterSeconds),
            },
          );
        }
      }
      throw error;
    }
  };
}

/** How many Authorization headers came (rawHeaders alternates names and values); on every request, so no allocation. */
function authorizationHeaders(raw: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i]!.length === 13 && raw[i]!.toLowerCase() === 'authorization') n += 1;
  return n;
}

const unauthorized = (detail: string) =>
  new ProblemError(problem('unauthorized', detail), { 'www-authenticate': 'Bearer realm="exchange-ledger"' });

/**
 * Who is calling: the master key or a live API key, from exactly one Authorization header.
 * Throws 401 otherwise. Digests are compared in constant time.
 */
export function authenticator(masterKey: string, keys: KeyStore): Authenticate {
  const masterDigest = digestOf(masterKey);
  return async (request) => {
    // Node keeps only the first of repeated Authorization headers; two are ambiguous: refuse.
    if (authorizationHeaders(request.raw.rawHeaders) > 1) throw unauthorized('send exactly one Authorization header');
    const header = request.headers.authorization;
    if (header === undefined) throw unauthorized('send Authorization: Bearer <API key>');
    const token = BEARER.exec(header)?.[1];
    if (!token) throw unauthorized('the Authorization header must be "Bearer <API key>"');
    const digest = digestOf(token);
    if (sameDigest(digest, masterDigest)) return { principal: 'master', role: 'master' };
    const key = await keys.findLiveKey(digest);
    if (!key || !sameDigest(key.digest, digest)) throw unauthorized('the API key is not valid (unknown or revoked)');
    return { principal: key.id, role: key.role };
  };
}
