import { describe, expect, it } from 'vitest';
import type { ExchangeCommand } from '../../src/domain/commands.js';
import {
  ACTOR,
  TERMINAL,
  TIMED_TRANSITIONS,
  TRANSITIONS,
  allowedActions,
  nextStatus,
} from '../../src/domain/transitions.js';
import { ACTIONS, STATUSES, type Action, type Status } from '../../src/domain/vocabulary.js';
import {
  PL,
  RU,
  UA,
  XX,
  agree,
  cancel,
  complete,
  counter,
  given,
  propose,
  reject,
  stage,
  terms,
  voidStage,
  withdraw,
  type Scenario,
} from './given.js';

/**
 * The state machine of DESIGN.md, "State machine", written out by hand (not copied from the
 * code): for each status, the actions allowed and where each leads.
 */
const DESIGN: Record<Status, Partial<Record<Action, Status>>> = {
  proposed: { counter: 'proposed', agree: 'agreed', reject: 'rejected', withdraw: 'withdrawn' },
  agreed: { recordStage: 'agreed', voidStage: 'agreed', complete: 'completed', cancel: 'cancelled' },
  // "Terminal … No way back", but a wrongly recorded stage stays correctable (Corrections).
  completed: { voidStage: 'completed' },
  rejected: {},
  withdrawn: {},
  cancelled: {},
};

/** UA proposes, RU is the other party; every status reached through accepted commands. */
const PROPOSED = [propose({ occurredAt: '2025-05-16' })];
const AGREED = [...PROPOSED, agree(RU, '2025-05-16'), stage('s1', { UA: 390, RU: 390 }, '2025-05-23')];
const REACH: Record<Status, () => Scenario> = {
  proposed: () => given(...PROPOSED),
  agreed: () => given(...AGREED),
  completed: () => given(...AGREED, complete('2025-05-25')),
  rejected: () => given(...PROPOSED, reject(RU, '2025-05-17')),
  withdrawn: () => given(...PROPOSED, withdraw(UA, '2025-05-17')),
  cancelled: () => given(...AGREED, cancel(UA, '2025-05-26')),
};

/** A command for each action that is valid in every respect but the status. */
const T = '2025-05-30';
const VALID: Record<Action, ExchangeCommand> = {
  counter: counter(RU, terms({ UA: 900, RU: 900 }), T),
  agree: agree(RU, T),
  reject: reject(RU, T),
  withdraw: withdraw(UA, T),
  cancel: cancel(RU, T),
  recordStage: stage('s2', { UA: 10, RU: 10 }, T),
  voidStage: voidStage('s1', T),
  complete: complete(T),
};

const sorted = (xs: readonly string[]) => [...xs].sort();

describe('the transition table as data', () => {
  it('given the design, then TRANSITIONS is exactly the state machine it draws', () => {
    expect(TRANSITIONS).toEqual(DESIGN);
  });

  it.each(STATUSES.flatMap((s) => ACTIONS.map((a) => [s, a] as const)))(
    'given %s, when nextStatus(%s), then it is the design’s target or undefined',
    (status, action) => {
      expect(nextStatus(status, action)).toBe(DESIGN[status][action]);
    },
  );

  it.each(STATUSES)('given %s, then allowedActions lists the design’s actions', (status) => {
    expect(sorted(allowedActions(status))).toEqual(sorted(Object.keys(DESIGN[status])));
  });

  it('then the terminal statuses are completed, rejected, withdrawn and cancelled', () => {
    expect(sorted([...TERMINAL])).toEqual(['cancelled', 'completed', 'rejected', 'withdrawn']);
  });

  it('given a terminal status, then no action leads out of it', () => {
    for (const status of TERMINAL) {
      for (const action of ACTIONS) {
        const to = nextStatus(status, action);
        if (to !== undefined) expect(to).toBe(status);
      }
    }
    expect(allowedActions('rejected')).toEqual([]);
    expect(allowedActions('withdrawn')).toEqual([]);
    expect(allowedActions('cancelled')).toEqual([]);
  });

  it('then the timed transitions are counter, agree, reject, withdraw, cancel and complete (not stages nor voids)', () => {
    expect(sorted([...TIMED_TRANSITIONS])).toEqual(
      sorted(['counter', 'agree', 'reject', 'withdraw', 'cancel', 'complete']),
    );
  });

  it('then the actor rules are: counter, agree, reject by the other party; withdraw by the proposer; cancel by either', () => {
    expect(ACTOR).toEqual({
      counter: 'other',
      agree: 'other',
      reject: 'other',
      withdraw: 'proposer',
      cancel: 'either',
    });
  });
});

