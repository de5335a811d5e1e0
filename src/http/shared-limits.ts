import type { FastifyRateLimitOptions, FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import { Redis } from 'ioredis';
import { createRequire } from 'node:module';
import { StoreUnavailable } from '../store/store-unavailable.js';

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;
type RouteOptions = Parameters<FastifyRateLimitStore['child']>[0];

// The plugin's own Redis store (its Lua counters), which its package does not export by name.
const RedisStore = createRequire(import.meta.url)('@fastify/rate-limit/store/RedisStore.js') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: Redis,
  key?: string,
) => FastifyRateLimitStore;

/** A Redis client for counters: it fails a command at once while disconnected rather than queueing it. */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  // Reconnection is ioredis' own; a failed command is answered 503 meanwhile (below).
  redis.on('error', () => {});
  try {
    await redis.connect();
  } catch (cause) {
    redis.disconnect();
    throw new StoreUnavailable(`cannot reach Redis at ${url}`, { cause });
  }
  return redis;
}

/**
 * Rate limits and failed-authentication counts kept in Redis, so that every instance behind a
 * load balancer counts the same key against one limit. A counter that cannot be reached
 * fails the request with 503 (StoreUnavailable) instead of letting it through unlimited.
 */
export function sharedLimits(redis: Redis, prefix: string): FastifyRateLimitStoreCtor {
  const wrap = (inner: FastifyRateLimitStore): FastifyRateLimitStore => ({
    incr: (key: string, callback: Callback, timeWindow: number, max: number) =>
      inner.incr(
        key,
        (error, result) =>
          error
            ? callback(new StoreUnavailable('the rate-limit store is unreachable', { cause: error }))
            : callback(null, result),
        timeWindow,
        max,
      ),
    child: (routeOptions: RouteOptions) => wrap(inner.child(routeOptions)),
  });
  return class SharedLimits implements FastifyRateLimitStore {
    private readonly inner: FastifyRateLimitStore;
    constructor(options: FastifyRateLimitOptions & { continueExceeding?: boolean; exponentialBackoff?: boolean }) {
      const store = new RedisStore(
        options.continueExceeding ?? false,
        options.exponentialBackoff ?? false,
        redis,
        prefix,
      );
      this.inner = wrap(store);
    }
    incr(...args: Parameters<FastifyRateLimitStore['incr']>) {
      return this.inner.incr(...args);
    }
    child(routeOptions: RouteOptions) {
      return this.inner.child(routeOptions);
    }
  } as unknown as FastifyRateLimitStoreCtor;
}
