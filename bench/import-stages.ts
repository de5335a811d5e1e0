import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, api, start, stop } from './processes.js';

/**
 * `npm run bench:import-stages [-- --rows 10000]`: a season of exchanges as a spreadsheet
 * export (propose, agree, two stages, complete: five rows each), imported by the CLI as a
 * user runs it, into a ledger file (--database) and into a running service (--url, with a
 * recorder's key); then the same file again with --resume (every row already written). Each
 * ledger is read back through the API: every row written once, the totals as the sheet says.
 * Too slow for the test suite on a busy machine; the tests import files of a few rows to 600.
 */
const { values } = parseArgs({ options: { rows: { type: 'string', default: '10000' } } });
const exchanges = Math.ceil(Number(values.rows) / 5);
const MASTER = 'bench-import-stages-master-key-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'bench-import-'));

function season(): { csv: string; handedOver: number } {
  const lines = ['action,exchange,occurredAt,kind,by,partyA,countA,partyB,countB,sourceTitle,note'];
  let handedOver = 0;
  for (let i = 0; i < exchanges; i++) {
    const day = (d: number) => new Date(Date.UTC(2022, 2, 1 + (i % 1000) + d)).toISOString().slice(0, 10);
    const [first, second] = [10 + (i % 390), 1 + (i % 60)];
    handedOver += first + second;
    lines.push(
      `propose,x${i},${day(0)},pow,UA,UA,${first + second},RU,${first + second},"Talks, round ${i}",`,
      `agree,x${i},${day(1)},,RU,,,,,,`,
      `stage,x${i},${day(5)},,,UA,${first},RU,${first},"First stage, ${first} for ${first}",`,
      `stage,x${i},${day(6)},,,UA,${second},RU,${second},,"the rest, a day later"`,
      `complete,x${i},${day(6)},,,,,,,,`,
    );
  }
  return { csv: `${lines.join('\r\n')}\r\n`, handedOver };
}

interface Run {
  seconds: number;
  cpuSeconds: number;
  passes: string[];
  summary: any;
}

/**
 * The CLI as `npm run import-stages` runs it: wall time, the CPU time it used (bash's `times`:
 * on a shared machine the wall time says more about the neighbours), and its passes' summaries.
 */
function importStages(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const cli = [process.execPath, '--import', 'tsx', join('src', 'cli', 'import-stages.ts'), ...args];
    const child = spawn('bash', ['-c', '"$@"; s=$?; times >&2; exit $s', 'import-stages', ...cli], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`import-stages exited ${code}:\n${err}`));
      const [user, system] = [...(err.trim().split('\n').at(-1) ?? '').matchAll(/(\d+)m([\d.]+)s/g)].map(
        (m) => Number(m[1]) * 60 + Number(m[2]),
      );
      resolve({
        seconds: (performance.now() - t0) / 1000,
        cpuSeconds: (user ?? 0) + (system ?? 0),
        passes: err.split('\n').filter((l) => / rows in /.test(l)),
        summary: JSON.parse(out),
      });
    });
  });
}

/** A service on a new ledger file with UA and RU registered, and a recorder's key for it. */
async function serviceWithParties(name: string) {
  const env = {
    DATABASE_URL: `file:${join(dir, name)}`,
    LEDGER_MASTER_KEY: MASTER,
    RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'warn',
  };
  const service = await start(join('src', 'main.ts'), env, '/readyz');
  for (const id of ['UA', 'RU']) await api(service.base, MASTER, 'POST', '/v1/parties', { id, name: id });
  const { secret } = await api(service.base, MASTER, 'POST', '/v1/keys', { name: 'bench import', role: 'recorder' });
  return { service, recorder: secret as string, databaseUrl: env.DATABASE_URL };
}

/** Every row once: one event per row (completions carry no tranche here) and the totals of the sheet. */
async function expectImported(base: string, handedOver: number, rows: number): Promise<void> {
  const head = await api(base, MASTER, 'GET', '/v1/ledger/head');
  const [ua] = (await api(base, MASTER, 'GET', '/v1/totals?party=UA&kind=pow')).data;
  if (head.sequence !== 2 + rows || ua.handedOver !== handedOver || ua.received !== handedOver) {
    throw new Error(
      `ledger differs from the sheet: ${head.sequence} events, UA ${JSON.stringify(ua)}; ` +
        `expected ${2 + rows} events, ${handedOver} each way`,
    );
  }
}

const report = (what: string, r: Run) =>
  console.log(
    `${what}: ${r.summary.rows.toLocaleString('en')} rows in ${r.seconds.toFixed(1)} s wall ` +
      `(${Math.round(r.summary.rows / r.seconds)} rows/s), ${r.cpuSeconds.toFixed(1)} s CPU; ` +
      `written ${r.summary.written}, already there ${r.summary.alreadyWritten}\n  ${r.passes.join('\n  ')}`,
  );

try {
  const { csv, handedOver } = season();
  const file = join(dir, 'season.csv');
  writeFileSync(file, csv);
  const rows = exchanges * 5;
  console.log(
    `${rows.toLocaleString('en')} rows (${(csv.length / 1024).toFixed(0)} KiB); ` +
      `${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}`,
  );

  // Into a ledger file: the service that made it is stopped, and started again to read it back.
  const onFile = await serviceWithParties('file.db');
  await stop(onFile.service);
  report('--database', await importStages([file, '--database', onFile.databaseUrl], {}));
  report(
    '--database --resume (all written)',
    await importStages([file, '--database', onFile.databaseUrl, '--resume'], {}),
  );
  const reread = await start(
    join('src', 'main.ts'),
    { DATABASE_URL: onFile.databaseUrl, LEDGER_MASTER_KEY: MASTER, LOG_LEVEL: 'warn' },
    '/readyz',
  );
  await expectImported(reread.base, handedOver, rows);
  await stop(reread);

  // Into a running service, with a recorder's key.
  const served = await serviceWithParties('service.db');
  report('--url', await importStages([file, '--url', served.service.base], { LEDGER_KEY: served.recorder }));
  await expectImported(served.service.base, handedOver, rows);
  await stop(served.service);
  console.log('both ledgers read back through the API: every row once, totals as in the sheet');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
