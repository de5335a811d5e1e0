import { describe, expect, it } from 'vitest';
import { behind, mayAdd } from '../../web/figures.js';
import { lastPossibleMonth, monthBounds, monthlyHandovers, monthsFromTo, narrowed } from '../../web/months.js';
import type { Exchange, Totals } from '../../web/types.js';

/* The page's own arithmetic, without a browser: month bounds, the chart's series, what an exchange adds to a figure. */

describe('months', () => {
  it('run from one month to another across years, both included', () => {
    expect(monthsFromTo('2024-11', '2025-02')).toEqual(['2024-11', '2024-12', '2025-01', '2025-02']);
    expect(monthsFromTo('2025-05', '2025-05')).toEqual(['2025-05']);
    expect(monthsFromTo('2025-06', '2025-05')).toEqual([]);
  });

  it('are bounded by their first and last day, leap years included', () => {
    expect(monthBounds('2024-02')).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(monthBounds('2025-02')).toEqual({ from: '2025-02-01', to: '2025-02-28' });
    expect(monthBounds('2025-12')).toEqual({ from: '2025-12-01', to: '2025-12-31' });
  });

  it('end where a stage may still lie: a day after the last recording', () => {
    expect(lastPossibleMonth({ recordedAt: '2025-05-31T08:00:00.000Z' })).toBe('2025-06');
    expect(lastPossibleMonth({ recordedAt: '2025-05-30T08:00:00.000Z' })).toBe('2025-05');
    expect(lastPossibleMonth({ recordedAt: null })).toBeNull();
  });
});

const row = (party: string, kind: Totals['kind'], handedOver: number): Totals => ({
  party,
  kind,
  handedOver,
  received: 0,
  agreedOutstanding: 0,
  unspecifiedSides: 0,
  proposed: 0,
  handedOverUndisclosedStages: 0,
  receivedUndisclosedStages: 0,
  handedOverApproximate: 0,
  receivedApproximate: 0,
});

describe('the chart’s series', () => {
  const months = ['2025-04', '2025-05', '2025-06', '2025-07', '2025-08'];
  const perMonth = [
    [row('UA', 'pow', 0)],
    [row('UA', 'pow', 390), row('RU', 'pow', 390)],
    [],
    [row('RU', 'remains', 1212)],
    [row('UA', 'pow', 0)],
  ];

  it('keep the months from the first to the last handover, and the series that hand anything over', () => {
    expect(monthlyHandovers(months, perMonth)).toEqual({
      months: ['2025-05', '2025-06', '2025-07'],
      series: [
        { party: 'RU', kind: 'pow', values: [390, 0, 0] },
        { party: 'RU', kind: 'remains', values: [0, 0, 1212] },
        { party: 'UA', kind: 'pow', values: [390, 0, 0] },
      ],
    });
  });

  it('narrow to a party or a kind, trimmed again', () => {
    const all = monthlyHandovers(months, perMonth);
    expect(narrowed(all, 'UA', null)).toEqual({
      months: ['2025-05'],
      series: [{ party: 'UA', kind: 'pow', values: [390] }],
    });
    expect(narrowed(all, null, 'remains').months).toEqual(['2025-07']);
    expect(narrowed(all, 'UA', 'remains')).toEqual({ months: [], series: [] });
  });
});

type Side = Exchange['sides'][number];
/** A side as the page's tests give it: the figures the page reads; the readings' extras are zero. */
type GivenSide = Omit<Side, 'undisclosedStages' | 'approximate'>;

const exchange = ({ sides, ...o }: Omit<Partial<Exchange>, 'sides'> & { sides?: GivenSide[] }): Exchange => ({
  id: 'e',
  kind: 'pow',
  status: 'agreed',
  proposedBy: 'UA',
  title: null,
  mediator: null,
  reading: null,
  reporters: [],
  termsAccounts: [],
  occurredAt: '2025-05-01',
  agreedAt: '2025-05-02',
  createdAt: '',
  updatedAt: '',
  version: 1,
  allowedTransitions: [],
  stages: [],
  sides: (
    sides ?? [
      { party: 'UA', handsOver: 100, delivered: 0, variance: -100 },
      { party: 'RU', handsOver: 80, delivered: 0, variance: -80 },
    ]
  ).map((side) => ({ ...side, undisclosedStages: 0, approximate: 0 })),
  ...o,
});
const side = (party: string, count: number) => ({ party, count, approximate: false, breakdown: null });
const stage = (id: string, occurredAt: string, ua: number, ru: number, voided = false) => ({
  id,
  occurredAt,
  recordedAt: '',
  sides: [
    { ...side('UA', ua), reportedBy: null },
    { ...side('RU', ru), reportedBy: null },
  ],
  voided: voided ? { occurredAt, recordedAt: '', reason: 'twice' } : null,
  afterCompletion: false,
  accounts: [
    {
      reportedBy: null,
      sides: [side('UA', ua), side('RU', ru)],
      source: null,
      note: null,
      occurredAt,
      recordedAt: '',
    },
  ],
  disputed: false,
  disputedParties: [],
});

