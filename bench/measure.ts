import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { DURATION, ROUNDS } from './options.js';
import type { Proc } from './processes.js';

/** Loading the processes measured, in rounds beside their ceilings, and the table of the figures. */

export function rssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  rssMb: number;
  ok: number;
  errors: number;
  /**
   * CPU time of the measured process(es) per answer (user + system, from /proc, 10 ms ticks),
   * in µs: less swayed than req/s by other work on a shared machine. Not the database
   * server's (PostgreSQL's backends are processes of their own). Absent for the bounds.
   */
  cpuUsPerRequest?: number;
}

export interface LoadOptions {
  path?: string;
  connections: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: () => { path: string; body: string };
  paths?: () => string;
}

const autocannonOptions = (p: Proc, opts: LoadOptions, counted: () => void) =>
  ({
    url: p.base + (opts.path ?? ''),
    connections: opts.connections,
    duration: DURATION,
    method: opts.method ?? 'GET',
    headers: { ...(opts.body ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    ...(opts.body
      ? { requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, ...opts.body!() }) }] }
      : {}),
    ...(opts.paths
      ? { requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, path: opts.paths!() }) }] }
      : {}),
    setupClient: (client: { on: (e: string, f: (status: number) => void) => void }) =>
      client.on('response', (status: number) => {
        if (status >= 200 && status < 300) counted();
      }),
  }) as autocannon.Options;

/** CPU time a process has used (user + system), in µs. */
function cpuUs(pid: number): number {
  try {
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
/** USER_HZ, which Linux fixes at 100 for /proc. */
const CLOCK_TICKS = 100;

/** Peak RSS of `procs` while `work` runs (the highest of each, summed), and the CPU time they used. */
async function sampled<T>(procs: Proc[], work: () => Promise<T>): Promise<{ result: T; rssMb: number; cpuUs: number }> {
  const cpu0 = procs.reduce((sum, p) => sum + cpuUs(p.pid), 0);
  const peaks = procs.map((p) => rssMb(p.pid));
  const sample = () => {
    for (const [i, p] of procs.entries()) peaks[i] = Math.max(peaks[i]!, rssMb(p.pid));
  };
  const sampler = setInterval(sample, 100);
  const result = await work();
  clearInterval(sampler);
  sample();
  const cpu = procs.reduce((sum, p) => sum + cpuUs(p.pid), 0) - cpu0;
  return { result, rssMb: peaks.reduce((a, b) => a + b, 0), cpuUs: cpu };
}

export async function load(p: Proc, opts: LoadOptions): Promise<Figures> {
  let ok = 0;
  const { result, rssMb, cpuUs } = await sampled([p], () => autocannon(autocannonOptions(p, opts, () => (ok += 1))));
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    rssMb,
    ok,
    errors: result.errors + result.non2xx + result.timeouts,
    cpuUsPerRequest: cpuUs / Math.max(1, result.requests.total),
  };
}

// Exported by autocannon, not declared by its types.
const aggregateResult = (
  autocannon as unknown as {
    aggregateResult: (r: RawResult[], o: { url: string; connections: number }) => autocannon.Result;
  }
).aggregateResult;

/** What autocannon answers with `skipAggregateResult`: counts, and histograms to be merged. */
interface RawResult {
  totalCompletedRequests: number;
  samples: number;
  errors: number;
  non2xx: number;
  timeouts: number;
}

/**
 * The same load spread over several instances of a service at once, its connections shared
 * among them (as a load balancer would): one autocannon per instance, started together,
 * their requests per second summed and their latencies merged into one histogram. RSS is the
 * instances' together.
 */
export async function loadSpread(procs: Proc[], opts: LoadOptions): Promise<Figures> {
  const share = procs.map(
    (_, i) => Math.floor(opts.connections / procs.length) + (i < opts.connections % procs.length ? 1 : 0),
  );
  if (share.includes(0))
    throw new Error(`${opts.connections} connections cannot be spread over ${procs.length} instances`);
  let ok = 0;
  const each = procs.map((p, i) => ({
    ...autocannonOptions(p, { ...opts, connections: share[i]! }, () => (ok += 1)),
    skipAggregateResult: true,
  }));
  const {
    result: raw,
    rssMb,
    cpuUs,
  } = await sampled(procs, () => Promise.all(each.map((o) => autocannon(o) as unknown as Promise<RawResult>)));
  const merged = aggregateResult(raw, { url: each[0]!.url as string, connections: opts.connections });
  return {
    // What autocannon's requests.average is for one run: completed requests per one-second sample.
    rps: raw.reduce((sum, r) => sum + r.totalCompletedRequests / Math.max(1, r.samples), 0),
    p50: merged.latency.p50,
    p99: merged.latency.p99,
    rssMb,
    ok,
    errors: raw.reduce((sum, r) => sum + r.errors + r.non2xx + r.timeouts, 0),
    cpuUsPerRequest:
      cpuUs /
      Math.max(
        1,
        raw.reduce((sum, r) => sum + r.totalCompletedRequests, 0),
      ),
  };
}

export type Run = { name: string; measure: () => Promise<Figures> };
export type Row = { name: string; figures: Figures; ceiling?: string; ratio?: number; target?: string };

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** Median figures of the rounds; RSS is the highest seen. */
const summary = (rounds: Figures[]): Figures => ({
  rps: median(rounds.map((f) => f.rps)),
  p50: median(rounds.map((f) => f.p50)),
  p99: median(rounds.map((f) => f.p99)),
  rssMb: Math.max(...rounds.map((f) => f.rssMb)),
  ok: rounds.reduce((a, f) => a + f.ok, 0),
  errors: rounds.reduce((a, f) => a + f.errors, 0),
  ...(rounds.every((f) => f.cpuUsPerRequest !== undefined) && {
    cpuUsPerRequest: median(rounds.map((f) => f.cpuUsPerRequest!)),
  }),
});

/** A ceiling and what is measured against it, back to back. */
export interface Group {
  ceiling: Run;
  services: { run: Run; target?: string }[];
}

/** Each run's figures in each round, per group: figures[group][run in group order][round]. */
export type RoundFigures = Figures[][][];

/**
 * Measures each group's runs back to back, in ROUNDS rounds, the order of the group turned by
 * one every round (with a ceiling and one service: the pair flipped every other round), all
 * processes up throughout: the machine's drift between two runs a minute apart, which on
 * these shared machines is larger than most effects measured, then falls on both sides of
 * each ratio. The ratio reported is the median of the rounds' ratios, each taken within one
 * round of one group; the other figures are medians too (peak RSS the highest). Appends a row
 * per run to `rows` and returns every round's figures.
 */
export async function measureGroups(rows: Row[], groups: Group[], solo: Run[]): Promise<RoundFigures> {
  const figures = new Map<string, Figures[]>();
  const add = (name: string, f: Figures) => (figures.get(name) ?? figures.set(name, []).get(name)!).push(f);
  const byRound: RoundFigures = groups.map((g) => [g.ceiling, ...g.services].map(() => []));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const run of solo) add(run.name, await run.measure());
    for (const [gi, group] of groups.entries()) {
      const runs = [group.ceiling, ...group.services.map((s) => s.run)];
      const turn = round % runs.length;
      for (const i of [...runs.keys()].slice(turn).concat([...runs.keys()].slice(0, turn))) {
        const f = await runs[i]!.measure();
        add(runs[i]!.name, f);
        byRound[gi]![i]!.push(f);
      }
    }
    console.error(`  round ${round + 1} of ${ROUNDS} done`);
  }
  const seen = new Set<string>();
  type Entry = { run: Run; of?: { group: number; index: number; target?: string } };
  const ordered: Entry[] = [
    ...solo.map((run) => ({ run })),
    ...groups.flatMap((g, group): Entry[] => [
      { run: g.ceiling },
      ...g.services.map((s, i) => ({ run: s.run, of: { group, index: i + 1, target: s.target } })),
    ]),
  ];
  for (const { run, of } of ordered) {
    if (seen.has(run.name)) continue;
    seen.add(run.name);
    const f = summary(figures.get(run.name)!);
    let against = '';
    if (of) {
      const ceiling = groups[of.group]!.ceiling.name;
      const rounds = byRound[of.group]!;
      const ratio = median(rounds[of.index]!.map((sf, r) => sf.rps / rounds[0]![r]!.rps));
      rows.push({ name: run.name, figures: f, ceiling, ratio, target: of.target });
      against = `, ${ratio.toFixed(2)} × ${ceiling}`;
    } else rows.push({ name: run.name, figures: f });
    console.error(`  ${run.name}: ${Math.round(f.rps)} req/s, p50 ${f.p50} ms, p99 ${f.p99} ms${against}`);
  }
  return byRound;
}

