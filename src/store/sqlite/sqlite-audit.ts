import canonicalize from 'canonicalize';
import { and, asc, gt, lte } from 'drizzle-orm';
import { ChainCheck } from '../../audit/chain.js';
import { ImportRefusal } from '../../audit/ndjson.js';
import { EXCHANGE_EVENTS, type ExchangeEventData, type PartyEventData, type RecordedEvent } from '../../domain/events.js';
import { decideRegistration } from '../../domain/party.js';
import { commandLength, commandOf, replayRefusal } from '../../domain/replay.js';
import { GENESIS_HASH } from '../hash-chain.js';
import type { ImportReport, LedgerHead, NumberedEvent, Progress } from '../ledger-store.js';
import type { SqliteConnection } from './connection.js';
import { statementsFor } from './statements.js';
import { eventFromRow } from './rows.js';
import { events } from './schema.js';
import { applyExchangeEvents, applyPartyRegistered, insertEvent, ledgerHead, loadExchange, loadParty, registeredAmong, stagesConcerned } from './writes.js';

const PAGE = 2000;

// Verification reads a snapshot of its own; it lives in verify-ledger.ts.
export { verifyLedger } from './verify-ledger.js';

export function headOf(conn: SqliteConnection): LedgerHead {
  const h = ledgerHead(conn.db);
  return h ? { sequence: h.sequence, hash: h.hash, eventId: h.eventId, recordedAt: h.recordedAt } : { sequence: 0, hash: GENESIS_HASH, eventId: null, recordedAt: null };
}

/** Pages by sequence up to the head at the start: a consistent prefix, never all in memory. */
export async function* exportEvents(conn: SqliteConnection, after: number): AsyncGenerator<RecordedEvent> {
  const upTo = headOf(conn).sequence;
  let cursor = after;
  while (cursor < upTo) {
    const page = conn.db.select().from(events).where(and(gt(events.sequence, cursor), lte(events.sequence, upTo))).orderBy(asc(events.sequence)).limit(PAGE).all();
    if (page.length === 0) return;
    for (const row of page) yield eventFromRow(row);
    cursor = page.at(-1)!.sequence;
    // Let the event loop breathe between pages (other requests, socket writes).
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * Replays an exported ledger into an empty one: each event must continue the hash chain and
 * be exactly what the decider decides from the state before it. One transaction: a refused
 * line leaves nothing written.
 */
export async function importLedger(conn: SqliteConnection, source: AsyncIterable<NumberedEvent>, progress?: Progress): Promise<ImportReport> {
  const { db, sqlite } = conn;
  if (headOf(conn).sequence !== 0) return { ok: false, line: 0, reason: 'the target ledger is not empty: import restores into an empty ledger only' };
  const chain = new ChainCheck();
  let pending: NumberedEvent[] = [];
  let count = 0;

  const applyExchange = (group: NumberedEvent[]) => {
    const evs = group.map((g) => g.event as RecordedEvent<ExchangeEventData>);
    const before = loadExchange(db, evs[0]!.streamId);
    const command = commandOf(evs);
    const stages = stagesConcerned(db, before, command);
    const refusal = replayRefusal(evs, before, { registeredParties: registeredAmong(db, command), stages });
    if (refusal) throw new ImportRefusal(group[0]!.line, refusal);
    // The service makes every stage id fresh; a file could reuse one, across exchanges too.
    group.forEach(({ line }, i) => {
      const e = evs[i]!;
      if (e.type === 'StageRecorded' && statementsFor(db).stageIdTaken.get({ stageId: e.data.stageId })) {
        throw new ImportRefusal(line, `stage id ${e.data.stageId} is already used by an earlier stage`);
      }
    });
    for (const e of evs) insertEvent(db, e);
    applyExchangeEvents(db, before, evs, stages);
  };
  const flush = () => {
    if (pending.length) applyExchange(pending);
    pending = [];
  };


  sqlite.exec('BEGIN IMMEDIATE');
  try {
    for await (const item of source) {
      const { line, event } = item;
      const broken = chain.next(event);
      if (broken) throw new ImportRefusal(line, broken);
      if (event.type === 'PartyRegistered') {
        flush();
        const e = event as RecordedEvent<PartyEventData>;
        const decided = decideRegistration({ partyId: e.data.partyId, name: e.data.name, occurredAt: e.occurredAt, note: e.note }, loadParty(db, e.data.partyId), e.recordedAt);
        if (!decided.ok) throw new ImportRefusal(line, `party ${e.data.partyId} is registered twice`);
        if (e.streamId !== `party:${e.data.partyId}` || e.version !== 1 || canonicalize(decided.value[0]) !== canonicalize({ type: e.type, data: e.data, occurredAt: e.occurredAt, source: e.source, note: e.note })) {
          throw new ImportRefusal(line, 'the rules decide a different registration');
        }
        insertEvent(db, e);
        applyPartyRegistered(db, e);
      } else if (EXCHANGE_EVENTS.has(event.type)) {
        // A StageRecorded may be the last tranche of the completion that follows it.
        let consumed = false;
        if (pending.length === 1) {
          const pair = [pending[0]!, item];
          if (commandLength(pair.map((p) => p.event as RecordedEvent<ExchangeEventData>)) === 2) {
            applyExchange(pair);
            consumed = true;
          } else applyExchange(pending);
          pending = [];
        }
        if (!consumed) {
          if (event.type === 'StageRecorded') pending = [item];
          else applyExchange([item]);
        }
      } else {
        throw new ImportRefusal(line, `unknown event type ${event.type}`);
      }
      count += 1;
      if (count % 5000 === 0) progress?.(count, 0);
    }
    flush();
    sqlite.exec('COMMIT');
    progress?.(count, count);
    return { ok: true, events: count, head: headOf(conn) };
  } catch (e) {
    sqlite.exec('ROLLBACK');
    if (e instanceof ImportRefusal) return { ok: false, line: e.line, reason: e.message };
    throw e;
  }
}
