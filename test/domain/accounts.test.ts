import { describe, expect, it } from 'vitest';
import { accountOfStageRecorded, disputedParties, isDisputed } from '../../src/domain/accounts.js';
import { decide } from '../../src/domain/decide.js';
import { FIRST, stageView } from '../../src/domain/readings.js';
import { reportedStageOf, stageStateOf } from '../../src/domain/reported-stage.js';
import {
  EXCHANGE_ID,
  ICRC,
  NOBODY,
  PL,
  RU,
  UA,
  UN,
  account,
  addAccount,
  agree,
  at,
  cancel,
  counter,
  givenReported,
  propose,
  reportAccounts,
  reportCtx,
  reportStage,
  side,
  sidesOf,
  stage,
  terms,
  termsAccount,
  voidStage,
  withTerms,
} from './reported-given.js';

const id = EXCHANGE_ID;
/** The 1,000-for-1,000 exchange: UA proposes on 16 May 2025, RU agrees the same day. */
const AGREED = [propose({ occurredAt: '2025-05-16' }), agree(RU, '2025-05-16')];
const source = { title: 'Coordination Headquarters', url: 'https://example.org/ua' };
const none = { approximate: false, breakdown: null };

describe('a stage with one account (the old `sides`, now with an optional reporter)', () => {
  it('given an agreed exchange, when a stage is recorded unattributed with whole counts, then it is the old StageRecorded, exactly as decide() decides it', () => {
    const outcome = givenReported(...AGREED).when(
      reportStage('s1', null, [side(UA, 390), side(RU, 390)], '2025-05-23'),
    );
    outcome.thenEmits([
      {
        type: 'StageRecorded',
        data: {
          exchangeId: id,
          stageId: 's1',
          sides: [
            { party: UA, count: 390 },
            { party: RU, count: 390 },
          ],
        },
        ...at('2025-05-23'),
      },
    ]);
    const old = decide(stage('s1', { UA: 390, RU: 390 }, '2025-05-23'), givenReported(...AGREED).exchange!.state, {
      ...reportCtx,
      stages: [],
    });
    expect(old).toEqual({ ok: true, value: outcome.events });
  });

  it('given an agreed exchange, when UA reports a stage of 390 each, then StageReported with UA’s account, its source the command’s', () => {
    const cmd = { ...reportStage('s1', UA, [side(RU, 390), side(UA, 390)], '2025-05-23'), source, note: 'per UA' };
    givenReported(...AGREED)
      .when(cmd)
      .thenEmits([
        {
          type: 'StageReported',
          data: {
            exchangeId: id,
            stageId: 's1',
            afterCompletion: false,
            accounts: [
              {
                reportedBy: UA,
                sides: [
                  { party: UA, count: 390, ...none },
                  { party: RU, count: 390, ...none },
                ],
                source,
                note: 'per UA',
              },
            ],
          },
          occurredAt: '2025-05-23',
          source,
          note: 'per UA',
        },
      ]);
  });

  it('given one side named only, then the first account hands over 0 on the other (a one-way handover), as a stage always did', () => {
    const [e] = givenReported(...AGREED).when(reportStage('s1', RU, [side(RU, 3000)], '2025-05-23')).events;
    expect(e?.type === 'StageReported' && e.data.accounts[0]!.sides).toEqual([
      { party: UA, count: 0, ...none },
      { party: RU, count: 3000, ...none },
    ]);
  });

  it('given a stage carried out with no number published, when recorded with count null, then accepted, and delivered counts only the disclosed side', () => {
    const x = givenReported(...AGREED)
      .when(reportStage('s3', null, [side(UA, 303), side(RU, null)], '2025-05-25'))
      .thenState();
    expect(x.state.sides.map((s) => s.delivered)).toEqual([303, 0]);
    expect(x.stages[0]!.accounts[0]!.sides[1]).toEqual({ party: RU, count: null, ...none });
  });

  it('given "about 250", then the count is kept approximate', () => {
    const x = givenReported(...AGREED)
      .when(reportStage('s1', ICRC, [side(UA, 250, { approximate: true }), side(RU, 250)], '2025-05-23'))
      .thenState();
    expect(x.stages[0]!.accounts[0]!.sides.map((s) => s.approximate)).toEqual([true, false]);
  });

  it('given 84 returned, 33 soldiers and 51 civilians, then the breakdown is kept as given', () => {
    const breakdown = [
      { kind: 'pow' as const, count: 33 },
      { kind: 'civilians' as const, count: 51 },
    ];
    const x = givenReported(...AGREED)
      .when(reportStage('s1', UA, [side(UA, 84), side(RU, 84, { breakdown })], '2025-05-23'))
      .thenState();
    expect(x.stages[0]!.accounts[0]!.sides[1]!.breakdown).toEqual(breakdown);
  });

  it('given an empty breakdown, then it is no breakdown (null)', () => {
    const x = givenReported(...AGREED)
      .when(reportStage('s1', UA, [side(UA, 84, { breakdown: [] }), side(RU, 84)], '2025-05-23'))
      .thenState();
    expect(x.stages[0]!.accounts[0]!.sides[0]!.breakdown).toBeNull();
  });

  it('given a breakdown summing past its count, then unprocessable naming that side’s breakdown and both numbers', () => {
    const breakdown = [
      { kind: 'pow' as const, count: 40 },
      { kind: 'civilians' as const, count: 51 },
    ];
    const [e] = givenReported(...AGREED)
      .when(reportStage('s1', UA, [side(UA, 84), side(RU, 84, { breakdown })], '2025-05-23'))
      .thenUnprocessable(['sides.1.breakdown']);
    expect(e?.message).toContain('91');
    expect(e?.message).toContain('84');
  });

  it('given a breakdown summing to exactly its count, then accepted', () => {
    const breakdown = [
      { kind: 'pow' as const, count: 33 },
      { kind: 'civilians' as const, count: 51 },
    ];
    givenReported(...AGREED)
      .when(reportStage('s1', UA, [side(RU, 84, { breakdown })], '2025-05-23'))
      .thenState();
  });

  it('given a breakdown by a kind not of the vocabulary, or by one kind twice, then each entry is named', () => {
    const breakdown = [
      { kind: 'soldiers' as 'pow', count: 1 },
      { kind: 'civilians' as const, count: 1 },
      { kind: 'civilians' as const, count: 1 },
    ];
    const errors = givenReported(...AGREED)
      .when(reportStage('s1', UA, [side(RU, 84, { breakdown })], '2025-05-23'))
      .thenUnprocessable(['sides.0.breakdown.0.kind', 'sides.0.breakdown.2.kind']);
    expect(errors[0]?.message).toContain('pow, remains, medical, civilians, children');
    expect(errors[1]?.message).toContain('twice');
  });

  it('given a breakdown entry that is not a whole count, then it is named', () => {
    givenReported(...AGREED)
      .when(reportStage('s1', UA, [side(RU, 84, { breakdown: [{ kind: 'pow', count: -3 }] })], '2025-05-23'))
      .thenUnprocessable(['sides.0.breakdown.0.count']);
  });

  it('given approximate on a count not disclosed, then unprocessable naming approximate', () => {
    const [e] = givenReported(...AGREED)
      .when(reportStage('s1', UA, [side(UA, 10), side(RU, null, { approximate: true })], '2025-05-23'))
      .thenUnprocessable(['sides.1.approximate']);
    expect(e?.message).toContain('null');
  });

  it('given a breakdown of a count not disclosed, then unprocessable naming the breakdown', () => {
    givenReported(...AGREED)
      .when(reportStage('s1', UA, [side(RU, null, { breakdown: [{ kind: 'civilians', count: 5 }] })], '2025-05-23'))
      .thenUnprocessable(['sides.0.breakdown']);
  });

  it('given a count that is negative, fractional or past 10⁷, then each is named', () => {
    givenReported(...AGREED)
      .when(reportStage('s1', UA, [side(UA, -1), side(RU, 1.5)], '2025-05-23'))
      .thenUnprocessable(['sides.0.count', 'sides.1.count']);
    givenReported(...AGREED)
      .when(reportStage('s1', null, [side(UA, 10_000_000)], '2025-05-23'))
      .thenUnprocessable(['sides.0.count']);
  });

  it('given a reporter nobody registered, then unprocessable naming reportedBy', () => {
    const [e] = givenReported(...AGREED)
      .when(reportStage('s1', NOBODY, [side(UA, 1)], '2025-05-23'))
      .thenUnprocessable(['reportedBy']);
    expect(e?.message).toContain('not registered');
  });

  it('given an observer (registered in the same id space) as the reporter, then accepted', () => {
    givenReported(...AGREED)
      .when(reportStage('s1', UN, [side(UA, 1)], '2025-05-23'))
      .thenState();
  });

  it('given a side that is not a party of the exchange, or a party named twice, then each is named', () => {
    givenReported(...AGREED)
      .when(reportStage('s1', UA, [side(UA, 1), side(PL, 1), side(UA, 2)], '2025-05-23'))
      .thenUnprocessable(['sides.1.party', 'sides.2.party']);
  });

  it('given nobody handed over (all zero), then refused as before; a zero beside a count not disclosed is a stage', () => {
    const [e] = givenReported(...AGREED)
      .when(reportStage('s1', UA, [side(UA, 0), side(RU, 0)], '2025-05-23'))
      .thenUnprocessable(['sides']);
    expect(e?.message).toContain('at least one person');
    givenReported(...AGREED)
      .when(reportStage('s1', UA, [side(UA, 0), side(RU, null)], '2025-05-23'))
      .thenState();
  });

  it('given no sides at all, then unprocessable naming sides', () => {
    givenReported(...AGREED)
      .when(reportStage('s1', UA, [], '2025-05-23'))
      .thenUnprocessable(['sides']);
  });

  it('given a stage dated before the agreement, too, then every failing field at once', () => {
    givenReported(...AGREED)
      .when(reportStage('s1', NOBODY, [side(UA, null, { approximate: true })], '2025-05-15'))
      .thenUnprocessable(['occurredAt', 'reportedBy', 'sides.0.approximate']);
  });

  it('given an exchange that is only proposed, cancelled, or missing, then the status refusals of decide()', () => {
    const s = reportStage('s1', UA, [side(UA, 1)], '2025-05-23');
    givenReported(propose())
      .when(s)
      .thenRefused({
        kind: 'transition-not-allowed',
        status: 'proposed',
        action: 'recordStage',
        allowed: ['counter', 'agree', 'reject', 'withdraw'],
      });
    givenReported(...AGREED, cancel(UA, '2025-05-20'))
      .when(s)
      .thenRefused({ kind: 'transition-not-allowed', status: 'cancelled', allowed: [] });
    givenReported().when(s).thenRefused({ kind: 'exchange-not-found' });
  });
});

