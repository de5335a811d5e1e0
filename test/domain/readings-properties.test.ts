import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type {
  BreakdownEntry,
  SideAccountInput,
  StageAccountInput,
  TermsAccountInput,
} from '../../src/domain/accounts.js';
import type { ExchangeCommand } from '../../src/domain/commands.js';
import { FIRST, type Filing, type Reading } from '../../src/domain/readings.js';
import {
  READING_FIGURE_NAMES,
  totalsUnder,
  type ReadingContribution,
  type ReadingRow,
  type Rows,
} from '../../src/domain/reading-totals.js';
import type { ReportCommand, StageReport } from '../../src/domain/reported-decide.js';
import { reportedEventsInForceAt } from '../../src/domain/reported-as-of.js';
import {
  REPORTED_EVENTS,
  type RecordedLedgerEvent,
  type ReportedExchangeEventData,
} from '../../src/domain/reported-events.js';
import {
  evolveReported,
  foldReported,
  readingsDelta,
  readingsOfOldExchange,
  readingsFromStages,
  reportedChangeOf,
  stageReadingRows,
  totalsOfExchanges,
  windowedTotals,
  type ReportedExchange,
  type ReportedSnapshot,
} from '../../src/domain/reported-exchange.js';
import { reportedCommandLength, reportedReplayRefusal } from '../../src/domain/reported-replay.js';
import { stageStateOf } from '../../src/domain/reported-stage.js';
import {
  FIGURE_NAMES,
  contributionOf,
  sumContributions,
  totalsDelta,
  type Contribution,
} from '../../src/domain/totals.js';
import { instantOf } from '../../src/domain/time.js';
import { KINDS, type Kind, type PartyId, type Terms } from '../../src/domain/vocabulary.js';
import {
  ICRC,
  NOBODY,
  PL,
  RU,
  UA,
  UN,
  addRows,
  decideAny,
  flatRows,
  reportCtx,
  toRecorded,
  type AnyCommand,
} from './reported-given.js';

/*
 * Random ledgers of three exchanges (UA–RU, RU–UA, UA–PL), their commands interleaved as they
 * would reach a store: proposals with accounts of the terms, counters, agreements,
 * cancellations, stages the old way and with accounts (attributed or not, counts not
 * disclosed, approximate, broken down by kind), later accounts, voids, completions with and
 * without a last tranche, and stages after completion; random reporters (parties, observers,
 * one nobody registered), random dates. Only accepted events are applied.
 *
 * After every command, as a store would: the reading rows are the running sum of every
 * command's deltas; they must equal, under every reading and both filings, the totals
 * recomputed from the whole fold of every exchange's events.
 */

type Recorded = RecordedLedgerEvent<ReportedExchangeEventData>;
const HOUR_MS = 60 * 60 * 1000;
const START = instantOf('2025-05-01T08:00:00.000Z');
const EXCHANGES: [PartyId, PartyId][] = [
  [UA, RU],
  [RU, UA],
  [UA, PL],
];
/** Every reading a client could ask for: the reporters, one that never reports, and FIRST. */
const READINGS: Reading[] = [FIRST, UA, RU, PL, ICRC, UN, 'silent'];
const FILINGS: Filing[] = ['kind', 'exchange'];

const kindArb = fc.constantFrom(...KINDS);
const countArb = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 400 }), weight: 6 },
  { arbitrary: fc.constant(0), weight: 1 },
);
const maybeCountArb = fc.oneof({ arbitrary: countArb, weight: 5 }, { arbitrary: fc.constant(null), weight: 1 });
const reporterArb = fc.constantFrom<string | null>(UA, RU, ICRC, UN, PL, null, UA, ICRC, RU, UN, NOBODY);
/** Mostly valid breakdowns (small parts), now and then one that sums past its count. */
const breakdownArb: fc.Arbitrary<BreakdownEntry[] | undefined> = fc.option(
  fc.array(
    fc.record({
      kind: kindArb,
      count: fc.oneof(
        { arbitrary: fc.integer({ min: 0, max: 40 }), weight: 5 },
        { arbitrary: fc.integer({ min: 0, max: 500 }), weight: 1 },
      ),
    }),
    { minLength: 1, maxLength: 2 },
  ),
  { nil: undefined, freq: 4 },
);
/** A side of an account: usually valid, sometimes not (a breakdown too big, approximate or broken down on null). */
const sideArb = (party: PartyId): fc.Arbitrary<SideAccountInput> =>
  fc
    .record({
      count: maybeCountArb,
      approximate: fc.oneof({ arbitrary: fc.constant(false), weight: 4 }, { arbitrary: fc.constant(true), weight: 1 }),
      breakdown: breakdownArb,
    })
    .map(({ count, approximate, breakdown }) => ({
      party,
      count,
      ...(approximate ? { approximate } : {}),
      ...(breakdown ? { breakdown } : {}),
    }));
