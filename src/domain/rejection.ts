import type { Action, Status } from './vocabulary.js';

/** One failing field of a command, named by its JSON path as the client sent it. */
export interface FieldError {
  path: string;
  message: string;
}

/** Why the decider refused a command. The HTTP shell maps each kind to a status and type. */
export type Rejection =
  | { kind: 'exchange-not-found'; exchangeId: string }
  | { kind: 'transition-not-allowed'; status: Status; action: Action; allowed: Action[] }
  | {
      kind: 'party-not-allowed';
      status: Status;
      action: Action;
      by: string;
      allowedParties: string[];
      allowed: Action[];
    }
  | { kind: 'stage-not-found'; stageId: string }
  | { kind: 'stage-already-voided'; stageId: string }
  | { kind: 'unprocessable'; errors: FieldError[] }
  | { kind: 'party-already-registered'; partyId: string };

export type Decision<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

export const accept = <T>(value: T): Decision<T> => ({ ok: true, value });
export const refuse = <T = never>(rejection: Rejection): Decision<T> => ({ ok: false, rejection });
