import { Address4, Address6 } from 'ip-address';
import { z } from 'zod';
import { READ_CACHE_MAX_MB } from './store/sqlite/read-cache.js';

/**
 * The one place that reads the environment. Parsed and validated once at start: a bad value
 * stops the start with a message naming the variable.
 */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .min(1)
    .default('file:./data/ledger.db')
    .refine((u) => storeKindOf(u) !== null, {
      message: 'must be file:<path> (the embedded SQLite store) or postgres://user@host:port/database (PostgreSQL)',
    }),
  REDIS_URL: z
    .string()
    .refine((u) => /^rediss?:\/\/[^\s]+$/.test(u), { message: 'must be redis://host:port (or rediss:// for TLS)' })
    .optional(),
  REDIS_PREFIX: z.string().regex(/^[\w:.-]{1,64}$/, 'must be 1 to 64 letters, digits and _ : . -').default('ledger:'),
  LEDGER_MASTER_KEY: z
    .string()
    .min(32, 'must be at least 32 characters')
    // What a Bearer header can carry (RFC 6750 b64token): a key outside it would start, then refuse every request.
    .regex(/^[A-Za-z0-9\-._~+/]+=*$/, 'may hold only letters, digits and - . _ ~ + / (and trailing =), as a Bearer token does')
    .optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  NODE_ENV: z.string().default('development'),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int('must be a whole number').min(1).max(1_000_000).default(1200),
  AUTH_FAILURES_PER_MINUTE: z.coerce.number().int('must be a whole number').min(1).max(1_000_000).default(60),
  READ_CACHE_MB: z.coerce.number().int('must be a whole number').min(0).max(1024).default(READ_CACHE_MAX_MB),
  TRUST_PROXY: z
    .string()
    .transform((v) => (/^\d+$/.test(v.trim()) ? Number(v) : v.split(',').map((a) => a.trim())))
    .refine((v) => (typeof v === 'number' ? v >= 1 && v <= 10 : v.every(isAddressOrRange)), {
      message: 'must be how many proxies stand in front (1 to 10), or a comma-separated list of their addresses, CIDR ranges or loopback/linklocal/uniquelocal',
    })
    .optional(),
});

/** An IPv4 or IPv6 address, a CIDR range of either, or one of proxy-addr's named ranges. */
const isAddressOrRange = (a: string) => Address4.isValid(a) || Address6.isValid(a) || ['loopback', 'linklocal', 'uniquelocal'].includes(a);

/** Which store a DATABASE_URL names: the embedded SQLite file, or a PostgreSQL server; null if neither. */
export function storeKindOf(databaseUrl: string): 'sqlite' | 'postgres' | null {
  if (databaseUrl.startsWith('file:') || databaseUrl === ':memory:') return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return 'postgres';
  return null;
}

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  /**
   * Where rate limits and failed-authentication counts are kept, so that several instances
   * share them; null keeps them in this process's memory.
   */
  redisUrl: string | null;
  /** Prefix of this deployment's keys in Redis (instances of one deployment share it). */
  redisPrefix: string;
  masterKey: string | null;
  logLevel: (typeof LOG_LEVELS)[number];
  production: boolean;
  /** Requests per minute allowed to one API key (or one address, without a key). */
  rateLimitPerMinute: number;
  /** Requests with a missing or invalid key allowed from one address per minute; past it, 429 instead of 401. */
  authFailuresPerMinute: number;
  /** Room in the read cache, in MiB of the answers' JSON (store/read-cache.ts); 0 turns it off. */
  readCacheMb: number;
  /**
   * Which reverse proxies' X-Forwarded-For to believe, as Fastify's trustProxy takes it: how
   * many stand in front, or their addresses; false believes none (a client could forge it).
   */
  trustProxy: false | number | string[];
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable counts as unset, as shells and orchestrators commonly export "".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && !e.LEDGER_MASTER_KEY) {
    // Development mode means no authentication: never let that happen in production.
    throw new ConfigError('invalid configuration:\n  LEDGER_MASTER_KEY: must be set when NODE_ENV=production (without it there is no authentication)');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL ?? null,
    redisPrefix: e.REDIS_PREFIX,
    masterKey: e.LEDGER_MASTER_KEY ?? null,
    logLevel: e.LOG_LEVEL,
    production: e.NODE_ENV === 'production',
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    authFailuresPerMinute: e.AUTH_FAILURES_PER_MINUTE,
    readCacheMb: e.READ_CACHE_MB,
    trustProxy: e.TRUST_PROXY ?? false,
  };
}
