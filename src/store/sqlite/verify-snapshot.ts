import Database from 'better-sqlite3';
import { getTableColumns, getTableName, type Table } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { events, exchangeParties, exchanges, parties } from './schema.js';

/**
 * What verify reads, as SQL on a connection that holds one read transaction (see
 * verify-ledger.ts): rows come back as arrays, without drizzle's mapping, and the tables
 * are read in pages or streamed, never whole.
 */

const name = (c: SQLiteColumn) => `"${c.name}"`;
const from = (t: Table) => `FROM "${getTableName(t)}"`;

/**
 * Read-only, waiting on a busy file as the main connection does. Verify reads each page about
 * once, so a page cache larger than SQLite's 2 MiB default buys nothing (better-sqlite3's
 * default is 16 MiB): on a 10⁶-event ledger the smaller one took the service's peak RSS while
 * verifying from 177 to 152 MB, in the same time.
 */
export function openReader(path: string): Database.Database {
  const sqlite = new Database(path, { readonly: true, fileMustExist: true });
  sqlite.pragma('cache_size = -2000');
  sqlite.pragma('busy_timeout = 5000');
  return sqlite;
}

/**
 * Read-write, only to hold the write lock for an instant (see verify-ledger.ts). It waits
 * little for a writer of another process: verify can do without it.
 */
export function openWriter(path: string): Database.Database {
  const sqlite = new Database(path, { fileMustExist: true });
  sqlite.pragma('busy_timeout = 250');
  return sqlite;
}

/** Streams whose id is from `from` (inclusive) to `to` (exclusive); null: no bound. */
export interface StreamRange {
  from: string | null;
  to: string | null;
}

/**
 * The range as a condition on `column`. Pages after the first, which start past the last
 * row read, leave the lower bound out: given two lower bounds SQLite seeks by one, and by the
 * range's it would scan from there again for every page.
 */
function within(column: SQLiteColumn, range: StreamRange, lower = true): { sql: string; params: string[] } {
  const bounds: [string, string][] = [];
  if (lower && range.from !== null) bounds.push([`${name(column)} >= ?`, range.from]);
  if (range.to !== null) bounds.push([`${name(column)} < ?`, range.to]);
  return {
    sql: bounds.length ? bounds.map(([sql]) => sql).join(' AND ') : '1',
    params: bounds.map(([, value]) => value),
  };
}

/** The columns of events in the order verify reads them (rows are arrays: see eventRowOf). */
export const EVENT_KEYS = [
  'sequence',
  'id',
  'streamId',
  'version',
  'type',
  'data',
  'occurredAt',
  'recordedAt',
  'principal',
  'source',
  'note',
  'prevHash',
  'hash',
] as const;
const eventColumns = getTableColumns(events);

/** A raw row of EVENT_KEYS under the names eventFromRow expects (a literal: this runs per event). */
export const eventRowOf = (r: unknown[]) =>
  ({
    sequence: r[0],
    id: r[1],
    streamId: r[2],
    version: r[3],
    type: r[4],
    data: r[5],
    occurredAt: r[6],
    recordedAt: r[7],
    principal: r[8],
    source: r[9],
    note: r[10],
    prevHash: r[11],
    hash: r[12],
  }) as { [K in (typeof EVENT_KEYS)[number]]: (typeof events.$inferSelect)[K] };

/*
 * Small pages: what a page holds is alive when the garbage collector runs, and copying it
 * costs more than the extra statement executions.
 */
const EVENT_PAGE = 500;
const ROW_PAGE = 500;

/**
 * The events of the streams in `range`, in stream order, page by page: each page starts where
 * the last ended, one seek in the (stream_id, version) index, with no sort.
 */
export function* eventPages(sqlite: Database.Database, range: StreamRange): Generator<unknown[][], void, undefined> {
  const bound = within(events.streamId, range);
  const upper = within(events.streamId, range, false);
  const key = `${name(events.streamId)}, ${name(events.version)}`;
  const select = `SELECT ${EVENT_KEYS.map((k) => name(eventColumns[k])).join(', ')} ${from(events)}`;
  const first = sqlite.prepare(`${select} WHERE ${bound.sql} ORDER BY ${key} LIMIT ?`).raw();
  const next = sqlite.prepare(`${select} WHERE ${upper.sql} AND (${key}) > (?, ?) ORDER BY ${key} LIMIT ?`).raw();
  for (let page = first.all(...bound.params, EVENT_PAGE) as unknown[][]; page.length; ) {
    yield page;
    const last = page.at(-1)!;
    page = page.length < EVENT_PAGE ? [] : (next.all(...upper.params, last[2], last[3], EVENT_PAGE) as unknown[][]);
  }
}

