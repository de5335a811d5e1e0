import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DecisionContext, ExchangeCommand } from '../../src/domain/commands.js';
import { decide } from '../../src/domain/decide.js';
import { eventsInForceAt } from '../../src/domain/as-of.js';
import { evolveState, fold, type Exchange, type ExchangeState } from '../../src/domain/exchange.js';
import { DAY_MS, instantOf, precedes } from '../../src/domain/time.js';
import {
  FIGURE_NAMES,
  contributionOf,
  sumContributions,
  totalsDelta,
  type Contribution,
} from '../../src/domain/totals.js';
import { ACTOR, TIMED_TRANSITIONS, TRANSITIONS, allowedActions } from '../../src/domain/transitions.js';
import {
  ACTIONS,
  KINDS,
  MAX_COUNT,
  STATUSES,
  type Action,
  type Handover,
  type PartyId,
  type Status,
  type Terms,
} from '../../src/domain/vocabulary.js';
import { PL, RU, Stream, UA, XX, contextAt, withStagesOf } from './given.js';

/*
 * Random lives of one exchange between UA and RU: a valid proposal, then a random sequence of
 * commands of every action, by UA, RU or a stranger, with random counts (0 included), random
 * world times (dates and instants, a few too far in the future) and random stage references.
 * Only accepted events are applied.
 */

const NOW = '2025-06-15T12:00:00.000Z';
const context: DecisionContext = contextAt(NOW, [UA, RU, PL]);
const START = '2025-05-14T09:00:00.000Z';
const HOUR_MS = 60 * 60 * 1000;

const provenance = { source: null, note: null } as const;

/**
 * World time of a command, relative to a cursor that follows the accepted commands: mostly a
 * little later, sometimes earlier (late reports, back-filling, mistakes), now and then far
 * ahead (beyond the future bound); as a bare date or as an instant.
 */
interface When {
  hours: number;
  dateOnly: boolean;
}
const whenArb: fc.Arbitrary<When> = fc.record({
  hours: fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 72 }), weight: 6 },
    { arbitrary: fc.integer({ min: -72, max: 0 }), weight: 3 },
    { arbitrary: fc.integer({ min: 24 * 30, max: 24 * 60 }), weight: 1 },
  ),
  dateOnly: fc.boolean(),
});
const timeOf = (cursor: number, w: When): string => {
  const iso = new Date(cursor + w.hours * HOUR_MS).toISOString();
  return w.dateOnly ? iso.slice(0, 10) : iso;
};

const countArb = fc.oneof(
  { arbitrary: fc.constant(0), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 500 }), weight: 5 },
  { arbitrary: fc.integer({ min: 0, max: MAX_COUNT }), weight: 1 },
);
const handsOverArb = fc.oneof({ arbitrary: fc.constant(null), weight: 1 }, { arbitrary: countArb, weight: 4 });
const byArb = fc.constantFrom(UA, RU, UA, RU, PL);

const exchangeTermsArb: fc.Arbitrary<Terms[]> = fc
  .tuple(handsOverArb, handsOverArb, fc.boolean())
  .map(([a, b, swap]) =>
    swap
      ? [
          { party: RU, handsOver: b },
          { party: UA, handsOver: a },
        ]
      : [
          { party: UA, handsOver: a },
          { party: RU, handsOver: b },
        ],
  );
const termsArb: fc.Arbitrary<Terms[]> = fc.oneof(
  { arbitrary: exchangeTermsArb, weight: 6 },
  {
    arbitrary: fc.array(fc.record({ party: fc.constantFrom(UA, RU, PL, XX), handsOver: handsOverArb }), {
      minLength: 0,
      maxLength: 3,
    }),
    weight: 1,
  },
);
const handoversArb: fc.Arbitrary<Handover[]> = fc.oneof(
  {
    arbitrary: fc
      .subarray([UA, RU], { minLength: 1 })
      .chain((ps) => fc.tuple(...ps.map((p) => countArb.map((count) => ({ party: p, count }))))),
    weight: 6,
  },
  {
    arbitrary: fc.array(fc.record({ party: fc.constantFrom(UA, RU, PL), count: countArb }), {
      minLength: 0,
      maxLength: 3,
    }),
    weight: 1,
  },
);

