import type { ReporterId } from './accounts.js';
import type { Rejection } from './rejection.js';

/**
 * The refusals of the new deciders: the old ones, plus those only reporters can meet. Kept
 * apart from Rejection so that the shell's exhaustive mapping of the old kinds stays as it is
 * until the HTTP session maps these too.
 */
export type ReportRejection =
  | Rejection
  | { kind: 'reporter-already-registered'; reporterId: ReporterId; registeredAs: 'party' | 'observer' };

export type ReportDecision<T> = { ok: true; value: T } | { ok: false; rejection: ReportRejection };

export const refuseReport = <T = never>(rejection: ReportRejection): ReportDecision<T> => ({ ok: false, rejection });
