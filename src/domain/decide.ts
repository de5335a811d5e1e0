import type { CommandProvenance, DecisionContext, ExchangeCommand } from './commands.js';
import type { ExchangeEventData, NewEvent } from './events.js';
import type { ExchangeState } from './exchange.js';
import { accept, refuse, type Decision, type FieldError } from './rejection.js';
import { futureBound, isTooFarInFuture, latestOf, precedes } from './time.js';
import { ACTOR, TIMED_TRANSITIONS, allowedActions, nextStatus } from './transitions.js';
import type { Action, Handover, PartyId, Terms } from './vocabulary.js';

type Transition = Exclude<ExchangeCommand, { action: 'propose' }>;

type Events = NewEvent<ExchangeEventData>[];

/**
 * decide(command, state) → events, or the reason it is refused.
 * Order of refusals: a missing exchange (404), a transition the table does not allow from
 * the current status (409), `by` not a party of the exchange (422), `by` the wrong party
 * (409), then every failing field at once (422).
 */
export function decide(command: ExchangeCommand, state: ExchangeState | null, ctx: DecisionContext): Decision<Events> {
  const provenance = { occurredAt: command.occurredAt, source: command.source, note: command.note };
  if (command.action === 'propose') return decidePropose(command, state, ctx, provenance);
  if (state === null) return refuse({ kind: 'exchange-not-found', exchangeId: '' });

  const action = command.action;
  if (nextStatus(state.status, action) === undefined) {
    return refuse({
      kind: 'transition-not-allowed',
      status: state.status,
      action,
      allowed: allowedActions(state.status),
    });
  }
  const parties = state.sides.map((s) => s.party);
  if ('by' in command) {
    if (!parties.includes(command.by)) {
      return refuse({
        kind: 'unprocessable',
        errors: [{ path: 'by', message: `must be a party of this exchange (${parties.join(' or ')})` }],
      });
    }
    const allowedParties = partiesAllowedTo(action, state);
    if (!allowedParties.includes(command.by)) {
      return refuse({
        kind: 'party-not-allowed',
        status: state.status,
        action,
        by: command.by,
        allowedParties,
        allowed: allowedActions(state.status),
      });
    }
  }

  const errors: FieldError[] = [...timeErrors(command, state, ctx)];
  const id = state.id;
  switch (command.action) {
    case 'counter': {
      errors.push(...termsErrors(command.sides, ctx, parties));
      return errors.length
        ? unprocessable(errors)
        : accept([
            {
              type: 'ExchangeCountered',
              data: { exchangeId: id, by: command.by, sides: inSideOrder(command.sides, parties) },
              ...provenance,
            },
          ]);
    }
    case 'agree':
      return errors.length
        ? unprocessable(errors)
        : accept([{ type: 'ExchangeAgreed', data: { exchangeId: id, by: command.by }, ...provenance }]);
    case 'reject':
      return errors.length
        ? unprocessable(errors)
        : accept([
            {
              type: 'ExchangeRejected',
              data: { exchangeId: id, by: command.by, reason: command.reason },
              ...provenance,
            },
          ]);
    case 'withdraw':
      return errors.length
        ? unprocessable(errors)
        : accept([
            {
              type: 'ExchangeWithdrawn',
              data: { exchangeId: id, by: command.by, reason: command.reason },
              ...provenance,
            },
          ]);
    case 'cancel':
      return errors.length
        ? unprocessable(errors)
        : accept([
            {
              type: 'ExchangeCancelled',
              data: { exchangeId: id, by: command.by, reason: command.reason },
              ...provenance,
            },
          ]);
    case 'recordStage': {
      errors.push(...handoverErrors(command.sides, parties, 'sides'));
      return errors.length
        ? unprocessable(errors)
        : accept([
            {
              type: 'StageRecorded',
              data: { exchangeId: id, stageId: command.stageId, sides: inStageOrder(command.sides, parties) },
              ...provenance,
            },
          ]);
    }
    case 'voidStage': {
      const stage = ctx.stages.find((s) => s.id === command.stageId);
      if (!stage) return refuse({ kind: 'stage-not-found', stageId: command.stageId });
      if (stage.voided) return refuse({ kind: 'stage-already-voided', stageId: command.stageId });
      if (precedes(command.occurredAt, stage.occurredAt)) {
        errors.push({ path: 'occurredAt', message: `must not precede the stage it voids (${stage.occurredAt})` });
      }
      return errors.length
        ? unprocessable(errors)
        : accept([
            {
              type: 'StageVoided',
              data: { exchangeId: id, stageId: command.stageId, reason: command.reason },
              ...provenance,
            },
          ]);
    }
    case 'complete': {
      const events: Events = [];
      if (command.sides !== null) {
        errors.push(...handoverErrors(command.sides, parties, 'sides'));
        events.push({
          type: 'StageRecorded',
          data: { exchangeId: id, stageId: command.stageId, sides: inStageOrder(command.sides, parties) },
          ...provenance,
        });
      }
      events.push({
        type: 'ExchangeCompleted',
        data: { exchangeId: id, finalStageId: command.sides !== null ? command.stageId : null },
        ...provenance,
      });
      return errors.length ? unprocessable(errors) : accept(events);
    }
  }
}

