import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { expect } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths.js';
import type { TestLedger } from '../support/app.js';

/**
 * Helpers for the audit tests: an independent RFC 8785 canonicaliser and hash (written here,
 * not imported from src/, so the tests check the service against the spec rather than against
 * itself), the CLIs as child processes, and direct file access as an attacker would have it.
 */

/** RFC 8785 (JCS) for JSON values: keys sorted by UTF-16 code units, no whitespace, ES number form. */
export function jcs(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('JCS: non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(jcs).join(',')}]`;
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const keys = Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${jcs(o[k])}`).join(',')}}`;
  }
  throw new Error(`JCS: not a JSON value: ${typeof value}`);
}

export const ZEROS = '0'.repeat(64);

/** SHA-256(prevHash ‖ JCS(event without hash)), hex. */
export function expectedHash(event: Record<string, unknown>): string {
  const { hash: _hash, ...body } = event;
  return createHash('sha256').update(String(body.prevHash)).update(jcs(body)).digest('hex');
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a file of the project with plain node (tsx as a loader for .ts), in the project root. */
export function runNode(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const child = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 140_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * `npm run verify|export|import` as the scripts run them: node with tsx, on a DATABASE_URL
 * (a bare path is a SQLite file).
 */
export function runCli(name: 'verify' | 'export' | 'import', database: string, ...args: string[]): Promise<CliResult> {
  const url = /^(file:|postgres)/.test(database) ? database : `file:${database}`;
  return runNode(['--import', 'tsx', join('src', 'cli', `${name}.ts`), ...args], {
    DATABASE_URL: url,
    LOG_LEVEL: 'silent',
  });
}

/** The last non-empty line a CLI wrote to stderr. */
export const lastLine = (text: string) => text.trim().split('\n').at(-1) ?? '';

/** The progress summary every CLI ends with: "<label>: N events in S s (R events/s)". */
export function expectRateLine(stderr: string, label: string, events: number): void {
  const line = lastLine(stderr);
  const m = new RegExp(`^${label}: ([\\d,]+) events in [\\d.]+ s \\(([\\d,]+) events/s\\)$`).exec(line);
  expect(m, `final stderr line of ${label}: ${JSON.stringify(line)}`).not.toBeNull();
  expect(Number(m![1]!.replaceAll(',', ''))).toBe(events);
  expect(Number(m![2]!.replaceAll(',', ''))).toBeGreaterThan(0);
}

/** A second connection on the ledger file, as someone with access to the file would open it. */
export function openFile(dbPath: string, options: { readonly?: boolean } = {}): Database.Database {
  const db = new Database(dbPath, { readonly: options.readonly ?? false });
  db.pragma('busy_timeout = 5000');
  return db;
}

/** Opens the file, drops the append-only triggers, runs the tampering, closes. */
export function tamper(dbPath: string, work: (db: Database.Database) => void): void {
  const db = openFile(dbPath);
  try {
    db.exec('DROP TRIGGER IF EXISTS events_no_update; DROP TRIGGER IF EXISTS events_no_delete;');
    work(db);
  } finally {
    db.close();
  }
}

/** Row counts of the ledger and its read models. */
export function counts(dbPath: string): Record<string, number> {
  const db = openFile(dbPath, { readonly: true });
  try {
    const n = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return {
      events: n('events'),
      parties: n('parties'),
      exchanges: n('exchanges'),
      exchange_parties: n('exchange_parties'),
      stage_reports: n('stage_reports'),
      reading_totals: n('reading_totals'),
      stage_reading_rows: n('stage_reading_rows'),
      reporters: n('reporters'),
      observers: n('observers'),
      claims: n('claims'),
    };
  } finally {
    db.close();
  }
}

/** POST expecting a status; returns the body. */
export async function post(t: TestLedger, url: string, body: object, status = 200): Promise<any> {
  const res = await t.http().post(url).send(body);
  expect(res.status, `POST ${url}: ${res.text}`).toBe(status);
  return res.body;
}

export async function get(t: TestLedger, url: string, status = 200): Promise<any> {
  const res = await t.http().get(url);
  expect(res.status, `GET ${url}: ${res.text}`).toBe(status);
  return res.body;
}

/** Every event through the JSON pages of GET /v1/events. */
export async function allEvents(t: TestLedger, limit = 1000): Promise<Record<string, any>[]> {
  const out: Record<string, any>[] = [];
  for (let after = 0; ; ) {
    const page = await get(t, `/v1/events?after=${after}&limit=${limit}`);
    out.push(...page.data);
    if (page.nextCursor === null) return out;
    after = Number(page.nextCursor);
  }
}
