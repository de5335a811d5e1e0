import type pg from 'pg';
import { addInto, nonZero, sorted, type ReadingContribution, type Rows } from '../../domain/reading-totals.js';
import type { RecordedLedgerEvent, ReportedExchangeEventData } from '../../domain/reported-events.js';
import type { TotalsQuery } from '../ledger-store.js';
import { totalsAsOf as foldedTotals } from '../reported-as-of.js';
import { run } from './queries.js';
import { EVENT_COLUMNS, eventFromRow, type EventRow } from './rows.js';
import { inTransaction } from './session.js';

/** Events per page: what a page holds is alive until the next is read. */
const PAGE_SIZE = 1000;

type ExchangeEvent = RecordedLedgerEvent<ReportedExchangeEventData>;

/**
 * The totals under a reading as the ledger stood at world time T, recomputed from the events
 * in force then: ../reported-as-of.ts, the code every adapter shares, over the streams of
 * the exchanges proposed by T. The events are read in stream order, page by page, on one
 * snapshot (a REPEATABLE READ transaction), each page's complete streams folded and summed
 * at once: memory holds a page, never the ledger. (`page`: the tests try small ones.)
 */
export function totalsAsOf(
  pool: pg.Pool,
  q: TotalsQuery & { asOf: string },
  page = PAGE_SIZE,
): Promise<ReadingContribution[]> {
  if ([q.asOf, q.reading, q.party, q.kind, q.from, q.to].some((v) => v?.includes('\u0000'))) {
    return Promise.resolve([]);
  }
  return inTransaction(pool, async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const out: Rows = new Map();
    const fold = (streams: ExchangeEvent[][]) => addInto(out, foldedTotals(streams, q));
    // Only an exchange proposed by T has events in force then; with a party, only its own.
    // Not by kind: a breakdown files counts under other kinds than the exchange's.
    const party = q.party === undefined ? '' : 'AND id IN (SELECT exchange_id FROM exchange_parties WHERE party = $4)';
    const statement = {
      name: `ledger_as_of_events_${q.party === undefined ? 'all' : 'party'}_${page}`,
      text: `SELECT ${EVENT_COLUMNS} FROM events
        WHERE (stream_id, version) > ($1, $2)
          AND stream_id IN (SELECT id FROM exchanges WHERE occurred_at <= $3 ${party})
        ORDER BY stream_id, version LIMIT ${page}`,
    };
    let after: [string, number] = ['', 0];
    let current: ExchangeEvent[] = [];
    for (;;) {
      const values = q.party === undefined ? [...after, q.asOf] : [...after, q.asOf, q.party];
      const events = (await run<EventRow>(client, statement, values)).map((r) => eventFromRow(r) as ExchangeEvent);
      const complete: ExchangeEvent[][] = [];
      for (const e of events) {
        if (current.length > 0 && current[0]!.streamId !== e.streamId) {
          complete.push(current);
          current = [];
        }
        current.push(e);
      }
      fold(complete);
      if (events.length < page) break;
      const last = events.at(-1)!;
      after = [last.streamId, last.version];
    }
    if (current.length > 0) fold([current]);
    return sorted([...out.values()].filter(nonZero));
  });
}
