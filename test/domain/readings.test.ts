import { describe, expect, it } from 'vitest';
import { FIRST, figureUnder, filedCounts, stageView } from '../../src/domain/readings.js';
import {
  READING_ZERO,
  totalsEach,
  totalsUnder,
  type ReadingContribution,
  type ReadingFigures,
} from '../../src/domain/reading-totals.js';
import {
  readingsOfOldExchange,
  sidesUnder,
  stageReadingRows,
  totalsOfExchanges,
  windowedTotals,
} from '../../src/domain/reported-exchange.js';
import type { Kind } from '../../src/domain/vocabulary.js';
import {
  ICRC,
  RU,
  UA,
  UN,
  account,
  addAccount,
  agree,
  complete,
  flatRows,
  givenReported,
  propose,
  reportAccounts,
  reportStage,
  side,
  stage,
  terms,
  termsAccount,
  voidStage,
  withTerms,
  type ReportedScenario,
} from './reported-given.js';

const row = (party: string, kind: Kind, f: Partial<ReadingFigures> = {}): ReadingContribution => ({
  party,
  kind,
  ...READING_ZERO,
  ...f,
});

/**
 * The June 2025 repatriation, as reported (figures simplified to be checked by hand):
 * RU proposes to hand over 6,000 bodies, one way; UA's account of the terms is 6,000 for
 * 6,000. UA agrees on 2 June.
 * - s1, 11 June: RU and UA both say RU 1,212 and UA 27.
 * - s2, 13 June: RU says 1,200 (UA 0); a day later UA says it received 1,197.
 * - s3, 14 June: carried out, no number published (RU's count null); ICRC later: about 1,000.
 */
const JUNE = [
  withTerms(propose({ kind: 'remains', proposedBy: RU, sides: terms({ UA: 0, RU: 6000 }), occurredAt: '2025-06-02' }), [
    termsAccount(RU, { RU: 6000, UA: 0 }),
    termsAccount(UA, { UA: 6000, RU: 6000 }),
  ]),
  agree(UA, '2025-06-02'),
  reportAccounts(
    's1',
    [account(RU, [side(RU, 1212), side(UA, 27)]), account(UA, [side(RU, 1212), side(UA, 27)])],
    '2025-06-11',
  ),
  reportStage('s2', RU, [side(RU, 1200), side(UA, 0)], '2025-06-13'),
  addAccount('s2', UA, [side(RU, 1197)], '2025-06-14'),
  reportStage('s3', null, [side(RU, null), side(UA, 0)], '2025-06-14'),
  addAccount('s3', ICRC, [side(RU, 1000, { approximate: true })], '2025-06-15'),
];

const totals = (scenario: ReportedScenario, reading: string) => totalsUnder(flatRows(scenario.stream.rows), reading);

describe('the figure of a side under a reading', () => {
  const x = givenReported(...JUNE).exchange!;
  const [s1, s2, s3] = x.stages as [(typeof x.stages)[0], (typeof x.stages)[0], (typeof x.stages)[0]];

  it('given no reading named (FIRST), then the first account’s figure', () => {
    expect(figureUnder(s2, FIRST, RU)).toMatchObject({ count: 1200, reportedBy: RU });
    expect(figureUnder(s3, FIRST, RU)).toMatchObject({ count: null, reportedBy: null });
  });

  it('given UA’s reading, then UA’s figure where it gave one, and the first account’s, side by side, where not', () => {
    expect(figureUnder(s2, UA, RU)).toMatchObject({ count: 1197, reportedBy: UA });
    expect(figureUnder(s2, UA, UA)).toMatchObject({ count: 0, reportedBy: RU });
    expect(figureUnder(s1, UA, UA)).toMatchObject({ count: 27, reportedBy: UA });
  });

  it('given a reporter that gave no account of the stage, then the first account’s figure', () => {
    expect(figureUnder(s2, ICRC, RU)).toMatchObject({ count: 1200, reportedBy: RU });
  });

  it('given ICRC’s about 1,000 for the undisclosed stage, then under ICRC it counts approximately; under FIRST it stays undisclosed', () => {
    expect(figureUnder(s3, ICRC, RU)).toMatchObject({ count: 1000, approximate: true, reportedBy: ICRC });
  });

  it('given a reporter whose word is "not disclosed" (null), then it stays undisclosed under its reading, though the first account has a number', () => {
    const y = givenReported(...JUNE.slice(0, 3), addAccount('s1', UN, [side(RU, null)], '2025-06-12')).exchange!;
    expect(figureUnder(y.stages[0]!, UN, RU)).toMatchObject({ count: null, reportedBy: UN });
  });

  it('given a reporter that corrects itself, then its latest figure counts under its reading; FIRST never moves', () => {
    const y = givenReported(...JUNE, addAccount('s2', RU, [side(RU, 1201)], '2025-06-16')).exchange!;
    expect(figureUnder(y.stages[1]!, RU, RU).count).toBe(1201);
    expect(figureUnder(y.stages[1]!, FIRST, RU).count).toBe(1200);
  });

  it('given the stage view under UA, then UA’s figures, every account, and disputed on RU’s side', () => {
    const view = stageView(s2, UA, [UA, RU]);
    expect(view.sides.map((f) => [f.party, f.count, f.reportedBy])).toEqual([
      [UA, 0, RU],
      [RU, 1197, UA],
    ]);
    expect(view.accounts.map((a) => a.reportedBy)).toEqual([RU, UA]);
    expect(view).toMatchObject({ disputed: true, disputedParties: [RU] });
    expect(stageView(s1, FIRST, [UA, RU]).disputed).toBe(false);
  });
});

