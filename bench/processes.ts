import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Starting, stopping and calling the processes a benchmark measures (the service, the ceilings). */

export const ROOT = join(import.meta.dirname, '..');

/** The Node flags `npm start` runs the service with (package.json in `root`), so that it is measured as deployed. */
export function serviceNodeArgs(root: string): string[] {
  const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } })
    .scripts.start;
  return /node ((?:--\S+ )*)dist\/main\.js/.exec(script)?.[1]?.trim().split(' ').filter(Boolean) ?? [];
}
export const SERVICE_NODE_ARGS: string[] = serviceNodeArgs(ROOT);

/** Every process started, killed when the benchmark exits however it exits. */
const children: ChildProcess[] = [];
/** Kill `child` too when the benchmark exits. */
const track = <C extends ChildProcess>(child: C): C => (children.push(child), child);
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});
// Stopped by hand or by a signal: exit, so that the children are killed and what the
// benchmark made (its temporary files, its PostgreSQL databases) is removed.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => process.exit(130));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface Proc {
  child: ChildProcess;
  base: string;
  pid: number;
  startMs: number;
}

/**
 * Starts `script` on a free port and waits until `ready` answers: the service is ready at a
 * 200 from /readyz; a ceiling (ready '/') as soon as it answers at all.
 */
export async function start(
  script: string,
  env: Record<string, string>,
  ready = '/healthz',
  nodeArgs: string[] = [],
): Promise<Proc> {
  const port = await freePort();
  const t0 = performance.now();
  const child = track(
    spawn(process.execPath, [...nodeArgs, ...(script.endsWith('.ts') ? ['--import', 'tsx'] : []), script], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) },
      stdio: ['ignore', 'ignore', 'inherit'],
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    try {
      const res = await fetch(base + ready);
      if (res.ok || ready === '/') break;
    } catch {
      /* not up yet */
    }
    if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return { child, base, pid: child.pid!, startMs: performance.now() - t0 };
}

/**
 * Runs node with `args` to its end (killed with the benchmark if that ends first): its exit
 * code, what it printed on stdout, and how long it took. Its stderr (progress, say) is shown
 * only if asked for.
 */
export function runToEnd(
  args: string[],
  env: Record<string, string>,
  stderr: 'inherit' | 'ignore' = 'ignore',
): Promise<{ code: number | null; out: string; seconds: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = track(
      spawn(process.execPath, args, {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', stderr],
      }),
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    // 'close', not 'exit': by then its stdout has been read to the end.
    child.on('close', (code) => resolve({ code, out, seconds: (performance.now() - t0) / 1000 }));
  });
}

/** SIGTERM, and wait for the exit (the service then writes its CPU profile, closes its database). */
export async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode !== null) return;
  const exited = new Promise((r) => p.child.once('exit', r));
  p.child.kill('SIGTERM');
  await exited;
}

/** One API call with a bearer key; anything but 2xx stops the benchmark. */
export async function api(base: string, key: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}
