import { parseArgs } from 'node:util';

/** The benchmark's options (bench/run.ts lists them), parsed once for every part. */
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    scale: { type: 'string' },
    seeded: { type: 'string' },
    only: { type: 'string' },
    store: { type: 'string', default: 'sqlite' },
    compare: { type: 'string' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
    redis: { type: 'string', default: 'redis://127.0.0.1:6379' },
  },
});

if (values.store !== 'sqlite' && values.store !== 'pg')
  throw new Error(`--store must be sqlite or pg, not ${values.store}`);
// The scale part seeds and reads SQLite files; on PostgreSQL only part 1 runs.
if (values.store === 'pg' && Number(values.scale ?? 0) > 0) throw new Error('--scale is for --store sqlite only');
if (values.compare !== undefined && values.store === 'pg')
  throw new Error('--compare measures SQLite builds: leave out --store pg');

export const ONLY = values.only === 'reads' || values.only === 'writes' ? values.only : null;
export const DURATION = Number(values.duration);
export const ROUNDS = Math.max(1, Number(values.rounds));
export const SCALE = Number(values.scale ?? 1_000_000);
export const SEEDED = values.seeded;
export const STORE = values.store;
/** A git ref whose build is measured beside this one's (bench/compare.ts). */
export const COMPARE = values.compare;
/** A PostgreSQL database to connect to as an administrator, to create the benchmark's own databases. */
export const PG_ADMIN_URL = values.pg;
export const REDIS_URL = values.redis;
