import { describe, expect, it } from 'vitest';
import { OptionsError, parseOptions } from '../../src/cli/stages/options.js';
import { planRows, type PlannedRow } from '../../src/cli/stages/plan.js';
import { readSheet, type Sheet } from '../../src/cli/stages/sheet.js';
import { COLUMNS } from './helpers.js';

/*
 * The parts of import-stages that need no ledger: reading the sheet, turning rows into
 * requests, the rows' Idempotency-Keys, and the command line. (The CLI itself, against a
 * ledger, is tested as a process in the other files of this folder.)
 */

const bytes = (text: string) => new TextEncoder().encode(text);
const read = (text: string) => readSheet(bytes(text));
const sheetOf = (text: string): Sheet => {
  const r = read(text);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.sheet;
};
const planOf = (lines: string[], header = COLUMNS): PlannedRow[] => {
  const p = planRows(sheetOf([header, ...lines].join('\n')));
  if (!p.ok || p.errors.length) throw new Error(JSON.stringify(p.errors));
  return p.rows;
};

const propose = (exchange: string, handsOver = 10) =>
  `propose,${exchange},2025-05-16,pow,UA,UA,${handsOver},RU,${handsOver},`;
const stage = (exchange: string, count: number) => `stage,${exchange},2025-05-23,,,UA,${count},RU,${count},`;

describe('reading the sheet', () => {
  it('reads a BOM and CRLF, and numbers a row by the line it starts on when a quoted field holds line breaks', () => {
    const s = sheetOf(
      '\uFEFFaction,exchange,occurredAt,note\r\n' +
        'agree,A,2025-05-16,"one\r\ntwo\r\nthree"\r\n' +
        'agree,B,2025-05-17,"x, y"\r\n',
    );
    expect(s.rows.map((r) => [r.line, r.cells.action, r.cells.note])).toEqual([
      [2, 'agree', 'one\ntwo\nthree'],
      [5, 'agree', 'x, y'],
    ]);
  });

  it('skips empty lines and rows of empty cells, as spreadsheets export them, and counts their lines', () => {
    const s = sheetOf('action,exchange,occurredAt\n\nagree,A,2025-05-16\n,,\nagree,B,2025-05-17\n');
    expect(s.rows.map((r) => [r.line, r.cells.exchange])).toEqual([
      [3, 'A'],
      [5, 'B'],
    ]);
  });

  it('matches header names loosely, and names an unknown, repeated or missing column by its letter', () => {
    expect(sheetOf('Action,EXCHANGE,occurred_at,Source URL\n').header).toEqual(
      new Map([
        ['action', 0],
        ['exchange', 1],
        ['occurredAt', 2],
        ['sourceUrl', 3],
      ]),
    );
    const r = read('action,exchange,cuont,action\n');
    expect(r.ok ? [] : r.errors).toEqual([
      { line: 1, message: expect.stringMatching(/^column C "cuont" is not one of: action, exchange, occurredAt, /) },
      { line: 1, message: 'column D "action" repeats column A' },
      {
        line: 1,
        column: 'occurredAt',
        message: 'the header has no column occurredAt; every sheet needs action, exchange, occurredAt',
      },
    ]);
  });

  it('refuses a file that is not UTF-8 rather than store replacement characters, naming the line', () => {
    const latin1 = Uint8Array.from([
      ...bytes('action,exchange,occurredAt,note\nagree,A,2025-05-16,T'),
      0xfc,
      ...bytes('rkiye\n'),
    ]);
    const r = readSheet(latin1);
    expect(r.ok ? [] : r.errors).toEqual([
      { line: 2, message: 'the file is not UTF-8 text; save it from the spreadsheet as "CSV UTF-8"' },
    ]);
  });

  it('refuses a row with more filled cells than the header names; a row may stop early', () => {
    const r = read('action,exchange,occurredAt\nagree,A,2025-05-16,,\nagree,B\nagree,C,2025-05-16,RU\n');
    expect(r.ok ? [] : r.errors).toEqual([
      { line: 4, message: expect.stringMatching(/^column D is filled, but the header names 3 columns/) },
    ]);
  });
});