describe('totals under each reading, by hand', () => {
  const scenario = givenReported(...JUNE);

  it('given no reading (FIRST), then RU handed over 2,412 with 1 stage undisclosed, and owes 3,588 of its 6,000', () => {
    expect(totals(scenario, FIRST)).toEqual([
      row(RU, 'remains', { handedOver: 2412, received: 27, handedOverUndisclosedStages: 1, agreedOutstanding: 3588 }),
      row(UA, 'remains', { handedOver: 27, received: 2412, receivedUndisclosedStages: 1 }),
    ]);
  });

  it('given RU’s reading, then the same (its accounts are the first), the undisclosed stage still undisclosed', () => {
    expect(totals(scenario, RU)).toEqual(totals(scenario, FIRST));
  });

  it('given UA’s reading, then 1,197 for s2, and UA’s terms (6,000 for 6,000): UA owes 5,973', () => {
    expect(totals(scenario, UA)).toEqual([
      row(RU, 'remains', { handedOver: 2409, received: 27, handedOverUndisclosedStages: 1, agreedOutstanding: 3591 }),
      row(UA, 'remains', { handedOver: 27, received: 2409, receivedUndisclosedStages: 1, agreedOutstanding: 5973 }),
    ]);
  });

  it('given ICRC’s reading, then s3 counts about 1,000: nothing undisclosed, 1,000 of it approximate', () => {
    expect(totals(scenario, ICRC)).toEqual([
      row(RU, 'remains', { handedOver: 3412, received: 27, handedOverApproximate: 1000, agreedOutstanding: 2588 }),
      row(UA, 'remains', { handedOver: 27, received: 3412, receivedApproximate: 1000 }),
    ]);
  });

  it('given a reporter that gave no account at all, then its reading is FIRST’s', () => {
    expect(totals(scenario, UN)).toEqual(totals(scenario, FIRST));
  });

  it('given `each`, then one row set per reporter, side by side', () => {
    const each = totalsEach(flatRows(scenario.stream.rows), [RU, UA, ICRC]);
    expect([...each.keys()]).toEqual([RU, UA, ICRC]);
    expect(each.get(UA)?.[0]?.handedOver).toBe(2409);
    expect(each.get(ICRC)?.[0]?.handedOver).toBe(3412);
  });

  it('given the rows a store keeps, then RU’s departure from FIRST is nothing, UA’s and ICRC’s only what differs', () => {
    const kept = (reading: string) =>
      flatRows(scenario.stream.rows)
        .filter(
          (r) => r.reading === reading && Object.keys(READING_ZERO).some((f) => r[f as keyof ReadingFigures] !== 0),
        )
        .map(({ reading: _, ...c }) => c)
        .sort((a, b) => (a.party < b.party ? -1 : 1));
    expect(kept(RU)).toEqual([]);
    expect(kept(UA)).toEqual([
      row(RU, 'remains', { handedOver: -3, agreedOutstanding: 3 }),
      row(UA, 'remains', { received: -3, agreedOutstanding: 5973 }),
    ]);
    expect(kept(ICRC)).toEqual([
      row(RU, 'remains', {
        handedOver: 1000,
        handedOverUndisclosedStages: -1,
        handedOverApproximate: 1000,
        agreedOutstanding: -1000,
      }),
      row(UA, 'remains', { received: 1000, receivedUndisclosedStages: -1, receivedApproximate: 1000 }),
    ]);
  });

  it('given the completion and 3 bodies after it, then nothing is outstanding under any reading and the 3 count in each', () => {
    const done = givenReported(...JUNE, complete('2025-06-16'), reportStage('late', null, [side(RU, 3)], '2025-06-23'));
    expect(totals(done, FIRST)).toEqual([
      row(RU, 'remains', { handedOver: 2415, received: 27, handedOverUndisclosedStages: 1 }),
      row(UA, 'remains', { handedOver: 27, received: 2415, receivedUndisclosedStages: 1 }),
    ]);
    expect(totals(done, UA)[1]).toEqual(
      row(UA, 'remains', { handedOver: 27, received: 2412, receivedUndisclosedStages: 1 }),
    );
    expect(totals(done, ICRC)[0]).toEqual(
      row(RU, 'remains', { handedOver: 3415, received: 27, handedOverApproximate: 1000 }),
    );
  });

  it('given a void of s3, then it leaves every reading: no stage undisclosed under FIRST, no approximate part under ICRC', () => {
    const voided = givenReported(...JUNE, voidStage('s3', '2025-06-20'));
    expect(totals(voided, FIRST)[0]).toEqual(
      row(RU, 'remains', { handedOver: 2412, received: 27, agreedOutstanding: 3588 }),
    );
    expect(totals(voided, ICRC)[0]).toEqual(
      row(RU, 'remains', { handedOver: 2412, received: 27, agreedOutstanding: 3588 }),
    );
  });

  it('given the maintained rows, then they equal the totals recomputed from the stages, under every reading', () => {
    for (const r of [FIRST, RU, UA, ICRC, UN])
      expect(totals(scenario, r)).toEqual(totalsOfExchanges([scenario.exchange!], r));
  });
});

