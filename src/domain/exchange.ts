import type { RecordedEvent, ExchangeEventData } from './events.js';
import type { Handover, Kind, PartyId, Status } from './vocabulary.js';
import { laterOf } from './time.js';

export interface SideState {
  party: PartyId;
  /** Persons this party hands over under the current terms; null = not specified. */
  handsOver: number | null;
  /** What the recorded, non-voided stages say it actually handed over. */
  delivered: number;
}

export interface StageState {
  id: string;
  /** One entry per party of the exchange, in the order of the exchange's sides. */
  sides: Handover[];
  occurredAt: string;
  recordedAt: string;
  voided: { occurredAt: string; recordedAt: string; reason: string } | null;
}

/**
 * The current state of one exchange without its stages: what every command needs, and all
 * the write path loads and stores. Its size does not grow with the stages (medical exchanges
 * accumulate them without end), so a command costs the same on the thousandth stage.
 */
export interface ExchangeState {
  id: string;
  kind: Kind;
  status: Status;
  /** The party that made the standing proposal (switches on a counter). */
  proposedBy: PartyId;
  title: string | null;
  mediator: string | null;
  sides: [SideState, SideState];
  /** When it was first proposed (world time). */
  occurredAt: string;
  /** World time of the latest transition (propose, counter, agree, …): the time rules' bound. */
  lastTransitionAt: string;
  /** When the agreement was reported (as reported). */
  agreedAt: string | null;
  /** The bound stages may not precede: the agreement, or the transition before it if later that day. */
  stagesNotBefore: string | null;
  createdAt: string;
  updatedAt: string;
  /** Number of events folded; the ETag. */
  version: number;
}

/** An exchange with every stage it has recorded, in recording order: what a reader sees. */
export interface Exchange extends ExchangeState {
  stages: StageState[];
}

/**
 * Adds a stage's counts to (sign 1) or takes them from (sign −1) each side's delivered: one
 * stage's worth of work, however many stages the exchange has (medical exchanges accumulate
 * many). The property tests check that delivered always equals the sum of non-voided stages.
 */
function withDelivered(
  sides: readonly [SideState, SideState],
  stage: StageState,
  sign: 1 | -1,
): [SideState, SideState] {
  const add = (side: SideState): SideState => ({
    ...side,
    delivered: side.delivered + sign * (stage.sides.find((h) => h.party === side.party)?.count ?? 0),
  });
  return [add(sides[0]), add(sides[1])];
}

/**
 * evolve for the state without stages. Pure; trusts that the decider accepted the event. A
 * void takes its stage's counts out of delivered, so it needs that stage (`voided`): the
 * store loads it by id, the full fold keeps it.
 */
export function evolveState(
  state: ExchangeState | null,
  event: RecordedEvent<ExchangeEventData>,
  voided?: StageState,
): ExchangeState {
  const touched = { updatedAt: event.recordedAt, version: (state?.version ?? 0) + 1 };
  if (event.type === 'ExchangeProposed') {
    const d = event.data;
    return {
      id: d.exchangeId,
      kind: d.kind,
      status: 'proposed',
      proposedBy: d.proposedBy,
      title: d.title,
      mediator: d.mediator,
      sides: [
        { party: d.sides[0]!.party, handsOver: d.sides[0]!.handsOver, delivered: 0 },
        { party: d.sides[1]!.party, handsOver: d.sides[1]!.handsOver, delivered: 0 },
      ],
      occurredAt: event.occurredAt,
      lastTransitionAt: event.occurredAt,
      agreedAt: null,
      stagesNotBefore: null,
      createdAt: event.recordedAt,
      ...touched,
    };
  }
  if (state === null) throw new Error(`cannot apply ${event.type} to an exchange that was never proposed`);
  // The time rules compare by day when either side is a bare date, so a date-only transition
  // may follow an instant of the same day; the bound must never move back, so keep the later.
  const at = laterOf(state.lastTransitionAt, event.occurredAt);
  switch (event.type) {
    case 'ExchangeCountered': {
      const terms = new Map(event.data.sides.map((s) => [s.party, s.handsOver]));
      const sides = state.sides.map((s) => ({ ...s, handsOver: terms.get(s.party) ?? null })) as [SideState, SideState];
      return { ...state, sides, proposedBy: event.data.by, lastTransitionAt: at, ...touched };
    }
    case 'ExchangeAgreed':
      return {
        ...state,
        status: 'agreed',
        agreedAt: event.occurredAt,
        stagesNotBefore: at,
        lastTransitionAt: at,
        ...touched,
      };
    case 'ExchangeRejected':
      return { ...state, status: 'rejected', lastTransitionAt: at, ...touched };
    case 'ExchangeWithdrawn':
      return { ...state, status: 'withdrawn', lastTransitionAt: at, ...touched };
    case 'ExchangeCancelled':
      return { ...state, status: 'cancelled', lastTransitionAt: at, ...touched };
    case 'ExchangeCompleted':
      return { ...state, status: 'completed', lastTransitionAt: at, ...touched };
    case 'StageRecorded':
      return { ...state, sides: withDelivered(state.sides, stageRecorded(state, event), 1), ...touched };
    case 'StageVoided':
      if (voided === undefined || voided.id !== event.data.stageId)
        throw new Error(`voiding stage ${event.data.stageId} needs that stage`);
      // The decider refuses a void of an already voided stage; nothing to take out otherwise.
      if (voided.voided) return { ...state, ...touched };
      return { ...state, sides: withDelivered(state.sides, voided, -1), ...touched };
  }
}

/** The stage a StageRecorded event adds, its counts in the order of the exchange's sides. */
export function stageRecorded(
  state: Pick<ExchangeState, 'sides'>,
  event: RecordedEvent<Extract<ExchangeEventData, { type: 'StageRecorded' }>>,
): StageState {
  return {
    id: event.data.stageId,
    sides: state.sides.map((s) => ({
      party: s.party,
      count: event.data.sides.find((h) => h.party === s.party)?.count ?? 0,
    })),
    occurredAt: event.occurredAt,
    recordedAt: event.recordedAt,
    voided: null,
  };
}

/** A stage as its StageVoided event leaves it. */
export function stageVoided(
  stage: StageState,
  event: RecordedEvent<Extract<ExchangeEventData, { type: 'StageVoided' }>>,
): StageState {
  return {
    ...stage,
    voided: { occurredAt: event.occurredAt, recordedAt: event.recordedAt, reason: event.data.reason },
  };
}

/** evolve(exchange, event) → exchange, stages included: the fold of verify, as-of and the tests. */
export function evolve(exchange: Exchange | null, event: RecordedEvent<ExchangeEventData>): Exchange {
  const stages = exchange?.stages ?? [];
  if (event.type === 'StageVoided') {
    const voided = stages.find((st) => st.id === event.data.stageId);
    const state = evolveState(exchange, event, voided);
    return { ...state, stages: stages.map((st) => (st === voided && !st.voided ? stageVoided(st, event) : st)) };
  }
  const state = evolveState(exchange, event);
  return { ...state, stages: event.type === 'StageRecorded' ? [...stages, stageRecorded(state, event)] : stages };
}

/** The exchange after a sequence of events (used by verify, as-of and the tests). */
export function fold(events: readonly RecordedEvent<ExchangeEventData>[]): Exchange | null {
  return events.reduce<Exchange | null>((s, e) => evolve(s, e), null);
}