describe('a stage with several accounts (`accounts:[…]`)', () => {
  it('given UA’s and RU’s accounts of the June remains, then one StageReported with both, each with its own source', () => {
    const ua = account(UA, [side(RU, 6057)], source);
    const ru = account(RU, [side(RU, 6060), side(UA, 0)], { title: 'Medinsky' });
    givenReported(...AGREED)
      .when(reportAccounts('s1', [ua, ru], '2025-06-11'))
      .thenEmits([
        {
          type: 'StageReported',
          data: {
            exchangeId: id,
            stageId: 's1',
            afterCompletion: false,
            accounts: [
              // the first account is the stage's base: it names every side
              {
                reportedBy: UA,
                sides: [
                  { party: UA, count: 0, ...none },
                  { party: RU, count: 6057, ...none },
                ],
                source,
                note: null,
              },
              // a later one gives only what it says, in the exchange's side order
              {
                reportedBy: RU,
                sides: [
                  { party: UA, count: 0, ...none },
                  { party: RU, count: 6060, ...none },
                ],
                source: { title: 'Medinsky' },
                note: null,
              },
            ],
          },
          ...at('2025-06-11'),
        },
      ]);
  });

  it('given an account that gives one side only after the first, then only that side is kept for it', () => {
    const x = givenReported(...AGREED)
      .when(
        reportAccounts('s1', [account(RU, [side(UA, 84), side(RU, 84)]), account(UA, [side(RU, 84)])], '2025-05-23'),
      )
      .thenState();
    expect(x.stages[0]!.accounts[1]!.sides).toEqual([{ party: RU, count: 84, ...none }]);
  });

  it('given no account, then unprocessable naming accounts', () => {
    givenReported(...AGREED)
      .when(reportAccounts('s1', [], '2025-05-23'))
      .thenUnprocessable(['accounts']);
  });

  it('given an unattributed account, an unregistered reporter and a reporter twice, then each account’s reportedBy is named', () => {
    const accounts = [
      account(null, [side(UA, 1)]),
      account(NOBODY, [side(UA, 1)]),
      account(ICRC, [side(UA, 1)]),
      account(ICRC, [side(UA, 2)]),
    ];
    const errors = givenReported(...AGREED)
      .when(reportAccounts('s1', accounts, '2025-05-23'))
      .thenUnprocessable(['accounts.0.reportedBy', 'accounts.1.reportedBy', 'accounts.3.reportedBy']);
    expect(errors[2]?.message).toContain('twice');
  });

  it('given a bad breakdown in the second account and all zeros in the first, then both named by account', () => {
    const accounts = [
      account(UA, [side(UA, 0), side(RU, 0)]),
      account(RU, [side(RU, 5, { breakdown: [{ kind: 'pow', count: 6 }] })]),
    ];
    givenReported(...AGREED)
      .when(reportAccounts('s1', accounts, '2025-05-23'))
      .thenUnprocessable(['accounts.1.sides.0.breakdown', 'accounts.0.sides']);
  });
});

