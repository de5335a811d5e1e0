import { KINDS } from '../src/domain/vocabulary.js';
import type { Head, Kind, Totals } from './types.js';

/*
 * Months as the API bounds them: `from=YYYY-MM-01&to=YYYY-MM-<last day>` takes the stages of
 * that month by their world time in UTC (a bare date is its day), so consecutive months
 * neither overlap nor leave a gap, and a stage's month is the first 7 characters of its
 * normalised occurredAt.
 */

export const monthOf = (worldTime: string): string => worldTime.slice(0, 7);

const DAY_MS = 24 * 60 * 60 * 1000;

/** The last month a stage can lie in: none may be dated more than a day after it was recorded. */
export const lastPossibleMonth = (head: Pick<Head, 'recordedAt'>): string | null =>
  head.recordedAt === null ? null : new Date(Date.parse(head.recordedAt) + DAY_MS).toISOString().slice(0, 7);

/** Every month from `first` to `last` ('YYYY-MM'), both included. */
export function monthsFromTo(first: string, last: string): string[] {
  const months: string[] = [];
  let [y, m] = first.split('-').map(Number) as [number, number];
  for (let i = 0; i < 12 * 200; i++) {
    const month = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`;
    if (month > last) break;
    months.push(month);
    if (++m > 12) [y, m] = [y + 1, 1];
  }
  return months;
}

/** The totals query of one month. */
export function monthBounds(month: string): { from: string; to: string } {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const lastDay = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(lastDay).padStart(2, '0')}` };
}

export interface Series {
  party: string;
  kind: Kind;
  /** handedOver per month, in the order of `months`. */
  values: number[];
}

export interface Monthly {
  months: string[];
  series: Series[];
}

/**
 * handedOver per party and kind per month, from one totals answer per month; months before
 * the first and after the last with any handover are left out, as are series that stay at 0.
 */
export function monthlyHandovers(months: readonly string[], perMonth: readonly (readonly Totals[])[]): Monthly {
  const byKey = new Map<string, Series>();
  perMonth.forEach((rows, i) => {
    for (const row of rows) {
      if (row.handedOver === 0) continue;
      const key = `${row.party}\u0000${row.kind}`;
      let series = byKey.get(key);
      if (!series) byKey.set(key, (series = { party: row.party, kind: row.kind, values: months.map(() => 0) }));
      series.values[i] = row.handedOver;
    }
  });
  const series = [...byKey.values()].sort((a, b) =>
    a.party === b.party ? KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) : a.party < b.party ? -1 : 1,
  );
  return narrowed({ months: [...months], series }, null, null);
}

/** 'May 2025'. */
export function monthLabel(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m - 1, 1)).toLocaleString('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' });
}

/** The chart narrowed to one party and/or one kind, months again trimmed to those with a handover. */
export function narrowed(monthly: Monthly, party: string | null, kind: Kind | null): Monthly {
  const series = monthly.series.filter(
    (s) => (party === null || s.party === party) && (kind === null || s.kind === kind),
  );
  const any = monthly.months.map((_, i) => series.some((s) => s.values[i]! > 0));
  const first = any.indexOf(true);
  if (first < 0) return { months: [], series: [] };
  const end = any.lastIndexOf(true) + 1;
  return {
    months: monthly.months.slice(first, end),
    series: series.map((s) => ({ ...s, values: s.values.slice(first, end) })),
  };
}