describe('breakdowns filed by kind (by=kind)', () => {
  /** 84 returned inside a POW swap: UA counts 33 soldiers and 51 civilians; RU's ministry calls all 84 POWs. */
  const SWAP = [
    propose({ occurredAt: '2025-05-16' }),
    agree(RU, '2025-05-16'),
    reportAccounts(
      's1',
      [
        account(UA, [
          side(UA, 84),
          side(RU, 84, {
            breakdown: [
              { kind: 'pow', count: 33 },
              { kind: 'civilians', count: 51 },
            ],
          }),
        ]),
        account(RU, [side(RU, 84)]),
      ],
      '2025-05-23',
    ),
  ];
  const scenario = givenReported(...SWAP);

  it('given UA’s breakdown (the first account), then the 51 civilians are filed under civilians, the rest under pow', () => {
    expect(totals(scenario, FIRST)).toEqual([
      row(RU, 'civilians', { handedOver: 51 }),
      row(RU, 'pow', { handedOver: 33, received: 84, agreedOutstanding: 916 }),
      row(UA, 'civilians', { received: 51 }),
      row(UA, 'pow', { handedOver: 84, received: 33, agreedOutstanding: 916 }),
    ]);
  });

  it('given RU’s reading (no breakdown), then all 84 under pow', () => {
    expect(totals(scenario, RU)).toEqual([
      row(RU, 'pow', { handedOver: 84, received: 84, agreedOutstanding: 916 }),
      row(UA, 'pow', { handedOver: 84, received: 84, agreedOutstanding: 916 }),
    ]);
  });

  it('given filing by the exchange’s kind, then all 84 under pow, as before breakdowns existed', () => {
    expect(totalsOfExchanges([scenario.exchange!], FIRST, 'exchange')).toEqual(totals(scenario, RU));
  });

  it('given a breakdown that names the exchange’s own kind, an approximate count, or a count not disclosed, then filedCounts by hand', () => {
    expect(
      filedCounts(
        {
          count: 100,
          breakdown: [
            { kind: 'pow', count: 30 },
            { kind: 'children', count: 5 },
          ],
        },
        'pow',
      ),
    ).toEqual([
      { kind: 'pow', count: 95 },
      { kind: 'children', count: 5 },
    ]);
    expect(filedCounts({ count: 10, breakdown: [{ kind: 'civilians', count: 10 }] }, 'pow')).toEqual([
      { kind: 'civilians', count: 10 },
    ]);
    expect(filedCounts({ count: null, breakdown: null }, 'pow')).toEqual([]);
    expect(filedCounts({ count: 7, breakdown: [{ kind: 'civilians', count: 2 }] }, 'pow', 'exchange')).toEqual([
      { kind: 'pow', count: 7 },
    ]);
  });

  it('given an approximate count with a breakdown, then each filed part is approximate', () => {
    const s = givenReported(
      SWAP[0]!,
      SWAP[1]!,
      reportStage(
        's1',
        ICRC,
        [side(RU, 250, { approximate: true, breakdown: [{ kind: 'civilians', count: 50 }] })],
        '2025-05-23',
      ),
    );
    expect(totals(s, FIRST).filter((r) => r.party === RU)).toEqual([
      row(RU, 'civilians', { handedOver: 50, handedOverApproximate: 50 }),
      row(RU, 'pow', { handedOver: 200, handedOverApproximate: 200, agreedOutstanding: 750 }),
    ]);
  });
});