describe('a later account of a stage', () => {
  const STAGED = [...AGREED, stage('s1', { UA: 390, RU: 390 }, '2025-05-23')];

  it('given a stage recorded the old way, when ICRC adds its account of RU’s side, then StageAccountAdded with that side only, the source the event’s', () => {
    givenReported(...STAGED)
      .when(addAccount('s1', ICRC, [side(RU, 388, { approximate: true })], '2025-05-24', source))
      .thenEmits([
        {
          type: 'StageAccountAdded',
          data: {
            exchangeId: id,
            stageId: 's1',
            reportedBy: ICRC,
            sides: [{ party: RU, count: 388, approximate: true, breakdown: null }],
          },
          occurredAt: '2025-05-24',
          source,
          note: null,
        },
      ]);
  });

  it('given a later account, then nothing is replaced: the stage keeps both, delivered (the first account) stays, the version moves', () => {
    const x = givenReported(...STAGED)
      .when(addAccount('s1', ICRC, [side(RU, 388)], '2025-05-24'))
      .thenState();
    expect(x.stages[0]!.accounts.map((a) => a.reportedBy)).toEqual([null, ICRC]);
    expect(x.state.sides.map((s) => s.delivered)).toEqual([390, 390]);
    expect(x.state.version).toBe(4);
  });

  it('given the same reporter twice, then both accounts stay in the history', () => {
    const x = givenReported(...STAGED, addAccount('s1', UA, [side(RU, 380)], '2025-05-24'))
      .when(addAccount('s1', UA, [side(RU, 388)], '2025-05-25'))
      .thenState();
    expect(x.stages[0]!.accounts.map((a) => a.sides[0]!.count)).toEqual([390, 380, 388]);
  });

  it('given a stage of a cancelled exchange, then an account of it is still accepted (the stage still counts)', () => {
    givenReported(...STAGED, cancel(RU, '2025-05-26'))
      .when(addAccount('s1', UN, [side(UA, 390)], '2025-05-27'))
      .thenState();
  });

  it('given no such stage in this exchange (one of another exchange, say), then stage-not-found', () => {
    givenReported(...STAGED)
      .when(addAccount('stage-of-ex-2', ICRC, [side(RU, 1)], '2025-05-24'))
      .thenRefused({ kind: 'stage-not-found', stageId: 'stage-of-ex-2' });
  });

  it('given a voided stage, then stage-already-voided', () => {
    givenReported(...STAGED, voidStage('s1', '2025-05-24'))
      .when(addAccount('s1', ICRC, [side(RU, 1)], '2025-05-25'))
      .thenRefused({ kind: 'stage-already-voided', stageId: 's1' });
  });

  it('given no exchange, then exchange-not-found', () => {
    givenReported()
      .when(addAccount('s1', ICRC, [side(RU, 1)], '2025-05-25'))
      .thenRefused({ kind: 'exchange-not-found' });
  });

  it('given no reporter, then unprocessable naming reportedBy (a later account must say whose it is)', () => {
    givenReported(...STAGED)
      .when(addAccount('s1', null, [side(RU, 1)], '2025-05-24'))
      .thenUnprocessable(['reportedBy']);
  });

  it('given an account dated before its stage, an unregistered reporter and a stranger side, then every failing field', () => {
    const errors = givenReported(...STAGED)
      .when(addAccount('s1', NOBODY, [side(PL, 1)], '2025-05-22'))
      .thenUnprocessable(['occurredAt', 'reportedBy', 'sides.0.party']);
    expect(errors[0]?.message).toContain('2025-05-23');
  });

  it('given an account the same day as its stage, then accepted', () => {
    givenReported(...STAGED)
      .when(addAccount('s1', ICRC, [side(RU, 1)], '2025-05-23T18:00:00.000Z'))
      .thenState();
  });

  it('given an account dated too far ahead, then unprocessable naming occurredAt and the bound', () => {
    const [e] = givenReported(...STAGED)
      .when(addAccount('s1', ICRC, [side(RU, 1)], '2025-07-05'))
      .thenUnprocessable(['occurredAt']);
    expect(e?.message).toContain('2025-07-02T12:00:00.000Z');
  });
});