function decidePropose(
  command: Extract<ExchangeCommand, { action: 'propose' }>,
  state: ExchangeState | null,
  ctx: DecisionContext,
  provenance: CommandProvenance,
): Decision<Events> {
  // Exchange ids are fresh UUIDv7s made by the shell; a clash is a bug, not a user error.
  if (state !== null) throw new Error(`exchange ${command.exchangeId} already exists`);
  const errors: FieldError[] = [];
  if (isTooFarInFuture(command.occurredAt, ctx.now)) {
    errors.push({
      path: 'occurredAt',
      message: `must not lie more than a day in the future (latest allowed: ${futureBound(ctx.now)})`,
    });
  }
  errors.push(...termsErrors(command.sides, ctx, null));
  const parties = command.sides.map((s) => s.party);
  if (!parties.includes(command.proposedBy)) {
    errors.push({ path: 'proposedBy', message: `must be one of the sides (${parties.join(', ')})` });
  }
  if (errors.length) return unprocessable(errors);
  return accept([
    {
      type: 'ExchangeProposed',
      data: {
        exchangeId: command.exchangeId,
        kind: command.kind,
        proposedBy: command.proposedBy,
        sides: command.sides,
        title: command.title,
        mediator: command.mediator,
      },
      ...provenance,
    },
  ]);
}

/** The parties that may take `action` now, by the actor rule of the table. */
export function partiesAllowedTo(action: Action, state: ExchangeState): PartyId[] {
  const parties = state.sides.map((s) => s.party);
  switch (ACTOR[action]) {
    case 'proposer':
      return [state.proposedBy];
    case 'other':
      return parties.filter((p) => p !== state.proposedBy);
    default:
      return parties;
  }
}

function timeErrors(command: Transition, state: ExchangeState, ctx: DecisionContext): FieldError[] {
  const t = command.occurredAt;
  if (isTooFarInFuture(t, ctx.now)) {
    return [
      {
        path: 'occurredAt',
        message: `must not lie more than a day in the future (latest allowed: ${futureBound(ctx.now)})`,
      },
    ];
  }
  const errors: FieldError[] = [];
  if (TIMED_TRANSITIONS.has(command.action) && precedes(t, state.lastTransitionAt)) {
    errors.push({
      path: 'occurredAt',
      message: `must not precede the latest transition of this exchange (${state.lastTransitionAt})`,
    });
  }
  if (command.action === 'complete') {
    const latestStage = latestOf(ctx.stages.filter((s) => !s.voided).map((s) => s.occurredAt));
    if (latestStage !== null && precedes(t, latestStage)) {
      errors.push({
        path: 'occurredAt',
        message: `must not precede the latest stage of this exchange (${latestStage})`,
      });
    }
  }
  if (
    (command.action === 'recordStage' || (command.action === 'complete' && command.sides !== null)) &&
    state.stagesNotBefore !== null &&
    precedes(t, state.stagesNotBefore)
  ) {
    errors.push({ path: 'occurredAt', message: `a stage must not precede the agreement (${state.stagesNotBefore})` });
  }
  return errors;
}

/** Terms name exactly two distinct registered parties (the exchange's own, on a counter). */
function termsErrors(
  sides: readonly Terms[],
  ctx: DecisionContext,
  exchangeParties: readonly PartyId[] | null,
): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<PartyId>();
  sides.forEach((s, i) => {
    if (seen.has(s.party))
      errors.push({
        path: `sides.${i}.party`,
        message: `names ${s.party} twice: an exchange is between two distinct parties`,
      });
    seen.add(s.party);
    if (!ctx.registeredParties.has(s.party))
      errors.push({ path: `sides.${i}.party`, message: `party ${s.party} is not registered` });
    else if (exchangeParties && !exchangeParties.includes(s.party)) {
      errors.push({
        path: `sides.${i}.party`,
        message: `must be a party of this exchange (${exchangeParties.join(' or ')})`,
      });
    }
  });
  return errors;
}

/** A stage names parties of the exchange at most once each, and hands over someone. */
function handoverErrors(sides: readonly Handover[], parties: readonly PartyId[], path: string): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<PartyId>();
  sides.forEach((h, i) => {
    if (!parties.includes(h.party))
      errors.push({
        path: `${path}.${i}.party`,
        message: `must be a party of this exchange (${parties.join(' or ')})`,
      });
    else if (seen.has(h.party)) errors.push({ path: `${path}.${i}.party`, message: `names ${h.party} twice` });
    seen.add(h.party);
  });
  if (errors.length === 0 && sides.every((h) => h.count === 0)) {
    errors.push({ path, message: 'a stage must hand over at least one person' });
  }
  return errors;
}

function inSideOrder(sides: readonly Terms[], parties: readonly PartyId[]): Terms[] {
  return parties.map((p) => ({ party: p, handsOver: sides.find((s) => s.party === p)?.handsOver ?? null }));
}

function inStageOrder(sides: readonly Handover[], parties: readonly PartyId[]): Handover[] {
  return parties.map((p) => ({ party: p, count: sides.find((s) => s.party === p)?.count ?? 0 }));
}

const unprocessable = (errors: FieldError[]): Decision<Events> => refuse({ kind: 'unprocessable', errors });