/** Which sides an account gives (by index into the exchange's parties; 2 = a stranger). */
const sideIndexesArb = fc.oneof(
  { arbitrary: fc.subarray([0, 1], { minLength: 1 }), weight: 12 },
  { arbitrary: fc.constantFrom([], [0, 2]), weight: 1 },
);

interface AccountPlan {
  reportedBy: string | null;
  sides: { at: number; side: SideAccountInput }[];
}
const accountPlanArb: fc.Arbitrary<AccountPlan> = fc.record({
  reportedBy: reporterArb,
  sides: sideIndexesArb.chain((ix) => fc.tuple(...ix.map((at) => sideArb('?').map((side) => ({ at, side }))))),
});

const termsPlanArb = fc.array(
  fc.record({
    reportedBy: reporterArb,
    a: fc.option(maybeCountArb, { nil: undefined }),
    b: fc.option(maybeCountArb, { nil: undefined }),
  }),
  { maxLength: 2 },
);

interface When {
  hours: number;
  dateOnly: boolean;
}
const whenArb: fc.Arbitrary<When> = fc.record({
  hours: fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 40 }), weight: 6 },
    { arbitrary: fc.integer({ min: -30, max: 0 }), weight: 2 },
  ),
  dateOnly: fc.boolean(),
});

type Plan =
  | { action: 'counter'; by: 0 | 1; a: number | null; b: number | null; termsAccounts: TermsPlan }
  | { action: 'agree' | 'cancel'; by: 0 | 1 }
  | { action: 'oldStage'; a: number; b: number }
  | { action: 'stage'; account: AccountPlan }
  | { action: 'accounts'; accounts: AccountPlan[] }
  | { action: 'account'; ref: number; account: AccountPlan }
  | { action: 'void'; ref: number }
  | { action: 'complete'; tranche: null | AccountPlan[] };
type TermsPlan = { reportedBy: string | null; a?: number | null; b?: number | null }[];
type Step = { ex: number; at: When; plan: Plan };

const byArb = fc.constantFrom<0 | 1>(0, 1);
const planArb: fc.Arbitrary<Plan> = fc.oneof(
  {
    arbitrary: fc.record({
      action: fc.constant('counter' as const),
      by: byArb,
      a: maybeCountArb,
      b: maybeCountArb,
      termsAccounts: termsPlanArb,
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ action: fc.constant('agree' as const), by: byArb }), weight: 5 },
  { arbitrary: fc.record({ action: fc.constant('cancel' as const), by: byArb }), weight: 1 },
  { arbitrary: fc.record({ action: fc.constant('oldStage' as const), a: countArb, b: countArb }), weight: 3 },
  { arbitrary: fc.record({ action: fc.constant('stage' as const), account: accountPlanArb }), weight: 5 },
  {
    arbitrary: fc.record({
      action: fc.constant('accounts' as const),
      accounts: fc.array(accountPlanArb, { minLength: 1, maxLength: 3 }),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      action: fc.constant('account' as const),
      ref: fc.nat({ max: 12 }),
      account: accountPlanArb,
    }),
    weight: 6,
  },
  { arbitrary: fc.record({ action: fc.constant('void' as const), ref: fc.nat({ max: 12 }) }), weight: 4 },
  {
    arbitrary: fc.record({
      action: fc.constant('complete' as const),
      tranche: fc.option(fc.array(accountPlanArb, { minLength: 1, maxLength: 2 }), { nil: null }),
    }),
    weight: 3,
  },
);
const stepArb: fc.Arbitrary<Step> = fc.record({
  ex: fc.nat({ max: EXCHANGES.length - 1 }),
  at: whenArb,
  plan: planArb,
});