describe('a command changes the rows of its own exchange’s readings only', () => {
  it('given ICRC reported on exchange 1 only, when a stage is recorded on exchange 2, then no ICRC row changes', () => {
    const one = givenReported(...JUNE);
    expect(one.stream.rows.has(ICRC)).toBe(true);
    const two = givenReported(propose({ exchangeId: 'ex-2', occurredAt: '2025-05-16' }), agree(RU, '2025-05-16'));
    two
      .when(
        reportAccounts('t1', [account(UN, [side(UA, 10), side(RU, 12)]), account(UA, [side(RU, 11)])], '2025-05-23'),
      )
      .thenState();
    // UN's reading is FIRST's here (its account is the first): no departure to keep; UA's differs by one.
    const readingsTouched = new Set(flatRows(two.stream.rows).map((r) => r.reading));
    expect([...readingsTouched].sort()).toEqual([FIRST, UA].sort());
  });

  it('given a reporter whose terms differ, when a stage is delivered, then its departure changes even on a stage it did not report (outstanding is not a sum)', () => {
    const s = givenReported(...JUNE.slice(0, 2));
    // UA's terms: RU owes 6,000 under both; UA owes 6,000 under UA's reading, 0 under FIRST.
    s.when(stage('x', { RU: 10, UA: 100 }, '2025-06-11')).thenState();
    expect(totals(s, UA).find((r) => r.party === UA)?.agreedOutstanding).toBe(5900);
    expect(totals(s, FIRST).find((r) => r.party === UA)?.agreedOutstanding).toBe(0);
  });
});

describe('what a store reads without the stages, and the dated rows of windows', () => {
  const scenario = givenReported(...JUNE);
  const x = scenario.exchange!;
  const readings = scenario.stream.snapshot!.readings;

  it('given the exchange under UA’s reading, then UA’s terms and its delivered, with the undisclosed stage counted apart', () => {
    expect(sidesUnder(x.state, readings, UA)).toEqual([
      { party: UA, handsOver: 6000, delivered: 27, undisclosedStages: 0, approximate: 0 },
      { party: RU, handsOver: 6000, delivered: 2409, undisclosedStages: 1, approximate: 0 },
    ]);
    expect(sidesUnder(x.state, readings, FIRST).map((s) => s.handsOver)).toEqual([0, 6000]);
    expect(sidesUnder(x.state, readings, ICRC)[1]).toEqual({
      party: RU,
      handsOver: 6000,
      delivered: 3412,
      undisclosedStages: 0,
      approximate: 1000,
    });
    expect(sidesUnder(x.state, readings, 'silent')).toEqual(sidesUnder(x.state, readings, FIRST));
  });

  it('given s2, then its rows: FIRST’s 1,200, and UA’s departure of −3 (RU’s reading is FIRST’s: no rows)', () => {
    expect(stageReadingRows(x.stages[1]!, x.state)).toEqual([
      { reading: FIRST, ...row(RU, 'remains', { handedOver: 1200 }) },
      { reading: FIRST, ...row(UA, 'remains', { received: 1200 }) },
      { reading: UA, ...row(RU, 'remains', { handedOver: -3 }) },
      { reading: UA, ...row(UA, 'remains', { received: -3 }) },
    ]);
  });

  it('given a window of 12 to 14 June, then s2 and s3 only, under each reading, the terms’ figures whole', () => {
    const stageRows = x.stages.map((st) => ({ occurredAt: st.occurredAt, rows: stageReadingRows(st, x.state) }));
    const rows = flatRows(scenario.stream.rows);
    const window = { from: '2025-06-12', to: '2025-06-14T23:59:59.999Z' };
    expect(windowedTotals(rows, stageRows, UA, window)).toEqual([
      row(RU, 'remains', { handedOver: 1197, handedOverUndisclosedStages: 1, agreedOutstanding: 3591 }),
      row(UA, 'remains', { received: 1197, receivedUndisclosedStages: 1, agreedOutstanding: 5973 }),
    ]);
    for (const r of [FIRST, RU, UA, ICRC])
      expect(windowedTotals(rows, stageRows, r, window)).toEqual(totalsOfExchanges([x], r, 'kind', window));
  });
});

describe('an exchange recorded before accounts existed', () => {
  it('given only old events, then its readings come from its state alone (no replay), as the fold gives them', () => {
    const old = givenReported(
      propose({ occurredAt: '2025-05-16' }),
      agree(RU, '2025-05-16'),
      stage('s1', { UA: 390, RU: 390 }, '2025-05-23'),
      stage('s2', { UA: 307, RU: 250 }, '2025-05-24'),
      voidStage('s1', '2025-05-25'),
    );
    expect(readingsOfOldExchange(old.exchange!.state)).toEqual(old.stream.snapshot!.readings);
    expect(readingsOfOldExchange(old.exchange!.state).tallies[FIRST]!.map((t) => t.delivered)).toEqual([307, 250]);
  });
});
