import type { ExchangeState } from './exchange.js';
import type { Kind, PartyId } from './vocabulary.js';

/** The figures the ledger answers "how many" with, per party and kind. */
export interface Figures {
  /** Sum of the party's delivered counts in non-voided stages. */
  handedOver: number;
  /** Sum of the other party's delivered counts in the party's exchanges. */
  received: number;
  /** Over agreed exchanges: max(handsOver − delivered, 0) of the party's side. */
  agreedOutstanding: number;
  /** Agreed exchanges whose side for this party has handsOver: null ("all severely wounded"). */
  unspecifiedSides: number;
  /** Over proposed exchanges: the party's handsOver. */
  proposed: number;
}

export interface Contribution extends Figures {
  party: PartyId;
  kind: Kind;
}

export const ZERO: Figures = { handedOver: 0, received: 0, agreedOutstanding: 0, unspecifiedSides: 0, proposed: 0 };
export const FIGURE_NAMES = Object.keys(ZERO) as (keyof Figures)[];

/** What one exchange, as it stands, adds to the totals of each of its two parties (the page reuses it on what the API shows). */
export function contributionOf(state: Pick<ExchangeState, 'kind' | 'status' | 'sides'>): [Contribution, Contribution] {
  const [a, b] = state.sides;
  const one = (own: typeof a, other: typeof a): Contribution => ({
    party: own.party,
    kind: state.kind,
    handedOver: own.delivered,
    received: other.delivered,
    agreedOutstanding:
      state.status === 'agreed' && own.handsOver !== null ? Math.max(own.handsOver - own.delivered, 0) : 0,
    unspecifiedSides: state.status === 'agreed' && own.handsOver === null ? 1 : 0,
    proposed: state.status === 'proposed' ? (own.handsOver ?? 0) : 0,
  });
  return [one(a, b), one(b, a)];
}

/**
 * The change a command makes to the maintained totals: contribution after minus before.
 * Only rows that change are returned, so an update touches as few aggregate rows as it can.
 */
export function totalsDelta(before: ExchangeState | null, after: ExchangeState): Contribution[] {
  const old = before ? contributionOf(before) : [];
  return contributionOf(after)
    .map((c) => {
      const prev = old.find((o) => o.party === c.party && o.kind === c.kind);
      const d = { ...c };
      for (const f of FIGURE_NAMES) d[f] = c[f] - (prev?.[f] ?? 0);
      return d;
    })
    .filter((d) => FIGURE_NAMES.some((f) => d[f] !== 0));
}

/** Sum contributions into rows keyed by party and kind (verify and tests recompute with it). */
export function sumContributions(contributions: Iterable<Contribution>): Map<string, Contribution> {
  const rows = new Map<string, Contribution>();
  for (const c of contributions) addContribution(rows, c);
  return rows;
}

/** Adds one contribution into rows keyed by party and kind (a running sum: nothing is kept per exchange). */
export function addContribution(rows: Map<string, Contribution>, c: Contribution): void {
  const key = `${c.party}\u0000${c.kind}`;
  let row = rows.get(key);
  if (row === undefined) {
    row = { party: c.party, kind: c.kind, ...ZERO };
    rows.set(key, row);
  }
  for (const f of FIGURE_NAMES) row[f] += c[f];
}
