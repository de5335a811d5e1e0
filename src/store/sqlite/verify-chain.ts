import { contentBreak, outOfPlace, unlinked } from '../../audit/chain.js';
import type { RecordedLedgerEvent as RecordedEvent } from '../../domain/reported-events.js';
import { GENESIS_HASH } from '../../audit/hash-chain.js';
import { eventFromRow } from './rows.js';
import { eventRowOf, type VerifyStatements } from './verify-snapshot.js';

/** Where the chain first breaks, and how many events before it held. */
export interface ChainBreak {
  sequence: number;
  eventId: string;
  detail: string;
  seen: number;
}

/**
 * An event whose own content fails: its hash is not that of its content, or reading or
 * hashing it throws (before its links are checked, for reading; after, for hashing).
 */
export type ContentFailure =
  | { sequence: number; eventId: string; detail: string }
  | { sequence: number; error: unknown; beforeLinks: boolean };

/**
 * The hash chain, checked in two halves that together say what walking it in ledger order
 * with ChainCheck says. Each event's own content (parsed, hashed) is checked as the events
 * go by in stream order, so they are read once for both the chain and the folds; the links
 * between neighbours (sequence, prevHash) are found by SQLite afterwards (firstChainBreak).
 */
export class ContentCheck {
  first: ContentFailure | null = null;

  /** The event of a raw row of EVENT_KEYS, its content checked; null if it cannot be read. */
  read(row: unknown[]): RecordedEvent | null {
    const sequence = row[0] as number;
    // Past a known failure nothing more can be reported: skip the work.
    if (this.first && sequence > this.first.sequence) return null;
    let e: RecordedEvent;
    try {
      e = eventFromRow(eventRowOf(row));
    } catch (error) {
      this.note({ sequence, error, beforeLinks: true });
      return null;
    }
    try {
      const detail = contentBreak(e);
      if (detail) this.note({ sequence, eventId: e.id, detail });
    } catch (error) {
      this.note({ sequence, error, beforeLinks: false });
    }
    return e;
  }

  note(found: ContentFailure | null): void {
    if (found && (!this.first || found.sequence < this.first.sequence)) this.first = found;
  }
}

/**
 * The first break in ledger order, once every event's content has been checked; null if
 * none. At one event the checks keep ChainCheck's order: reading it, then its place and
 * link, then its hash. What ChainCheck would have thrown is thrown.
 */
export function firstChainBreak(st: VerifyStatements, own: ContentFailure | null): ChainBreak | null {
  const link = firstUnlinked(st);
  if (
    own &&
    (!link || own.sequence < link.sequence || (own.sequence === link.sequence && 'error' in own && own.beforeLinks))
  ) {
    if ('error' in own) throw own.error;
    // No earlier link is broken, so the events before this one are 1, 2, … in order.
    return { ...own, seen: own.sequence - 1 };
  }
  return link;
}

/** The first event not in its place or not linked to the one before it, as ChainCheck judges. */
function firstUnlinked(st: VerifyStatements): ChainBreak | null {
  for (const [sequence, eventId, prevHash] of st.unlinkedCandidates.iterate() as IterableIterator<
    [number, string, unknown]
  >) {
    // Every event before this candidate held, so they run 1, 2, … up to the one before it.
    const previous = st.eventBefore.get(sequence) as [number, unknown] | undefined;
    const expected = (previous?.[0] ?? 0) + 1;
    if (sequence !== expected) return { sequence, eventId, detail: outOfPlace(sequence, expected), seen: expected - 1 };
    if (prevHash !== (previous ? previous[1] : GENESIS_HASH))
      return { sequence, eventId, detail: unlinked(expected), seen: expected - 1 };
  }
  return null;
}
