import type Database from 'better-sqlite3';
import canonicalize from 'canonicalize';
import {
  addExpectedRows,
  expectedReadings,
  expectedStageRows,
  firstRowDifference,
} from '../../audit/expected-readings.js';
import type { PartyEventData, RecordedEvent } from '../../domain/events.js';
import type {
  ClaimEventData,
  ObserverEventData,
  RecordedLedgerEvent,
  ReportedExchangeEventData,
} from '../../domain/reported-events.js';
import { evolveReported, type ReportedExchange } from '../../domain/reported-exchange.js';
import { reportedCommandLength } from '../../domain/reported-replay.js';
import { nonZero } from '../../domain/reading-totals.js';
import type { Difference, FiledRow } from '../ledger-store.js';
import { RowsByExchange, type Row } from './verify-rows.js';
import {
  READ_MODELS,
  readModelPages,
  type ReadModel,
  type StreamRange,
  type VerifyStatements,
} from './verify-snapshot.js';

type Expected = Record<string, unknown>;

/** A row as drizzle would have returned it, with the columns that are compared. */
function objectOf(model: ReadModel, row: Row): Expected {
  const o: Expected = {};
  model.compared.forEach((key, j) => (o[key] = row[model.positions[j]!]));
  return o;
}

/**
 * Whether the rows are the expected ones, as comparing their canonical JSON says. The same
 * values under the same keys, one by one, make the same canonical JSON: that settles the
 * common case without serialising; otherwise the canonical comparison has the last word.
 */
function sameRows(model: ReadModel, rows: Row[], expected: Expected[]): boolean {
  let equal = rows.length === expected.length;
  for (let i = 0; equal && i < rows.length; i += 1) {
    const want = expected[i]!;
    equal = Object.keys(want).length === model.compared.length;
    for (let j = 0; equal && j < model.compared.length; j += 1) {
      equal = rows[i]![model.positions[j]!] === want[model.compared[j]!];
    }
  }
  return equal || canonicalize(rows.map((r) => objectOf(model, r))) === canonicalize(expected);
}

/** The read-model rows of a range's exchanges, read alongside its streams (one statement per table). */
export class ExchangeRows {
  readonly exchanges: RowsByExchange;
  readonly sides: RowsByExchange;

  constructor(sqlite: Database.Database, range: StreamRange) {
    this.exchanges = new RowsByExchange(readModelPages(sqlite, READ_MODELS.exchanges, range));
    this.sides = new RowsByExchange(readModelPages(sqlite, READ_MODELS.sides, range));
  }

  close(): void {
    for (const rows of [this.exchanges, this.sides]) rows.close();
  }
}

/** A party's stream against its row in parties. */
export function checkParty(st: VerifyStatements, stream: RecordedEvent[]): Difference | null {
  const e = stream[0] as RecordedEvent<PartyEventData>;
  const row = st.party.get(e.data.partyId) ?? null;
  const expected = { id: e.data.partyId, name: e.data.name, registeredAt: e.occurredAt };
  if (canonicalize(row) !== canonicalize(expected))
    return {
      kind: 'read-model',
      table: 'parties',
      key: e.data.partyId,
      detail: `row ${canonicalize(row)}, recomputed ${canonicalize(expected)}`,
    };
  return null;
}

/** An observer's stream against its row in observers. */
export function checkObserver(st: VerifyStatements, stream: RecordedLedgerEvent[]): Difference | null {
  const e = stream[0] as RecordedLedgerEvent<ObserverEventData>;
  const row = st.observer.get(e.data.observerId) ?? null;
  const expected = { id: e.data.observerId, name: e.data.name, registeredAt: e.occurredAt };
  if (stream.length === 1 && canonicalize(row) === canonicalize(expected)) return null;
  return {
    kind: 'read-model',
    table: 'observers',
    key: e.data.observerId,
    detail: `row ${canonicalize(row)}, recomputed ${canonicalize(expected)}`,
  };
}

/** A claim's stream against its row in claims. */
export function checkClaim(st: VerifyStatements, stream: RecordedLedgerEvent[]): Difference | null {
  const e = stream[0] as RecordedLedgerEvent<ClaimEventData>;
  const raw = st.claim.get(e.data.claimId) as string | undefined;
  const expected = {
    ...e.data,
    occurredAt: e.occurredAt,
    source: e.source,
    note: e.note,
    sequence: e.sequence,
    recordedAt: e.recordedAt,
  };
  if (stream.length === 1 && raw !== undefined && canonicalize(JSON.parse(raw)) === canonicalize(expected)) return null;
  return {
    kind: 'read-model',
    table: 'claims',
    key: e.data.claimId,
    detail: 'row differs from its ClaimRecorded event',
  };
}