describe('what an exchange adds to a figure', () => {
  const e = exchange({
    stages: [
      stage('a', '2025-05-23', 30, 20),
      stage('b', '2025-06-01T00:30:00.000Z', 10, 5),
      stage('c', '2025-06-02', 10, 5, true),
    ],
    sides: [
      { party: 'UA', handsOver: 100, delivered: 40, variance: -60 },
      { party: 'RU', handsOver: 80, delivered: 25, variance: -55 },
    ],
  });

  it('handed over and received: the sum of its stages not voided, in the month when one is asked', () => {
    expect(behind('handedOver', e, 'UA').value).toBe(40);
    expect(behind('received', e, 'UA').value).toBe(25);
    const june = behind('handedOver', e, 'UA', '2025-06');
    expect(june.value).toBe(10);
    expect(june.stages.map((s) => [s.stage.id, s.counted])).toEqual([
      ['b', 10],
      ['c', null],
    ]);
    expect(behind('handedOver', e, 'UA', '2025-07').relevant).toBe(false);
  });

  it('agreed, outstanding and proposed: the ledger’s own rule', () => {
    expect(behind('agreedOutstanding', e, 'UA')).toMatchObject({ value: 60, unspecified: 0, relevant: true });
    expect(
      behind(
        'agreedOutstanding',
        exchange({
          sides: [
            { party: 'UA', handsOver: null, delivered: 0, variance: null },
            { party: 'RU', handsOver: 1, delivered: 0, variance: -1 },
          ],
        }),
        'UA',
      ),
    ).toMatchObject({ value: 0, unspecified: 1 });
    expect(behind('proposed', exchange({ status: 'proposed' }), 'RU')).toMatchObject({ value: 80, relevant: true });
    expect(behind('proposed', e, 'RU').relevant).toBe(false);
    const delivered = exchange({
      sides: [
        { party: 'UA', handsOver: 10, delivered: 12, variance: 2 },
        { party: 'RU', handsOver: 10, delivered: 10, variance: 0 },
      ],
    });
    expect(behind('agreedOutstanding', delivered, 'UA'), 'nothing outstanding: not behind the figure').toMatchObject({
      value: 0,
      relevant: false,
    });
  });
});

describe('which listed exchanges are read in full', () => {
  const listed = (o: Parameters<typeof exchange>[0]) => {
    const { stages: _, ...summary } = exchange(o);
    return summary;
  };
  const sides = (ua: number, ru: number) => [
    { party: 'UA', handsOver: 10, delivered: ua, variance: ua - 10 },
    { party: 'RU', handsOver: 10, delivered: ru, variance: ru - 10 },
  ];

  it('for a stage figure: those with something delivered by the side it counts, agreed by the month asked', () => {
    expect(mayAdd('handedOver', listed({ sides: sides(5, 0) }), 'UA')).toBe(true);
    expect(mayAdd('handedOver', listed({ sides: sides(0, 5) }), 'UA')).toBe(false);
    expect(mayAdd('received', listed({ sides: sides(0, 5) }), 'UA')).toBe(true);
    expect(
      mayAdd('handedOver', listed({ sides: sides(5, 0), agreedAt: '2025-06-30T23:00:00.000Z' }), 'UA', '2025-06'),
    ).toBe(true);
    expect(mayAdd('handedOver', listed({ sides: sides(5, 0), agreedAt: '2025-07-01' }), 'UA', '2025-06')).toBe(false);
  });

  it('for the other figures: those that add to it', () => {
    expect(mayAdd('agreedOutstanding', listed({ sides: sides(5, 0) }), 'UA')).toBe(true);
    expect(mayAdd('agreedOutstanding', listed({ sides: sides(10, 0) }), 'UA')).toBe(false);
    expect(mayAdd('proposed', listed({ status: 'proposed' }), 'UA')).toBe(true);
  });
});
