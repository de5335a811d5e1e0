import type pg from 'pg';
import { addInto, nonZero, sorted, type ReadingContribution, type Rows } from '../../domain/reading-totals.js';
import { reportedEventsInForceAt } from '../../domain/reported-as-of.js';
import type { RecordedLedgerEvent, ReportedExchangeEventData } from '../../domain/reported-events.js';
import { foldReported, totalsOfExchanges, type ReportedExchange } from '../../domain/reported-exchange.js';
import type { TotalsQuery } from '../ledger-store.js';
import { run } from './queries.js';
import { EVENT_COLUMNS, eventFromRow, type EventRow } from './rows.js';
import { inTransaction } from './session.js';

/** Events per page: what a page holds is alive until the next is read. */
const PAGE = 1000;

type ExchangeEvent = RecordedLedgerEvent<ReportedExchangeEventData>;

/**
 * The totals under a reading as the ledger stood at world time T, recomputed from the events
 * in force then (domain/reported-as-of.ts): each exchange's events in force folded
 * (foldReported) and what it contributes summed (totalsOfExchanges), the same code as the
 * reference the maintained rows are tested against. The exchanges' events are read in
 * stream order, page by page, on one snapshot (a REPEATABLE READ transaction), so that
 * memory holds a page and the exchanges of that page, never the ledger.
 */
export function totalsAsOf(pool: pg.Pool, q: TotalsQuery & { asOf: string }): Promise<ReadingContribution[]> {
  if ([q.asOf, q.reading, q.party, q.kind, q.from, q.to].some((v) => v?.includes('\u0000'))) {
    return Promise.resolve([]);
  }
  const window = { from: q.from, to: q.to };
  return inTransaction(pool, async (client) => {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const out: Rows = new Map();
    const fold = (streams: ExchangeEvent[][]) => {
      const exchanges: ReportedExchange[] = [];
      for (const stream of streams) {
        const inForce = reportedEventsInForceAt(stream, q.asOf);
        if (inForce[0]?.type !== 'ExchangeProposed') continue;
        exchanges.push(foldReported(inForce)!);
      }
      addInto(out, totalsOfExchanges(exchanges, q.reading, q.filing, window));
    };
    // The party filter by the exchanges' sides (a breakdown files under other kinds than the
    // exchange's, so the kind filter applies to the rows).
    const party =
      q.party === undefined ? '' : 'AND stream_id IN (SELECT exchange_id FROM exchange_parties WHERE party = $3)';
    const statement = {
      name: `ledger_as_of_events_${q.party === undefined ? 'all' : 'party'}`,
      text: `SELECT ${EVENT_COLUMNS} FROM events
        WHERE (stream_id, version) > ($1, $2) AND stream_id IN (SELECT id FROM exchanges) ${party}
        ORDER BY stream_id, version LIMIT ${PAGE}`,
    };
    let after: [string, number] = ['', 0];
    let current: ExchangeEvent[] = [];
    for (;;) {
      const values = q.party === undefined ? after : [...after, q.party];
      const page = (await run<EventRow>(client, statement, values)).map((r) => eventFromRow(r) as ExchangeEvent);
      if (page.length === 0) break;
      const complete: ExchangeEvent[][] = [];
      for (const e of page) {
        if (current.length > 0 && current[0]!.streamId !== e.streamId) {
          complete.push(current);
          current = [];
        }
        current.push(e);
      }
      fold(complete);
      const last = page.at(-1)!;
      after = [last.streamId, last.version];
      if (page.length < PAGE) break;
    }
    if (current.length > 0) fold([current]);
    return sorted(
      [...out.values()].filter(
        (c) =>
          nonZero(c) && (q.party === undefined || c.party === q.party) && (q.kind === undefined || c.kind === q.kind),
      ),
    );
  });
}
