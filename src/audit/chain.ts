import { hash } from 'node:crypto';
import type { RecordedLedgerEvent as RecordedEvent } from '../domain/reported-events.js';
import { GENESIS_HASH, hashEvent } from './hash-chain.js';
import { fastEventCanonical } from './jcs.js';

/** What is wrong with an event found where another sequence belongs (a gap, a reorder). */
export const outOfPlace = (sequence: number, expected: number) =>
  `sequence ${sequence} where ${expected} was expected (an event is missing or out of order)`;

/** What is wrong with an event whose prevHash is not the hash of the one before it. */
export const unlinked = (expected: number) => `prevHash does not match the hash of event ${expected - 1}`;

/**
 * null when the event's hash is the hash of its content; otherwise what is wrong (an edit).
 * Only a match can come from the fast canonical form; anything else is decided by hashEvent,
 * the writer's own definition, which also names the hash it recomputes.
 */
export function contentBreak(event: RecordedEvent): string | null {
  if (typeof event.prevHash === 'string') {
    const canonical = fastEventCanonical(event);
    if (canonical !== undefined && hash('sha256', event.prevHash + canonical) === event.hash) return null;
  }
  const recomputed = hashEvent(event);
  return recomputed === event.hash ? null : `hash does not match the event's content (recomputed ${recomputed})`;
}

/**
 * Walks a ledger in order and says where its hash chain first breaks: a sequence out of
 * place (a gap, a reorder), a prevHash that is not the previous hash (a removed or inserted
 * event), or a hash that does not match the event's content (an edit).
 */
export class ChainCheck {
  private expectedSequence = 1;
  private previousHash = GENESIS_HASH;

  constructor(start?: { sequence: number; hash: string }) {
    if (start) {
      this.expectedSequence = start.sequence + 1;
      this.previousHash = start.hash;
    }
  }

  /** null when the event continues the chain; otherwise what is wrong with it. */
  next(event: RecordedEvent): string | null {
    if (event.sequence !== this.expectedSequence) return outOfPlace(event.sequence, this.expectedSequence);
    if (event.prevHash !== this.previousHash) return unlinked(this.expectedSequence);
    const broken = contentBreak(event);
    if (broken) return broken;
    this.expectedSequence += 1;
    this.previousHash = event.hash;
    return null;
  }

  get head(): { sequence: number; hash: string } {
    return { sequence: this.expectedSequence - 1, hash: this.previousHash };
  }
}
