import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.js';

describe('migrations', () => {
  it('the committed migrations are what drizzle-kit generates from src/store/sqlite/schema.ts', () => {
    // Generate into a copy of migrations/: any schema change not yet committed as a
    // migration shows up as a new file there.
    const out = mkdtempSync(join(tmpdir(), 'migrations-'));
    try {
      cpSync(join(PROJECT_ROOT, 'migrations'), out, { recursive: true });
      const before = readdirSync(out).sort();
      // drizzle-kit takes `out` relative to the project (it prefixes "./").
      const printed = execFileSync(join(PROJECT_ROOT, 'node_modules', '.bin', 'drizzle-kit'), ['generate'], {
        cwd: PROJECT_ROOT, env: { ...process.env, DRIZZLE_OUT: relative(PROJECT_ROOT, out) }, encoding: 'utf8', stdio: 'pipe',
      });
      expect(printed).toContain('No schema changes');
      expect(readdirSync(out).sort(), 'run `npm run db:generate` and commit the migration').toEqual(before);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
