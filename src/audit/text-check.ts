import { unacceptedTextOf, type UnacceptedText } from '../domain/event-text.js';
import type { RecordedLedgerEvent as RecordedEvent } from '../domain/reported-events.js';

export type { UnacceptedText };

/** How many fields verify names at most: the first, in ledger order. */
export const NAMED_AT_MOST = 20;

/**
 * Verify's look at each event's text (src/domain/text.ts). Such an event breaks nothing (its
 * hash covers what it holds, and the read routes show it safely), so it is reported beside
 * the verdict, not as a difference: an earlier build wrote it, or someone wrote it directly.
 */
export class TextCheck {
  private events = 0;
  private first: UnacceptedText['first'] = [];

  check(e: RecordedEvent): void {
    const found = unacceptedTextOf(e);
    if (found.length === 0) return;
    this.events += 1;
    for (const f of found) this.first.push({ sequence: e.sequence, eventId: e.id, ...f });
    // Events come in stream order: keep the earliest in ledger order, in bounded memory.
    if (this.first.length > 4 * NAMED_AT_MOST) this.first = earliest(this.first);
  }

  get result(): UnacceptedText {
    return { events: this.events, first: earliest(this.first) };
  }
}

const earliest = (found: UnacceptedText['first']) =>
  [...found].sort((a, b) => a.sequence - b.sequence).slice(0, NAMED_AT_MOST);

/** The parts of a verification (one per thread) as one; null when no event holds such text. */
export function mergeUnacceptedText(parts: UnacceptedText[]): UnacceptedText | null {
  const events = parts.reduce((n, p) => n + p.events, 0);
  return events === 0 ? null : { events, first: earliest(parts.flatMap((p) => p.first)) };
}
