import pg from 'pg';
import { reasonOf } from './errors.js';

export interface PostgresOptions {
  /** Connections in the pool (default 10). Writes use one at a time; reads and verify the others. */
  poolSize?: number;
  /** How long to wait for a connection (to open one, or for one of the pool to be free), in ms (default 5000). */
  connectTimeoutMs?: number;
  /** The migrations to apply at open (default: the project's migrations/pg). */
  migrationsFolder?: string;
}

/** The store could not be opened: a bad URL, no server there, no such database, a refused login, a failed migration. */
export class PostgresOpenError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PostgresOpenError';
  }
}

const INT8 = 20;
const NUMERIC = 1700;

/**
 * This pool's parsers: bigint columns, counts and sums come back as JavaScript numbers, as
 * SQLite's integers do (the ledger's figures and positions stay far below 2⁵³). Set on the
 * pool, not on node-postgres' global parsers, which other code in the process may rely on.
 */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    (oid === INT8 || oid === NUMERIC) && format !== 'binary' ? Number : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** The URL without its password, for messages: postgres://user@host:port/database. */
export function describeUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PostgresOpenError('cannot open the PostgreSQL ledger: DATABASE_URL is not a valid URL (postgres://user@host:port/database)');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new PostgresOpenError(`cannot open the PostgreSQL ledger: DATABASE_URL must start with postgres:// or postgresql://, not ${parsed.protocol}//`);
  }
  parsed.password = '';
  return parsed.toString();
}

export function createPool(url: string, options: PostgresOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    keepAlive: true,
    application_name: 'exchange-ledger',
    types,
  });
  // An idle connection the server drops (a restart, pg_terminate_backend) is reported here and
  // removed from the pool, which opens a new one when next needed. Without a listener the
  // process would stop on it.
  pool.on('error', () => {});
  return pool;
}

/** Why opening failed, in one line naming where. */
export function openFailure(target: string, error: unknown): PostgresOpenError {
  return new PostgresOpenError(`cannot open the PostgreSQL ledger at ${target}: ${reasonOf(error)}`, { cause: error });
}
