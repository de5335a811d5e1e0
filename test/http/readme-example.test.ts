import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths.js';
import { startLedger, type TestLedger } from '../support/app.js';

/**
 * The README's worked example (the June 2025 repatriation of 6,000 bodies as it was reported)
 * is a script run against a real service; what the README shows under it is what the script
 * prints, figure for figure, on a fresh ledger.
 */
const run = promisify(execFile);

/** The fenced block that follows the marker in the README. */
function readmeOutput(): string {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const at = readme.indexOf('<!-- output of scripts/readme-example.ts -->');
  expect(at, 'the README marks the example’s output').toBeGreaterThan(-1);
  const block = /```text\n([\s\S]*?)```/.exec(readme.slice(at));
  return block![1]!;
}

describe('the README’s worked example', () => {
  let t: TestLedger;
  let base: string;
  beforeAll(async () => {
    t = await startLedger();
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => t.close());

  it('prints on a fresh ledger exactly what the README shows', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', join(PROJECT_ROOT, 'scripts', 'readme-example.ts')],
      {
        cwd: PROJECT_ROOT,
        env: { ...process.env, BASE: base },
      },
    );
    expect(stdout).toBe(readmeOutput());
    expect(t.contractViolations).toEqual([]);
  });
});
