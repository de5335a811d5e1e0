import type { FieldError } from './rejection.js';
import { KINDS, MAX_COUNT, type Handover, type Kind, type PartyId, type Source, type Terms } from './vocabulary.js';

/**
 * Accounts: who says how many. The public record of a stage is rarely one number, so the
 * ledger keeps every account as reported (the sides' own counts, observers' counts, counts
 * never published) and picks no side; which figure counts is decided when reading
 * (readings.ts), never when writing.
 *
 * Accounts are normalised once, when decided, so that every reader (the readings, the stores,
 * a replay) sees the same shape: sides in the exchange's side order, `approximate` and
 * `breakdown` always present. A stage's FIRST account is its base and names every side (an
 * omitted side is 0, as a stage's `sides` always meant: a one-way handover names one side);
 * a later account gives only the sides it speaks of ("Ukraine got 84 back" says nothing of
 * what Ukraine handed over), so that a reading can fall back, side by side, to the first.
 */

/** Who gives an account: a registered party or observer (one id space). */
export type ReporterId = string;

export interface BreakdownEntry {
  kind: Kind;
  count: number;
}

/** One side of an account as a client gives it. `count: null` = carried out, number not disclosed. */
export interface SideAccountInput {
  party: PartyId;
  count: number | null;
  approximate?: boolean;
  breakdown?: readonly BreakdownEntry[] | null;
}

/** One side of an account as the ledger keeps it. */
export interface SideAccount {
  party: PartyId;
  count: number | null;
  approximate: boolean;
  /** Part of `count` by kind (sum ≤ count); the rest is of the exchange's kind. Null: none given. */
  breakdown: BreakdownEntry[] | null;
}

/** An account of a stage. `reportedBy: null` = unattributed (every stage recorded before accounts existed). */
export interface StageAccount {
  reportedBy: ReporterId | null;
  sides: SideAccount[];
  source: Source | null;
  note: string | null;
}

export interface StageAccountInput {
  reportedBy: ReporterId | null;
  sides: readonly SideAccountInput[];
  source: Source | null;
  note: string | null;
}

/** An account of the terms (propose, counter): RU "6,000 unilaterally" against UA "6,000 for 6,000". */
export interface TermsAccount {
  reportedBy: ReporterId;
  /** The sides this reporter gave, in the exchange's side order; `handsOver: null` = not specified. */
  sides: Terms[];
  source: Source | null;
  note: string | null;
}

export type TermsAccountInput = TermsAccount;

const isCount = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= MAX_COUNT;

/** The reporter must be registered (a party or an observer); an unattributed account needs `allowNull`. */
export function reporterErrors(
  reportedBy: ReporterId | null,
  registered: ReadonlySet<ReporterId>,
  path: string,
  allowNull = false,
): FieldError[] {
  if (reportedBy === null)
    return allowNull ? [] : [{ path, message: 'must name the reporter (a registered party or observer)' }];
  return registered.has(reportedBy)
    ? []
    : [{ path, message: `reporter ${reportedBy} is not registered (as a party or an observer)` }];
}

/**
 * The rules of an account's sides: at least one side, each a party of the exchange named
 * once, a count that is a whole number in range or null, `approximate` only with a count, and
 * a breakdown only with a count, by distinct kinds of the vocabulary, summing to at most it.
 */
export function sideAccountErrors(
  sides: readonly SideAccountInput[],
  parties: readonly PartyId[],
  path: string,
): FieldError[] {
  if (sides.length === 0) return [{ path, message: 'an account gives at least one side' }];
  const errors: FieldError[] = [];
  const seen = new Set<PartyId>();
  sides.forEach((s, i) => {
    const at = `${path}.${i}`;
    if (!parties.includes(s.party))
      errors.push({ path: `${at}.party`, message: `must be a party of this exchange (${parties.join(' or ')})` });
    else if (seen.has(s.party)) errors.push({ path: `${at}.party`, message: `names ${s.party} twice` });
    seen.add(s.party);
    if (s.count !== null && !isCount(s.count)) {
      errors.push({
        path: `${at}.count`,
        message: `must be a whole number from 0 to ${MAX_COUNT}, or null when not disclosed`,
      });
    }
    if (s.approximate === true && s.count === null) {
      errors.push({
        path: `${at}.approximate`,
        message: 'needs a count: a count not disclosed (null) cannot be approximate',
      });
    }
    errors.push(...breakdownErrors(s, at));
  });
  return errors;
}

function breakdownErrors(side: SideAccountInput, at: string): FieldError[] {
  const breakdown = side.breakdown ?? [];
  if (breakdown.length === 0) return [];
  if (side.count === null)
    return [{ path: `${at}.breakdown`, message: 'needs a count: a count not disclosed (null) cannot be broken down' }];
  const errors: FieldError[] = [];
  const kinds = new Set<string>();
  breakdown.forEach((b, j) => {
    if (!(KINDS as readonly string[]).includes(b.kind))
      errors.push({ path: `${at}.breakdown.${j}.kind`, message: `must be one of ${KINDS.join(', ')}` });
    else if (kinds.has(b.kind)) errors.push({ path: `${at}.breakdown.${j}.kind`, message: `names ${b.kind} twice` });
    kinds.add(b.kind);
    if (!isCount(b.count))
      errors.push({ path: `${at}.breakdown.${j}.count`, message: `must be a whole number from 0 to ${MAX_COUNT}` });
  });
  const sum = breakdown.reduce((acc, b) => acc + (isCount(b.count) ? b.count : 0), 0);
  if (isCount(side.count) && sum > side.count) {
    errors.push({ path: `${at}.breakdown`, message: `sums to ${sum}, more than the side's count ${side.count}` });
  }
  return errors;
}

