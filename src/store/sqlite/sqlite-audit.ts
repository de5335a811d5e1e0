import { and, asc, gt, lte } from 'drizzle-orm';
import type { RecordedLedgerEvent as RecordedEvent } from '../../domain/reported-events.js';
import { GENESIS_HASH } from '../../audit/hash-chain.js';
import type { LedgerHead } from '../ledger-store.js';
import type { SqliteConnection } from './connection.js';
import { eventFromRow } from './rows.js';
import { events } from './schema.js';
import { ledgerHead } from './writes.js';

const PAGE = 2000;

// Verification reads a snapshot of its own; it lives in verify-ledger.ts.
export { verifyLedger } from './verify-ledger.js';

export function headOf(conn: SqliteConnection): LedgerHead {
  const h = ledgerHead(conn.db);
  return h
    ? { sequence: h.sequence, hash: h.hash, eventId: h.eventId, recordedAt: h.recordedAt }
    : { sequence: 0, hash: GENESIS_HASH, eventId: null, recordedAt: null };
}

/** Pages by sequence up to the head at the start: a consistent prefix, never all in memory. */
export async function* exportEvents(conn: SqliteConnection, after: number): AsyncGenerator<RecordedEvent> {
  const upTo = headOf(conn).sequence;
  let cursor = after;
  while (cursor < upTo) {
    const page = conn.db
      .select()
      .from(events)
      .where(and(gt(events.sequence, cursor), lte(events.sequence, upTo)))
      .orderBy(asc(events.sequence))
      .limit(PAGE)
      .all();
    if (page.length === 0) return;
    for (const row of page) yield eventFromRow(row);
    cursor = page.at(-1)!.sequence;
    // Let the event loop breathe between pages (other requests, socket writes).
    await new Promise((r) => setImmediate(r));
  }
}
