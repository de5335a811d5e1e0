import type { RecordedEvent } from '../domain/events.js';
import { GENESIS_HASH, hashEvent } from '../store/hash-chain.js';

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
    if (event.sequence !== this.expectedSequence) return `sequence ${event.sequence} where ${this.expectedSequence} was expected (an event is missing or out of order)`;
    if (event.prevHash !== this.previousHash) return `prevHash does not match the hash of event ${this.expectedSequence - 1}`;
    const recomputed = hashEvent(event);
    if (recomputed !== event.hash) return `hash does not match the event's content (recomputed ${recomputed})`;
    this.expectedSequence += 1;
    this.previousHash = event.hash;
    return null;
  }

  get head(): { sequence: number; hash: string } {
    return { sequence: this.expectedSequence - 1, hash: this.previousHash };
  }
}
