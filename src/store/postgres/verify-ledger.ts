import type pg from 'pg';
import { ChainCheck } from '../../audit/chain.js';
import { mergeUnacceptedText, TextCheck } from '../../audit/text-check.js';
import { GENESIS_HASH } from '../../audit/hash-chain.js';
import { addExpectedRows, firstRowDifference } from '../../audit/expected-readings.js';
import type { ReporterId } from '../../domain/accounts.js';
import type { RecordedEvent } from '../../domain/events.js';
import type { ObserverState } from '../../domain/observers.js';
import type { PartyState } from '../../domain/party.js';
import type { RecordedLedgerEvent, ReportedExchangeEventData } from '../../domain/reported-events.js';
import type { Difference, FiledRow, LedgerHead, Progress, StoredClaim, VerifyReport } from '../ledger-store.js';
import { run } from './queries.js';
import { cannotBeStored, EVENT_COLUMNS, eventFromRow, type EventRow } from './rows.js';
import { READS, WRITES } from './statements.js';
import { checkClaim, checkExchange, checkObserver, checkParty, type ExchangeRows } from './verify-exchange.js';
import { RowsByExchange } from './verify-rows.js';

/** The figures of a reading row under the code's names (missing ones are zero: stage_reading_rows has no terms). */
const READING_COLUMNS = `handed_over AS "handedOver", received,
  handed_over_undisclosed_stages AS "handedOverUndisclosedStages",
  received_undisclosed_stages AS "receivedUndisclosedStages", handed_over_approximate AS "handedOverApproximate",
  received_approximate AS "receivedApproximate", 0 AS "agreedOutstanding", 0 AS "unspecifiedSides", 0 AS proposed`;

/**
 * What verify reads, each as a cursor of the snapshot's transaction, fetched in pages: the
 * events twice (in ledger order for the chain, in stream order for the folds) and each
 * read model in exchange order, never a table whole in memory.
 */
const CURSORS = {
  chain: `SELECT ${EVENT_COLUMNS} FROM events WHERE sequence > 0 ORDER BY sequence`,
  streams: `SELECT ${EVENT_COLUMNS} FROM events ORDER BY stream_id, version`,
  exchanges: `SELECT id AS "exchangeId", id, seq, kind, status, occurred_at AS "occurredAt", version, state,
    readings FROM exchanges ORDER BY id`,
  sides: `SELECT exchange_id AS "exchangeId", party, occurred_at AS "occurredAt", seq FROM exchange_parties
    ORDER BY exchange_id, party`,
  reports: `SELECT exchange_id AS "exchangeId", stage_id AS "stageId", sequence, stage FROM stage_reports
    ORDER BY exchange_id, sequence`,
  readingRows: `SELECT exchange_id AS "exchangeId", stage_id AS "stageId", occurred_at AS "occurredAt", filing,
    reading, party, kind, ${READING_COLUMNS} FROM stage_reading_rows ORDER BY exchange_id, stage_id`,
};
type CursorName = keyof typeof CURSORS;

/** Small pages: what a page holds is alive until the next is fetched. */
const PAGE = 500;

const COUNTS = `SELECT (SELECT count(*) FROM exchanges) AS exchanges, (SELECT count(*) FROM parties) AS parties,
  (SELECT count(*) FROM exchange_parties) AS "exchangeParties",
  (SELECT count(*) FROM stage_reports) AS "stageReports",
  (SELECT count(*) FROM stage_reading_rows) AS "stageReadingRows",
  (SELECT count(*) FROM observers) AS observers, (SELECT count(*) FROM claims) AS claims`;

const READING_TOTALS = `SELECT filing, reading, party, kind, handed_over AS "handedOver", received,
  agreed_outstanding AS "agreedOutstanding", unspecified_sides AS "unspecifiedSides", proposed,
  handed_over_undisclosed_stages AS "handedOverUndisclosedStages",
  received_undisclosed_stages AS "receivedUndisclosedStages", handed_over_approximate AS "handedOverApproximate",
  received_approximate AS "receivedApproximate" FROM reading_totals`;

const REPORTERS = `SELECT id, first_sequence AS "firstSequence" FROM reporters ORDER BY id`;