/** A command before stage ids are resolved against the stages recorded so far. */
type Plan =
  | { action: 'counter'; by: PartyId; sides: Terms[]; at: When }
  | { action: 'agree'; by: PartyId; at: When }
  | { action: 'reject' | 'withdraw' | 'cancel'; by: PartyId; at: When }
  | { action: 'recordStage'; sides: Handover[]; at: When }
  | { action: 'voidStage'; ref: number; at: When }
  | { action: 'complete'; sides: Handover[] | null; at: When };

const planArb: fc.Arbitrary<Plan> = fc.oneof(
  {
    arbitrary: fc.record({ action: fc.constant('counter' as const), by: byArb, sides: termsArb, at: whenArb }),
    weight: 3,
  },
  { arbitrary: fc.record({ action: fc.constant('agree' as const), by: byArb, at: whenArb }), weight: 4 },
  {
    arbitrary: fc.record({
      action: fc.constantFrom('reject' as const, 'withdraw' as const, 'cancel' as const),
      by: byArb,
      at: whenArb,
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({ action: fc.constant('recordStage' as const), sides: handoversArb, at: whenArb }),
    weight: 8,
  },
  {
    arbitrary: fc.record({ action: fc.constant('voidStage' as const), ref: fc.nat({ max: 20 }), at: whenArb }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      action: fc.constant('complete' as const),
      sides: fc.option(handoversArb, { nil: null }),
      at: whenArb,
    }),
    weight: 1,
  },
);

const proposalArb: fc.Arbitrary<ExchangeCommand> = fc
  .record({
    kind: fc.constantFrom(...KINDS),
    proposedBy: fc.constantFrom(UA, RU),
    sides: exchangeTermsArb,
    at: fc.constantFrom(START.slice(0, 10), START),
  })
  .map(({ kind, proposedBy, sides, at }) => ({
    action: 'propose',
    exchangeId: 'ex-p',
    kind,
    proposedBy,
    sides,
    title: null,
    mediator: null,
    occurredAt: at,
    ...provenance,
  }));

interface ModelStage {
  counts: Map<PartyId, number>;
  voided: boolean;
}

/** Turn a plan into a command: fresh ids for new stages, existing (or unknown) ids for voids. */
function resolve(plan: Plan, cursor: number, stageIds: readonly string[], fresh: () => string): ExchangeCommand {
  const p = { occurredAt: timeOf(cursor, plan.at), ...provenance };
  switch (plan.action) {
    case 'counter':
      return { action: 'counter', by: plan.by, sides: plan.sides, ...p };
    case 'agree':
      return { action: 'agree', by: plan.by, ...p };
    case 'reject':
    case 'withdraw':
    case 'cancel':
      return { action: plan.action, by: plan.by, reason: null, ...p };
    case 'recordStage':
      return { action: 'recordStage', stageId: fresh(), sides: plan.sides, ...p };
    case 'voidStage': {
      const i = plan.ref % (stageIds.length + 1);
      return { action: 'voidStage', stageId: stageIds[i] ?? 'no-such-stage', reason: 'wrong', ...p };
    }
    case 'complete':
      return { action: 'complete', stageId: fresh(), sides: plan.sides, ...p };
  }
}

function deepFreeze<T>(o: T): T {
  if (o !== null && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/** Rows with at least one non-zero figure, keyed by party and kind. */
function nonZero(rows: Map<string, Contribution>): Record<string, Contribution> {
  return Object.fromEntries([...rows].filter(([, r]) => FIGURE_NAMES.some((f) => r[f] !== 0)));
}

const seen = {
  accepted: new Set<Action>(),
  refusedKinds: new Set<string>(),
  statuses: new Set<Status>(),
  asOfStatuses: new Set<Status>(),
};

function runLife(proposal: ExchangeCommand, plans: readonly Plan[]): void {
  const stream = new Stream();
  const first = stream.run(proposal, context);
  const parties = first.sides.map((s) => s.party);
  const model = new Map<string, ModelStage>();
  const handsOver = new Map<PartyId, number | null>(first.sides.map((s) => [s.party, s.handsOver]));
  const deltas: Contribution[] = [...totalsDelta(null, first)];
  let n = 0;
  let cursor = instantOf(START);

  for (const plan of plans) {
    const before = deepFreeze(stream.state!);
    const snapshot = structuredClone(before);
    const command = resolve(plan, cursor, [...model.keys()], () => `st-${++n}`);
    const action = command.action as Action;
    const target = TRANSITIONS[before.status][action];
    // A frozen state: any mutation by the decider (or, below, by evolve) throws.
    const decision = decide(command, before, withStagesOf(before, context));
    // The store decides on the state without stages and only the stages the command concerns
    // (a void's, or the live ones for a completion): the decision must be the same.
    const { stages: allStages, ...summary } = before;
    const concerned =
      command.action === 'voidStage'
        ? allStages.filter((st) => st.id === command.stageId)
        : command.action === 'complete'
          ? allStages.filter((st) => !st.voided)
          : [];
    expect(decide(command, summary, { ...context, stages: concerned })).toEqual(decision);

    if (!decision.ok) {
      seen.refusedKinds.add(decision.rejection.kind);
      // Refused for the status exactly when the table has no such transition.
      expect(decision.rejection.kind === 'transition-not-allowed').toBe(target === undefined);
      if (decision.rejection.kind === 'transition-not-allowed') {
        expect(decision.rejection).toEqual({
          kind: 'transition-not-allowed',
          status: before.status,
          action,
          allowed: allowedActions(before.status),
        });
      }
      if (target !== undefined && 'by' in command && !parties.includes(command.by)) {
        expect(decision.rejection).toEqual({
          kind: 'unprocessable',
          errors: [{ path: 'by', message: expect.any(String) }],
        });
      }
      // Nothing applied: the state is what it was.
      expect(stream.state).toBe(before);
      expect(stream.state).toEqual(snapshot);
      continue;
    }

    const after = stream.apply(decision.value);
    // The store's evolve, without stages, given only the voided stage, reaches the same state.
    const recorded = stream.history.slice(-decision.value.length);
    const summaryAfter = recorded.reduce<ExchangeState>(
      (st, e) => evolveState(st, e, e.type === 'StageVoided' ? concerned[0] : undefined),
      summary,
    );
    const { stages: _stages, ...expectedSummary } = after;
    expect(summaryAfter).toEqual(expectedSummary);
    cursor = Math.max(cursor, instantOf(command.occurredAt));
    seen.accepted.add(action);
    seen.statuses.add(after.status);

    // (a) the status reached is the table's, for that action from the previous status.
    expect(target).toBeDefined();
    expect(after.status).toBe(target);
    expect(after.version).toBe(before.version + decision.value.length);
    expect(before).toEqual(snapshot);

    // The rules of DESIGN.md that an accepted command must have met.
    const t = command.occurredAt;
    expect(instantOf(t)).toBeLessThanOrEqual(instantOf(NOW) + DAY_MS);
    if ('by' in command) {
      expect(parties).toContain(command.by);
      const rule = ACTOR[action];
      if (rule === 'other') expect(command.by).not.toBe(before.proposedBy);
      if (rule === 'proposer') expect(command.by).toBe(before.proposedBy);
    }
    if (TIMED_TRANSITIONS.has(action)) expect(precedes(t, before.lastTransitionAt)).toBe(false);
    if (command.action === 'recordStage' || (command.action === 'complete' && command.sides !== null)) {
      expect(before.agreedAt).not.toBeNull();
      expect(precedes(t, before.agreedAt!)).toBe(false);
    }

    // Keep the model: terms, stages and voids, from the accepted commands alone.
    switch (command.action) {
      case 'counter':
        expect(after.proposedBy).toBe(command.by);
        for (const p of parties) handsOver.set(p, command.sides.find((s) => s.party === p)?.handsOver ?? null);
        break;
      case 'agree':
        // agreedAt is the agreement's time (on its day, never before it).
        expect(after.agreedAt?.slice(0, 10)).toBe(t.slice(0, 10));
        expect(precedes(after.agreedAt!, t)).toBe(false);
        break;
      case 'recordStage':
      case 'complete':
        if (command.sides !== null) {
          expect(command.sides.some((h) => h.count > 0)).toBe(true);
          model.set(command.stageId, { counts: new Map(command.sides.map((h) => [h.party, h.count])), voided: false });
        }
        break;
      case 'voidStage': {
        const st = model.get(command.stageId);
        expect(st?.voided).toBe(false);
        st!.voided = true;
        break;
      }
    }
    expect(after.sides.map((s) => s.handsOver)).toEqual(parties.map((p) => handsOver.get(p)));
    expect(after.stages.map((s) => [s.id, s.voided !== null])).toEqual([...model].map(([id, s]) => [id, s.voided]));

    // (b) each side's delivered is the sum of its counts over the non-voided stages.
    for (const side of after.sides) {
      const sum = [...model.values()]
        .filter((s) => !s.voided)
        .reduce((acc, s) => acc + (s.counts.get(side.party) ?? 0), 0);
      expect(side.delivered).toBe(sum);
    }

    // (c) the running totals (sum of every delta so far) are the contribution of the state.
    deltas.push(...totalsDelta(before, after));
    expect(nonZero(sumContributions(deltas))).toEqual(nonZero(sumContributions(contributionOf(after))));
  }

  // Replaying the whole history gives the same state as evolving step by step.
  expect(fold(stream.history)).toEqual(stream.state);

  // (d) As of any world time, the exchange is a state the rules allow: folding the events in
  // force then never throws, shows no stage before the agreement, and delivered is the sum
  // of its live stages; after everything, it is the current state.
  const instants = stream.history.flatMap((e) => [
    instantOf(e.occurredAt) - HOUR_MS,
    instantOf(e.occurredAt),
    instantOf(e.occurredAt) + 9 * HOUR_MS,
  ]);
  for (const t of [...new Set(instants)].map((ms) => new Date(ms).toISOString())) {
    const asOf = fold(eventsInForceAt(stream.history, t));
    if (asOf === null) {
      expect(t < stream.history[0]!.occurredAt || precedes(t, stream.history[0]!.occurredAt)).toBe(true);
      continue;
    }
    seen.asOfStatuses.add(asOf.status);
    if (asOf.status === 'proposed' || asOf.status === 'rejected' || asOf.status === 'withdrawn')
      expect(asOf.stages).toEqual([]);
    for (const side of asOf.sides) {
      expect(side.delivered).toBe(
        asOf.stages
          .filter((st) => !st.voided)
          .reduce((acc, st) => acc + (st.sides.find((h) => h.party === side.party)?.count ?? 0), 0),
      );
    }
  }
  expect(fold(eventsInForceAt(stream.history, '9999-12-31T23:59:59.999Z'))).toEqual(stream.state);
}

describe('random lives of an exchange', () => {
  it('given any sequence of commands from a proposal, then statuses follow the table, delivered is the sum of live stages and the running totals match', () => {
    fc.assert(
      fc.property(proposalArb, fc.array(planArb, { minLength: 1, maxLength: 40, size: 'max' }), (proposal, plans) =>
        runLife(proposal, plans),
      ),
      { numRuns: 300 },
    );

    // The generator is not vacuous: every action got accepted and every status was reached somewhere.
    expect([...seen.accepted].sort()).toEqual([...ACTIONS].sort());
    expect([...seen.statuses, 'proposed'].filter((s, i, xs) => xs.indexOf(s) === i).sort()).toEqual(
      [...STATUSES].sort(),
    );
    expect([...seen.asOfStatuses].sort()).toEqual([...STATUSES].sort());
    for (const kind of [
      'transition-not-allowed',
      'party-not-allowed',
      'unprocessable',
      'stage-not-found',
      'stage-already-voided',
    ]) {
      expect(seen.refusedKinds).toContain(kind);
    }
  });

  it('given a state, then deciding any command never changes it (purity, frozen input)', () => {
    fc.assert(
      fc.property(proposalArb, planArb, (proposal, plan) => {
        const stream = new Stream();
        const s: Exchange = deepFreeze(stream.run(proposal, context));
        const copy = structuredClone(s);
        decide(
          resolve(plan, instantOf(START), [], () => 'x'),
          s,
          withStagesOf(s, context),
        );
        expect(s).toEqual(copy);
      }),
      { numRuns: 200 },
    );
  });
});
