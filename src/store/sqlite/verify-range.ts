import type Database from 'better-sqlite3';
import { TextCheck, type UnacceptedText } from '../../audit/text-check.js';
import type { RecordedLedgerEvent as RecordedEvent, ReportedExchangeEventData } from '../../domain/reported-events.js';
import type { Difference, FiledRow } from '../ledger-store.js';
import { ContentCheck, type ContentFailure } from './verify-chain.js';
import {
  checkClaim,
  checkExchange,
  checkObserver,
  checkParty,
  ExchangeRows,
  type ReadingsTally,
} from './verify-exchange.js';
import { eventRowOf, eventPages, verifyStatements, type StreamRange } from './verify-snapshot.js';
import { eventFromRow } from './rows.js';

/** An event with no place in the chain (sequence 0 or below): read for its stream's fold only. */
function readOutsideChain(row: unknown[]): RecordedEvent | { error: unknown } {
  try {
    return eventFromRow(eventRowOf(row));
  } catch (error) {
    return { error };
  }
}

/** The first stream whose rows differ from its fold, or whose fold threw. */
export type Outcome = { difference: Difference } | { error: unknown };

/** What one range of streams says; plain data, so that a worker thread can send it. */
export interface RangeResult {
  read: number;
  /** The first event, in ledger order, whose own content fails. */
  content: ContentFailure | null;
  /** The first stream, in stream order, found to differ. */
  outcome: Outcome | null;
  streams: { exchanges: number; parties: number; observers: number; claims: number };
  /** Rows of each per-exchange read model that belonged to an exchange of the range (and were compared). */
  rows: { exchangeParties: number; stageReports: number; stageReadingRows: number };
  /** The reading_totals rows its exchanges' events give (rows' convention), and the reporters they name. */
  readingRows: FiledRow[];
  /** [reporter, sequence of the first command that named it] */
  reporters: [string, number][];
  /** Its events that hold text this build would not accept. */
  text: UnacceptedText;
}

/**
 * The events of a range of streams, read once in stream order: each event's content is
 * checked for the chain, and each stream is folded and compared with its read-model rows.
 * After the first difference, or once the chain is known to break (reported before any read
 * model), only the chain is still checked. `pause` runs between pages.
 */
export async function verifyRange(
  sqlite: Database.Database,
  range: StreamRange,
  pause: (read: number) => Promise<void> | void,
): Promise<RangeResult> {
  const st = verifyStatements(sqlite);
  const content = new ContentCheck();
  const text = new TextCheck();
  const streams = { exchanges: 0, parties: 0, observers: 0, claims: 0 };
  const tally: ReadingsTally = { rows: new Map(), reporters: new Map(), stageRows: 0 };
  let stageReports = 0;
  let outcome: Outcome | null = null;
  let read = 0;

  const rows = new ExchangeRows(sqlite, range);
  const fold = (stream: RecordedEvent[]): Outcome | null => {
    try {
      let difference: Difference | null;
      const type = stream[0]!.type;
      if (type === 'PartyRegistered') {
        streams.parties += 1;
        difference = checkParty(st, stream as never);
      } else if (type === 'ObserverRegistered') {
        streams.observers += 1;
        difference = checkObserver(st, stream);
      } else if (type === 'ClaimRecorded') {
        streams.claims += 1;
        difference = checkClaim(st, stream);
      } else {
        streams.exchanges += 1;
        const exchangeStream = stream as RecordedEvent<ReportedExchangeEventData>[];
        stageReports += exchangeStream.filter((e) => e.type === 'StageRecorded' || e.type === 'StageReported').length;
        difference = checkExchange(rows, st, exchangeStream, tally);
      }
      return difference && { difference };
    } catch (error) {
      return { error };
    }
  };
  try {
    let current: RecordedEvent[] = [];
    for (const page of eventPages(sqlite, range)) {
      for (const row of page) {
        let e: RecordedEvent | null;
        if ((row[0] as number) > 0) {
          read += 1;
          e = content.read(row);
          if (e) text.check(e);
        } else {
          // Reading it throws where the fold would have: in stream order, unless a difference came first.
          const outside = readOutsideChain(row);
          if ('error' in outside) outcome ??= outside;
          e = 'error' in outside ? null : outside;
        }
        if (!e) continue;
        if (current.length && current[0]!.streamId !== e.streamId) {
          if (!outcome && !content.first) outcome = fold(current);
          current = [];
        }
        current.push(e);
      }
      await pause(read);
    }
    if (current.length && !outcome && !content.first) outcome = fold(current);
  } finally {
    rows.close();
  }
  const counted = {
    exchangeParties: rows.sides.taken,
    stageReports,
    stageReadingRows: tally.stageRows,
  };
  return {
    read,
    content: content.first,
    outcome,
    streams,
    rows: counted,
    readingRows: [...tally.rows.values()],
    reporters: [...tally.reporters],
    text: text.result,
  };
}