interface Proposal {
  kind: Kind;
  by: 0 | 1;
  a: number | null;
  b: number | null;
  termsAccounts: TermsPlan;
}
const proposalArb: fc.Arbitrary<Proposal> = fc.record({
  kind: kindArb,
  by: byArb,
  a: maybeCountArb,
  b: maybeCountArb,
  termsAccounts: termsPlanArb,
});

const provenance = { source: null, note: null } as const;

function accountOf(plan: AccountPlan, parties: readonly PartyId[]): StageAccountInput {
  const names = [...parties, PL === parties[1] ? RU : PL];
  return {
    reportedBy: plan.reportedBy,
    sides: plan.sides.map(({ at, side }) => ({ ...side, party: names[at]! })),
    source: { title: `by ${plan.reportedBy}` },
    note: null,
  };
}
const reportOf = (accounts: AccountPlan[], parties: readonly PartyId[]): StageReport => {
  const [only] = accounts;
  return accounts.length === 1 && only!.reportedBy === null
    ? { form: 'sides', reportedBy: null, sides: accountOf(only!, parties).sides }
    : { form: 'accounts', accounts: accounts.map((a) => accountOf(a, parties)) };
};
const termsOf = (plan: TermsPlan, parties: readonly PartyId[]): TermsAccountInput[] =>
  plan
    .filter((t) => t.reportedBy !== null)
    .map((t) => ({
      reportedBy: t.reportedBy!,
      sides: [[parties[0]!, t.a] as const, [parties[1]!, t.b] as const]
        .filter(([, n]) => n !== undefined)
        .map(([party, handsOver]) => ({ party, handsOver: handsOver! })),
      source: null,
      note: null,
    }));

interface Book {
  exchanges: (ReportedExchange | null)[];
  snapshots: (ReportedSnapshot | null)[];
  histories: Recorded[][];
  /** The maintained reading rows, one set per filing, and the old totals. */
  rows: Record<Filing, Map<Reading, Rows>>;
  /** The dated rows of every stage, replaced whenever a command changes the stage. */
  stageRows: Map<string, { occurredAt: string; rows: ReadingRow[] }>;
  oldTotals: Contribution[];
  sequence: number;
}

const seen = new Set<string>();

function command(
  step: Step,
  exchange: ReportedExchange,
  parties: [PartyId, PartyId],
  cursor: number,
  fresh: () => string,
): AnyCommand {
  const iso = new Date(cursor + step.at.hours * HOUR_MS).toISOString();
  const p = { occurredAt: step.at.dateOnly ? iso.slice(0, 10) : iso, ...provenance };
  const plan = step.plan;
  const stageIds = exchange.stages.map((s) => s.id);
  const ref = (n: number) => stageIds[n % (stageIds.length + 1)] ?? 'no-such-stage';
  switch (plan.action) {
    case 'counter': {
      const sides: Terms[] = [
        { party: parties[0], handsOver: plan.a },
        { party: parties[1], handsOver: plan.b },
      ];
      const c: ExchangeCommand = { action: 'counter', by: parties[plan.by], sides, ...p };
      const termsAccounts = termsOf(plan.termsAccounts, parties);
      return termsAccounts.length ? { ...c, termsAccounts } : c;
    }
    case 'agree':
    case 'cancel':
      return {
        action: plan.action,
        by: parties[plan.by],
        ...(plan.action === 'cancel' ? { reason: null } : {}),
        ...p,
      } as ExchangeCommand;
    case 'oldStage':
      return {
        action: 'recordStage',
        stageId: fresh(),
        sides: [
          { party: parties[0], count: plan.a },
          { party: parties[1], count: plan.b },
        ],
        ...p,
      };
    case 'stage': {
      const a = accountOf(plan.account, parties);
      return {
        action: 'recordStage',
        stageId: fresh(),
        report: { form: 'sides', reportedBy: a.reportedBy, sides: a.sides },
        ...p,
      };
    }
    case 'accounts':
      return { action: 'recordStage', stageId: fresh(), report: reportOf(plan.accounts, parties), ...p };
    case 'account': {
      const a = accountOf(plan.account, parties);
      return {
        action: 'addAccount',
        stageId: ref(plan.ref),
        reportedBy: a.reportedBy,
        sides: a.sides,
        ...p,
        source: a.source,
      };
    }
    case 'void':
      return { action: 'voidStage', stageId: ref(plan.ref), reason: 'wrong', ...p };
    case 'complete':
      return {
        action: 'complete',
        stageId: fresh(),
        report: plan.tranche === null ? null : reportOf(plan.tranche, parties),
        ...p,
      } as ReportCommand;
  }
}