describe('accounts of the terms', () => {
  const RU_TERMS = termsAccount(RU, { RU: 6000, UA: 0 });
  const UA_TERMS = termsAccount(UA, { UA: 6000, RU: 6000 });
  const proposal = propose({
    kind: 'remains',
    proposedBy: RU,
    sides: terms({ UA: 0, RU: 6000 }),
    occurredAt: '2025-06-02',
  });

  it('given RU proposes 6,000 unilaterally and UA says 6,000 for 6,000, then ExchangeProposed as before, then TermsReported with both', () => {
    const outcome = givenReported().when(withTerms(proposal, [RU_TERMS, UA_TERMS]));
    const old = decide(proposal, null, { ...reportCtx, stages: [] });
    expect(old.ok).toBe(true);
    outcome.thenEmits([
      ...(old.ok ? old.value : []),
      {
        type: 'TermsReported',
        data: {
          exchangeId: id,
          accounts: [
            { ...RU_TERMS, sides: sidesOf({ UA: 0, RU: 6000 }) },
            { ...UA_TERMS, sides: sidesOf({ UA: 6000, RU: 6000 }) },
          ],
        },
        ...at('2025-06-02'),
      },
    ]);
  });

  it('given no terms accounts, then exactly what decide() decides', () => {
    const old = decide(proposal, null, { ...reportCtx, stages: [] });
    if (!old.ok) throw new Error('the proposal is valid');
    givenReported().when(withTerms(proposal, [])).thenEmits(old.value);
  });

  it('given an unregistered reporter, a reporter twice, a stranger side, no sides and a bad figure, then each is named', () => {
    const accounts = [
      termsAccount(NOBODY, { UA: 1 }),
      termsAccount(UA, { PL: 1 }),
      termsAccount(UA, { RU: 1 }),
      termsAccount(ICRC, {}),
      termsAccount(UN, { RU: -5 }),
    ];
    givenReported()
      .when(withTerms(proposal, accounts))
      .thenUnprocessable([
        'termsAccounts.0.reportedBy',
        'termsAccounts.1.sides.0.party',
        'termsAccounts.2.reportedBy',
        'termsAccounts.3.sides',
        'termsAccounts.4.sides.0.handsOver',
      ]);
  });

  it('given decide() finds fields failing too, then its errors come first, the accounts’ after, all at once', () => {
    givenReported()
      .when(withTerms(propose({ proposedBy: PL }), [termsAccount(NOBODY, { UA: 1 })]))
      .thenUnprocessable(['proposedBy', 'termsAccounts.0.reportedBy']);
  });

  it('given a counter by the wrong party, then decide()’s 409 stands, whatever the accounts', () => {
    givenReported(propose())
      .when(withTerms(counter(UA, terms({ UA: 1, RU: 1 }), '2025-05-17'), [termsAccount(NOBODY, { UA: 1 })]))
      .thenRefused({ kind: 'party-not-allowed', by: UA });
  });

  it('given a counter with accounts, then they stand; a counter without replaces them with none', () => {
    const countered = givenReported(propose())
      .when(withTerms(counter(RU, terms({ UA: 900, RU: 900 }), '2025-05-17'), [termsAccount(ICRC, { UA: 850 })]))
      .thenState();
    expect(countered.termsAccounts.map((a) => a.reportedBy)).toEqual([ICRC]);
    const again = givenReported(
      propose(),
      withTerms(counter(RU, terms({ UA: 900, RU: 900 }), '2025-05-17'), [termsAccount(ICRC, { UA: 850 })]),
    )
      .when(counter(UA, terms({ UA: 800, RU: 800 }), '2025-05-18'))
      .thenState();
    expect(again.termsAccounts).toEqual([]);
    // ICRC stays a reporter of the exchange (its reading of it now is FIRST's)
    expect(again.reporters).toEqual([ICRC]);
  });
});

