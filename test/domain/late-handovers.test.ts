import { describe, expect, it } from 'vitest';
import { decide } from '../../src/domain/decide.js';
import { FIRST } from '../../src/domain/readings.js';
import { totalsUnder } from '../../src/domain/reading-totals.js';
import {
  EXCHANGE_ID,
  ICRC,
  RU,
  UA,
  account,
  addAccount,
  agree,
  at,
  complete,
  completeReported,
  flatRows,
  givenReported,
  propose,
  reportAccounts,
  reportCtx,
  reportStage,
  side,
  stage,
  terms,
  voidStage,
} from './reported-given.js';

const id = EXCHANGE_ID;
const none = { approximate: false, breakdown: null };
/** RU hands over 6,000 bodies (one way), agreed 2 June 2025, handed over in one stage, completed 14 June. */
const REMAINS = [
  propose({ kind: 'remains', proposedBy: RU, sides: terms({ UA: 0, RU: 6000 }), occurredAt: '2025-06-02' }),
  agree(UA, '2025-06-02'),
  stage('s1', { RU: 6000 }, '2025-06-11'),
];
const COMPLETED = [...REMAINS, complete('2025-06-14')];
const threeBodies = reportStage('late', null, [side(RU, 3)], '2025-06-21');

describe('a stage after completion', () => {
  it('given the old decider, then a stage on a completed exchange is still refused (409) there: the new path is beside it', () => {
    const x = givenReported(...COMPLETED).exchange!;
    expect(decide(stage('late', { RU: 3 }, '2025-06-21'), x.state, { ...reportCtx, stages: [] })).toMatchObject({
      ok: false,
      rejection: { kind: 'transition-not-allowed', status: 'completed', action: 'recordStage', allowed: ['voidStage'] },
    });
  });

  it('given 6,000 handed over and completed, when 3 bodies are handed over a week later, then a StageReported marked afterCompletion', () => {
    givenReported(...COMPLETED)
      .when(threeBodies)
      .thenEmits([
        {
          type: 'StageReported',
          data: {
            exchangeId: id,
            stageId: 'late',
            afterCompletion: true,
            accounts: [
              {
                reportedBy: null,
                sides: [
                  { party: UA, count: 0, ...none },
                  { party: RU, count: 3, ...none },
                ],
                source: null,
                note: null,
              },
            ],
          },
          ...at('2025-06-21'),
        },
      ]);
  });

  it('given the late stage, then the exchange stays completed and the 3 count in delivered and in the totals', () => {
    const scenario = givenReported(...COMPLETED);
    const x = scenario.when(threeBodies).thenState();
    expect(x.state.status).toBe('completed');
    expect(x.state.sides.map((s) => s.delivered)).toEqual([0, 6003]);
    expect(x.stages.map((s) => [s.id, s.afterCompletion])).toEqual([
      ['s1', false],
      ['late', true],
    ]);
    expect(totalsUnder(flatRows(scenario.stream.rows), FIRST)).toMatchObject([
      { party: RU, kind: 'remains', handedOver: 6003, received: 0, agreedOutstanding: 0 },
      { party: UA, kind: 'remains', handedOver: 0, received: 6003, agreedOutstanding: 0 },
    ]);
  });

  it('given a late stage with accounts, then afterCompletion too, with its accounts', () => {
    const [e] = givenReported(...COMPLETED).when(
      reportAccounts('late', [account(RU, [side(RU, 3)]), account(ICRC, [side(RU, null)])], '2025-06-21'),
    ).events;
    expect(e).toMatchObject({ type: 'StageReported', data: { afterCompletion: true } });
  });

  it('given a late stage dated before the completion, then unprocessable naming occurredAt and the completion’s date', () => {
    const [e] = givenReported(...COMPLETED)
      .when(reportStage('late', null, [side(RU, 3)], '2025-06-13'))
      .thenUnprocessable(['occurredAt']);
    expect(e?.message).toContain('after completion');
    expect(e?.message).toContain('2025-06-14');
  });

  it('given a late stage on the completion’s day, then accepted', () => {
    givenReported(...COMPLETED)
      .when(reportStage('late', null, [side(RU, 3)], '2025-06-14T18:00:00.000Z'))
      .thenState();
  });

  it('given a late stage, then it can be voided like any other (completed allows voids) and takes its 3 back out', () => {
    const x = givenReported(...COMPLETED, threeBodies)
      .when(voidStage('late', '2025-06-22'))
      .thenState();
    expect(x.state.status).toBe('completed');
    expect(x.state.sides[1]?.delivered).toBe(6000);
  });

  it('given a late stage, then a later account of it is accepted', () => {
    const x = givenReported(...COMPLETED, threeBodies)
      .when(addAccount('late', UA, [side(RU, 3)], '2025-06-22'))
      .thenState();
    expect(x.stages[1]!.accounts.map((a) => a.reportedBy)).toEqual([null, UA]);
  });

  it('given the rules of the stage’s accounts, then they hold after completion too', () => {
    givenReported(...COMPLETED)
      .when(reportStage('late', null, [side(RU, null, { approximate: true })], '2025-06-21'))
      .thenUnprocessable(['sides.0.approximate']);
  });
});