/** The stages the shell would load for a command: the one it names, or the live ones for a completion. */
function concernedBy(c: AnyCommand, x: ReportedExchange) {
  if (c.action === 'voidStage' || c.action === 'addAccount') return x.stages.filter((s) => s.id === c.stageId);
  if (c.action === 'complete') return x.stages.filter((s) => !s.voided);
  return [];
}

function apply(book: Book, i: number, c: AnyCommand): boolean {
  const x = book.exchanges[i] ?? null;
  const decision = decideAny(c, x);
  if (x !== null) {
    // The shell decides with the stages it loads, not all of them: the same decision.
    const { stages: _all, ...rest } = x;
    expect(decideAny(c, { ...rest, stages: concernedBy(c, x) })).toEqual(decision);
  }
  if (!decision.ok) {
    seen.add(`refused ${decision.rejection.kind}`);
    return false;
  }
  const before = book.snapshots[i] ?? null;
  const recorded = decision.value.map((e, j) => toRecorded(e, ++book.sequence, (x?.state.version ?? 0) + j + 1));
  const change = reportedChangeOf(before, recorded, x ? concernedBy(c, x) : [], 'kind');
  addRows(book.rows.kind, change.rows);
  addRows(book.rows.exchange, readingsDelta(before, change, change.stages, 'exchange'));
  book.oldTotals.push(...totalsDelta(before?.state ?? null, change.state));
  for (const { after } of change.stages)
    book.stageRows.set(after.id, { occurredAt: after.occurredAt, rows: stageReadingRows(after, change.state) });
  let folded = x;
  for (const e of recorded) folded = evolveReported(folded, e);
  book.exchanges[i] = folded;
  book.snapshots[i] = { state: change.state, readings: change.readings };
  book.histories[i]!.push(...recorded);
  // The incremental exchange is the fold's.
  expect(change.state).toEqual(folded!.state);
  expect(change.readings).toEqual(readingsFromStages(folded!));
  for (const e of recorded) {
    seen.add(e.type);
    const accounts = e.type === 'StageReported' ? e.data.accounts : e.type === 'StageAccountAdded' ? [e.data] : [];
    for (const s of accounts.flatMap((a) => a.sides)) {
      if (s.count === null) seen.add('null count');
      if (s.approximate) seen.add('approximate');
      if (s.breakdown) seen.add('breakdown');
    }
    if (e.type === 'StageReported' && e.data.afterCompletion) seen.add('afterCompletion');
    if (e.type === 'StageReported' && e.data.accounts.length > 1) seen.add('several accounts');
  }
  return true;
}

const nonZeroRows = (rows: ReadingContribution[]) => rows.filter((r) => READING_FIGURE_NAMES.some((f) => r[f] !== 0));