describe('the old stages, read as accounts', () => {
  it('given a StageRecorded, then it is one unattributed account with its counts and the event’s source', () => {
    const event = {
      data: {
        sides: [
          { party: UA, count: 390 },
          { party: RU, count: 390 },
        ],
      },
      source,
      note: 'n',
    };
    expect(accountOfStageRecorded(event)).toEqual({
      reportedBy: null,
      sides: [
        { party: UA, count: 390, ...none },
        { party: RU, count: 390, ...none },
      ],
      source,
      note: 'n',
    });
  });

  it('given a StageState as the store keeps it, then a stage with one unattributed account, and back again unchanged', () => {
    const st = {
      id: 's1',
      sides: [
        { party: UA, count: 390 },
        { party: RU, count: 0 },
      ],
      occurredAt: '2025-05-23',
      recordedAt: '2025-06-01T00:00:00.000Z',
      voided: null,
    };
    const reported = reportedStageOf(st);
    expect(reported).toMatchObject({
      id: 's1',
      afterCompletion: false,
      accounts: [{ reportedBy: null, occurredAt: '2025-05-23' }],
    });
    expect(stageStateOf(reported)).toEqual(st);
  });
});

describe('disputed', () => {
  const first = account(UA, [side(UA, 0), side(RU, 6057)]);

  it('given UA counts 6,057 received and RU 6,060 handed over, then the stage is disputed on RU’s side', () => {
    const x = givenReported(...AGREED, reportAccounts('s1', [first, account(RU, [side(RU, 6060)])], '2025-06-11'))
      .exchange!;
    const view = stageView(x.stages[0]!, FIRST, [UA, RU]);
    expect(view).toMatchObject({ disputed: true, disputedParties: [RU] });
  });

  it('given the same count twice, a count not disclosed, or accounts of different sides, then not disputed', () => {
    expect(
      isDisputed([{ sides: [{ party: RU, count: 6057, ...none }] }, { sides: [{ party: RU, count: 6057, ...none }] }]),
    ).toBe(false);
    expect(
      isDisputed([{ sides: [{ party: RU, count: 6057, ...none }] }, { sides: [{ party: RU, count: null, ...none }] }]),
    ).toBe(false);
    expect(
      isDisputed([{ sides: [{ party: RU, count: 5, ...none }] }, { sides: [{ party: UA, count: 6, ...none }] }]),
    ).toBe(false);
  });

  it('given a later account that differs, then the stage becomes disputed', () => {
    const x = givenReported(
      ...AGREED,
      stage('s1', { UA: 390, RU: 390 }, '2025-05-23'),
      addAccount('s1', ICRC, [side(UA, 391)], '2025-05-24'),
    ).exchange!;
    expect(disputedParties(x.stages[0]!.accounts)).toEqual([UA]);
  });
});
