import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ROOT } from './processes.js';

/**
 * The benchmark's own PostgreSQL databases: made fresh on the server the administrator URL
 * names, and dropped at the end, also when the benchmark is stopped or fails (processes.ts
 * turns SIGINT and SIGTERM into an exit). WITH (FORCE) ends the connections of services still
 * going.
 */

const made = new Set<string>();
const dropSql = (name: string) => `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`;

async function admin(adminUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new, empty database; its URL. */
export async function createDatabase(adminUrl: string, role: string): Promise<string> {
  const name = `ledger_bench_${process.pid}_${randomBytes(3).toString('hex')}_${role}`;
  await admin(adminUrl, `CREATE DATABASE "${name}"`);
  made.add(name);
  // Whatever the exit, once this process is past async work: a child does the dropping.
  if (made.size === 1) process.on('exit', () => dropLeftSync(adminUrl));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops the database at `url`, one made by createDatabase. */
export async function dropDatabase(adminUrl: string, url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  if (!made.has(name)) throw new Error(`${name} is not the benchmark's`);
  await admin(adminUrl, dropSql(name));
  made.delete(name);
}

export async function dropDatabases(adminUrl: string): Promise<void> {
  for (const name of made) {
    await admin(adminUrl, dropSql(name));
    made.delete(name);
  }
}

function dropLeftSync(adminUrl: string): void {
  if (made.size === 0) return;
  const script = `import pg from 'pg';
const c = new pg.Client({ connectionString: process.env.ADMIN_URL });
await c.connect();
for (const sql of JSON.parse(process.env.DROPS)) await c.query(sql);
await c.end();`;
  const drops = JSON.stringify([...made].map(dropSql));
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ADMIN_URL: adminUrl, DROPS: drops },
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 15_000,
  });
  if (r.status !== 0) console.error(`bench: could not drop ${[...made].join(', ')}: drop them by hand`);
}