/** What the readings of the exchanges of a range add up to, and who reported on them. */
export interface ReadingsTally {
  rows: Map<string, FiledRow>;
  /** Each reporter and the sequence of the first command that named it. */
  reporters: Map<string, number>;
  /** The stage_reading_rows (those with a figure) the exchanges' stages account for. */
  stageRows: number;
}

/**
 * The readings' read models of one exchange against the fold of its events: its readings
 * beside its state, each stage with its accounts, each stage's dated rows under every
 * reading; and its part of reading_totals, added to `tally`.
 */
function checkReadings(
  st: VerifyStatements,
  x: ReportedExchange,
  sequenceOf: ReadonlyMap<string, number>,
  readingsJson: string,
  tally: ReadingsTally,
): Difference | null {
  const id = x.state.id;
  const diff = (table: string, detail: string): Difference => ({ kind: 'read-model', table, key: id, detail });
  addExpectedRows(tally.rows, x);
  if (canonicalize(JSON.parse(readingsJson)) !== canonicalize(expectedReadings(x)))
    return diff('exchanges', 'stored readings differ from the fold of its events');
  const rows = st.stageReports.all(id) as [string, number][];
  if (canonicalize(rows.map(([stage]) => JSON.parse(stage))) !== canonicalize(x.stages))
    return diff('stage_reports', 'stages or their accounts differ from the fold of its events');
  if (rows.some(([, sequence], i) => sequence !== sequenceOf.get(x.stages[i]!.id)))
    return diff('stage_reports', 'a stage is not ordered by the event that recorded it');
  for (const stage of x.stages) {
    const have = st.stageRows.all(stage.id) as (FiledRow & { exchangeId: string; occurredAt: string })[];
    if (have.some((r) => r.exchangeId !== id || r.occurredAt !== stage.occurredAt))
      return diff('stage_reading_rows', `rows of stage ${stage.id} are dated or filed under another exchange`);
    const expected = expectedStageRows(stage, x);
    tally.stageRows += expected.filter(nonZero).length;
    const d = firstRowDifference('stage_reading_rows', expected, have);
    if (d && d.kind === 'read-model') return { ...d, key: `${stage.id}/${d.key}` };
  }
  return null;
}

/** One exchange's events, folded command by command, against every row it should have made. */
export function checkExchange(
  rows: ExchangeRows,
  st: VerifyStatements,
  stream: RecordedLedgerEvent<ReportedExchangeEventData>[],
  tally: ReadingsTally,
): Difference | null {
  const id = stream[0]!.streamId;
  const diff = (table: string, detail: string): Difference => ({ kind: 'read-model', table, key: id, detail });
  // Taken before anything can return, so the merge stays in step with the streams.
  const [row] = rows.exchanges.take(id);
  const sideRows = rows.sides.take(id);

  let x: ReportedExchange | null = null;
  for (let i = 0; i < stream.length; ) {
    const n = reportedCommandLength(stream.slice(i, i + 2));
    const group = stream.slice(i, i + n);
    const before = x;
    x = group.reduce<ReportedExchange | null>((s, e) => evolveReported(s, e), x)!;
    for (const r of x.reporters.slice(before?.reporters.length ?? 0)) {
      const first = tally.reporters.get(r);
      if (first === undefined || group[0]!.sequence < first) tally.reporters.set(r, group[0]!.sequence);
    }
    i += n;
  }
  const folded = x!;
  const s = folded.state;

  if (!row) return diff('exchanges', 'row missing');
  const model = READ_MODELS.exchanges;
  const expectedRow = {
    id,
    seq: stream[0]!.sequence,
    kind: s.kind,
    status: s.status,
    occurredAt: s.occurredAt,
    version: s.version,
  };
  if (!sameRows(model, [row], [expectedRow]))
    return diff('exchanges', `columns ${canonicalize(objectOf(model, row))}, recomputed ${canonicalize(expectedRow)}`);
  // The writer stores JSON.stringify of this same fold without its stages (those are rows of
  // stage_reports), so the text itself usually matches.
  const summary = s;
  const stateJson = row[model.keys.indexOf('state')] as string;
  if (stateJson !== JSON.stringify(summary) && canonicalize(JSON.parse(stateJson)) !== canonicalize(summary))
    return diff('exchanges', 'stored state differs from the fold of its events');

  const expectedSides = s.sides
    .map((x) => ({ party: x.party, occurredAt: s.occurredAt, seq: stream[0]!.sequence }))
    .sort((a, b) => (a.party < b.party ? -1 : 1));
  if (!sameRows(READ_MODELS.sides, sideRows, expectedSides))
    return diff('exchange_parties', 'rows differ from the exchange’s sides');

  const sequenceOf = new Map(
    stream
      .filter((e) => e.type === 'StageRecorded' || e.type === 'StageReported')
      .map((e) => [(e.data as { stageId: string }).stageId, e.sequence]),
  );
  return checkReadings(st, folded, sequenceOf, row[model.keys.indexOf('readings')] as string, tally);
}
