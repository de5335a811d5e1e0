import { describe, expect, it } from 'vitest';
import {
  ZERO,
  contributionOf,
  sumContributions,
  totalsDelta,
  type Contribution,
  type Figures,
} from '../../src/domain/totals.js';
import type { Kind } from '../../src/domain/vocabulary.js';
import {
  RU,
  UA,
  agree,
  cancel,
  complete,
  counter,
  propose,
  reject,
  stage,
  stateAfter,
  terms,
  voidStage,
  withdraw,
} from './given.js';

const row = (party: string, kind: Kind, f: Partial<Figures> = {}): Contribution => ({ party, kind, ...ZERO, ...f });

/** UA proposes 1,200 (UA hands over) for 1,000 (RU hands over) on 16 May; RU agrees. */
const PROPOSED = [propose({ sides: terms({ UA: 1200, RU: 1000 }), occurredAt: '2025-05-16' })];
const AGREED = [...PROPOSED, agree(RU, '2025-05-16')];
const STAGED = [
  ...AGREED,
  stage('s1', { UA: 390, RU: 390 }, '2025-05-23'),
  stage('s2', { UA: 307, RU: 250 }, '2025-05-24'),
];

describe('contributionOf', () => {
  it('given a proposed exchange 1,200 for 1,000, then UA proposes 1,200 and RU 1,000, nothing else', () => {
    expect(contributionOf(stateAfter(...PROPOSED))).toEqual([
      row(UA, 'pow', { proposed: 1200 }),
      row(RU, 'pow', { proposed: 1000 }),
    ]);
  });

  it('given a proposal with an unspecified side, then that side proposes 0 (and is not an unspecified agreed side)', () => {
    expect(contributionOf(stateAfter(propose({ kind: 'medical', sides: terms({ UA: null, RU: 25 }) })))).toEqual([
      row(UA, 'medical'),
      row(RU, 'medical', { proposed: 25 }),
    ]);
  });

  it('given a countered proposal, then the counter’s terms are what is proposed', () => {
    expect(contributionOf(stateAfter(...PROPOSED, counter(RU, terms({ UA: 900, RU: 800 }), '2025-05-17')))).toEqual([
      row(UA, 'pow', { proposed: 900 }),
      row(RU, 'pow', { proposed: 800 }),
    ]);
  });

  it('given it is agreed with no stage yet, then everything is outstanding and nothing is proposed', () => {
    expect(contributionOf(stateAfter(...AGREED))).toEqual([
      row(UA, 'pow', { agreedOutstanding: 1200 }),
      row(RU, 'pow', { agreedOutstanding: 1000 }),
    ]);
  });

  it('given stages 390/390 and 307/250, then handedOver, received and outstanding by hand', () => {
    // UA: handed over 390+307 = 697, received 390+250 = 640, outstanding 1200−697 = 503
    // RU: handed over 640, received 697, outstanding 1000−640 = 360
    expect(contributionOf(stateAfter(...STAGED))).toEqual([
      row(UA, 'pow', { handedOver: 697, received: 640, agreedOutstanding: 503 }),
      row(RU, 'pow', { handedOver: 640, received: 697, agreedOutstanding: 360 }),
    ]);
  });

  it('given the 307/250 stage is voided, then it leaves the totals (only 390/390 counts)', () => {
    expect(contributionOf(stateAfter(...STAGED, voidStage('s2', '2025-05-25')))).toEqual([
      row(UA, 'pow', { handedOver: 390, received: 390, agreedOutstanding: 810 }),
      row(RU, 'pow', { handedOver: 390, received: 390, agreedOutstanding: 610 }),
    ]);
  });

  it('given a cancelled exchange, then its delivered stages stay but nothing is outstanding', () => {
    expect(contributionOf(stateAfter(...STAGED, cancel(RU, '2025-05-26')))).toEqual([
      row(UA, 'pow', { handedOver: 697, received: 640 }),
      row(RU, 'pow', { handedOver: 640, received: 697 }),
    ]);
  });

  it('given a completed exchange short of its terms, then delivered stays and nothing is outstanding', () => {
    expect(contributionOf(stateAfter(...STAGED, complete('2025-05-25', { UA: 3 }, 's3')))).toEqual([
      row(UA, 'pow', { handedOver: 700, received: 640 }),
      row(RU, 'pow', { handedOver: 640, received: 700 }),
    ]);
  });

  it('given a rejected or withdrawn proposal, then it contributes nothing', () => {
    for (const end of [reject(RU, '2025-05-17'), withdraw(UA, '2025-05-17')]) {
      expect(contributionOf(stateAfter(...PROPOSED, end))).toEqual([row(UA, 'pow'), row(RU, 'pow')]);
    }
  });

  it('given a one-way handover of 3,000 remains agreed, then RU has 3,000 outstanding and UA 0 (0 is specified, not unspecified)', () => {
    const agreed = [
      propose({ kind: 'remains', proposedBy: RU, sides: terms({ UA: 0, RU: 3000 }) }),
      agree(UA, '2025-05-16'),
    ];
    expect(contributionOf(stateAfter(...agreed))).toEqual([
      row(UA, 'remains'),
      row(RU, 'remains', { agreedOutstanding: 3000 }),
    ]);
    expect(contributionOf(stateAfter(...agreed, stage('r1', { RU: 1000 }, '2025-05-20')))).toEqual([
      row(UA, 'remains', { received: 1000 }),
      row(RU, 'remains', { handedOver: 1000, agreedOutstanding: 2000 }),
    ]);
  });

  it('given an overshoot (6,000 agreed, 6,060 delivered), then outstanding is 0, never negative', () => {
    const s = stateAfter(
      propose({ kind: 'remains', proposedBy: RU, sides: terms({ UA: 0, RU: 6000 }) }),
      agree(UA, '2025-05-16'),
      stage('r', { RU: 6060 }, '2025-05-20'),
    );
    expect(contributionOf(s)).toEqual([
      row(UA, 'remains', { received: 6060 }),
      row(RU, 'remains', { handedOver: 6060 }),
    ]);
  });

  it('given an agreed medical exchange with unspecified sides, then each is an unspecified side with no outstanding figure', () => {
    const agreed = [
      propose({ kind: 'medical', sides: terms({ UA: null, RU: 12 }) }),
      agree(RU, '2025-05-16'),
      stage('m', { UA: 5, RU: 4 }, '2025-05-20'),
    ];
    expect(contributionOf(stateAfter(...agreed))).toEqual([
      row(UA, 'medical', { handedOver: 5, received: 4, unspecifiedSides: 1 }),
      row(RU, 'medical', { handedOver: 4, received: 5, agreedOutstanding: 8 }),
    ]);
    // once completed, the side no longer counts as an open unspecified one
    expect(contributionOf(stateAfter(...agreed, complete('2025-05-21')))[0]).toEqual(
      row(UA, 'medical', { handedOver: 5, received: 4 }),
    );
  });
});