describe('completion with a last tranche given by accounts', () => {
  it('given a last tranche by UA’s and RU’s accounts, then StageReported (not late) then ExchangeCompleted naming it', () => {
    const cmd = completeReported(
      '2025-06-14',
      { form: 'accounts', accounts: [account(RU, [side(RU, 6060)]), account(UA, [side(RU, 6057)])] },
      'final',
    );
    const outcome = givenReported(...REMAINS.slice(0, 2)).when(cmd);
    expect(outcome.events.map((e) => e.type)).toEqual(['StageReported', 'ExchangeCompleted']);
    expect(outcome.events[0]).toMatchObject({ data: { stageId: 'final', afterCompletion: false } });
    expect(outcome.events[1]).toEqual({
      type: 'ExchangeCompleted',
      data: { exchangeId: id, finalStageId: 'final' },
      ...at('2025-06-14'),
    });
    const x = outcome.thenState();
    expect(x.state).toMatchObject({ status: 'completed', sides: [{ delivered: 0 }, { delivered: 6060 }] });
  });

  it('given a plain tranche (unattributed, whole counts) or none, then exactly what decide() decides', () => {
    const x = givenReported(...REMAINS).exchange!;
    const ctx = { ...reportCtx, stages: [] };
    const plain = givenReported(...REMAINS).when(
      completeReported('2025-06-14', { form: 'sides', reportedBy: null, sides: [side(RU, 10)] }, 'f'),
    );
    expect(decide(complete('2025-06-14', { RU: 10 }, 'f'), x.state, ctx)).toEqual({ ok: true, value: plain.events });
    const bare = givenReported(...REMAINS).when(completeReported('2025-06-14', null));
    expect(decide(complete('2025-06-14'), x.state, ctx)).toEqual({ ok: true, value: bare.events });
  });

  it('given a completion before the latest stage and before the latest transition, then both bounds named, with the accounts’ errors', () => {
    const cmd = completeReported('2025-06-01', { form: 'sides', reportedBy: 'NOBODY', sides: [side(RU, 1)] });
    const errors = givenReported(...REMAINS)
      .when(cmd)
      .thenUnprocessable(['occurredAt', 'occurredAt', 'occurredAt', 'reportedBy']);
    expect(errors.map((e) => e.message).join(' | ')).toMatch(
      /latest transition.*latest stage.*agreement.*not registered/,
    );
  });

  it('given an exchange that is only proposed, or already completed, then the status refusal', () => {
    const cmd = completeReported('2025-06-20', { form: 'sides', reportedBy: RU, sides: [side(RU, 1)] });
    givenReported(REMAINS[0]!)
      .when(cmd)
      .thenRefused({ kind: 'transition-not-allowed', status: 'proposed', action: 'complete' });
    givenReported(...COMPLETED)
      .when(cmd)
      .thenRefused({
        kind: 'transition-not-allowed',
        status: 'completed',
        action: 'complete',
        allowed: ['voidStage', 'recordStage'],
      });
  });

  it('given a refusal decide() makes on this decider’s behalf, then it too names stages as allowed after completion', () => {
    givenReported(...COMPLETED)
      .when(completeReported('2025-06-20', null))
      .thenRefused({ kind: 'transition-not-allowed', status: 'completed', allowed: ['voidStage', 'recordStage'] });
    givenReported(...COMPLETED, threeBodies)
      .when(reportStage('x', null, [side(RU, 1)], '2025-06-22'))
      .thenState();
  });
});