describe('rows as requests', () => {
  it('reads counts as spreadsheets write them, and leaves numbers that are not whole to the ledger', () => {
    const [p, s] = planOf(['propose,A,2025-05-16,pow,UA,UA,"1,200",RU,,', 'stage,A,2025-05-23,,,UA,12.5,RU,,']);
    expect(p!.body).toMatchObject({
      sides: [
        { party: 'UA', handsOver: 1200 },
        { party: 'RU', handsOver: null },
      ],
    });
    // A party without a count in a stage handed over nobody in it.
    expect(s!.body).toEqual({ sides: [{ party: 'UA', count: 12.5 }], occurredAt: '2025-05-23' });
    expect(s!.columnOf('sides.0.count')).toBe('countA');
  });

  it('names the column a field of a refused request came from', () => {
    const [, s] = planOf([propose('A'), 'stage,A,x,,,,,RU,3,,u'], `${COLUMNS},sourceUrl`);
    expect(
      ['sides.0.party', 'sides.0.count', 'occurredAt', 'source', 'source.url', ''].map((p) => s!.columnOf(p)),
    ).toEqual(['partyB', 'countB', 'occurredAt', 'sourceTitle', 'sourceUrl', 'action']);
  });

  it('refuses what no request could make sense of, every row at once', () => {
    const rows = [
      propose('A'),
      propose('A'),
      stage('B', 5),
      propose('B'),
      'stage,A,2025-05-23,,,UA,lots,RU,lots,',
      'agree,A,2025-05-17,pow,RU,,,,,',
      'swap,A,2025-05-17,,,,,,,',
    ];
    const p = planRows(sheetOf([COLUMNS, ...rows].join('\n')));
    expect(p.errors).toEqual([
      {
        line: 3,
        column: 'exchange',
        message: '"A" already names the proposal on line 2; give each proposal its own name',
      },
      {
        line: 4,
        column: 'exchange',
        message: '"B" is proposed on line 5, after this row; rows go in the order things happened',
      },
      { line: 6, column: 'countA', message: 'must be a whole number, not "lots"' },
      { line: 6, column: 'countB', message: 'must be a whole number, not "lots"' },
      { line: 7, column: 'kind', message: 'an agree row does not take kind; leave it empty' },
      {
        line: 8,
        column: 'action',
        message: '"swap" is not one of propose, counter, agree, reject, withdraw, cancel, stage, complete',
      },
    ]);
  });
});

describe('Idempotency-Keys of the rows', () => {
  const keys = (lines: string[]) => planOf(lines).map((r) => r.idempotencyKey);
  const base = [propose('A'), stage('A', 390), stage('A', 307), propose('B'), stage('B', 390)];

  it('differ between rows, also for equal words on another proposal and for two equal rows', () => {
    const k = keys([...base, stage('A', 390)]);
    expect(new Set(k).size).toBe(6);
    expect(k.every((key) => /^[\x21-\x7e]{1,255}$/.test(key))).toBe(true);
  });

  it('stay as they were when another row is mended, rows are added before them, or a proposal is renamed', () => {
    const [a, s1, s2, b, s3] = keys(base);
    const mended = keys([propose('A'), stage('A', 391), stage('A', 307), propose('B'), stage('B', 390)]);
    expect(mended).toEqual([a, expect.not.stringMatching(s1!), s2, b, s3]);
    expect(keys([propose('Z', 99), stage('Z', 5), ...base]).slice(2)).toEqual([a, s1, s2, b, s3]);
    expect(keys([propose('A'), stage('A', 390), stage('A', 307), propose('renamed'), stage('renamed', 390)])).toEqual([
      a,
      s1,
      s2,
      b,
      s3,
    ]);
  });
});

describe('the command line', () => {
  const env = { ledgerUrl: 'http://127.0.0.1:3000', ledgerKey: 'k3y', databaseUrl: 'file:./data/ledger.db' };
  const error = (argv: string[], e: Record<string, string> = {}) => {
    try {
      parseOptions(argv, e);
    } catch (x) {
      if (x instanceof OptionsError) return x.message;
      throw x;
    }
    return 'accepted';
  };

  it('takes the ledger from the flags first, then from LEDGER_URL and LEDGER_KEY, or DATABASE_URL', () => {
    expect(parseOptions(['s.csv', '--url', 'http://h:1'], env)).toEqual({
      file: 's.csv',
      target: { kind: 'service', url: 'http://h:1', key: 'k3y' },
      dryRun: false,
      resume: false,
    });
    expect(parseOptions(['s.csv', '--database', 'l.db', '--dry-run'], env)).toMatchObject({
      target: { kind: 'file', databaseUrl: 'file:l.db' },
      dryRun: true,
    });
    expect(parseOptions(['s.csv', '--resume'], { ledgerUrl: env.ledgerUrl })).toMatchObject({
      target: { kind: 'service', key: null },
      resume: true,
    });
    expect(parseOptions(['s.csv'], { databaseUrl: env.databaseUrl }).target).toEqual({
      kind: 'file',
      databaseUrl: 'file:./data/ledger.db',
    });
  });

  it('refuses to guess the ledger, and every other unclear command line', () => {
    expect(error(['s.csv'], env)).toMatch(/^LEDGER_URL and DATABASE_URL are both set/);
    expect(error(['s.csv'])).toMatch(/^name the ledger/);
    expect(error(['s.csv', '--url', 'http://h', '--database', 'l.db'])).toBe(
      'name one ledger: --url or --database, not both',
    );
    expect(error(['s.csv', '--database', 'l.db', '--key', 'k'])).toBe(
      '--key goes with --url: a ledger file needs no key',
    );
    expect(error(['s.csv', '--url', 'ftp://h'])).toBe('--url: must be an http(s) URL such as http://127.0.0.1:3000');
    expect(error(['s.csv', '--url', 'http://h', '--key', 'two words'])).toBe(
      '--key (or LEDGER_KEY): must be an API key as the service issued it',
    );
    expect(error(['s.csv', '--url', 'http://h', '--dry-run', '--resume'])).toMatch(
      /^--resume: --dry-run checks the whole file/,
    );
    expect(error(['a.csv', 'b.csv', '--url', 'http://h'])).toMatch(/^name one CSV file \(got 2\)/);
    expect(error(['s.csv', '--force'])).toMatch(/Unknown option '--force'/);
  });
});
