import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths.js';
import { startService, type ServiceProcess } from '../support/process.js';
import { CLI_TESTS_MS, refusals, runImport, season, sheet, summaryOf } from './helpers.js';

/*
 * The import against a running service (--url, or LEDGER_URL and LEDGER_KEY), with a
 * recorder's API key: the rows are checked first on a scratch ledger seeded from what the
 * service answers, then written through its API; the ledger is read back through the API.
 */

const MASTER = 'import-stages-master-key-0123456789abcdef';
let dir: string;
let service: ServiceProcess;
let recorder: string;

async function api(
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  key = MASTER,
): Promise<{ status: number; body: any }> {
  const res = await fetch(service.baseUrl + path, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: await res.json() };
}
const head = async () => (await api('GET', '/v1/ledger/head')).body.sequence as number;
const asRecorder = () => ({ LEDGER_URL: service.baseUrl, LEDGER_KEY: recorder });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'import-service-'));
  service = await startService({
    DATABASE_URL: `file:${join(dir, 'ledger.db')}`,
    LEDGER_MASTER_KEY: MASTER,
    RATE_LIMIT_PER_MINUTE: '1000000',
  });
  for (const [id, name] of [
    ['UA', 'Ukraine'],
    ['RU', 'Russia'],
  ])
    expect((await api('POST', '/v1/parties', { id, name })).status).toBe(201);
  const key = await api('POST', '/v1/keys', { name: 'import', role: 'recorder' });
  expect(key.status).toBe(201);
  recorder = key.body.secret;
}, 60_000);

afterAll(async () => {
  if (service?.child.exitCode === null) {
    service.child.kill('SIGTERM');
    await service.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('import-stages against a running service', () => {
  it(
    'checks every row against the service’s ledger as it stands before writing any, then writes them (LEDGER_KEY)',
    async () => {
      // An exchange already in the service's ledger, agreed, named in the sheet by its id.
      const proposed = await api(
        'POST',
        '/v1/exchanges',
        {
          kind: 'civilians',
          proposedBy: 'UA',
          sides: [
            { party: 'UA', handsOver: 30 },
            { party: 'RU', handsOver: 30 },
          ],
          occurredAt: '2025-04-01',
        },
        recorder,
      );
      expect(proposed.status).toBe(201);
      const id = proposed.body.id as string;
      const rows = [
        'propose,medical,2025-04-10,medical,RU,RU,,UA,,all severely wounded',
        'agree,medical,2025-04-11,,UA,,,,,',
        'stage,medical,2025-04-20,,,RU,15,UA,12,',
        `stage,${id},2025-04-25,,,UA,30,RU,30,`,
      ];
      const before = await head();
      // The exchange by id is still only proposed in the service's ledger: its stage is
      // refused, and nothing is written.
      expect(refusals(await runImport([sheet(dir, 'early.csv', rows)], asRecorder()))).toEqual([
        'line 5, column action (A): cannot recordStage an exchange that is proposed; ' +
          'allowed from proposed: counter, agree, reject, withdraw (transition-not-allowed)',
      ]);
      expect(await head()).toBe(before);

      expect(
        (await api('POST', `/v1/exchanges/${id}/agree`, { by: 'RU', occurredAt: '2025-04-02' }, recorder)).status,
      ).toBe(200);
      const done = await runImport([sheet(dir, 'later.csv', rows), '--url', service.baseUrl], { LEDGER_KEY: recorder });
      expect(summaryOf(done)).toMatchObject({ rows: 4, written: 4, alreadyWritten: 0 });
      expect(done.stdout + done.stderr, 'the key is never printed').not.toContain(recorder);

      const civilians = (await api('GET', `/v1/exchanges/${id}`)).body;
      expect(civilians.sides.map((s: any) => s.delivered)).toEqual([30, 30]);
      const [medical] = (await api('GET', '/v1/exchanges?kind=medical')).body.data;
      expect(medical).toMatchObject({ status: 'agreed', proposedBy: 'RU' });
      expect(medical.sides).toEqual([
        { party: 'RU', handsOver: null, delivered: 15, undisclosedStages: 0, approximate: 0, variance: null },
        { party: 'UA', handsOver: null, delivered: 12, undisclosedStages: 0, approximate: 0, variance: null },
      ]);
      const events = (await api('GET', `/v1/exchanges/${medical.id}/events`)).body.data;
      expect(
        events.every((e: any) => e.principal !== 'dev' && e.principal !== 'master'),
        'written under the recorder’s key',
      ).toBe(true);
    },
    CLI_TESTS_MS,
  );

  it(
    'refuses at once, writing nothing, when the key is not one the service knows',
    async () => {
      const before = await head();
      const result = await runImport([sheet(dir, 'any.csv', season(1).rows)], {
        LEDGER_URL: service.baseUrl,
        LEDGER_KEY: 'not-a-key-of-this-service',
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^refused: .*answered GET \/v1\/parties with 401: the API key is not valid/m);
      expect(await head()).toBe(before);
    },
    CLI_TESTS_MS,
  );

  it(
    'a run killed while writing is finished by --resume: every row in the ledger once',
    async () => {
      const { rows, handedOver } = season(120, 'k');
      const file = sheet(dir, 'season.csv', rows);
      const before = await head();
      const totalsBefore = (await api('GET', '/v1/totals?party=UA&kind=pow')).body.data[0]?.handedOver ?? 0;

      const child = spawn(process.execPath, ['--import', 'tsx', join('src', 'cli', 'import-stages.ts'), file], {
        cwd: PROJECT_ROOT,
        env: { PATH: process.env.PATH ?? '', ...asRecorder() },
        stdio: 'ignore',
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.on('exit', (_code, signal) => resolve(signal)),
      );
      // Killed (no chance to finish a row or say anything) once part of the file is in the ledger.
      while ((await head()) < before + 50 && child.exitCode === null) await sleep(20);
      child.kill('SIGKILL');
      expect(await exited, 'the import was still writing when it was killed').toBe('SIGKILL');
      const written = (await head()) - before;
      expect(written).toBeGreaterThan(0);
      expect(written).toBeLessThan(rows.length);

      const resumed = summaryOf(await runImport([file, '--resume'], asRecorder()));
      expect(resumed.rows).toBe(rows.length);
      expect(resumed.written + resumed.alreadyWritten!).toBe(rows.length);
      // Every row written before the kill is recognised (and those the service was still writing as it died).
      expect(resumed.alreadyWritten).toBeGreaterThanOrEqual(written);
      expect(await head()).toBe(before + rows.length);
      const completed = (await api('GET', '/v1/exchanges?kind=pow&status=completed&limit=200')).body.data;
      expect(completed).toHaveLength(120);
      expect((await api('GET', '/v1/totals?party=UA&kind=pow')).body.data[0].handedOver).toBe(
        totalsBefore + handedOver,
      );
    },
    CLI_TESTS_MS,
  );
});
