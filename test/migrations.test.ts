import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.js';

describe('migrations', () => {
  it.each([
    ['SQLite', 'migrations', 'src/store/sqlite/schema.ts', 'drizzle.config.ts', 'db:generate'],
    ['PostgreSQL', 'migrations/pg', 'src/store/postgres/schema.ts', 'drizzle.pg.config.ts', 'db:generate:pg'],
  ])('%s: the committed migrations in %s are what drizzle-kit generates from %s', (_store, folder, _schema, config, script) => {
    // Generate into a copy of the folder: any schema change not yet committed as a
    // migration shows up as a new file there.
    const out = mkdtempSync(join(tmpdir(), 'migrations-'));
    try {
      cpSync(join(PROJECT_ROOT, folder), out, { recursive: true });
      const before = readdirSync(out).sort();
      // drizzle-kit takes `out` relative to the project (it prefixes "./").
      const printed = execFileSync(join(PROJECT_ROOT, 'node_modules', '.bin', 'drizzle-kit'), ['generate', '--config', config], {
        cwd: PROJECT_ROOT, env: { ...process.env, DRIZZLE_OUT: relative(PROJECT_ROOT, out) }, encoding: 'utf8', stdio: 'pipe',
      });
      expect(printed).toContain('No schema changes');
      expect(readdirSync(out).sort(), `run \`npm run ${script}\` and commit the migration`).toEqual(before);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
