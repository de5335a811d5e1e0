import {
  disputedParties,
  type BreakdownEntry,
  type ReporterId,
  type SideAccount,
  type TermsAccount,
} from './accounts.js';
import type { ReportedStage } from './reported-stage.js';
import type { Kind, PartyId } from './vocabulary.js';

/**
 * Which figure counts: the reading. The ledger keeps every account; a reading picks, for each
 * side of each stage, one of them, by a rule simple enough to state on a page:
 * - FIRST (no `according`): the stage's first account, as it was recorded;
 * - a reporter: that reporter's latest figure for the side, else (side by side) the first
 *   account's. A `count: null` is the reporter's word that the number was not disclosed, and
 *   stays undisclosed under its reading: it is a figure, not a gap to fill.
 * `according=each` is not a reading of its own but every reporter's, side by side.
 *
 * A reporter's latest figure wins over its earlier ones (a reporter correcting itself gives
 * a new account; the old one stays in the history), but the FIRST reading never moves: the
 * default figure of a stage is fixed when the stage is recorded.
 */

/** The default reading's name: not a valid reporter id, so it can key rows beside them. */
export const FIRST = '@first';

export type Reading = typeof FIRST | ReporterId;

/** One side of a stage under a reading, and whose account it comes from. */
export interface SideFigure extends SideAccount {
  /** The reporter of the account the figure is taken from (null: the first account was unattributed). */
  reportedBy: ReporterId | null;
}

/** The figure for `party` under `reading`: the reporter's latest that gives the side, else the first account's. */
export function figureUnder(stage: ReportedStage, reading: Reading, party: PartyId): SideFigure {
  if (reading !== FIRST) {
    for (let i = stage.accounts.length - 1; i >= 0; i--) {
      const a = stage.accounts[i]!;
      if (a.reportedBy !== reading) continue;
      const side = a.sides.find((s) => s.party === party);
      if (side) return sideFigure(side, a.reportedBy);
    }
  }
  const first = stage.accounts[0]!;
  const side = first.sides.find((s) => s.party === party) ?? { party, count: 0, approximate: false, breakdown: null };
  return sideFigure(side, first.reportedBy);
}

// Written out, not spread: V8 builds `{ ...side, reportedBy }` many times slower than a literal.
const sideFigure = (s: SideAccount, reportedBy: ReporterId | null): SideFigure => ({
  party: s.party,
  count: s.count,
  approximate: s.approximate,
  breakdown: s.breakdown,
  reportedBy,
});

/** Every side of a stage under a reading, in the exchange's side order. */
export const figuresUnder = (stage: ReportedStage, reading: Reading, parties: readonly PartyId[]): SideFigure[] =>
  parties.map((p) => figureUnder(stage, reading, p));

/**
 * How a side's count is filed by kind. `kind` (the default): its breakdown's parts under
 * their kinds, the rest under the exchange's kind ("civilians returned" includes the 51 inside
 * a POW swap). `exchange`: all of it under the exchange's kind, as before breakdowns existed.
 */
export type Filing = 'kind' | 'exchange';

export function filedCounts(
  figure: Pick<SideAccount, 'count' | 'breakdown'>,
  exchangeKind: Kind,
  filing: Filing = 'kind',
): BreakdownEntry[] {
  if (figure.count === null || figure.count === 0) return [];
  if (filing === 'exchange' || figure.breakdown === null) return [{ kind: exchangeKind, count: figure.count }];
  const byKind = new Map<Kind, number>();
  let rest = figure.count;
  for (const b of figure.breakdown) {
    byKind.set(b.kind, (byKind.get(b.kind) ?? 0) + b.count);
    rest -= b.count;
  }
  byKind.set(exchangeKind, (byKind.get(exchangeKind) ?? 0) + rest);
  return [...byKind].filter(([, n]) => n > 0).map(([kind, count]) => ({ kind, count }));
}

/** A stage as a reader sees it under a reading: the chosen figures, every account, and whether they disagree. */
export interface StageView {
  id: string;
  occurredAt: string;
  recordedAt: string;
  voided: ReportedStage['voided'];
  afterCompletion: boolean;
  sides: SideFigure[];
  accounts: ReportedStage['accounts'];
  /** Any two disclosed counts of the same side differ. */
  disputed: boolean;
  disputedParties: PartyId[];
}

export function stageView(stage: ReportedStage, reading: Reading, parties: readonly PartyId[]): StageView {
  const disputed = disputedParties(stage.accounts);
  return {
    id: stage.id,
    occurredAt: stage.occurredAt,
    recordedAt: stage.recordedAt,
    voided: stage.voided,
    afterCompletion: stage.afterCompletion,
    sides: figuresUnder(stage, reading, parties),
    accounts: stage.accounts,
    disputed: disputed.length > 0,
    disputedParties: disputed,
  };
}

/**
 * The standing terms of a side under a reading: the reporter's account of them where it gave
 * one (`undefined`: it gave none).
 */
export function termsFigureUnder(
  termsAccounts: readonly TermsAccount[],
  reading: Reading,
  party: PartyId,
): number | null | undefined {
  if (reading === FIRST) return undefined;
  const side = termsAccounts.find((a) => a.reportedBy === reading)?.sides.find((s) => s.party === party);
  return side === undefined ? undefined : side.handsOver;
}

/** What a side adds up to under a reading, over an exchange's counted stages. */
export interface SideTally {
  /** Sum of the disclosed counts. */
  delivered: number;
  /** Stages whose count for this side is not disclosed under the reading. */
  undisclosedStages: number;
  /** The part of `delivered` that comes from approximate counts. */
  approximate: number;
}

export const ZERO_TALLY: SideTally = { delivered: 0, undisclosedStages: 0, approximate: 0 };

/** One stage's tally of each side under a reading (nothing for a voided stage). */
export function stageTally(stage: ReportedStage, reading: Reading, parties: readonly PartyId[]): SideTally[] {
  return parties.map((p) => {
    if (stage.voided) return { ...ZERO_TALLY };
    const f = figureUnder(stage, reading, p);
    if (f.count === null) return { delivered: 0, undisclosedStages: 1, approximate: 0 };
    return { delivered: f.count, undisclosedStages: 0, approximate: f.approximate ? f.count : 0 };
  });
}

export function addTallies(a: readonly SideTally[], b: readonly SideTally[], sign: 1 | -1 = 1): SideTally[] {
  return a.map((t, i) => ({
    delivered: t.delivered + sign * b[i]!.delivered,
    undisclosedStages: t.undisclosedStages + sign * b[i]!.undisclosedStages,
    approximate: t.approximate + sign * b[i]!.approximate,
  }));
}

/** The readings a set of stages and terms accounts gives rise to: FIRST, then each reporter. */
export const readingsOf = (reporters: readonly ReporterId[]): Reading[] => [FIRST, ...reporters];
