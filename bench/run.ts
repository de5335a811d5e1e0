/**
 * `npm run bench`: the service against the ceilings of the same machine, measured side by
 * side in one run (absolute figures drift on shared machines; ratios in one run do not).
 * Prints one table and writes bench/results.json. Options:
 *   --duration S   seconds per load run (default 4)
 *   --rounds N     rounds of every ceiling/service pair, measured side by side (default 3)
 *   --scale N      events for the scale part (default 1000000; 0 skips it; SQLite only)
 *   --seeded FILE  a ledger already made by `npm run seed -- --events N` to use (a copy of it)
 *                  for the scale part instead of seeding one (seeding 10⁶ events takes minutes)
 *   --only reads|writes   only the read runs or only the write runs of part 1 (to measure one change quickly)
 *   --store sqlite|pg     the store measured (default sqlite, bench/sqlite.ts); pg: PostgreSQL with one
 *                  and with two instances beside a PostgreSQL durable writer (bench/pg.ts), on
 *                  databases of its own made and dropped on the server at --pg, limits in Redis at --redis
 *   --pg URL       PostgreSQL to connect to as an administrator (default postgres://postgres@127.0.0.1:5432/postgres)
 *   --redis URL    Redis for the instances' shared limits (default redis://127.0.0.1:6379)
 *   --compare REF  the build of git ref REF beside this one, on SQLite, in the same rounds against
 *                  the same ceilings: the main read and write figures and new ÷ old (bench/compare.ts);
 *                  writes bench/compare.json
 */
import { COMPARE, STORE } from './options.js';

if (COMPARE !== undefined) await import('./compare.js');
else if (STORE === 'pg') await import('./pg.js');
else await import('./sqlite.js');
