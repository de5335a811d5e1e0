import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { runNode, type CliResult } from '../audit/helpers.js';

/** Each test runs the CLI (a Node process that loads the service) a few times: on a busy machine that takes a while. */
export const CLI_TESTS_MS = 120_000;

/** `npm run import-stages -- ARGS` as the script runs it (node with tsx), with only the environment given. */
export const runImport = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
  runNode(['--import', 'tsx', join('src', 'cli', 'import-stages.ts'), ...args], { LOG_LEVEL: 'silent', ...env });

/** The columns the tests' sheets use (a sheet may leave out columns no row of it uses): A to J. */
export const COLUMNS = 'action,exchange,occurredAt,kind,by,partyA,countA,partyB,countB,note';

/** Writes a sheet (header + rows, LF) and returns its path. */
export function sheet(dir: string, name: string, rows: string[], header = COLUMNS): string {
  const path = join(dir, name);
  writeFileSync(path, `${[header, ...rows].join('\n')}\n`);
  return path;
}

/** The import's summary on stdout (the last JSON document it printed). */
export function summaryOf(result: CliResult): {
  rows: number;
  written: number;
  alreadyWritten?: number;
  dryRun?: boolean;
} {
  expect(result.code, `exit code; stderr:\n${result.stderr}`).toBe(0);
  return JSON.parse(result.stdout.slice(result.stdout.indexOf('{')));
}

/** The lines under "refused:" on stderr, each `line N, column C (L): message (type)`. */
export function refusals(result: CliResult): string[] {
  expect(result.code, `exit code; stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(1);
  expect(result.stderr).toMatch(/^refused: /m);
  return result.stderr
    .split('\n')
    .filter((l) => l.startsWith('  line '))
    .map((l) => l.trim());
}

/** Rows of `exchanges` whole exchanges (propose, agree, two stages, complete), and what UA hands over in them. */
export function season(exchanges: number, prefix = 'x'): { rows: string[]; handedOver: number } {
  const rows: string[] = [];
  let handedOver = 0;
  for (let i = 0; i < exchanges; i++) {
    const x = `${prefix}${i}`;
    const day = (d: number) => new Date(Date.UTC(2024, 0, 1 + (i % 300) + d)).toISOString().slice(0, 10);
    const [first, second] = [1 + (i % 40), 1 + (i % 7)];
    handedOver += first + second;
    rows.push(
      `propose,${x},${day(0)},pow,UA,UA,${first + second},RU,${first + second},"round ${i}, as proposed"`,
      `agree,${x},${day(1)},,RU,,,,,`,
      `stage,${x},${day(2)},,,UA,${first},RU,${first},`,
      `stage,${x},${day(3)},,,UA,${second},RU,${second},"second stage, as reported"`,
      `complete,${x},${day(3)},,,,,,,`,
    );
  }
  return { rows, handedOver };
}