/**
 * A read model as verify compares it: rows are arrays whose first value is the exchange id
 * they belong to (the merge key), then the columns, named by `keys` as drizzle names them;
 * `compared` are those checked against the recomputation.
 */
export interface ReadModel {
  table: Table;
  keys: string[];
  columns: SQLiteColumn[];
  compared: string[];
  /** Where each compared column sits in a row. */
  positions: number[];
  /** Exchange id first, then the order in which verify compares an exchange's rows. */
  order: SQLiteColumn[];
  /** Whether an index serves that order, so that it can be read in pages. */
  indexed: boolean;
}

function readModel(
  table: Table,
  columns: Record<string, SQLiteColumn>,
  compared: string[],
  order: SQLiteColumn[],
  indexed: boolean,
): ReadModel {
  const keys = Object.keys(columns);
  return {
    table,
    keys,
    columns: Object.values(columns),
    compared,
    positions: compared.map((k) => keys.indexOf(k)),
    order,
    indexed,
  };
}

const { state: _state, readings: _readings, ...exchangeColumns } = getTableColumns(exchanges);

export const READ_MODELS = {
  exchanges: readModel(
    exchanges,
    { ...exchangeColumns, state: exchanges.state, readings: exchanges.readings },
    Object.keys(exchangeColumns),
    [exchanges.id],
    true,
  ),
  // No index leads with the exchange: sorted once, in one statement, rather than once per page.
  sides: readModel(
    exchangeParties,
    {
      exchangeId: exchangeParties.exchangeId,
      party: exchangeParties.party,
      occurredAt: exchangeParties.occurredAt,
      seq: exchangeParties.seq,
    },
    ['party', 'occurredAt', 'seq'],
    [exchangeParties.exchangeId, exchangeParties.party],
    false,
  ),
};

/**
 * The rows of a read model for the exchanges in `range`, in its order: a function that gives
 * the next page of rows each time it is called, and an empty one at the end.
 */
export function readModelPages(
  sqlite: Database.Database,
  model: ReadModel,
  range: StreamRange,
): { next: () => unknown[][]; close: () => void } {
  const bound = within(model.order[0]!, range);
  const upper = within(model.order[0]!, range, false);
  const select = `SELECT ${model.columns.map(name).join(', ')} ${from(model.table)}`;
  const key = model.order.map(name).join(', ');
  if (!model.indexed) {
    const rows = sqlite
      .prepare(`${select} WHERE ${bound.sql} ORDER BY ${key}`)
      .raw()
      .iterate(...bound.params) as IterableIterator<unknown[]>;
    return {
      next: () => {
        const page: unknown[][] = [];
        for (let r = rows.next(); !r.done; r = rows.next()) if (page.push(r.value) === ROW_PAGE) break;
        return page;
      },
      close: () => void rows.return?.(),
    };
  }
  const after = model.order.map((c) => model.columns.indexOf(c));
  const first = sqlite.prepare(`${select} WHERE ${bound.sql} ORDER BY ${key} LIMIT ?`).raw();
  const following = sqlite
    .prepare(`${select} WHERE ${upper.sql} AND (${key}) > (${after.map(() => '?').join(', ')}) ORDER BY ${key} LIMIT ?`)
    .raw();
  let last: unknown[] | null = null;
  let done = false;
  return {
    next: () => {
      if (done) return [];
      const page = (
        last
          ? following.all(...upper.params, ...after.map((i) => last![i]), ROW_PAGE)
          : first.all(...bound.params, ROW_PAGE)
      ) as unknown[][];
      done = page.length < ROW_PAGE;
      last = page.at(-1) ?? null;
      return page;
    },
    close: () => {},
  };
}

