import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { get, post } from '../audit/helpers.js';
import { startLedger, type TestLedger } from '../support/app.js';
import { registerParties } from '../support/scenario.js';
import { CLI_TESTS_MS, COLUMNS, refusals, runImport, sheet, summaryOf } from './helpers.js';

/*
 * Design, "Files and pages for people": bulk import of stages from a spreadsheet export, with
 * a dry run, every bad row named by line and column, and nothing written unless all rows pass.
 * Here the CLI runs as its own process on a ledger file (--database) while the service's app
 * has the same file open, and the ledger is read back through the HTTP API.
 */

let dir: string;
let t: TestLedger;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'import-stages-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A ledger of its own for each test, with UA and RU registered. */
async function freshLedger(): Promise<TestLedger> {
  t = await startLedger();
  await registerParties(t, 'UA', 'RU');
  return t;
}
afterEach(async () => {
  const violations = t.contractViolations;
  await t.close();
  expect(violations, 'every response matches openapi/openapi.json').toEqual([]);
});

const head = async () => (await get(t, '/v1/ledger/head')).sequence as number;
const onFile = () => ['--database', t.dbPath];

describe('import-stages on a ledger file', () => {
  it(
    'imports the template: the 1,000-for-1,000 exchange, its stages and its sources, as the API then shows them',
    async () => {
      await freshLedger();
      const result = await runImport(['docs/templates/stages.csv', ...onFile()]);
      expect(summaryOf(result)).toMatchObject({ rows: 5, written: 5, alreadyWritten: 0 });
      // Not a terminal: plain progress lines, each pass ending with its rate.
      expect(result.stderr).toMatch(/^check: 5 rows in [\d.]+ s \([\d,]+ rows\/s\)$/m);
      expect(result.stderr).toMatch(/^write: 5 rows in [\d.]+ s \([\d,]+ rows\/s\)$/m);

      const [listed] = (await get(t, '/v1/exchanges?kind=pow')).data;
      const exchange = await get(t, `/v1/exchanges/${listed.id}`);
      expect(exchange).toMatchObject({
        status: 'completed',
        title: '1,000 for 1,000',
        mediator: 'Türkiye',
        proposedBy: 'UA',
        agreedAt: '2025-05-16',
      });
      expect(exchange.sides).toEqual([
        { party: 'UA', handsOver: 1000, delivered: 1000, undisclosedStages: 0, approximate: 0, variance: 0 },
        { party: 'RU', handsOver: 1000, delivered: 1000, undisclosedStages: 0, approximate: 0, variance: 0 },
      ]);
      const counts = (s: any) => s.sides.map(({ party, count }: any) => ({ party, count }));
      expect(exchange.stages.map((s: any) => [s.occurredAt, counts(s)])).toEqual([
        [
          '2025-05-23',
          [
            { party: 'UA', count: 390 },
            { party: 'RU', count: 390 },
          ],
        ],
        [
          '2025-05-24',
          [
            { party: 'UA', count: 307 },
            { party: 'RU', count: 307 },
          ],
        ],
        [
          '2025-05-25',
          [
            { party: 'UA', count: 303 },
            { party: 'RU', count: 303 },
          ],
        ],
      ]);
      const events = (await get(t, `/v1/exchanges/${listed.id}/events`)).data;
      expect(events.map((e: any) => e.type)).toEqual([
        'ExchangeProposed',
        'ExchangeAgreed',
        'StageRecorded',
        'StageRecorded',
        'StageRecorded',
        'ExchangeCompleted',
      ]);
      expect(events[0].source).toEqual({ title: 'Istanbul talks, 16 May 2025' });
      expect(events.at(-1).note).toBe('the last tranche, recorded with the completion');
      expect(events.every((e: any) => e.principal === 'dev')).toBe(true);
      expect((await get(t, '/v1/totals?party=UA&kind=pow')).data).toEqual([
        {
          party: 'UA',
          kind: 'pow',
          handedOver: 1000,
          received: 1000,
          agreedOutstanding: 0,
          unspecifiedSides: 0,
          proposed: 0,
          handedOverUndisclosedStages: 0,
          receivedUndisclosedStages: 0,
          handedOverApproximate: 0,
          receivedApproximate: 0,
        },
      ]);
    },
    CLI_TESTS_MS,
  );

  it(
    'reads a byte-order mark, CRLF line ends, and commas and line breaks inside quotes as the spreadsheet meant them',
    async () => {
      await freshLedger();
      const file = join(dir, 'excel.csv');
      const lines = [
        // Headers as a spreadsheet may retitle them.
        'Action,Exchange,Occurred at,Kind,By,Party A,Count A,Party B,Count B,Title,Source title,Note',
        'propose,e1,2025-06-02,remains,RU,RU,"6,000",UA,0,"6,000 bodies, unilaterally","Istanbul, second round",',
        'agree,e1,2025-06-02,,UA,,,,,,,',
        'stage,e1,2025-06-11,,,RU,1212,UA,27,,"Ministry of Defence, statement",' +
          '"handed over at the border,\r\nnear Bryansk"',
      ];
      writeFileSync(file, `\uFEFF${lines.join('\r\n')}\r\n`);
      expect(summaryOf(await runImport([file, ...onFile()]))).toMatchObject({ rows: 3, written: 3 });

      const [listed] = (await get(t, '/v1/exchanges?kind=remains')).data;
      expect(listed).toMatchObject({ title: '6,000 bodies, unilaterally', status: 'agreed' });
      expect(listed.sides).toEqual([
        { party: 'RU', handsOver: 6000, delivered: 1212, undisclosedStages: 0, approximate: 0, variance: -4788 },
        { party: 'UA', handsOver: 0, delivered: 27, undisclosedStages: 0, approximate: 0, variance: 27 },
      ]);
      const events = (await get(t, `/v1/exchanges/${listed.id}/events`)).data;
      expect(events[0].source).toEqual({ title: 'Istanbul, second round' });
      expect(events[2].source).toEqual({ title: 'Ministry of Defence, statement' });
      // A line break inside a field is kept, as LF.
      expect(events[2].note).toBe('handed over at the border,\nnear Bryansk');
    },
    CLI_TESTS_MS,
  );

  it(
    'names every bad row by line and column, with the ledger’s own problem detail, and writes nothing',
    async () => {
      await freshLedger();
      // An exchange already in the ledger, named by its id: agreed, with a stage on 10 June.
      const terms = [
        { party: 'UA', handsOver: 84 },
        { party: 'RU', handsOver: 84 },
      ];
      const { id } = await post(
        t,
        '/v1/exchanges',
        { kind: 'pow', proposedBy: 'UA', sides: terms, occurredAt: '2025-06-01' },
        201,
      );
      await post(t, `/v1/exchanges/${id}/agree`, { by: 'RU', occurredAt: '2025-06-02' });
      const tranche = [
        { party: 'UA', count: 40 },
        { party: 'RU', count: 40 },
      ];
      await post(t, `/v1/exchanges/${id}/stages`, { sides: tranche, occurredAt: '2025-06-10' }, 201);
      const before = await head();

      const file = join(dir, 'bad.csv');
      const lines = [
        COLUMNS,
        'propose,A,2025-05-16,pow,UA,UA,10,RU,10,',
        'agree,A,2025-05-16,,RU,,,,,',
        // Lines 4 and 5: one row, its note on two lines.
        'stage,A,2025-05-20,,,UA,5,RU,5,"first line\r\nsecond line"',
        'propose,B,2025-05-16,pow,UA,UA,10,XX,10,',
        'stage,A,2025-05-21,,,UA,12.5,RU,5,',
        'stage,A,2025-05-21,,,UA,5,RU,many,',
        'propose,C,2025-05-16,pow,UA,UA,10,RU,10,',
        'stage,C,2025-05-20,,,UA,5,RU,5,',
        `complete,${id},2025-06-05,,,,,,,`,
        'stage,B,2025-05-20,,,UA,5,,,',
      ];
      writeFileSync(file, `\uFEFF${lines.join('\r\n')}\r\n`);
      const named = refusals(await runImport([file, ...onFile()]));
      expect(named).toEqual([
        'line 6, column partyB (H): party XX is not registered (unprocessable)',
        'line 7, column countA (G): must be a whole number (validation-failed)',
        'line 8, column countB (I): must be a whole number, not "many"',
        'line 10, column action (A): cannot recordStage an exchange that is proposed; ' +
          'allowed from proposed: counter, agree, reject, withdraw (transition-not-allowed)',
        'line 11, column occurredAt (C): must not precede the latest stage of this exchange (2025-06-10) ' +
          '(unprocessable)',
        'line 12, column exchange (B): not checked: its exchange was not proposed (line 6 was refused)',
      ]);
      expect(await head(), 'nothing written, not even the rows that pass').toBe(before);
    },
    CLI_TESTS_MS,
  );

  it(
    'refuses a sheet that lacks a column its rows need, naming the column',
    async () => {
      await freshLedger();
      const header = 'action,exchange,occurredAt,partyA,partyB,countB';
      const file = sheet(
        dir,
        'missing.csv',
        ['stage,0196e5a4-8f00-7000-8000-000000000001,2025-05-23,UA,RU,390'],
        header,
      );
      expect(refusals(await runImport([file, ...onFile()]))).toEqual([
        'line 1, column countA: the header has no column countA, which stage rows need (line 2 is one)',
      ]);
    },
    CLI_TESTS_MS,
  );

  it(
    '--dry-run checks every row against the ledger’s rules and writes nothing',
    async () => {
      await freshLedger();
      const before = await head();
      const dry = await runImport(['docs/templates/stages.csv', ...onFile(), '--dry-run']);
      expect(summaryOf(dry)).toMatchObject({ rows: 5, dryRun: true, written: 0 });
      expect(dry.stderr).not.toMatch(/^write:/m);
      expect(await head()).toBe(before);

      // A file that parses but breaks the state machine (completion before agreement) fails the dry run.
      const file = sheet(dir, 'unagreed.csv', [
        'propose,A,2025-05-16,pow,UA,UA,10,RU,10,',
        'complete,A,2025-05-17,,,,,,,',
      ]);
      expect(refusals(await runImport([file, ...onFile(), '--dry-run']))).toEqual([
        'line 3, column action (A): cannot complete an exchange that is proposed; ' +
          'allowed from proposed: counter, agree, reject, withdraw (transition-not-allowed)',
      ]);
      expect(await head()).toBe(before);
    },
    CLI_TESTS_MS,
  );
});
