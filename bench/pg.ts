/**
 * `npm run bench -- --store pg`: the service on PostgreSQL, one instance and two instances on
 * one database (the load spread over both, their limits shared in Redis), beside bare Fastify
 * for reads and a hand-written PostgreSQL durable writer for writes
 * (bench/ceilings/pg-durable-writer.ts), side by side in rounds as on SQLite, and the store
 * alone without HTTP as a bound for writes. Part 1 only: no scale part. Makes its own
 * databases and drops them at the end.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Figures, type Group, type Row, type Run, load, measureGroups, rssMb, table } from './measure.js';
import { DURATION, ONLY, PG_ADMIN_URL, REDIS_URL, ROUNDS } from './options.js';
import { createDatabase, dropDatabase, dropDatabases } from './pg-databases.js';
import { ROOT, SERVICE_NODE_ARGS, runToEnd, start, stop, type Proc } from './processes.js';
import { durability, prepareLedger, readRoutes, readRun, stageRun, writerRun } from './workload.js';

const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const loadAtStart = loadAverage();
const server = await (async () => {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  const { rows } = await client.query<{ name: string; setting: string; unit: string | null }>(
    `SELECT name, setting, unit FROM pg_settings
     WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'wal_sync_method', 'commit_delay',
                    'shared_buffers')`,
  );
  await client.end();
  return Object.fromEntries(rows.map((r) => [r.name, r.unit ? `${r.setting} × ${r.unit}` : r.setting]));
})();
console.error(
  `bench --store pg: ${cpus().length} cores, Node ${process.version}, PostgreSQL ${server.server_version}, ` +
    `${ROUNDS} rounds of ${DURATION} s per run, load average ${loadAtStart}`,
);

const serviceDb = await createDatabase(PG_ADMIN_URL, 'service');
const ceilingDb = await createDatabase(PG_ADMIN_URL, 'ceiling');
const bare = await start(join(ROOT, 'bench/ceilings/bare-fastify.ts'), {}, '/thing');
const writer = await start(join(ROOT, 'bench/ceilings/pg-durable-writer.ts'), { DATABASE_URL: ceilingDb }, '/');

const master = randomBytes(32).toString('base64url');
// Both instances as a deployment of several would run them: one database, limits and failed
// authentication counted in Redis under this run's own prefix (its keys expire within a minute).
const serviceEnv = {
  NODE_ENV: 'production',
  LEDGER_MASTER_KEY: master,
  RATE_LIMIT_PER_MINUTE: '1000000',
  LOG_LEVEL: 'warn',
  DATABASE_URL: serviceDb,
  REDIS_URL,
  REDIS_PREFIX: `bench:${process.pid}:${randomBytes(3).toString('hex')}:`,
};
const startService = () => start(join(ROOT, 'dist/main.js'), serviceEnv, '/readyz', SERVICE_NODE_ARGS);
// One after the other: the first applies the migrations.
const a = await startService();
const b = await startService();
const one: Proc[] = [a];
const two: Proc[] = [a, b];
const ledger = await prepareLedger(a.base, master);

const bareRun: Run = {
  name: 'ceiling: bare Fastify GET (10 conn)',
  measure: () => load(bare, { path: '/thing', connections: 10 }),
};
const acknowledged = { n: 0 };
const readGroups: Group[] = readRoutes(ledger).map(({ route, path }) => ({
  ceiling: bareRun,
  services: [
    { run: readRun(`pg ×1: ${route} (10 conn)`, one, ledger, path) },
    { run: readRun(`pg ×2: ${route} (5+5 conn)`, two, ledger, path) },
  ],
}));
const stages = 'POST /v1/exchanges/{id}/stages';
const writeGroups: Group[] = [1, 10, 50].map((connections) => ({
  ceiling: writerRun(`ceiling: pg durable writer, INSERT per tx (${connections} conn)`, writer, connections),
  services: [
    { run: stageRun(`pg ×1: ${stages} (${connections} conn)`, one, ledger, connections, acknowledged) },
    // One connection cannot be spread over two instances.
    ...(connections > 1
      ? [
          {
            run: stageRun(
              `pg ×2: ${stages} (${connections / 2}+${connections / 2} conn)`,
              two,
              ledger,
              connections,
              acknowledged,
            ),
          },
        ]
      : []),
  ],
}));
// A bound, not a ceiling: the service's store alone, in process, with no HTTP (as on SQLite),
// each run on a fresh database of its own.
let storeRuns = 0;
const storeAloneRun = (inFlight: number): Run => ({
  name: `bound: the store alone, no HTTP (${inFlight} in flight)`,
  measure: async () => {
    storeRuns += 1;
    const url = await createDatabase(PG_ADMIN_URL, `alone${storeRuns}`);
    const script = join(ROOT, 'bench/bounds/store-alone.ts');
    const env = { DATABASE_URL: url, IN_FLIGHT: String(inFlight), SECONDS: String(DURATION) };
    const { code, out } = await runToEnd([...SERVICE_NODE_ARGS, '--import', 'tsx', script], env, 'inherit');
    await dropDatabase(PG_ADMIN_URL, url);
    if (code !== 0) throw new Error(`store-alone exited ${code}`);
    return JSON.parse(out) as Figures;
  },
});
for (const [i, inFlight] of [
  [0, 1],
  [2, 50],
] as const)
  writeGroups[i]!.services.push({ run: storeAloneRun(inFlight) });
const rows: Row[] = [];
await measureGroups(rows, [...(ONLY !== 'writes' ? readGroups : []), ...(ONLY !== 'reads' ? writeGroups : [])], []);
await stop(bare);
await stop(writer);

// Requests in flight when a run stops are written but not counted: at most one per connection
// per run (1 + 10 + 50 on one instance, 10 + 50 on two, each round).
const writes = await durability(a.base, master, ledger, acknowledged.n, (ONLY === 'reads' ? 0 : 121) * ROUNDS);
console.error(
  `  acknowledged stages ${writes.acknowledgedStages}, delivered in the ledger ${writes.deliveredInLedger}, ` +
    `verify ${writes.verifyOk ? 'ok' : 'FAILED'}`,
);
const peakRssMb = { a: Math.round(rssMb(a.pid, 'VmHWM')), b: Math.round(rssMb(b.pid, 'VmHWM')) };
await stop(a);
await stop(b);
await dropDatabases(PG_ADMIN_URL);
const loadAtEnd = loadAverage();

console.log(table(rows, { cpu: true }));
console.log(
  `\nwrites: ${JSON.stringify(writes)}\n` +
    `instances' peak RSS ${peakRssMb.a} and ${peakRssMb.b} MB (the ×2 rows' RSS is both together)`,
);
console.log(`load average at start ${loadAtStart}, at end ${loadAtEnd}`);
if (ONLY === null) {
  writeFileSync(
    join(ROOT, 'bench/results-pg.json'),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: {
          cores: cpus().length,
          model: cpus()[0]?.model,
          memoryGiB: Math.round(totalmem() / 2 ** 30),
          node: process.version,
        },
        postgres: server,
        loadAverage: { start: loadAtStart, end: loadAtEnd },
        durationSeconds: DURATION,
        rounds: ROUNDS,
        runs: rows,
        writes,
        instancePeakRssMb: peakRssMb,
      },
      null,
      2,
    )}\n`,
  );
  console.error('wrote bench/results-pg.json');
}
process.exit(0);
