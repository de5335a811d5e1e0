import { describe, expect, it } from 'vitest';
import { eventsInForceAt } from '../../src/domain/as-of.js';
import type { ExchangeEventData, RecordedEvent } from '../../src/domain/events.js';
import { replayRefusal } from '../../src/domain/replay.js';
import { reportedEventsInForceAt } from '../../src/domain/reported-as-of.js';
import type { RecordedLedgerEvent, ReportedExchangeEventData } from '../../src/domain/reported-events.js';
import { foldReported } from '../../src/domain/reported-exchange.js';
import { isReportedGroup, reportedCommandLength, reportedReplayRefusal } from '../../src/domain/reported-replay.js';
import { stageStateOf } from '../../src/domain/reported-stage.js';
import {
  ICRC,
  RU,
  UA,
  account,
  addAccount,
  agree,
  complete,
  completeReported,
  counter,
  givenReported,
  propose,
  reportAccounts,
  reportCtx,
  reportStage,
  side,
  stage,
  terms,
  termsAccount,
  voidStage,
  withTerms,
  type AnyCommand,
} from './reported-given.js';

type Recorded = RecordedLedgerEvent<ReportedExchangeEventData>;
const facts = { registeredParties: reportCtx.registeredParties, registeredReporters: reportCtx.registeredReporters };

/** Cuts a history into the groups one command each made, as an import reads them. */
function groups(history: readonly Recorded[]): Recorded[][] {
  const out: Recorded[][] = [];
  for (let i = 0; i < history.length; ) {
    const n = reportedCommandLength(history.slice(i));
    out.push(history.slice(i, i + n));
    i += n;
  }
  return out;
}

/** Replays a history's groups, each against the fold of what came before, up to the first refused (as an import). */
function replayAll(history: readonly Recorded[]): (string | null)[] {
  let done: Recorded[] = [];
  const refusals: (string | null)[] = [];
  for (const g of groups(history)) {
    const before = foldReported(done);
    const refusal = reportedReplayRefusal(g, before?.state ?? null, { ...facts, stages: before?.stages ?? [] });
    refusals.push(refusal);
    if (refusal) break;
    done = [...done, ...g];
  }
  return refusals;
}

const LIFE: AnyCommand[] = [
  withTerms(propose({ kind: 'remains', proposedBy: RU, sides: terms({ UA: 0, RU: 6000 }), occurredAt: '2025-06-02' }), [
    termsAccount(UA, { UA: 6000, RU: 6000 }),
  ]),
  withTerms(counter(UA, terms({ UA: 6000, RU: 6000 }), '2025-06-02T10:00:00.000Z'), [
    termsAccount(RU, { RU: 6000, UA: 0 }),
  ]),
  agree(RU, '2025-06-02T12:00:00.000Z'),
  stage('s0', { RU: 10 }, '2025-06-05'),
  reportStage('s1', null, [side(RU, null)], '2025-06-11'),
  reportStage('s2', UA, [side(RU, 1200, { approximate: true })], '2025-06-12'),
  reportAccounts(
    's3',
    [
      account(RU, [side(RU, 84, { breakdown: [{ kind: 'civilians', count: 51 }] })], { title: 'MoD' }),
      account(UA, [side(RU, 83)]),
    ],
    '2025-06-13',
  ),
  addAccount('s1', ICRC, [side(RU, 900, { approximate: true })], '2025-06-14', { title: 'ICRC' }),
  voidStage('s0', '2025-06-14'),
  completeReported(
    '2025-06-15',
    { form: 'accounts', accounts: [account(RU, [side(RU, 3)]), account(UA, [side(RU, null)])] },
    'final',
  ),
  reportStage('late', null, [side(RU, 3)], '2025-06-21'),
];