describe('totalsDelta', () => {
  it('given no state before, then the delta is the whole contribution (all-zero rows left out)', () => {
    expect(totalsDelta(null, stateAfter(...PROPOSED))).toEqual([
      row(UA, 'pow', { proposed: 1200 }),
      row(RU, 'pow', { proposed: 1000 }),
    ]);
    expect(totalsDelta(null, stateAfter(propose({ sides: terms({ UA: 0, RU: null }) })))).toEqual([]);
  });

  it('given an agreement, then proposed moves to outstanding', () => {
    expect(totalsDelta(stateAfter(...PROPOSED), stateAfter(...AGREED))).toEqual([
      row(UA, 'pow', { proposed: -1200, agreedOutstanding: 1200 }),
      row(RU, 'pow', { proposed: -1000, agreedOutstanding: 1000 }),
    ]);
  });

  it('given a stage 390/390, then each side hands over and receives 390 and owes 390 less', () => {
    expect(
      totalsDelta(stateAfter(...AGREED), stateAfter(...AGREED, stage('s1', { UA: 390, RU: 390 }, '2025-05-23'))),
    ).toEqual([
      row(UA, 'pow', { handedOver: 390, received: 390, agreedOutstanding: -390 }),
      row(RU, 'pow', { handedOver: 390, received: 390, agreedOutstanding: -390 }),
    ]);
  });

  it('given a void of the 307/250 stage, then the delta takes it back out', () => {
    expect(totalsDelta(stateAfter(...STAGED), stateAfter(...STAGED, voidStage('s2', '2025-05-25')))).toEqual([
      row(UA, 'pow', { handedOver: -307, received: -250, agreedOutstanding: 307 }),
      row(RU, 'pow', { handedOver: -250, received: -307, agreedOutstanding: 250 }),
    ]);
  });

  it('given a counter that changes only RU’s terms, then only RU’s row changes', () => {
    expect(
      totalsDelta(
        stateAfter(...PROPOSED),
        stateAfter(...PROPOSED, counter(RU, terms({ UA: 1200, RU: 900 }), '2025-05-17')),
      ),
    ).toEqual([row(RU, 'pow', { proposed: -100 })]);
  });

  it('given a cancellation, then only the outstanding figures go', () => {
    expect(totalsDelta(stateAfter(...STAGED), stateAfter(...STAGED, cancel(UA, '2025-05-26')))).toEqual([
      row(UA, 'pow', { agreedOutstanding: -503 }),
      row(RU, 'pow', { agreedOutstanding: -360 }),
    ]);
  });

  it('given nothing changed, then no rows', () => {
    expect(totalsDelta(stateAfter(...STAGED), stateAfter(...STAGED))).toEqual([]);
  });
});

