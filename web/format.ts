import { h } from './dom.js';
import type { Figure, Kind } from './types.js';

const numberFormat = new Intl.NumberFormat('en-GB');
export const count = (n: number): string => numberFormat.format(n);

const dateFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});
const instantFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short',
});

/** A world time as reported: a bare date stays a date (the precision of the report), an instant shows UTC. */
export function worldTime(t: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return dateFormat.format(new Date(`${t}T00:00:00Z`));
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? t : instantFormat.format(ms);
}

export const KIND_NAMES: Record<Kind, string> = {
  pow: 'Prisoners of war',
  remains: 'Remains',
  medical: 'Wounded and sick',
  civilians: 'Civilians',
  children: 'Children',
};

/** The page's own links (hash routes: the service serves one page; a shared link opens the same view). */
export function figureHref(party: string, kind: Kind, figure: Figure, month?: string): string {
  const q = new URLSearchParams({ party, kind, figure });
  if (month) q.set('month', month);
  return `#/figure?${q}`;
}

export const statusBadge = (status: string) => h('span', { class: `badge badge-${status}` }, status);
