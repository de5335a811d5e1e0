/**
 * `npm run bench` on SQLite (the default store): the ceilings, the bounds, the service, and
 * the scale part. bench/run.ts lists the options.
 */
import Database from 'better-sqlite3';
import { DURATION, ONLY, ROUNDS, SCALE, SEEDED } from './options.js';
import { type Figures, type Row, type Run, load, measurePairs, rssMb, table } from './measure.js';
import { ROOT, SERVICE_NODE_ARGS, api, runToEnd, start, stop, type Proc } from './processes.js';
import { prepareLedger, readRun as readRun_, stageRun as stageRun_, writerRun as writerRun_ } from './workload.js';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';

const work = mkdtempSync(join(tmpdir(), 'ledger-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const rows: Row[] = [];

// ---------- 1. ceilings and the service ----------

console.error(
  `bench: ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${ROUNDS} rounds of ${DURATION} s per run`,
);
const bare = await start(join(ROOT, 'bench/ceilings/bare-fastify.ts'), {}, '/thing');
const writers = {
  tx: await start(
    join(ROOT, 'bench/ceilings/durable-writer.ts'),
    { MODE: 'tx', DB_PATH: join(work, 'ceiling-tx.db') },
    '/',
  ),
  group: await start(
    join(ROOT, 'bench/ceilings/durable-writer.ts'),
    { MODE: 'group', DB_PATH: join(work, 'ceiling-group.db') },
    '/',
  ),
};

const master = randomBytes(32).toString('base64url');
const serviceEnv = {
  NODE_ENV: 'production',
  LEDGER_MASTER_KEY: master,
  RATE_LIMIT_PER_MINUTE: '1000000',
  LOG_LEVEL: 'warn',
  DATABASE_URL: `file:${join(work, 'service.db')}`,
};
/** The built service as `npm start` runs it, on `env` over the benchmark's production settings. */
const startService = (env: Record<string, string> = {}) =>
  start(join(ROOT, 'dist/main.js'), { ...serviceEnv, ...env }, '/readyz', SERVICE_NODE_ARGS);
/** A new reader key on a service (the scale runs read with one). */
const readerKey = async (s: Proc) =>
  (await api(s.base, master, 'POST', '/v1/keys', { name: 'bench', role: 'reader' })).secret as string;
const service = await startService();
const ledger = await prepareLedger(service.base, master);
const { recorder, read } = ledger;

const bareRun: Run = {
  name: 'ceiling: bare Fastify GET (10 conn)',
  measure: () => load(bare, { path: '/thing', connections: 10 }),
};
const writerRun = (mode: 'tx' | 'group', connections: number): Run =>
  writerRun_(
    `ceiling: durable writer, ${mode === 'tx' ? 'one tx per request' : 'group commit'} (${connections} conn)`,
    writers[mode],
    connections,
  );
const readRun = (name: string, path: string): Run => readRun_(name, [service], ledger, path);
const acknowledged = { n: 0 };
const stageRun = (connections: number): Run =>
  stageRun_(
    `service: POST /v1/exchanges/{id}/stages (${connections} conn)`,
    [service],
    ledger,
    connections,
    acknowledged,
  );
// Bounds, not ceilings: the service's own parts with something taken away, to show how far
// its targets are from what its work allows (bench/bounds/). The read routes without
// authentication and the rate limiter, on the service's ledger; the store alone, in process,
// without HTTP.
const routesOnly =
  ONLY === 'writes'
    ? null
    : await start(
        join(ROOT, 'bench/bounds/routes-only.ts'),
        { DB_PATH: join(work, 'service.db') },
        '/ready',
        SERVICE_NODE_ARGS,
      );
const boundReadRun = (name: string, path: string): Run => ({
  name,
  measure: () => load(routesOnly!, { path, connections: 10 }),
});
let storeRuns = 0;
const storeAloneRun = (inFlight: number): Run => ({
  name: `bound: the store alone, no HTTP (${inFlight} in flight)`,
  measure: async () => {
    storeRuns += 1;
    const { code, out } = await runToEnd(
      [...SERVICE_NODE_ARGS, '--import', 'tsx', join(ROOT, 'bench/bounds/store-alone.ts')],
      { DB_PATH: join(work, `store-alone-${storeRuns}.db`), IN_FLIGHT: String(inFlight), SECONDS: String(DURATION) },
      'inherit',
    );
    if (code !== 0) throw new Error(`store-alone exited ${code}`);
    return JSON.parse(out) as Figures;
  },
});
const w = {
  tx1: writerRun('tx', 1),
  tx10: writerRun('tx', 10),
  tx50: writerRun('tx', 50),
  g1: writerRun('group', 1),
  g10: writerRun('group', 10),
  g50: writerRun('group', 50),
};
const readPairs = [
  {
    ceiling: bareRun,
    service: readRun('service: GET /v1/exchanges/{id} (10 conn)', `/v1/exchanges/${read}`),
    target: '≥ 0.70',
  },
  { ceiling: bareRun, service: readRun('service: GET /v1/totals (10 conn)', '/v1/totals'), target: '≥ 0.70' },
  { ceiling: bareRun, service: readRun('service: GET /v1/exchanges?limit=50 (10 conn)', '/v1/exchanges?limit=50') },
  {
    ceiling: bareRun,
    service: boundReadRun('bound: GET /v1/exchanges/{id}, no auth, no limiter (10 conn)', `/v1/exchanges/${read}`),
  },
  { ceiling: bareRun, service: boundReadRun('bound: GET /v1/totals, no auth, no limiter (10 conn)', '/v1/totals') },
];
const writePairs = [
  { ceiling: w.tx1, service: stageRun(1), target: '≥ 1.00' },
  { ceiling: w.g10, service: stageRun(10) },
  { ceiling: w.g50, service: stageRun(50), target: '≥ 0.70, p99 ≤ 10 ms' },
  { ceiling: w.tx1, service: storeAloneRun(1) },
  { ceiling: w.g50, service: storeAloneRun(50) },
];
await measurePairs(
  rows,
  [...(ONLY !== 'writes' ? readPairs : []), ...(ONLY !== 'reads' ? writePairs : [])],
  ONLY === 'reads' ? [] : [w.tx10, w.tx50, w.g1],
);
for (const p of [bare, writers.tx, writers.group, routesOnly]) if (p) await stop(p);

// Every acknowledged write is in the ledger, and the ledger verifies.
const handed = (await api(service.base, recorder, 'GET', '/v1/totals?party=BA')).data.reduce(
  (s: number, r: { handedOver: number }) => s + r.handedOver,
  0,
) as number;
// The high-water mark while serving, and after verify (which reads the whole ledger on a worker thread).
const servingPeakRss = rssMb(service.pid, 'VmHWM');
const verify = await api(service.base, master, 'GET', '/v1/ledger/verify');
const servicePeakRss = rssMb(service.pid, 'VmHWM');
await stop(service);
// Requests still in flight when a run stops are written but not counted as acknowledged: at
// most one per connection per run (1 + 10 + 50, each round).
const inFlight = 61 * ROUNDS;
const durability = {
  acknowledgedStages: acknowledged.n,
  deliveredInLedger: handed,
  allAcknowledgedPresent: handed >= acknowledged.n && handed - acknowledged.n <= inFlight,
  verifyOk: verify.ok as boolean,
  ledgerEvents: verify.events as number,
};
console.error(
  `  acknowledged stages ${acknowledged.n}, delivered in the ledger ${handed}, verify ${verify.ok ? 'ok' : 'FAILED'}`,
);

// ---------- 2. scale ----------

let scale: Record<string, unknown> | null = null;
if (SCALE > 0) {
  const seed = async (file: string, events: number) => {
    const { code, seconds } = await runToEnd([join(ROOT, 'dist/cli/seed.js'), '--events', String(events)], {
      DATABASE_URL: `file:${file}`,
    });
    if (code !== 0) throw new Error(`seed exited ${code}`);
    return seconds;
  };
  const measure = async (file: string, readCache = false) => {
    // The read cache off unless asked for: these figures are about the database's work as the
    // ledger grows (with the cache on, every repeat of the same query is answered from memory).
    const cache: Record<string, string> = readCache ? {} : { READ_CACHE_MB: '0' };
    const s = await startService({ ...cache, DATABASE_URL: `file:${file}` });
    const key = await readerKey(s);
    const h = { authorization: `Bearer ${key}` };
    const totals = await load(s, { path: '/v1/totals', connections: 1, headers: h });
    // The same page size on both ledgers (the small one has 7 such exchanges): what grows with
    // the ledger is the index walk, not the answer. The 50-row page is measured too.
    const filtered = (limit: number) => `/v1/exchanges?status=completed&kind=pow&party=UA&limit=${limit}`;
    const list = await load(s, { path: filtered(5), connections: 1, headers: h });
    const list50 = await load(s, { path: filtered(50), connections: 1, headers: h });
    const rows = {
      5: (await api(s.base, key, 'GET', filtered(5))).data.length as number,
      50: (await api(s.base, key, 'GET', filtered(50))).data.length as number,
    };
    const rss = rssMb(s.pid, 'VmHWM');
    await stop(s);
    return { startMs: s.startMs, totals, list, list50, rows, rss };
  };
  console.error(
    SEEDED
      ? `scale: seeding 1,000 events; the large ledger is a copy of ${SEEDED}`
      : `scale: seeding 1,000 and ${SCALE.toLocaleString('en')} events …`,
  );
  // The yardstick is the empty ledger (the service creates the file): nothing to
  // find, so the latency is the service's own. Against the 1,000-event ledger the filtered
  // list's answer keeps its size (5 rows), so that what grows is only the index walk.
  const emptyFile = join(work, 'empty.db');
  const empty = await measure(emptyFile);
  const emptyCached = await measure(emptyFile, true);
  const smallFile = join(work, 'small.db');
  await seed(smallFile, 1000);
  const small = await measure(smallFile);
  const bigFile = join(work, 'big.db');
  let seedSeconds: number | null = null;
  if (SEEDED) {
    // Fold the source's WAL into its main file first, or the copy would lack the last events.
    const source = new Database(SEEDED);
    source.pragma('wal_checkpoint(TRUNCATE)');
    source.close();
    copyFileSync(SEEDED, bigFile);
  } else seedSeconds = await seed(bigFile, SCALE);
  const seededFile = new Database(bigFile, { readonly: true });
  const events = (seededFile.prepare('SELECT max(sequence) AS n FROM events').get() as { n: number }).n;
  seededFile.close();
  const big = await measure(bigFile);
  const bigCached = await measure(bigFile, true);
  // The read cache as deployed (on, its default room) on the large ledger: 3,000 different
  // exchanges read round and round (they fit: each is kept at its second read and answered
  // from memory from the third on), and 20,000 (a scan: each is read again only after 19,999
  // others, so none is kept).
  const cycled = async (count: number) => {
    const ledger = new Database(bigFile, { readonly: true });
    const ids = ledger.prepare('SELECT id FROM exchanges ORDER BY seq LIMIT ?').pluck().all(count) as string[];
    ledger.close();
    const s = await startService({ DATABASE_URL: `file:${bigFile}` });
    const key = await readerKey(s);
    let n = 0;
    const f = await load(s, {
      connections: 10,
      headers: { authorization: `Bearer ${key}` },
      paths: () => `/v1/exchanges/${ids[n++ % ids.length]}`,
    });
    const rss = rssMb(s.pid, 'VmHWM');
    await stop(s);
    return { exchanges: ids.length, rps: Math.round(f.rps), errors: f.errors, peakRssMb: Math.round(rss) };
  };
  const readCache = { hot: await cycled(3000), scan: await cycled(20_000) };
  // GET /v1/ledger/verify of the whole large ledger through the service, and how the service
  // answers other requests meanwhile (the verify runs on a worker thread: verify-ledger.ts).
  const verifyWhileServing = await (async () => {
    const s = await startService({ READ_CACHE_MB: '0', DATABASE_URL: `file:${bigFile}` });
    const h = { authorization: `Bearer ${master}` };
    const path = '/v1/totals?party=UA';
    const quiet = await load(s, { path, connections: 10, headers: h });
    const t0 = performance.now();
    let seconds = 0;
    const verifying = api(s.base, master, 'GET', '/v1/ledger/verify').then(
      (r: { ok: boolean }) => ((seconds = (performance.now() - t0) / 1000), r.ok),
    );
    const during = await load(s, { path, connections: 10, headers: h });
    const ok = await verifying;
    const peakRssMb = Math.round(rssMb(s.pid, 'VmHWM'));
    await stop(s);
    const figures = (f: Figures) => ({ rps: Math.round(f.rps), p50: f.p50, p99: f.p99, errors: f.errors });
    return {
      ok,
      seconds: Number(seconds.toFixed(1)),
      overlapped: seconds > DURATION,
      totalsQuiet: figures(quiet),
      totalsDuringVerify: figures(during),
      peakRssMb,
    };
  })();
  const bytes = statSync(bigFile).size + (existsSync(`${bigFile}-wal`) ? statSync(`${bigFile}-wal`).size : 0);
  const verifyRun = await runToEnd([join(ROOT, 'dist/cli/verify.js')], { DATABASE_URL: `file:${bigFile}` }).then(
    ({ code, seconds }) => ({ seconds, ok: code === 0 }),
  );
  scale = {
    events,
    seedEventsPerSecond: seedSeconds === null ? null : Math.round(events / seedSeconds),
    // The same on the empty ledger: what start-up costs that is not the ledger's (Node, loading the code, the routes).
    startupToReadyMs: Math.round(big.startMs),
    startupToReadyMsEmptyLedger: Math.round(empty.startMs),
    totalsP50Ms: {
      small: small.totals.p50,
      large: big.totals.p50,
      ratio: big.totals.p50 / Math.max(small.totals.p50, 1),
    },
    totalsMeanRps: {
      empty: Math.round(empty.totals.rps),
      small: Math.round(small.totals.rps),
      large: Math.round(big.totals.rps),
      latencyRatio: small.totals.rps / big.totals.rps,
      latencyRatioToEmpty: empty.totals.rps / big.totals.rps,
    },
    filteredListMeanRps: {
      rows: { empty: empty.rows[5], small: small.rows[5], large: big.rows[5] },
      empty: Math.round(empty.list.rps),
      small: Math.round(small.list.rps),
      large: Math.round(big.list.rps),
      latencyRatio: small.list.rps / big.list.rps,
      latencyRatioToEmpty: empty.list.rps / big.list.rps,
    },
    // Answers other than 2xx in any of these runs (a fast refusal must not pass for a fast answer).
    errors: Object.fromEntries(
      Object.entries({ empty, emptyCached, small, big, bigCached }).map(([name, m]) => [
        name,
        m.totals.errors + m.list.errors + m.list50.errors,
      ]),
    ),
    // As deployed (the read cache on), against the empty ledger as deployed.
    withReadCache: {
      totalsMeanRps: {
        empty: Math.round(emptyCached.totals.rps),
        large: Math.round(bigCached.totals.rps),
        latencyRatioToEmpty: emptyCached.totals.rps / bigCached.totals.rps,
      },
      filteredListMeanRps: {
        empty: Math.round(emptyCached.list.rps),
        large: Math.round(bigCached.list.rps),
        latencyRatioToEmpty: emptyCached.list.rps / bigCached.list.rps,
      },
    },
    filteredList50MeanRps: {
      rows: { small: small.rows[50], large: big.rows[50] },
      small: Math.round(small.list50.rps),
      large: Math.round(big.list50.rps),
      latencyRatio: small.list50.rps / big.list50.rps,
    },
    databaseBytesPerEvent: Math.round(bytes / events),
    verify: {
      ok: verifyRun.ok,
      seconds: Number(verifyRun.seconds.toFixed(1)),
      eventsPerSecond: Math.round(events / verifyRun.seconds),
    },
    peakRssWhileServingMb: Math.round(big.rss),
    readCache,
    verifyWhileServing,
  };
}

// ---------- report ----------

console.log(table(rows));
console.log(
  `\nwrites: ${JSON.stringify(durability)}\nservice peak RSS ${servingPeakRss.toFixed(0)} MB serving, ${servicePeakRss.toFixed(0)} MB after verify`,
);
if (scale) console.log(`scale: ${JSON.stringify(scale, null, 2)}`);
// A partial run (--only) is for trying a change: it does not replace the record of a full one.
if (ONLY === null) {
  writeFileSync(
    join(ROOT, 'bench/results.json'),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: {
          cores: cpus().length,
          model: cpus()[0]?.model,
          memoryGiB: Math.round(totalmem() / 2 ** 30),
          node: process.version,
        },
        durationSeconds: DURATION,
        rounds: ROUNDS,
        runs: rows,
        writes: durability,
        servicePeakRssMb: { serving: Math.round(servingPeakRss), afterVerify: Math.round(servicePeakRss) },
        scale,
      },
      null,
      2,
    )}\n`,
  );
  console.error('wrote bench/results.json');
}
process.exit(0);