function checkTotals(book: Book, filings: readonly Filing[] = FILINGS): void {
  const exchanges = book.exchanges.filter((x): x is ReportedExchange => x !== null);
  for (const filing of filings) {
    const flat: ReadingRow[] = flatRows(book.rows[filing]);
    for (const r of READINGS)
      expect(totalsUnder(flat, r)).toEqual(nonZeroRows(totalsOfExchanges(exchanges, r, filing)));
  }
  // The old totals (the table a store keeps today) are the FIRST reading filed by the exchange's kind.
  const old = [...sumContributions(book.oldTotals).values()].filter((c) => FIGURE_NAMES.some((f) => c[f] !== 0));
  const expected = [...sumContributions(exchanges.flatMap((x) => contributionOf(x.state))).values()].filter((c) =>
    FIGURE_NAMES.some((f) => c[f] !== 0),
  );
  expect(new Map(old.map((c) => [`${c.party}/${c.kind}`, c]))).toEqual(
    new Map(expected.map((c) => [`${c.party}/${c.kind}`, c])),
  );
  const firstByExchange = totalsUnder(flatRows(book.rows.exchange), FIRST);
  for (const c of expected) {
    const f = firstByExchange.find((r) => r.party === c.party && r.kind === c.kind);
    for (const name of FIGURE_NAMES) expect(f?.[name] ?? 0).toBe(c[name]);
  }
}

function runLedger(proposals: Proposal[], steps: Step[]): void {
  const book: Book = {
    exchanges: EXCHANGES.map(() => null),
    snapshots: EXCHANGES.map(() => null),
    histories: EXCHANGES.map(() => []),
    rows: { kind: new Map(), exchange: new Map() },
    stageRows: new Map(),
    oldTotals: [],
    sequence: 0,
  };
  let n = 0;
  let cursor = START;
  EXCHANGES.forEach((parties, i) => {
    const pr = proposals[i]!;
    const propose: ExchangeCommand = {
      action: 'propose',
      exchangeId: `ex-${i}`,
      kind: pr.kind,
      proposedBy: parties[pr.by],
      title: null,
      mediator: null,
      sides: [
        { party: parties[0], handsOver: pr.a },
        { party: parties[1], handsOver: pr.b },
      ],
      occurredAt: new Date(START).toISOString(),
      ...provenance,
    };
    const termsAccounts = termsOf(pr.termsAccounts, parties);
    apply(book, i, termsAccounts.length ? { ...propose, termsAccounts } : propose);
  });
  for (const step of steps) {
    const x = book.exchanges[step.ex];
    if (!x) continue;
    const c = command(step, x, EXCHANGES[step.ex]!, cursor, () => `st-${++n}`);
    if (apply(book, step.ex, c)) cursor = Math.max(cursor, instantOf(c.occurredAt));
    checkTotals(book, ['kind']);
  }
  checkTotals(book);
  // Bounded by a window, from the maintained rows and the dated stage rows, as a store answers from/to.
  const exchanges = book.exchanges.filter((x): x is ReportedExchange => x !== null);
  const flat = flatRows(book.rows.kind);
  for (const window of [
    { from: '2025-05-02' },
    { to: '2025-05-03T12:00:00.000Z' },
    { from: '2025-05-02T06:00:00.000Z', to: '2025-05-04' },
  ]) {
    for (const r of READINGS)
      expect(windowedTotals(flat, book.stageRows.values(), r, window)).toEqual(
        totalsOfExchanges(exchanges, r, 'kind', window),
      );
  }
  // An exchange of old events only has the readings its state alone gives (what a migration fills in).
  book.histories.forEach((history, i) => {
    if (history.length > 0 && history.every((e) => !REPORTED_EVENTS.has(e.type))) {
      expect(readingsOfOldExchange(book.snapshots[i]!.state)).toEqual(book.snapshots[i]!.readings);
    }
  });
  // Every command's events replay through the rules that accepted them.
  for (const history of book.histories) {
    let done: Recorded[] = [];
    for (let k = 0; k < history.length; ) {
      const len = reportedCommandLength(history.slice(k));
      const group = history.slice(k, k + len);
      const before = foldReported(done);
      expect(
        reportedReplayRefusal(group, before?.state ?? null, { ...reportCtx, stages: before?.stages ?? [] }),
      ).toBeNull();
      done = [...done, ...group];
      k += len;
    }
    // As of any time, the events in force fold without error, delivered the first accounts' sum.
    for (const e of history.filter((_, k) => k % 3 === 0)) {
      const asOf = foldReported(
        reportedEventsInForceAt(history, e.occurredAt.length === 10 ? `${e.occurredAt}T12:00:00.000Z` : e.occurredAt),
      );
      if (!asOf) continue;
      for (const side of asOf.state.sides) {
        const live = asOf.stages.filter((st) => !st.voided).map(stageStateOf);
        expect(side.delivered).toBe(
          live.reduce((acc, st) => acc + (st.sides.find((h) => h.party === side.party)?.count ?? 0), 0),
        );
      }
    }
  }
}