/**
 * Re-derives everything from the events and compares, as the SQLite store's verify does and
 * with the same reports: the hash chain in sequence order (the first break, and how many
 * events held before it), then each stream folded through the domain code against its
 * read-model rows (the first in stream order), then rows no event accounts for, then every
 * reading's totals against the sum of every exchange's rows, and the reporters.
 *
 * Everything is read on one connection in one REPEATABLE READ READ ONLY transaction: one
 * snapshot, taken by its first statement, whatever the service commits meanwhile, and no
 * lock that would hold a writer back.
 */
export async function verifyOn(client: pg.PoolClient, progress?: Progress): Promise<VerifyReport> {
  // The snapshot is taken by the first statement, in the same round trip as BEGIN.
  const [, , ...declared] = (await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT 1;
    ${Object.entries(CURSORS)
      .map(([name, sql]) => `DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`)
      .join(';\n')}`)) as unknown as pg.QueryResult[];
  if (declared.length !== Object.keys(CURSORS).length) throw new Error('verify: the cursors were not declared');
  const fetch = async <R>(name: CursorName) => (await client.query(`FETCH FORWARD ${PAGE} FROM ${name}`)).rows as R[];

  const [h] = await run<LedgerHead>(client, READS.head);
  const head: LedgerHead = h ?? { sequence: 0, hash: GENESIS_HASH, eventId: null, recordedAt: null };
  const total = head.sequence;
  // Text an earlier build let in is named beside the verdict, whatever it is (audit/text-check.ts).
  const text = new TextCheck();
  const withText = (r: VerifyReport): VerifyReport => {
    const found = mergeUnacceptedText([text.result]);
    return found ? { ...r, unacceptedText: found } : r;
  };
  const fail = (firstDifference: Difference, events: number): VerifyReport =>
    withText({ ok: false, events, head, firstDifference });
  const report = (chained: number, folded: number) => progress?.(Math.floor((chained + folded) / 2), total);

  // 1. The chain, in ledger order.
  const chain = new ChainCheck();
  let read = 0;
  for (let page = await fetch<EventRow>('chain'); page.length > 0; page = await fetch<EventRow>('chain')) {
    for (const row of page) {
      const e = eventFromRow(row);
      text.check(e);
      const broken = chain.next(e);
      if (broken)
        return fail({ kind: 'event', sequence: e.sequence, eventId: e.id, detail: broken }, chain.head.sequence);
      read += 1;
    }
    report(read, 0);
  }

  // 2. Each stream against its rows, the first in stream order.
  const rows: ExchangeRows = {
    exchanges: new RowsByExchange(() => fetch('exchanges')),
    sides: new RowsByExchange(() => fetch('sides')),
    reports: new RowsByExchange(() => fetch('reports')),
    readingRows: new RowsByExchange(() => fetch('readingRows')),
  };
  const readingSums = new Map<string, FiledRow>();
  const firstAccounts = new Map<ReporterId, number>();
  const ledgerSums = {
    readings: (x: Parameters<typeof addExpectedRows>[1]) => addExpectedRows(readingSums, x),
    reporter: (id: ReporterId, sequence: number) =>
      firstAccounts.set(id, Math.min(sequence, firstAccounts.get(id) ?? Number.POSITIVE_INFINITY)),
  };
  const streams = { exchanges: 0, parties: 0, observers: 0, claims: 0 };
  const fold = async (stream: RecordedLedgerEvent[]): Promise<Difference | null> => {
    const first = stream[0]!;
    if (first.type === 'PartyRegistered') {
      streams.parties += 1;
      const id = first.data.partyId;
      const [row] = cannotBeStored(id) ? [] : await run<PartyState>(client, WRITES.party, [id]);
      return checkParty(stream as RecordedEvent[], row ?? null);
    }
    if (first.type === 'ObserverRegistered') {
      streams.observers += 1;
      const id = first.data.observerId;
      const [row] = cannotBeStored(id) ? [] : await run<ObserverState>(client, WRITES.observer, [id]);
      return checkObserver(stream, row ?? null);
    }
    if (first.type === 'ClaimRecorded') {
      streams.claims += 1;
      const id = first.data.claimId;
      const [row] = cannotBeStored(id) ? [] : await run<{ claim: string }>(client, READS.claim, [id]);
      return checkClaim(stream, row ? (JSON.parse(row.claim) as StoredClaim) : null);
    }
    streams.exchanges += 1;
    return checkExchange(rows, stream as RecordedLedgerEvent<ReportedExchangeEventData>[], ledgerSums);
  };
  let current: RecordedLedgerEvent[] = [];
  let folded = 0;
  for (let page = await fetch<EventRow>('streams'); page.length > 0; page = await fetch<EventRow>('streams')) {
    for (const row of page) {
      const e = eventFromRow(row);
      if (current.length > 0 && current[0]!.streamId !== e.streamId) {
        const difference = await fold(current);
        if (difference) return fail(difference, read);
        current = [];
      }
      current.push(e);
    }
    folded += page.length;
    report(read, folded);
  }
  if (current.length > 0) {
    const difference = await fold(current);
    if (difference) return fail(difference, read);
  }

  // Rows with no events behind them.
  const [counts] = await run<
    Record<keyof typeof streams | 'exchangeParties' | 'stageReports' | 'stageReadingRows', number>
  >(client, { name: 'ledger_verify_counts', text: COUNTS });
  for (const table of ['exchanges', 'parties', 'observers', 'claims'] as const) {
    if (counts![table] !== streams[table]) {
      return fail(
        {
          kind: 'read-model',
          table,
          key: '*',
          detail: `${counts![table]} rows, but the events describe ${streams[table]}`,
        },
        read,
      );
    }
  }
  // Every exchange's own rows matched; any further row belongs to no exchange of the ledger
  // (an orphan would still be read by the party filter).
  if (counts!.exchangeParties !== rows.sides.taken) {
    const detail = `${counts!.exchangeParties} rows, but the exchanges' events account for ${rows.sides.taken}`;
    return fail({ kind: 'read-model', table: 'exchange_parties', key: '*', detail }, read);
  }

  // 3. The readings' rows (as the SQLite store's verify, in its order): stages no exchange
  // records, every reading's totals against the sum of every exchange's rows, the reporters.
  if (counts!.stageReports !== rows.reports.taken) {
    const detail = `${counts!.stageReports} rows, but the exchanges' events account for ${rows.reports.taken}`;
    return fail({ kind: 'read-model', table: 'stage_reports', key: '*', detail }, read);
  }
  if (counts!.stageReadingRows !== rows.readingRows.taken) {
    const detail = `${counts!.stageReadingRows} rows, but the exchanges' events account for ${rows.readingRows.taken}`;
    return fail({ kind: 'read-model', table: 'stage_reading_rows', key: '*', detail }, read);
  }
  const readingTotals = await run<FiledRow>(client, { name: 'ledger_verify_reading_totals', text: READING_TOTALS });
  const readingDifference = firstRowDifference('reading_totals', readingSums.values(), readingTotals);
  if (readingDifference) return fail(readingDifference, read);
  const reporters = await run<{ id: string; firstSequence: number }>(client, {
    name: 'ledger_verify_reporters',
    text: REPORTERS,
  });
  const reporterDifference = firstReporterDifference(firstAccounts, reporters);
  if (reporterDifference) return fail(reporterDifference, read);

  progress?.(total, total);
  return withText({ ok: true, events: read, head });
}

/**
 * The reporters kept against those the exchanges' accounts name (the SQLite store's check),
 * then each one's first_sequence: the first event of the command of its first account,
 * which orders `according=each`.
 */
function firstReporterDifference(
  expected: ReadonlyMap<ReporterId, number>,
  stored: readonly { id: string; firstSequence: number }[],
): Difference | null {
  const have = new Map(stored.map((r) => [r.id, r.firstSequence]));
  const missing = [...expected.keys()].find((r) => !have.has(r)) ?? [...have.keys()].find((r) => !expected.has(r));
  if (missing !== undefined) {
    const detail = 'the events and the rows disagree on this reporter';
    return { kind: 'read-model', table: 'reporters', key: missing, detail };
  }
  for (const [id, want] of expected) {
    const kept = have.get(id)!;
    if (kept !== want) {
      const detail = `first_sequence is ${kept}, the events give ${want}`;
      return { kind: 'read-model', table: 'reporters', key: id, detail };
    }
  }
  return null;
}
