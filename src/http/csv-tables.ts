import type { z } from 'zod';
import { csvTable } from './csv.js';
import type { ExchangeSummary } from './schemas/exchange.js';
import type { EventView } from './schemas/ledger.js';
import { READING_FIGURE_NAMES, type ReadingContribution } from '../domain/reading-totals.js';

/*
 * The columns of the CSV answers, made from the same presented values as the JSON ones so
 * that the two cannot disagree. Nested values are flattened where a spreadsheet needs them
 * (an exchange's two sides, an event's source); an event's data stays one JSON cell, since
 * its shape depends on the event's type.
 */

type Exchange = z.infer<typeof ExchangeSummary>;
type Side = Exchange['sides'][number];

/** One side of an exchange as six columns (its figures under the reading); `which` is A (the first side) or B. */
const sideColumns = (which: 'A' | 'B', at: 0 | 1) => ({
  [`party${which}`]: (e: Exchange) => sideOf(e, at).party,
  [`handsOver${which}`]: (e: Exchange) => sideOf(e, at).handsOver,
  [`delivered${which}`]: (e: Exchange) => sideOf(e, at).delivered,
  [`variance${which}`]: (e: Exchange) => sideOf(e, at).variance,
  [`undisclosedStages${which}`]: (e: Exchange) => sideOf(e, at).undisclosedStages,
  [`approximate${which}`]: (e: Exchange) => sideOf(e, at).approximate,
});
const sideOf = (e: Exchange, at: 0 | 1): Side => e.sides[at]!;

/**
 * One row per exchange, each without its stages, as GET /v1/exchanges lists them, under the
 * reading asked for (`reading`: empty for the default). Its reporters are one cell, joined
 * by spaces (ids hold none); the accounts of the terms are in the JSON answer.
 */
export const EXCHANGE_TABLE = csvTable<Exchange>({
  id: (e) => e.id,
  kind: (e) => e.kind,
  status: (e) => e.status,
  proposedBy: (e) => e.proposedBy,
  reading: (e) => e.reading,
  ...sideColumns('A', 0),
  ...sideColumns('B', 1),
  title: (e) => e.title,
  mediator: (e) => e.mediator,
  reporters: (e) => e.reporters.join(' '),
  occurredAt: (e) => e.occurredAt,
  agreedAt: (e) => e.agreedAt,
  createdAt: (e) => e.createdAt,
  updatedAt: (e) => e.updatedAt,
  version: (e) => e.version,
});

/** A totals row as the CSV answer has it: under which reporter's reading (null: the default one). */
export interface TotalsCsvRow extends ReadingContribution {
  reporter: string | null;
}

/**
 * One row per reading, party and kind, then a column per figure, as the JSON rows have them.
 * `reporter` is empty under the default reading (each stage's first account); with
 * according=each the default reading's rows come first, then each reporter's.
 */
export const TOTALS_TABLE = csvTable<TotalsCsvRow>({
  reporter: (r) => r.reporter,
  party: (r) => r.party,
  kind: (r) => r.kind,
  ...Object.fromEntries(READING_FIGURE_NAMES.map((figure) => [figure, (r: TotalsCsvRow) => r[figure]])),
});

type Event = z.infer<typeof EventView>;

/** One row per event of the ledger, in sequence order. */
export const EVENT_TABLE = csvTable<Event>({
  sequence: (e) => e.sequence,
  id: (e) => e.id,
  streamId: (e) => e.streamId,
  version: (e) => e.version,
  type: (e) => e.type,
  occurredAt: (e) => e.occurredAt,
  recordedAt: (e) => e.recordedAt,
  principal: (e) => e.principal,
  sourceTitle: (e) => e.source?.title ?? null,
  sourceUrl: (e) => e.source?.url ?? null,
  sourcePublishedAt: (e) => e.source?.publishedAt ?? null,
  note: (e) => e.note,
  data: (e) => JSON.stringify(e.data),
  prevHash: (e) => e.prevHash,
  hash: (e) => e.hash,
});
