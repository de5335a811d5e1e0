/**
 * `npm run bench -- --compare REF`: the build of git ref REF (old) beside this working copy's
 * build (new), both on SQLite, measured in the same rounds against the same ceilings, each
 * group of a ceiling, old and new back to back in turned order. The main read figures (three
 * routes at 10 connections) and write figures (stages at 1, 10, 50 connections), and for each
 * new ÷ old: the median of the rounds' ratios of req/s, each within one round of one group.
 * The issue's bar: the SQLite figures may not fall by more than 10% (new ÷ old ≥ 0.90).
 * Beside it, two steadier views of the same question: CPU time per answer, new ÷ old, and
 * new ÷ old with both builds loaded at once (together).
 *
 * REF is unpacked from git (`git archive`, nothing in the repository changes) into a
 * temporary folder with this copy's node_modules linked in (the old lockfile must need
 * nothing the current one lacks), and built with its own `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { type Group, type Row, type Run, load, measureGroups, median, table } from './measure.js';
import { COMPARE, DURATION, ONLY, ROUNDS } from './options.js';
import { ROOT, SERVICE_NODE_ARGS, serviceNodeArgs, start, stop } from './processes.js';
import { durability, prepareLedger, readRoutes, readRun, stageRun, writerRun } from './workload.js';

const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
const oldSha = git('rev-parse', '--verify', `${COMPARE}^{commit}`);
const newSha = git('rev-parse', 'HEAD');
// The benchmark's own results do not count as changes to the code measured.
const newDirty = git('status', '--porcelain', '--untracked-files=no', '--', '.', ':!bench/*.json') !== '';
const oldName = `old ${oldSha.slice(0, 7)}`;
const newName = `new ${newSha.slice(0, 7)}${newDirty ? '+' : ''}`;
const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const loadAtStart = loadAverage();
console.error(
  `bench --compare ${COMPARE}: ${oldName} against ${newName}${newDirty ? ' (with uncommitted changes)' : ''}, ` +
    `${cpus().length} cores, ${ROUNDS} rounds of ${DURATION} s per run, load average ${loadAtStart}`,
);

const work = mkdtempSync(join(tmpdir(), 'ledger-compare-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const oldRoot = join(work, 'old');
mkdirSync(oldRoot);
execFileSync('sh', ['-c', 'git archive --format=tar "$0" | tar -x -C "$1"', oldSha, oldRoot], {
  cwd: ROOT,
  stdio: 'inherit',
});
symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(oldRoot, 'node_modules'));
console.error(`  building ${oldName} in ${oldRoot} …`);
execFileSync('npm', ['run', 'build', '--silent'], { cwd: oldRoot, stdio: ['ignore', 'ignore', 'inherit'] });

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
const env = { NODE_ENV: 'production', LEDGER_MASTER_KEY: master, RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: 'warn' };
/** A build as `npm start` runs it (its own Node flags), on a ledger file of its own. */
const startBuild = (root: string, nodeArgs: string[], file: string) =>
  start(join(root, 'dist/main.js'), { ...env, DATABASE_URL: `file:${join(work, file)}` }, '/readyz', nodeArgs);
const builds = [
  { name: oldName, proc: await startBuild(oldRoot, serviceNodeArgs(oldRoot), 'old.db'), acknowledged: { n: 0 } },
  { name: newName, proc: await startBuild(ROOT, SERVICE_NODE_ARGS, 'new.db'), acknowledged: { n: 0 } },
];
const ledgers = await Promise.all(builds.map((b) => prepareLedger(b.proc.base, master)));

