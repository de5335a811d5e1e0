import { stringify } from 'csv-stringify';
import type { FastifyReply } from 'fastify';
import { Readable, pipeline } from 'node:stream';

export type CsvCell = string | number | boolean | null;

/** A CSV answer's columns: a header and how each row gives its cell, in order. */
export interface CsvTable<T> {
  readonly headers: readonly string[];
  readonly cells: (row: T) => CsvCell[];
}

export function csvTable<T>(columns: Record<string, (row: T) => CsvCell>): CsvTable<T> {
  const entries = Object.entries(columns);
  return { headers: entries.map(([header]) => header), cells: (row) => entries.map(([, cell]) => cell(row)) };
}

/** RFC 4180, with its `header` parameter: the first line names the columns. */
export const CSV_CONTENT_TYPE = 'text/csv; charset=utf-8; header=present';

/**
 * What the OpenAPI document says of a CSV answer: its columns, and how text that a
 * spreadsheet would run as a formula is written.
 */
export const csvDescription = (table: { headers: readonly string[] }) =>
  `RFC 4180 CSV in UTF-8 (no byte order mark), CRLF line ends, a header row, then one row per item. Columns: ${table.headers.join(', ')}. ` +
  "Empty cell = null. A text cell that starts with =, +, -, @, a tab or a carriage return is written with a leading ' so that a " +
  'spreadsheet shows it as text instead of running it as a formula (numbers are never changed); the JSON answer has the exact text.';

/**
 * Streams `rows` as CSV: each is rendered as it is read, so a whole ledger is never in memory;
 * the socket's pace sets the reading's (backpressure). Should reading fail half-way, the
 * connection is cut rather than the file ended, so a short file cannot pass for a whole one.
 */
export function sendCsv<T>(
  reply: FastifyReply,
  table: CsvTable<T>,
  rows: AsyncIterable<T> | Iterable<T>,
): FastifyReply {
  const csv = stringify({
    header: true,
    columns: [...table.headers],
    record_delimiter: 'windows',
    quote_record_delimiter: true,
    // CSV (formula) injection: a cell of a recorded title, note or source that begins with one
    // of these characters would be run by a spreadsheet; csv-stringify prefixes it with a quote.
    escape_formulas: true,
    cast: { boolean: (b) => String(b) },
  });
  pipeline(
    Readable.from(
      (async function* () {
        for await (const row of rows) yield table.cells(row);
      })(),
    ),
    csv,
    (error) => {
      // A client that goes away is no fault; a read that fails is.
      if (error && (error as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE')
        reply.log.error({ err: error }, 'CSV answer cut short');
    },
  );
  return reply.type(CSV_CONTENT_TYPE).send(csv);
}