describe('sumContributions', () => {
  it('given two pow exchanges and one of remains, then rows per party and kind by hand', () => {
    const pow1 = stateAfter(...STAGED); // UA 697/640/503, RU 640/697/360
    const pow2 = stateAfter(propose({ exchangeId: 'ex-2', sides: terms({ UA: 84, RU: 84 }) })); // proposed 84 each
    const remains = stateAfter(
      propose({ exchangeId: 'ex-3', kind: 'remains', proposedBy: RU, sides: terms({ UA: 0, RU: 3000 }) }),
      agree(UA, '2025-05-16'),
      stage('r', { RU: 1000, UA: 49 }, '2025-05-20'),
    );
    const rows = sumContributions([pow1, pow2, remains].flatMap((s) => contributionOf(s)));
    expect(new Map(rows)).toEqual(
      new Map([
        [`UA\u0000pow`, row(UA, 'pow', { handedOver: 697, received: 640, agreedOutstanding: 503, proposed: 84 })],
        [`RU\u0000pow`, row(RU, 'pow', { handedOver: 640, received: 697, agreedOutstanding: 360, proposed: 84 })],
        [`UA\u0000remains`, row(UA, 'remains', { handedOver: 49, received: 1000 })],
        [`RU\u0000remains`, row(RU, 'remains', { handedOver: 1000, received: 49, agreedOutstanding: 2000 })],
      ]),
    );
  });

  it('given nothing, then no rows', () => {
    expect(sumContributions([]).size).toBe(0);
  });

  it('given deltas along a life, then their sum is the contribution of the end state', () => {
    const steps = [
      stateAfter(...PROPOSED),
      stateAfter(...AGREED),
      stateAfter(...STAGED),
      stateAfter(...STAGED, voidStage('s1', '2025-05-25')),
      stateAfter(...STAGED, voidStage('s1', '2025-05-25'), complete('2025-05-26', { UA: 10, RU: 10 })),
    ];
    const deltas = steps.flatMap((s, i) => totalsDelta(steps[i - 1] ?? null, s));
    const summed = [...sumContributions(deltas).values()];
    // UA: 307+10 handed over, 250+10 received; RU: 260 handed over, 317 received; nothing outstanding or proposed.
    expect(summed).toEqual([
      row(UA, 'pow', { handedOver: 317, received: 260 }),
      row(RU, 'pow', { handedOver: 260, received: 317 }),
    ]);
    expect(summed).toEqual(contributionOf(steps.at(-1)!));
  });

  it('given inputs, then they are not mutated', () => {
    const input = [row(UA, 'pow', { handedOver: 1 }), row(UA, 'pow', { handedOver: 2 })];
    const copy = structuredClone(input);
    expect(sumContributions(input).get(`UA\u0000pow`)?.handedOver).toBe(3);
    expect(input).toEqual(copy);
  });
});
