/**
 * World time as the ledger keeps it. `occurredAt` is either a calendar date (`2025-05-23`,
 * the precision most public reports give) or an instant, normalised to UTC with
 * milliseconds so that the stored strings sort in time order: a bare date sorts before
 * every instant of that day, i.e. it stands for the start of the day.
 */

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

export const DAY_MS = 24 * 60 * 60 * 1000;

export function isDateOnly(t: string): boolean {
  return DATE_ONLY.test(t);
}

/** Normalise a valid ISO 8601 date or date-time (with offset) to the stored form. */
export function normaliseWorldTime(t: string): string {
  return isDateOnly(t) ? t : new Date(t).toISOString();
}

/** Milliseconds since the epoch; a bare date is the start of its day (UTC). */
export function instantOf(t: string): number {
  return Date.parse(isDateOnly(t) ? `${t}T00:00:00.000Z` : t);
}

/**
 * The inclusive upper bound for "as the ledger stood at T" and for `to` filters: a bare date
 * means the whole of that day.
 */
export function upperBoundOf(t: string): string {
  return isDateOnly(t) ? `${t}T23:59:59.999Z` : normaliseWorldTime(t);
}

/**
 * The inclusive lower bound for `from` filters. A bare date stands for the start of its day,
 * so an instant at exactly 00:00 UTC is written as that date: the stored string of a stage
 * dated that day (the bare date) then sorts on, not before, the bound.
 */
export function lowerBoundOf(t: string): string {
  if (isDateOnly(t)) return t;
  const instant = normaliseWorldTime(t);
  return instant.endsWith('T00:00:00.000Z') ? instant.slice(0, 10) : instant;
}

/**
 * Whether `t` precedes `bound`. When either side is only a date, the comparison is by day:
 * a report dated "23 May" does not precede an agreement at 15:00 on 23 May.
 */
export function precedes(t: string, bound: string): boolean {
  if (isDateOnly(t) || isDateOnly(bound)) return t.slice(0, 10) < bound.slice(0, 10);
  return instantOf(t) < instantOf(bound);
}

/** The later of two normalised world times: their strings sort in time order (a bare date before its instants). */
export const laterOf = (a: string, b: string): string => (b > a ? b : a);

/** The latest of normalised world times (`null` for none): their strings sort in time order. */
export function latestOf(times: readonly string[]): string | null {
  let latest: string | null = null;
  for (const t of times) if (latest === null || t > latest) latest = t;
  return latest;
}

/** The latest world time a command may carry, given the server clock. */
export function futureBound(now: string): string {
  return new Date(instantOf(now) + DAY_MS).toISOString();
}

export function isTooFarInFuture(t: string, now: string): boolean {
  return instantOf(t) > instantOf(now) + DAY_MS;
}

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * An ISO 8601 calendar date (`2025-05-23`) or date-time with an explicit offset
 * (`2025-05-23T14:00:00+03:00`); a date-time without offset is ambiguous and refused.
 * Impossible dates (`2025-02-30`) are refused too.
 */
export function isWorldTime(t: string): boolean {
  if (isDateOnly(t)) return !Number.isNaN(Date.parse(t)) && new Date(`${t}T00:00:00Z`).toISOString().startsWith(t);
  if (!DATE_TIME.test(t) || Number.isNaN(Date.parse(t))) return false;
  const day = t.slice(0, 10);
  return new Date(`${day}T00:00:00Z`).toISOString().startsWith(day);
}
