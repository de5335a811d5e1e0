import { hash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { fastEventCanonical } from './jcs.js';
import type { RecordedLedgerEvent as RecordedEvent } from '../domain/reported-events.js';

/** The prevHash of the first event of a ledger. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * hash = SHA-256(prevHash ‖ canonical JSON of the event without its hash), hex.
 * Canonical JSON is RFC 8785 (JCS): sorted keys, no whitespace, ECMAScript number form,
 * so anyone can recompute it from an export with any conforming library.
 */
export function hashEvent(event: Omit<RecordedEvent, 'hash'>): string {
  // The fast writer covers every event the service makes (it skips `hash`); `canonicalize` has the last word on anything else.
  const canonical = fastEventCanonical(event as RecordedEvent) ?? canonicalize(withoutHash(event)) ?? '';
  // One-shot hash of the concatenation: the same digest as two updates, without a Hash object.
  return hash('sha256', event.prevHash + canonical, 'hex');
}

function withoutHash(event: object): object {
  const { hash: _ignored, ...body } = event as RecordedEvent;
  return body;
}
