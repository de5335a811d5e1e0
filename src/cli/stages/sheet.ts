import { CsvError, parse } from 'csv-parse/sync';
import { ALWAYS_NEEDED, COLUMNS, columnLetter, columnNamed, type Column } from './columns.js';

/** One data row of the sheet: its first line in the file (the header is line 1) and its cells, '' when empty. */
export interface SheetRow {
  line: number;
  cells: Record<Column, string>;
}

/** Something wrong with the file, named as a spreadsheet user finds it: the line, and the column when there is one. */
export interface RowError {
  line: number;
  column?: Column;
  message: string;
  /** The API's problem type, when the ledger refused the row. */
  type?: string;
}

export interface Sheet {
  /** Where each column named in the header stands (0-based). */
  header: ReadonlyMap<Column, number>;
  headerLine: number;
  rows: SheetRow[];
}

export type SheetReading = { ok: true; sheet: Sheet } | { ok: false; errors: RowError[] };

/** `line 4, column countA (E)`: the column's header name and its letter in the spreadsheet. */
export function placeOf(error: RowError, header: ReadonlyMap<Column, number>): string {
  if (!error.column) return `line ${error.line}`;
  const index = header.get(error.column);
  return `line ${error.line}, column ${error.column}${index === undefined ? '' : ` (${columnLetter(index)})`}`;
}

/**
 * Reads a CSV export (RFC 4180: quoted fields may hold commas, quotes and line breaks) as
 * UTF-8, with or without a byte-order mark, with LF or CRLF line ends. A file that is not
 * UTF-8 (a spreadsheet's "CSV" in a Windows code page) is refused rather than read with
 * replacement characters, which would then stand in the ledger for good.
 */
export function readSheet(bytes: Uint8Array): SheetReading {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const loose = new TextDecoder('utf-8').decode(bytes);
    const line = loose.slice(0, loose.indexOf('\uFFFD')).split('\n').length;
    return {
      ok: false,
      errors: [{ line, message: 'the file is not UTF-8 text; save it from the spreadsheet as "CSV UTF-8"' }],
    };
  }
  // csv-parse counts a CRLF inside a quoted field as two lines; with LF alone its line count is
  // exact. A line break inside a field is kept, as LF.
  const records = parseRecords(text.replaceAll('\r\n', '\n'));
  if (!records.ok) return records;
  const [first, ...rest] = records.rows;
  if (!first) {
    return { ok: false, errors: [{ line: 1, message: 'the file is empty; it needs a header row naming the columns' }] };
  }
  const header = readHeader(first.fields, first.line);
  if (!header.ok) return header;
  const width = first.fields.length;
  const errors: RowError[] = [];
  const rows: SheetRow[] = [];
  for (const { fields, line } of rest) {
    const extra = fields.findIndex((f, i) => i >= width && f !== '');
    if (extra !== -1) {
      errors.push({
        line,
        message:
          `column ${columnLetter(extra)} is filled, but the header names ${width} columns ` +
          `(${columnLetter(width - 1)} is the last); is a comma missing its quotes?`,
      });
      continue;
    }
    // A row may stop early (trailing empty cells left out): the cells it omits are empty.
    const cells = Object.fromEntries(COLUMNS.map((c) => [c, ''])) as Record<Column, string>;
    for (const [column, index] of header.columns) cells[column] = fields[index] ?? '';
    rows.push({ line, cells });
  }
  return errors.length
    ? { ok: false, errors }
    : { ok: true, sheet: { header: header.columns, headerLine: first.line, rows } };
}

type Records = { ok: true; rows: { line: number; fields: string[] }[] } | { ok: false; errors: RowError[] };

function parseRecords(text: string): Records {
  try {
    const parsed = parse(text, {
      bom: true,
      info: true,
      trim: true,
      relax_column_count: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
    // The parser gives the line a record ends on; it starts as many lines earlier as its fields hold line breaks.
    const rows = parsed.map(({ record, info }) => ({
      fields: record,
      line: info.lines - record.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0),
    }));
    return { ok: true, rows };
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    const line = (e as CsvError & { lines?: number }).lines ?? 1;
    return { ok: false, errors: [{ line, message: `not readable as CSV: ${e.message}` }] };
  }
}

type Header = { ok: true; columns: Map<Column, number> } | { ok: false; errors: RowError[] };

function readHeader(fields: string[], line: number): Header {
  const columns = new Map<Column, number>();
  const errors: RowError[] = [];
  fields.forEach((name, index) => {
    const letter = columnLetter(index);
    if (name === '') {
      errors.push({ line, message: `column ${letter} has no name in the header row` });
      return;
    }
    const column = columnNamed(name);
    if (!column) {
      errors.push({ line, message: `column ${letter} "${name}" is not one of: ${COLUMNS.join(', ')}` });
    } else if (columns.has(column)) {
      errors.push({ line, message: `column ${letter} "${name}" repeats column ${columnLetter(columns.get(column)!)}` });
    } else {
      columns.set(column, index);
    }
  });
  for (const needed of ALWAYS_NEEDED) {
    if (!columns.has(needed)) {
      errors.push({
        line,
        column: needed,
        message: `the header has no column ${needed}; every sheet needs ${ALWAYS_NEEDED.join(', ')}`,
      });
    }
  }
  return errors.length ? { ok: false, errors } : { ok: true, columns };
}