describe('every status × every action through decide', () => {
  const cases = STATUSES.flatMap((status) => ACTIONS.map((action) => [status, action] as const));

  it.each(cases)('given an exchange that is %s, when %s', (status, action) => {
    const scenario = REACH[status]();
    expect(scenario.state?.status).toBe(status);
    const outcome = scenario.when(VALID[action]);
    const target = DESIGN[status][action];
    if (target === undefined) {
      const rejection = outcome.thenRefused({ kind: 'transition-not-allowed', status, action });
      if (rejection.kind !== 'transition-not-allowed') throw new Error('unreachable');
      expect(sorted(rejection.allowed)).toEqual(sorted(Object.keys(DESIGN[status])));
    } else {
      expect(outcome.thenState().status).toBe(target);
    }
  });

  it('given no exchange, when any transition, then exchange-not-found', () => {
    for (const action of ACTIONS) given().when(VALID[action]).thenRefused({ kind: 'exchange-not-found' });
  });

  it('given a completed exchange, when a stage is voided, then it stays completed and the stage leaves delivered', () => {
    const after = REACH.completed().when(voidStage('s1', '2025-05-30')).thenState();
    expect(after.status).toBe('completed');
    expect(after.sides.map((s) => s.delivered)).toEqual([0, 0]);
  });

  it('given a terminal exchange, when a stranger acts, then the status refusal (409) comes before the party check', () => {
    REACH.rejected()
      .when(agree(XX, T))
      .thenRefused({ kind: 'transition-not-allowed', status: 'rejected', allowed: [] });
  });
});

describe('actor rules', () => {
  it('given UA proposed, when UA (the proposer) agrees, then party-not-allowed naming RU', () => {
    given(...PROPOSED)
      .when(agree(UA, T))
      .thenRefused({ kind: 'party-not-allowed', status: 'proposed', action: 'agree', by: UA, allowedParties: [RU] });
  });

  it('given UA proposed, when RU agrees, then agreed', () => {
    expect(
      given(...PROPOSED)
        .when(agree(RU, T))
        .thenState().status,
    ).toBe('agreed');
  });

  it('given UA proposed, when UA rejects its own proposal, then party-not-allowed; RU may reject', () => {
    given(...PROPOSED)
      .when(reject(UA, T))
      .thenRefused({ kind: 'party-not-allowed', action: 'reject', by: UA, allowedParties: [RU] });
    expect(
      given(...PROPOSED)
        .when(reject(RU, T))
        .thenState().status,
    ).toBe('rejected');
  });

  it('given UA proposed, when UA counters its own proposal, then party-not-allowed', () => {
    given(...PROPOSED)
      .when(counter(UA, terms({ UA: 1, RU: 1 }), T))
      .thenRefused({ kind: 'party-not-allowed', action: 'counter', by: UA, allowedParties: [RU] });
  });

  it('given UA proposed, when RU withdraws, then party-not-allowed naming UA; UA may withdraw', () => {
    given(...PROPOSED)
      .when(withdraw(RU, T))
      .thenRefused({ kind: 'party-not-allowed', action: 'withdraw', by: RU, allowedParties: [UA] });
    expect(
      given(...PROPOSED)
        .when(withdraw(UA, T))
        .thenState().status,
    ).toBe('withdrawn');
  });

  it('given an agreed exchange, when either party cancels, then cancelled', () => {
    for (const by of [UA, RU])
      expect(
        given(...AGREED)
          .when(cancel(by, T))
          .thenState().status,
      ).toBe('cancelled');
  });

  it('given RU countered UA’s proposal, then the standing proposal is RU’s: UA may agree and RU may not', () => {
    const countered = [...PROPOSED, counter(RU, terms({ UA: 1200, RU: 1000 }), '2025-05-17')];
    expect(given(...countered).state?.proposedBy).toBe(RU);
    expect(
      given(...countered)
        .when(agree(UA, T))
        .thenState().status,
    ).toBe('agreed');
    given(...countered)
      .when(agree(RU, T))
      .thenRefused({ kind: 'party-not-allowed', action: 'agree', by: RU, allowedParties: [UA] });
  });

  it('given RU countered, then RU may withdraw its counter and UA may not; UA may counter back', () => {
    const countered = [...PROPOSED, counter(RU, terms({ UA: 1200, RU: 1000 }), '2025-05-17')];
    given(...countered)
      .when(withdraw(UA, T))
      .thenRefused({ kind: 'party-not-allowed', by: UA, allowedParties: [RU] });
    expect(
      given(...countered)
        .when(withdraw(RU, T))
        .thenState().status,
    ).toBe('withdrawn');
    const back = given(...countered)
      .when(counter(UA, terms({ UA: 1100, RU: 1100 }), T))
      .thenState();
    expect(back.proposedBy).toBe(UA);
    expect(back.status).toBe('proposed');
  });

  it('given a refused party, then the rejection lists the transitions allowed from the current status', () => {
    const r = given(...PROPOSED)
      .when(agree(UA, T))
      .thenRefused({ kind: 'party-not-allowed' });
    if (r.kind !== 'party-not-allowed') throw new Error('unreachable');
    expect(sorted(r.allowed)).toEqual(sorted(['counter', 'agree', 'reject', 'withdraw']));
  });

  const byActions: [string, Status, (by: string) => ExchangeCommand][] = [
    ['counter', 'proposed', (by) => counter(by, terms({ UA: 1, RU: 1 }), T)],
    ['agree', 'proposed', (by) => agree(by, T)],
    ['reject', 'proposed', (by) => reject(by, T)],
    ['withdraw', 'proposed', (by) => withdraw(by, T)],
    ['cancel', 'agreed', (by) => cancel(by, T)],
  ];

  it.each(byActions)(
    'given a %s from %s, when `by` is not a party of the exchange, then unprocessable naming path by',
    (_name, status, make) => {
      for (const stranger of [PL, XX]) {
        const errors = REACH[status]().when(make(stranger)).thenUnprocessable(['by']);
        expect(errors[0]?.message).toContain(UA);
        expect(errors[0]?.message).toContain(RU);
      }
    },
  );
});