const bareRun: Run = {
  name: 'ceiling: bare Fastify GET (10 conn)',
  measure: () => load(bare, { path: '/thing', connections: 10 }),
};
const groups: Group[] = [
  ...readRoutes(ledgers[0]!).map(({ route }, r) => ({
    ceiling: bareRun,
    services: builds.map((b, i) => ({
      run: readRun(`${b.name}: ${route} (10 conn)`, [b.proc], ledgers[i]!, readRoutes(ledgers[i]!)[r]!.path),
    })),
  })),
  ...(
    [
      ['tx', 1],
      ['group', 10],
      ['group', 50],
    ] as const
  ).map(([mode, connections]) => ({
    ceiling: writerRun(
      `ceiling: durable writer, ${mode === 'tx' ? 'one tx per request' : 'group commit'} (${connections} conn)`,
      writers[mode],
      connections,
    ),
    services: builds.map((b, i) => ({
      run: stageRun(
        `${b.name}: POST /v1/exchanges/{id}/stages (${connections} conn)`,
        [b.proc],
        ledgers[i]!,
        connections,
        b.acknowledged,
      ),
    })),
  })),
];
const rows: Row[] = [];
// --only reads|writes keeps one half (to look closer at one figure); the record stays a full run's.
const measured = groups.filter((_, i) => (ONLY === 'reads' ? i < 3 : ONLY === 'writes' ? i >= 3 : true));
const byRound = await measureGroups(rows, measured, []);
for (const p of [bare, writers.tx, writers.group]) await stop(p);
// Then old and new loaded at once, each with the same load as alone: whatever else the
// machine does then falls on both alike, and the build that needs less work per answer
// answers more. A paired check of the same question, steadier than runs one after another
// on a machine whose load swings from second to second.
const together: number[][] = measured.map(() => []);
for (let round = 0; round < ROUNDS; round += 1) {
  for (const [gi, g] of measured.entries()) {
    const [old, now] = await Promise.all(g.services.map((s) => s.run.measure()));
    together[gi]!.push(now!.rps / old!.rps);
  }
  console.error(`  together: round ${round + 1} of ${ROUNDS} done`);
}

// services[0] is old, services[1] new: figures[group][1] and [2] (0 is the ceiling).
const comparisons = measured.map((g, gi) => {
  const [, old, now] = byRound[gi]!;
  const perRound = now!.map((f, r) => f.rps / old![r]!.rps);
  const cpuPerRound = now!.map((f, r) => f.cpuUsPerRequest! / old![r]!.cpuUsPerRequest!);
  const ratio = median(perRound);
  return {
    figure: g.services[1]!.run.name.slice(newName.length + 2),
    newOverOld: Number(ratio.toFixed(3)),
    perRound: perRound.map((x) => Number(x.toFixed(3))),
    within10Percent: ratio >= 0.9,
    // CPU per answer, new ÷ old (below 1: the new build does less work per request).
    cpuNewOverOld: Number(median(cpuPerRound).toFixed(3)),
    cpuPerRound: cpuPerRound.map((x) => Number(x.toFixed(3))),
    togetherNewOverOld: Number(median(together[gi]!).toFixed(3)),
    togetherPerRound: together[gi]!.map((x) => Number(x.toFixed(3))),
  };
});
const writes = await Promise.all(
  builds.map((b, i) => durability(b.proc.base, master, ledgers[i]!, b.acknowledged.n, 2 * 61 * ROUNDS)),
);
for (const b of builds) await stop(b.proc);
const loadAtEnd = loadAverage();

console.log(table(rows, { cpu: true }));
const cells = (c: string[]) => c.map((x, i) => x.padEnd([48, 11, 12, 18, 20][i] ?? 0)).join(' ');
const each = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(' ');
const head = ['figure', 'new ÷ old', 'fall ≤ 10%', 'CPU/req new ÷ old', 'together new ÷ old'];
console.log(`\n${cells(head)}  (each round: req/s | CPU/req | together)`);
for (const c of comparisons) {
  const verdict = c.within10Percent ? 'yes' : '**no**';
  const figures = cells([
    c.figure,
    c.newOverOld.toFixed(2),
    verdict,
    c.cpuNewOverOld.toFixed(2),
    c.togetherNewOverOld.toFixed(2),
  ]);
  console.log(`${figures}  ${each(c.perRound)} | ${each(c.cpuPerRound)} | ${each(c.togetherPerRound)}`);
}
console.log(`\nwrites: ${builds.map((b, i) => `${b.name} ${JSON.stringify(writes[i])}`).join('\n        ')}`);
console.log(`load average at start ${loadAtStart}, at end ${loadAtEnd}`);
if (ONLY === null)
  writeFileSync(
    join(ROOT, 'bench/compare.json'),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: {
          cores: cpus().length,
          model: cpus()[0]?.model,
          memoryGiB: Math.round(totalmem() / 2 ** 30),
          node: process.version,
        },
        loadAverage: { start: loadAtStart, end: loadAtEnd },
        old: { ref: COMPARE, commit: oldSha },
        new: { commit: newSha, uncommittedChanges: newDirty },
        durationSeconds: DURATION,
        rounds: ROUNDS,
        runs: rows,
        comparisons,
        writes: Object.fromEntries(builds.map((b, i) => [b.name, writes[i]])),
      },
      null,
      2,
    )}\n`,
  );
if (ONLY === null) console.error('wrote bench/compare.json');
process.exit(0);
