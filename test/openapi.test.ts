import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OPENAPI_FILE, generateOpenApi } from '../src/cli/openapi.js';
import { PROJECT_ROOT } from '../src/paths.js';
import { startLedger } from './support/app.js';

type Doc = {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      { operationId?: string; summary?: string; responses: Record<string, { content?: Record<string, unknown> }> }
    >
  >;
};

describe('the OpenAPI document', () => {
  it('committed openapi/openapi.json is exactly what the code generates (run `npm run openapi`)', async () => {
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(await generateOpenApi());
  });

  it('is OpenAPI 3.1; every operation has an operationId, a summary and problem+json 4xx answers', () => {
    const doc = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8')) as Doc;
    expect(doc.openapi).toBe('3.1.0');
    const ops = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([m, op]) => ({ id: `${m} ${path}`, op })),
    );
    expect(ops.length).toBeGreaterThanOrEqual(18);
    for (const { id, op } of ops) {
      expect(op.operationId, id).toBeTruthy();
      expect(op.summary, id).toBeTruthy();
      const errors = Object.entries(op.responses).filter(([s]) => s.startsWith('4'));
      expect(errors.length, `${id} documents its 4xx answers`).toBeGreaterThan(0);
      for (const [status, r] of errors)
        expect(Object.keys(r.content ?? {}), `${id} ${status}`).toEqual(['application/problem+json']);
    }
  });

  it('lints with no error under @redocly/cli', () => {
    const bin = join(PROJECT_ROOT, 'node_modules', '.bin', 'redocly');
    // execFileSync throws (failing the test) when redocly exits non-zero, i.e. on any error.
    const out = execFileSync(bin, ['lint', OPENAPI_FILE, '--format=stylish'], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).not.toMatch(/\berror\b/);
  });
});

describe('response serialisers', () => {
  it('every route’s response schema compiles (they are compiled at first use, so a broken one would otherwise show only then)', async () => {
    const { compileAllSerialisers } = await import('../src/http/serializer.js');
    const ledger = await startLedger();
    try {
      // Every route with a response schema registered one; none was used yet, so all are pending.
      expect(compileAllSerialisers()).toBeGreaterThanOrEqual(60);
      const res = await ledger.http().get('/v1/parties');
      expect(res.status).toBe(200);
    } finally {
      await ledger.close();
    }
  });
});
