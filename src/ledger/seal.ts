import type { NewLedgerEvent, RecordedLedgerEvent } from '../domain/reported-events.js';
import { uuidv7 } from '../ids.js';
import { GENESIS_HASH, hashEvent } from '../audit/hash-chain.js';
import type { ChainHead } from '../store/ledger-store.js';

/**
 * Gives decided events their place in the ledger after `head`: sequence, id, version in
 * their stream, time, principal, and the hash that chains each to the one before.
 */
export function seal(
  head: ChainHead | null,
  streamId: string,
  fromVersion: number,
  fresh: readonly NewLedgerEvent[],
  by: { principal: string; now: string },
): RecordedLedgerEvent[] {
  let sequence = head?.sequence ?? 0;
  let prevHash = head?.hash ?? GENESIS_HASH;
  return fresh.map((e, i) => {
    // Written out, not spread: V8 makes `{ ...e, more keys }` over ten times slower than a literal.
    const recorded = {
      type: e.type,
      data: e.data,
      occurredAt: e.occurredAt,
      source: e.source,
      note: e.note,
      sequence: ++sequence,
      id: uuidv7(),
      streamId,
      version: fromVersion + i + 1,
      recordedAt: by.now,
      principal: by.principal,
      prevHash,
      hash: '',
    } as RecordedLedgerEvent;
    recorded.hash = hashEvent(recorded);
    prevHash = recorded.hash;
    return recorded;
  });
}