/** Terms accounts: each by a registered reporter (once per command), of the exchange's parties. */
export function termsAccountErrors(
  accounts: readonly TermsAccountInput[],
  parties: readonly PartyId[],
  registered: ReadonlySet<ReporterId>,
  path = 'termsAccounts',
): FieldError[] {
  const errors: FieldError[] = [];
  const reporters = new Set<ReporterId>();
  accounts.forEach((a, i) => {
    const at = `${path}.${i}`;
    const reporter = reporterErrors(a.reportedBy, registered, `${at}.reportedBy`);
    if (reporter.length) errors.push(...reporter);
    else if (reporters.has(a.reportedBy))
      errors.push({ path: `${at}.reportedBy`, message: `names ${a.reportedBy}'s account twice` });
    reporters.add(a.reportedBy);
    if (a.sides.length === 0) errors.push({ path: `${at}.sides`, message: 'an account gives at least one side' });
    const seen = new Set<PartyId>();
    a.sides.forEach((s, j) => {
      if (!parties.includes(s.party))
        errors.push({
          path: `${at}.sides.${j}.party`,
          message: `must be a party of this exchange (${parties.join(' or ')})`,
        });
      else if (seen.has(s.party)) errors.push({ path: `${at}.sides.${j}.party`, message: `names ${s.party} twice` });
      seen.add(s.party);
      if (s.handsOver !== null && !isCount(s.handsOver)) {
        errors.push({
          path: `${at}.sides.${j}.handsOver`,
          message: `must be a whole number from 0 to ${MAX_COUNT}, or null when not specified`,
        });
      }
    });
  });
  return errors;
}

/** A side as kept: every field present; an empty breakdown is no breakdown. */
export function sideAccountOf(s: SideAccountInput): SideAccount {
  const breakdown =
    s.breakdown && s.breakdown.length > 0 ? s.breakdown.map((b) => ({ kind: b.kind, count: b.count })) : null;
  return { party: s.party, count: s.count, approximate: s.approximate === true, breakdown };
}

const ZERO_SIDE = (party: PartyId): SideAccount => ({ party, count: 0, approximate: false, breakdown: null });

/**
 * An account's sides in the exchange's side order. The first account of a stage names every
 * side (`complete`: an omitted side hands over 0); a later one keeps only what it gives.
 */
export function normaliseSides(
  sides: readonly SideAccountInput[],
  parties: readonly PartyId[],
  complete: boolean,
): SideAccount[] {
  return parties.flatMap((p) => {
    const given = sides.find((s) => s.party === p);
    if (given) return [sideAccountOf(given)];
    return complete ? [ZERO_SIDE(p)] : [];
  });
}

export function normaliseTermsAccount(a: TermsAccountInput, parties: readonly PartyId[]): TermsAccount {
  const sides = parties.flatMap((p) =>
    a.sides
      .filter((s) => s.party === p)
      .slice(0, 1)
      .map((s) => ({ party: p, handsOver: s.handsOver })),
  );
  return { reportedBy: a.reportedBy, sides, source: a.source, note: a.note };
}

/** A stage recorded before accounts existed (StageRecorded) is one unattributed account of it. */
export function accountOfStageRecorded(event: {
  data: { sides: readonly Handover[] };
  source: Source | null;
  note: string | null;
}): StageAccount {
  return {
    reportedBy: null,
    sides: event.data.sides.map((h) => ({ party: h.party, count: h.count, approximate: false, breakdown: null })),
    source: event.source,
    note: event.note,
  };
}

/** The parties whose side two accounts give different disclosed counts for (a null count disputes nothing). */
export function disputedParties(accounts: readonly Pick<StageAccount, 'sides'>[]): PartyId[] {
  const counts = new Map<PartyId, Set<number>>();
  for (const a of accounts) {
    for (const s of a.sides) {
      if (s.count === null) continue;
      const set = counts.get(s.party) ?? new Set<number>();
      set.add(s.count);
      counts.set(s.party, set);
    }
  }
  return [...counts].filter(([, set]) => set.size > 1).map(([party]) => party);
}

/** Whether any two disclosed counts of the same side differ (the stage view's `disputed`). */
export const isDisputed = (accounts: readonly Pick<StageAccount, 'sides'>[]): boolean =>
  disputedParties(accounts).length > 0;

/** The reporters of these accounts, each once, in the order they first gave one (unattributed ones are none). */
export function reportersOf(accounts: readonly { reportedBy: ReporterId | null }[]): ReporterId[] {
  const out: ReporterId[] = [];
  for (const a of accounts) if (a.reportedBy !== null && !out.includes(a.reportedBy)) out.push(a.reportedBy);
  return out;
}
