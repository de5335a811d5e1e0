import type { Action, Status } from './vocabulary.js';

/**
 * The state machine of an exchange, as data: for each status, the actions allowed from it
 * and the status each one leads to. Anything not listed is refused (409).
 * Terminal statuses allow nothing but voiding a stage of a completed exchange, because a
 * wrongly recorded tranche must stay correctable after the exchange closed.
 */
export const TRANSITIONS: Readonly<Record<Status, Partial<Readonly<Record<Action, Status>>>>> = {
  proposed: { counter: 'proposed', agree: 'agreed', reject: 'rejected', withdraw: 'withdrawn' },
  agreed: { recordStage: 'agreed', voidStage: 'agreed', complete: 'completed', cancel: 'cancelled' },
  completed: { voidStage: 'completed' },
  rejected: {},
  withdrawn: {},
  cancelled: {},
};

/**
 * Who may take an action that names a party (`by`):
 * - `other`: the party that did NOT make the standing proposal,
 * - `proposer`: the party that made it,
 * - `either`: any party of the exchange.
 */
export const ACTOR: Readonly<Partial<Record<Action, 'other' | 'proposer' | 'either'>>> = {
  counter: 'other',
  agree: 'other',
  reject: 'other',
  withdraw: 'proposer',
  cancel: 'either',
};

/** Transitions in the sense of the time rules (a stage or a void is not one). */
export const TIMED_TRANSITIONS: ReadonlySet<Action> = new Set<Action>([
  'counter',
  'agree',
  'reject',
  'withdraw',
  'cancel',
  'complete',
]);

export const TERMINAL: ReadonlySet<Status> = new Set<Status>(['completed', 'rejected', 'withdrawn', 'cancelled']);

export function allowedActions(status: Status): Action[] {
  return Object.keys(TRANSITIONS[status]) as Action[];
}

export function nextStatus(status: Status, action: Action): Status | undefined {
  return TRANSITIONS[status][action];
}
