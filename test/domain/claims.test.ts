import { describe, expect, it } from 'vitest';
import {
  checkClaim,
  claimStreamId,
  claimWindow,
  decideClaim,
  type ClaimContext,
  type RecordClaim,
} from '../../src/domain/claims.js';
import { FIRST } from '../../src/domain/readings.js';
import { READING_ZERO, totalsUnder, type ReadingFigures } from '../../src/domain/reading-totals.js';
import {
  ICRC,
  RU,
  UA,
  agree,
  flatRows,
  givenReported,
  propose,
  reportStage,
  side,
  terms,
  addAccount,
} from './reported-given.js';

const ctx: ClaimContext = {
  now: '2025-07-01T12:00:00.000Z',
  registeredReporters: new Set([UA, RU, ICRC, 'Kommersant']),
  registeredParties: new Set([UA, RU]),
};
const kommersant = { title: 'Kommersant', url: 'https://example.org/k' };
/** "Russia has handed over 16,483 bodies since January 2025", Kommersant, 20 June 2025. */
const CLAIM: RecordClaim = {
  claimId: 'c1',
  reportedBy: 'Kommersant',
  party: RU,
  kind: 'remains',
  field: 'handedOver',
  from: '2025-01-01',
  to: null,
  value: 16483,
  occurredAt: '2025-06-20',
  source: kommersant,
  note: null,
};

describe('recording a claim', () => {
  it('given a sourced claim by a registered reporter, then ClaimRecorded with its window and value', () => {
    expect(decideClaim(CLAIM, ctx)).toEqual({
      ok: true,
      value: [
        {
          type: 'ClaimRecorded',
          data: {
            claimId: 'c1',
            reportedBy: 'Kommersant',
            party: RU,
            kind: 'remains',
            field: 'handedOver',
            from: '2025-01-01',
            to: null,
            value: 16483,
          },
          occurredAt: '2025-06-20',
          source: kommersant,
          note: null,
        },
      ],
    });
    expect(claimStreamId('c1')).toBe('claim:c1');
  });

  it('given an observer as the party, an unregistered reporter, a bad kind, field and value, and no source, then every field named', () => {
    const bad = {
      ...CLAIM,
      reportedBy: 'NOBODY',
      party: ICRC,
      kind: 'bodies' as 'remains',
      field: 'delivered' as 'received',
      value: -1,
      source: null,
    };
    const d = decideClaim(bad, ctx);
    expect(d.ok === false && d.rejection.kind === 'unprocessable' && d.rejection.errors.map((e) => e.path)).toEqual([
      'reportedBy',
      'party',
      'kind',
      'field',
      'value',
      'source',
    ]);
  });

  it('given a window that ends before it starts, or reaches past the day the claim was made, then named', () => {
    const d = decideClaim({ ...CLAIM, from: '2025-06-25', to: '2025-06-21' }, ctx);
    expect(d.ok === false && d.rejection.kind === 'unprocessable' && d.rejection.errors.map((e) => e.path)).toEqual([
      'from',
      'to',
      'to',
    ]);
  });

  it('given a claim dated too far ahead, then named; a window up to the claim’s own day is fine', () => {
    const d = decideClaim({ ...CLAIM, occurredAt: '2025-07-05' }, ctx);
    expect(d.ok === false && d.rejection.kind === 'unprocessable' && d.rejection.errors.map((e) => e.path)).toEqual([
      'occurredAt',
    ]);
    expect(decideClaim({ ...CLAIM, to: '2025-06-20' }, ctx).ok).toBe(true);
  });
});

describe('a claim beside the ledger', () => {
  it('given an open end, then the window closes at the end of the day the claim was made', () => {
    expect(claimWindow(CLAIM)).toEqual({
      party: RU,
      kind: 'remains',
      from: '2025-01-01',
      to: '2025-06-20T23:59:59.999Z',
    });
    expect(claimWindow({ ...CLAIM, from: null, to: '2025-03-31' })).toEqual({
      party: RU,
      kind: 'remains',
      to: '2025-03-31T23:59:59.999Z',
    });
  });

  it('given the ledger’s figures under each reading, then each with the difference, the undisclosed stages and the approximate part', () => {
    const f = (x: Partial<ReadingFigures>): ReadingFigures => ({ ...READING_ZERO, ...x });
    const figures = new Map([
      [FIRST, f({ handedOver: 16000, handedOverUndisclosedStages: 2 })],
      [UA, f({ handedOver: 15990, handedOverUndisclosedStages: 2 })],
      [ICRC, f({ handedOver: 16483, handedOverApproximate: 483 })],
      ['nobody-spoke', undefined],
    ]);
    expect(checkClaim(CLAIM, figures)).toEqual([
      { reading: FIRST, ledger: 16000, difference: 483, undisclosedStages: 2, approximate: 0 },
      { reading: UA, ledger: 15990, difference: 493, undisclosedStages: 2, approximate: 0 },
      { reading: ICRC, ledger: 16483, difference: 0, undisclosedStages: 0, approximate: 483 },
      { reading: 'nobody-spoke', ledger: 0, difference: 16483, undisclosedStages: 0, approximate: 0 },
    ]);
  });

  it('given a claim about what a party received, then its received figures are compared', () => {
    const figures = new Map([
      [FIRST, { ...READING_ZERO, received: 12, receivedUndisclosedStages: 1, receivedApproximate: 5, handedOver: 99 }],
    ]);
    expect(checkClaim({ field: 'received', value: 10 }, figures)).toEqual([
      { reading: FIRST, ledger: 12, difference: -2, undisclosedStages: 1, approximate: 5 },
    ]);
  });

  it('given a ledger with readings, then the claim is checked against each reading’s totals as a store would read them', () => {
    const s = givenReported(
      propose({ kind: 'remains', proposedBy: RU, sides: terms({ UA: 0, RU: 6000 }), occurredAt: '2025-06-02' }),
      agree(UA, '2025-06-02'),
      reportStage('s1', RU, [side(RU, 6060)], '2025-06-11'),
      addAccount('s1', UA, [side(RU, 6057)], '2025-06-12'),
    );
    const rows = flatRows(s.stream.rows);
    const figures = new Map(
      [FIRST, UA].map((r) => [r, totalsUnder(rows, r).find((c) => c.party === RU && c.kind === 'remains')]),
    );
    expect(
      checkClaim({ field: 'handedOver', value: 6060 }, figures).map((c) => [c.reading, c.ledger, c.difference]),
    ).toEqual([
      [FIRST, 6060, 0],
      [UA, 6057, 3],
    ]);
  });
});
