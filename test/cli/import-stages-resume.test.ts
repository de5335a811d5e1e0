import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../audit/helpers.js';
import { startLedger, type TestLedger } from '../support/app.js';
import { registerParties } from '../support/scenario.js';
import { CLI_TESTS_MS, refusals, runImport, season, sheet, summaryOf } from './helpers.js';

/*
 * Each row is sent with an Idempotency-Key made from what the row says, so a file run again
 * (after an interruption, or after mending a refused row) writes none of its rows twice.
 */

let dir: string;
let t: TestLedger;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'import-resume-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  const violations = t.contractViolations;
  await t.close();
  expect(violations, 'every response matches openapi/openapi.json').toEqual([]);
});

async function freshLedger(): Promise<void> {
  t = await startLedger();
  await registerParties(t, 'UA', 'RU');
}
const head = async () => (await get(t, '/v1/ledger/head')).sequence as number;
const onFile = () => ['--database', t.dbPath];

describe('import-stages, run again', () => {
  it(
    'a run cut short is finished by --resume, and a whole file run again writes nothing twice',
    async () => {
      await freshLedger();
      const { rows, handedOver } = season(3);
      // What an interrupted run left: the first seven rows written (an exchange and a half).
      const cut = sheet(dir, 'cut.csv', rows.slice(0, 7));
      expect(summaryOf(await runImport([cut, ...onFile()]))).toMatchObject({ written: 7 });

      const whole = sheet(dir, 'whole.csv', rows);
      expect(summaryOf(await runImport([whole, ...onFile(), '--resume']))).toMatchObject({
        rows: 15,
        written: 8,
        alreadyWritten: 7,
      });
      const exchanges = (await get(t, '/v1/exchanges?kind=pow')).data;
      expect(exchanges.map((e: any) => e.status)).toEqual(['completed', 'completed', 'completed']);
      expect((await get(t, '/v1/totals?party=UA')).data[0]).toMatchObject({ handedOver, received: handedOver });
      const events = await head();
      expect(events).toBe(2 + 15);

      // Without --resume: checked as a whole again (its exchanges are the file's own), then every row is recognised.
      expect(summaryOf(await runImport([whole, ...onFile()]))).toMatchObject({
        rows: 15,
        written: 0,
        alreadyWritten: 15,
      });
      expect(await head()).toBe(events);
    },
    CLI_TESTS_MS,
  );

  it(
    'with --resume the first refused row stops the run; once the file is mended, the next run finishes it',
    async () => {
      await freshLedger();
      const propose = 'propose,A,2025-05-16,pow,UA,UA,390,RU,390,';
      const agree = 'agree,A,2025-05-16,,RU,,,,,';
      const stage = 'stage,A,2025-05-23,,,UA,390,RU,390,';
      // The agreement was left out of the sheet: the stage is refused, after the proposal was written.
      const first = await runImport([sheet(dir, 'no-agree.csv', [propose, stage]), ...onFile(), '--resume']);
      expect(refusals(first)).toEqual([
        'line 3, column action (A): cannot recordStage an exchange that is proposed; ' +
          'allowed from proposed: counter, agree, reject, withdraw (transition-not-allowed)',
      ]);
      expect(first.stderr).toMatch(/the ledger refused line 3 \(1 row written now\)/);
      expect(await head()).toBe(2 + 1);

      // The stage row itself is unchanged: its first key's answer was the refusal, so it is
      // sent again under the next one.
      const mended = await runImport([sheet(dir, 'mended.csv', [propose, agree, stage]), ...onFile(), '--resume']);
      expect(summaryOf(mended)).toMatchObject({ rows: 3, written: 2, alreadyWritten: 1 });
      const [exchange] = (await get(t, '/v1/exchanges?kind=pow')).data;
      expect(exchange).toMatchObject({ status: 'agreed' });
      expect(exchange.sides.map((s: any) => s.delivered)).toEqual([390, 390]);
      expect(await head()).toBe(2 + 3);
    },
    CLI_TESTS_MS,
  );
});