/** The statements run once per verification, on the snapshot's connection. */
export function verifyStatements(sqlite: Database.Database) {
  const seq = name(events.sequence);
  return {
    head: sqlite.prepare(
      `SELECT ${seq} AS sequence, ${name(events.hash)} AS hash, ${name(events.id)} AS eventId, ${name(events.recordedAt)} AS recordedAt ${from(events)} ORDER BY ${seq} DESC LIMIT 1`,
    ),
    /** The stream of the event at a position in stream order: where to split the work. */
    streamAt: sqlite
      .prepare(
        `SELECT ${name(events.streamId)} ${from(events)} ORDER BY ${name(events.streamId)}, ${name(events.version)} LIMIT 1 OFFSET ?`,
      )
      .pluck(),
    /**
     * Where the chain may break between neighbours: the first event, a gap before an event, or
     * a prevHash whose bytes are not those of the previous hash. Candidates only: verify
     * decides on the values as JavaScript reads them, as ChainCheck does. The chain is the
     * events after sequence 0, as the walk from 0 has always read it.
     */
    unlinkedCandidates: sqlite
      .prepare(`SELECT e.${seq}, e.${name(events.id)}, e.${name(events.prevHash)}
      ${from(events)} e LEFT JOIN "${getTableName(events)}" p ON p.${seq} = e.${seq} - 1 AND p.${seq} > 0
      WHERE e.${seq} > 0 AND (p.${seq} IS NULL OR e.${name(events.prevHash)} IS NOT p.${name(events.hash)} OR typeof(e.${name(events.prevHash)}) != 'text')
      ORDER BY e.${seq}`)
      .raw(),
    eventBefore: sqlite
      .prepare(
        `SELECT ${seq}, ${name(events.hash)} ${from(events)} WHERE ${seq} < ? AND ${seq} > 0 ORDER BY ${seq} DESC LIMIT 1`,
      )
      .raw(),
    party: sqlite.prepare(
      `SELECT ${name(parties.id)} AS id, ${name(parties.name)} AS name, ${name(parties.registeredAt)} AS registeredAt ${from(parties)} WHERE ${name(parties.id)} = ?`,
    ),
    observer: sqlite.prepare(`SELECT id, name, registered_at AS registeredAt FROM observers WHERE id = ?`),
    claim: sqlite.prepare(`SELECT claim FROM claims WHERE id = ?`).pluck(),
    stageReports: sqlite
      .prepare(`SELECT stage, sequence FROM stage_reports WHERE exchange_id = ? ORDER BY sequence`)
      .raw(),
    stageRows: sqlite.prepare(
      `SELECT filing, reading, party, kind, handed_over AS handedOver, received, handed_over_undisclosed_stages AS handedOverUndisclosedStages,
        received_undisclosed_stages AS receivedUndisclosedStages, handed_over_approximate AS handedOverApproximate,
        received_approximate AS receivedApproximate, exchange_id AS exchangeId, occurred_at AS occurredAt
      FROM stage_reading_rows WHERE stage_id = ?`,
    ),
    readingTotals: sqlite.prepare(
      `SELECT filing, reading, party, kind, handed_over AS handedOver, received, agreed_outstanding AS agreedOutstanding,
        unspecified_sides AS unspecifiedSides, proposed, handed_over_undisclosed_stages AS handedOverUndisclosedStages,
        received_undisclosed_stages AS receivedUndisclosedStages, handed_over_approximate AS handedOverApproximate,
        received_approximate AS receivedApproximate FROM reading_totals`,
    ),
    reporters: sqlite.prepare(`SELECT id, first_sequence FROM reporters ORDER BY first_sequence, id`).raw(),
    observerCount: sqlite.prepare(`SELECT count(*) FROM observers`).pluck(),
    claimCount: sqlite.prepare(`SELECT count(*) FROM claims`).pluck(),
    stageReportCount: sqlite.prepare(`SELECT count(*) FROM stage_reports`).pluck(),
    /** Rows with a figure: a row a void has zeroed counts as none. */
    stageReadingRowCount: sqlite
      .prepare(
        `SELECT count(*) FROM stage_reading_rows WHERE handed_over <> 0 OR received <> 0 OR handed_over_undisclosed_stages <> 0
          OR received_undisclosed_stages <> 0 OR handed_over_approximate <> 0 OR received_approximate <> 0`,
      )
      .pluck(),
    exchangeCount: sqlite.prepare(`SELECT count(*) ${from(exchanges)}`).pluck(),
    partyCount: sqlite.prepare(`SELECT count(*) ${from(parties)}`).pluck(),
    exchangePartyCount: sqlite.prepare(`SELECT count(*) ${from(exchangeParties)}`).pluck(),
  };
}

export type VerifyStatements = ReturnType<typeof verifyStatements>;
