/**
 * `npm run bench:profile -- read|totals|write [seconds] [connections]`: runs the built service under
 * `node --cpu-prof` in production mode, loads one hot route with autocannon, and prints where
 * the CPU time went (self time by function, top 30). The raw .cpuprofile stays in the
 * printed folder for Chrome DevTools or speedscope. BENCHMARKS.md records what it showed.
 */
import autocannon from 'autocannon';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT, SERVICE_NODE_ARGS, api, start, stop } from './processes.js';

const mode = process.argv[2] === 'write' ? 'write' : process.argv[2] === 'totals' ? 'totals' : 'read';
const seconds = Number(process.argv[3] ?? 8);
const connections = process.argv[4] === undefined ? undefined : Number(process.argv[4]);
const work = mkdtempSync(join(tmpdir(), 'ledger-profile-'));
const master = randomBytes(32).toString('base64url');
const service = await start(
  join(ROOT, 'dist/main.js'),
  {
    NODE_ENV: 'production',
    LEDGER_MASTER_KEY: master,
    RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'warn',
    DATABASE_URL: `file:${join(work, 'ledger.db')}`,
  },
  '/readyz',
  [...SERVICE_NODE_ARGS, '--cpu-prof', `--cpu-prof-dir=${work}`],
);
const { base } = service;
const recorder = (await api(base, master, 'POST', '/v1/keys', { name: 'profile', role: 'recorder' })).secret as string;
await api(base, master, 'POST', '/v1/parties', { id: 'UA', name: 'Ukraine' });
await api(base, master, 'POST', '/v1/parties', { id: 'RU', name: 'Russia' });
const ex = await api(base, recorder, 'POST', '/v1/exchanges', {
  kind: 'pow',
  proposedBy: 'UA',
  sides: [
    { party: 'UA', handsOver: 1000 },
    { party: 'RU', handsOver: 1000 },
  ],
  occurredAt: '2025-05-16',
});
await api(base, recorder, 'POST', `/v1/exchanges/${ex.id}/agree`, { by: 'RU', occurredAt: '2025-05-16' });
await api(base, recorder, 'POST', `/v1/exchanges/${ex.id}/stages`, {
  sides: [
    { party: 'UA', count: 390 },
    { party: 'RU', count: 390 },
  ],
  occurredAt: '2025-05-23',
});

const headers = { authorization: `Bearer ${recorder}`, 'content-type': 'application/json' };
const target =
  mode === 'write'
    ? {
        method: 'POST' as const,
        url: `${base}/v1/exchanges/${ex.id}/stages`,
        body: JSON.stringify({ sides: [{ party: 'UA', count: 1 }], occurredAt: '2025-05-24' }),
        connections: connections ?? 50,
      }
    : {
        method: 'GET' as const,
        url: mode === 'totals' ? `${base}/v1/totals` : `${base}/v1/exchanges/${ex.id}`,
        connections: connections ?? 10,
      };
const result = await autocannon({ ...target, headers, duration: seconds });
console.log(
  `${target.method} ${relative(base, target.url)} at ${target.connections} connections: ${Math.round(result.requests.average)} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
);
await stop(service);

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const file = readdirSync(work).find((f) => f.endsWith('.cpuprofile'))!;
const profile = JSON.parse(readFileSync(join(work, file), 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
};
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const byFunction = new Map<string, number>();
for (const node of profile.nodes) {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url
    ? `${url
        .replace(/^file:\/\//, '')
        .replace(`${ROOT}/`, '')
        .replace(/.*node_modules\//, '')}:${lineNumber + 1}`
    : '';
  const name = `${functionName || '(anonymous)'} ${where}`.trim();
  byFunction.set(name, (byFunction.get(name) ?? 0) + (self.get(node.id) ?? 0));
}
const total = [...byFunction.values()].reduce((a, b) => a + b, 0);
console.log('\nself time  function');
for (const [name, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 30))
  console.log(`${((100 * us) / total).toFixed(1).padStart(8)}%  ${name}`);
console.log(`\nprofile: ${join(work, file)}`);