const at = (hours: number): When => ({ hours, dateOnly: false });
const said = (reportedBy: string | null, ...sides: [number, Omit<SideAccountInput, 'party'>][]): AccountPlan => ({
  reportedBy,
  sides: sides.map(([i, side]) => ({ at: i, side: { party: '?', ...side } })),
});
/** One ledger that reaches every feature, so that each run covers them whatever the random ones do. */
const EVERYTHING: [Proposal[], Step[]] = [
  [
    { kind: 'remains', by: 1, a: 0, b: 6000, termsAccounts: [{ reportedBy: UA, a: 6000, b: 6000 }] },
    { kind: 'pow', by: 0, a: 100, b: 100, termsAccounts: [] },
    { kind: 'civilians', by: 0, a: 10, b: null, termsAccounts: [] },
  ],
  [
    { ex: 0, at: at(1), plan: { action: 'agree', by: 0 } },
    {
      ex: 0,
      at: at(1),
      plan: {
        action: 'accounts',
        accounts: [
          said(RU, [1, { count: 1212 }], [0, { count: 27 }]),
          said(UA, [1, { count: 1200, approximate: true }]),
        ],
      },
    },
    { ex: 0, at: at(1), plan: { action: 'stage', account: said(null, [1, { count: null }]) } },
    {
      ex: 0,
      at: at(1),
      plan: {
        action: 'account',
        ref: 1,
        account: said(ICRC, [1, { count: 900, breakdown: [{ kind: 'pow', count: 10 }] }]),
      },
    },
    { ex: 0, at: at(1), plan: { action: 'account', ref: 1, account: said(NOBODY, [1, { count: 1 }]) } },
    { ex: 0, at: at(1), plan: { action: 'oldStage', a: 0, b: 5 } },
    { ex: 0, at: at(1), plan: { action: 'account', ref: 3, account: said(UN, [1, { count: 1 }]) } },
    { ex: 0, at: at(1), plan: { action: 'void', ref: 2 } },
    { ex: 2, at: at(1), plan: { action: 'void', ref: 0 } },
    { ex: 0, at: at(1), plan: { action: 'complete', tranche: null } },
    { ex: 0, at: at(24), plan: { action: 'stage', account: said(null, [1, { count: 3 }]) } },
    {
      ex: 1,
      at: at(1),
      plan: { action: 'counter', by: 1, a: 90, b: 90, termsAccounts: [{ reportedBy: ICRC, a: 80 }] },
    },
    { ex: 1, at: at(1), plan: { action: 'agree', by: 0 } },
    {
      ex: 1,
      at: at(1),
      plan: { action: 'complete', tranche: [said(UN, [0, { count: 90 }]), said(RU, [0, { count: 91 }])] },
    },
  ],
];

describe('random ledgers with accounts, readings and late stages', () => {
  it('given any interleaving of commands on three exchanges, then every reading’s rows equal a fold of the events', () => {
    fc.assert(
      fc.property(
        fc.tuple(proposalArb, proposalArb, proposalArb),
        fc.array(stepArb, { minLength: 1, maxLength: 45, size: 'max' }),
        (proposals, steps) => runLedger(proposals, steps),
      ),
      {
        numRuns: 30,
        examples: [[EVERYTHING[0] as [Proposal, Proposal, Proposal], EVERYTHING[1]]],
      },
    );
    // The generator is not vacuous: every new event and every feature of an account was accepted somewhere.
    for (const s of [
      'StageRecorded',
      'StageReported',
      'StageAccountAdded',
      'TermsReported',
      'StageVoided',
      'ExchangeCompleted',
      'afterCompletion',
      'null count',
      'approximate',
      'breakdown',
      'several accounts',
      'refused unprocessable',
      'refused stage-not-found',
      'refused transition-not-allowed',
    ])
      expect(seen).toContain(s);
  });
});