describe('replaying the new events', () => {
  const history = givenReported(...LIFE).stream.history;

  it('given a life of every new command, then an import cuts it into its commands and the rules decide each group again', () => {
    expect(groups(history).map((g) => g.map((e) => e.type))).toEqual([
      ['ExchangeProposed', 'TermsReported'],
      ['ExchangeCountered', 'TermsReported'],
      ['ExchangeAgreed'],
      ['StageRecorded'],
      ['StageReported'],
      ['StageReported'],
      ['StageReported'],
      ['StageAccountAdded'],
      ['StageVoided'],
      ['StageReported', 'ExchangeCompleted'],
      ['StageReported'],
    ]);
    expect(replayAll(history)).toEqual(history.length ? groups(history).map(() => null) : []);
  });

  it('given an old group, then it is replayed by replay.ts, exactly as before', () => {
    const old = givenReported(
      propose({ occurredAt: '2025-05-16' }),
      agree(RU, '2025-05-16'),
      stage('s1', { UA: 1, RU: 2 }, '2025-05-23'),
      complete('2025-05-24', { UA: 3, RU: 3 }),
    );
    const h = old.stream.history;
    expect(groups(h).map((g) => g.length)).toEqual([1, 1, 1, 2]);
    expect(groups(h).some(isReportedGroup)).toBe(false);
    let done: Recorded[] = [];
    for (const g of groups(h)) {
      const before = foldReported(done);
      const ours = reportedReplayRefusal(g, before?.state ?? null, { ...facts, stages: before?.stages ?? [] });
      const theirs = replayRefusal(g as RecordedEvent<ExchangeEventData>[], before?.state ?? null, {
        registeredParties: facts.registeredParties,
        stages: (before?.stages ?? []).map(stageStateOf),
      });
      expect([ours, theirs]).toEqual([null, null]);
      done = [...done, ...g];
    }
  });

  it('given a first account in the file that leaves a side out (the rules always name both), then the rules decide different events', () => {
    const tampered = structuredClone(history) as Recorded[];
    const e = tampered.find((x) => x.type === 'StageReported' && x.data.stageId === 's2')!;
    if (e.type !== 'StageReported') throw new Error('unreachable');
    e.data.accounts[0]!.sides.shift();
    expect(replayAll(tampered).filter((r) => r !== null)).toEqual([
      'the rules decide different events from this command',
    ]);
  });

  it('given a count changed in the file to another valid count, then the rules accept it again (the hash chain, not replay, catches that)', () => {
    const tampered = structuredClone(history) as Recorded[];
    const e = tampered.find((x) => x.type === 'StageReported' && x.data.stageId === 's2')!;
    if (e.type !== 'StageReported') throw new Error('unreachable');
    e.data.accounts[0]!.sides[1]!.count = 1201;
    expect(replayAll(tampered).every((r) => r === null)).toBe(true);
  });

  it('given a late stage whose afterCompletion mark was taken off, then refused', () => {
    const tampered = structuredClone(history) as Recorded[];
    const e = tampered.at(-1)!;
    if (e.type !== 'StageReported') throw new Error('unreachable');
    e.data.afterCompletion = false;
    expect(replayAll(tampered).at(-1)).toBe('the rules decide different events from this command');
  });

  it('given an account by a reporter the target ledger does not know, then the rules refuse it, naming the field', () => {
    let done: Recorded[] = [];
    const refusals = groups(history).map((g) => {
      const before = foldReported(done);
      done = [...done, ...g];
      return reportedReplayRefusal(g, before?.state ?? null, {
        ...facts,
        registeredReporters: new Set([UA, RU]),
        stages: before?.stages ?? [],
      });
    });
    expect(refusals[7]).toMatch(/unprocessable: reportedBy reporter ICRC is not registered/);
  });
});

describe('as of a world time, with the new events', () => {
  it('given an old history, then exactly the events eventsInForceAt keeps, at every time', () => {
    const h = givenReported(
      propose({ occurredAt: '2025-05-16T15:00:00.000Z' }),
      agree(RU, '2025-05-16T16:00:00.000Z'),
      stage('s1', { UA: 1, RU: 1 }, '2025-05-16'),
      stage('s2', { UA: 1, RU: 1 }, '2025-05-20'),
      voidStage('s1', '2025-05-18'),
      complete('2025-05-21'),
    ).stream.history;
    for (const t of [
      '2025-05-16',
      '2025-05-16T15:30:00.000Z',
      '2025-05-16T16:00:00.000Z',
      '2025-05-18T23:59:59.999Z',
      '2025-05-20',
      '2025-06-01',
    ]) {
      expect(reportedEventsInForceAt(h, t)).toEqual(eventsInForceAt(h as RecordedEvent<ExchangeEventData>[], t));
    }
  });

  const history = givenReported(...LIFE).stream.history;
  const asOf = (t: string) => foldReported(reportedEventsInForceAt(history, t))!;

  it('given the terms accounts, then in force with their transition: the counter’s, not the proposal’s, from its time', () => {
    expect(asOf('2025-06-02T09:00:00.000Z').termsAccounts.map((a) => a.reportedBy)).toEqual([UA]);
    expect(asOf('2025-06-02T10:00:00.000Z').termsAccounts.map((a) => a.reportedBy)).toEqual([RU]);
  });

  it('given ICRC’s account of s1 given on 14 June, then not in force on 13 June', () => {
    expect(asOf('2025-06-13T23:59:59.999Z').stages.find((s) => s.id === 's1')!.accounts).toHaveLength(1);
    expect(asOf('2025-06-14T00:00:00.000Z').stages.find((s) => s.id === 's1')!.accounts).toHaveLength(2);
  });

  it('given the late stage, then in force from its date, after the completion, and the exchange completed throughout', () => {
    expect(asOf('2025-06-20').stages.map((s) => s.id)).not.toContain('late');
    const x = asOf('2025-06-21');
    expect(x.state.status).toBe('completed');
    expect(x.stages.at(-1)).toMatchObject({ id: 'late', afterCompletion: true });
  });

  it('given a late stage dated by day on the completion’s day, then it is in force no earlier than the completion instant', () => {
    const h = givenReported(
      propose({ occurredAt: '2025-05-16' }),
      agree(RU, '2025-05-16'),
      complete('2025-05-20T15:00:00.000Z'),
      reportStage('late', null, [side(RU, 3)], '2025-05-20'),
    ).stream.history;
    expect(reportedEventsInForceAt(h, '2025-05-20T12:00:00.000Z').map((e) => e.type)).toEqual([
      'ExchangeProposed',
      'ExchangeAgreed',
    ]);
    expect(reportedEventsInForceAt(h, '2025-05-20T15:00:00.000Z').map((e) => e.type)).toEqual([
      'ExchangeProposed',
      'ExchangeAgreed',
      'ExchangeCompleted',
      'StageReported',
    ]);
  });
});
