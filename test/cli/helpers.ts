import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runNode, type CliResult } from '../audit/helpers.js';

/** Each test runs the CLI (a Node process that loads the service) a few times: on a busy machine that takes a while. */
export const CLI_TESTS_MS = 120_000;

/** `npm run import-stages -- ARGS` as the script runs it (node with tsx), with only the environment given. */
export const runImport = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  runNode(['--import', 'tsx', join('src', 'cli', 'import-stages.ts'), ...args], { LOG_LEVEL: 'silent', ...env });

/** The columns of docs/templates/stages.csv, in its order. */
export const HEADER = 'action,exchange,occurredAt,kind,by,partyA,countA,partyB,countB,title,mediator,reason,sourceTitle,sourceUrl,sourcePublishedAt,note';

/** One CSV row under HEADER from named cells (quoted where needed). */
export function row(cells: Record<string, string | number>): string {
  return HEADER.split(',').map((c) => quote(String(cells[c] ?? ''))).join(',');
}

const quote = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** Writes a sheet (header + rows, LF) and returns its path. */
export function sheet(dir: string, name: string, rows: string[], header = HEADER): string {
  const path = join(dir, name);
  writeFileSync(path, `${[header, ...rows].join('\n')}\n`);
  return path;
}

/** The import's summary on stdout (the last JSON document it printed). */
export function summaryOf(result: CliResult): { rows: number; written: number; alreadyWritten?: number; dryRun?: boolean } {
  expect(result.code, `exit code; stderr:\n${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout.slice(result.stdout.indexOf('{')));
}

/** The lines under "refused:" on stderr, each `line N, column C (L): message (type)`. */
export function refusals(result: CliResult): string[] {
  expect(result.code, `exit code; stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(1);
  expect(result.stderr).toMatch(/^refused: /m);
  return result.stderr.split('\n').filter((l) => l.startsWith('  line ')).map((l) => l.trim());
}

/** A stages sheet of `exchanges` whole exchanges, five rows each (propose, agree, two stages, complete): 2n handed over per stage pair. */
export function season(exchanges: number, prefix = 'x'): { rows: string[]; handedOverEach: number } {
  const rows: string[] = [];
  let handedOverEach = 0;
  for (let i = 0; i < exchanges; i++) {
    const x = `${prefix}${i}`;
    const day = (d: number) => new Date(Date.UTC(2024, 0, 1 + (i % 300) + d)).toISOString().slice(0, 10);
    const first = 1 + (i % 40);
    const second = 1 + (i % 7);
    handedOverEach += first + second;
    rows.push(
      row({ action: 'propose', exchange: x, occurredAt: day(0), kind: 'pow', by: 'UA', partyA: 'UA', countA: first + second, partyB: 'RU', countB: first + second, sourceTitle: `Talks, round ${i}` }),
      row({ action: 'agree', exchange: x, occurredAt: day(1), by: 'RU' }),
      row({ action: 'stage', exchange: x, occurredAt: day(2), partyA: 'UA', countA: first, partyB: 'RU', countB: first }),
      row({ action: 'stage', exchange: x, occurredAt: day(3), partyA: 'UA', countA: second, partyB: 'RU', countB: second, note: 'second stage, as reported' }),
      row({ action: 'complete', exchange: x, occurredAt: day(3) }),
    );
  }
  return { rows, handedOverEach };
}
