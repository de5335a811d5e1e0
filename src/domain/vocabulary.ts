/** The words of the design, as types. Nothing here does I/O. */

export const KINDS = ['pow', 'remains', 'medical', 'civilians', 'children'] as const;
export type Kind = (typeof KINDS)[number];

export const STATUSES = ['proposed', 'agreed', 'completed', 'rejected', 'withdrawn', 'cancelled'] as const;
export type Status = (typeof STATUSES)[number];

export const ACTIONS = [
  'counter',
  'agree',
  'reject',
  'withdraw',
  'cancel',
  'recordStage',
  'voidStage',
  'complete',
] as const;
export type Action = (typeof ACTIONS)[number];

/** Counts are whole persons, 0 ≤ n < 10⁷ (the design's bound). */
export const MAX_COUNT = 9_999_999;

export type PartyId = string;

/** Where a claim comes from: the ledger stores what was claimed, by whom, from which source. */
export interface Source {
  title: string;
  url?: string;
  publishedAt?: string;
}

/** One party's part of the terms: `handsOver: null` means "not specified". */
export interface Terms {
  party: PartyId;
  handsOver: number | null;
}

/** One party's count in a stage actually carried out. */
export interface Handover {
  party: PartyId;
  count: number;
}