/** Pairs of a ceiling and one service run (measureGroups with one service per group). */
export async function measurePairs(rows: Row[], pairs: { ceiling: Run; service: Run; target?: string }[], solo: Run[]) {
  return measureGroups(
    rows,
    pairs.map((p) => ({ ceiling: p.ceiling, services: [{ run: p.service, target: p.target }] })),
    solo,
  );
}

const pad = (s: string, n: number) => s.padEnd(n);
const num = (n: number) => Math.round(n).toLocaleString('en');

/** The figures as a table; `cpu` adds the CPU time per answer (SQLite's table keeps its columns). */
export function table(rows: Row[], { cpu = false } = {}): string {
  const widths = cpu ? [64, 9, 7, 7, 7, 10, 11] : [64, 9, 7, 7, 7, 10];
  const line = (cells: string[]) => cells.map((c, i) => pad(c, widths[i] ?? 0)).join(' ');
  return [
    line(['run', 'req/s', 'p50 ms', 'p99 ms', 'RSS MB', '× ceiling', ...(cpu ? ['CPU µs/req'] : []), 'target']),
    ...rows.map((r) => {
      const { rps, p50, p99, rssMb, cpuUsPerRequest } = r.figures;
      const ratio = r.ratio === undefined ? '' : r.ratio.toFixed(2);
      const cpuCell = cpu ? [cpuUsPerRequest === undefined ? '' : num(cpuUsPerRequest)] : [];
      return line([r.name, num(rps), String(p50), String(p99), num(rssMb), ratio, ...cpuCell, r.target ?? '']);
    }),
  ].join('\n');
}
