import canonicalize from 'canonicalize';
import { expectedReadings, expectedStageRows, firstRowDifference } from '../../audit/expected-readings.js';
import type { ReporterId } from '../../domain/accounts.js';
import type { PartyEventData, RecordedEvent } from '../../domain/events.js';
import type { ObserverState } from '../../domain/observers.js';
import type { PartyState } from '../../domain/party.js';
import type {
  ClaimEventData,
  ObserverEventData,
  RecordedLedgerEvent,
  ReportedExchangeEventData,
} from '../../domain/reported-events.js';
import { evolveReported, type ReportedExchange } from '../../domain/reported-exchange.js';
import { reportedCommandLength } from '../../domain/reported-replay.js';
import type { Difference, FiledRow, StoredClaim } from '../ledger-store.js';
import type { RowsByExchange } from './verify-rows.js';

/**
 * What verify compares of each read model, as the SQLite store's verify does (its
 * verify-exchange.ts): the same columns, in the same row order, with the same reports.
 */
export const COMPARED = {
  exchanges: ['id', 'seq', 'kind', 'status', 'occurredAt', 'version'],
  sides: ['party', 'occurredAt', 'seq'],
} as const;

type Row = { exchangeId: string } & Record<string, unknown>;

/** A row of stage_reading_rows: a reading row of one stage, dated by it. */
type StageReadingRow = FiledRow & { stageId: string; occurredAt: string };

/** The read-model rows of the exchanges, read alongside the streams. */
export interface ExchangeRows {
  exchanges: RowsByExchange<Row>;
  sides: RowsByExchange<Row>;
  /** stage_reports, in recording order. */
  reports: RowsByExchange<Row>;
  /** stage_reading_rows, by stage. */
  readingRows: RowsByExchange<Row & StageReadingRow>;
}

/** What the exchanges add up to across the ledger, checked once all are folded (verify-ledger.ts). */
export interface LedgerSums {
  /** Adds the exchange's part of reading_totals (audit/expected-readings.ts addExpectedRows). */
  readings(exchange: ReportedExchange): void;
  /** A reporter's first account on this exchange was given by the command whose first event has `sequence`. */
  reporter(id: ReporterId, sequence: number): void;
}

const pick = (row: Record<string, unknown>, keys: readonly string[]) =>
  Object.fromEntries(keys.map((k) => [k, row[k]]));

/** Whether the rows hold the expected values under the compared keys, in order (as their canonical JSON says). */
const sameRows = (rows: Row[], keys: readonly string[], expected: Record<string, unknown>[]) =>
  canonicalize(rows.map((r) => pick(r, keys))) === canonicalize(expected);

/** A party's stream against its row in parties (null: no row). */
export function checkParty(stream: RecordedEvent[], row: PartyState | null): Difference | null {
  const e = stream[0] as RecordedEvent<PartyEventData>;
  const expected = { id: e.data.partyId, name: e.data.name, registeredAt: e.occurredAt };
  return sameRow('parties', e.data.partyId, row, expected);
}

/** An observer's stream (its registration alone) against its row in observers (null: no row). */
export function checkObserver(stream: RecordedLedgerEvent[], row: ObserverState | null): Difference | null {
  const e = stream[0] as RecordedLedgerEvent<ObserverEventData>;
  const expected = { id: e.data.observerId, name: e.data.name, registeredAt: e.occurredAt };
  if (stream.length === 1) return sameRow('observers', e.data.observerId, row, expected);
  const detail = `row ${canonicalize(row)}, recomputed ${canonicalize(expected)}`;
  return { kind: 'read-model', table: 'observers', key: e.data.observerId, detail };
}

/** A claim's stream (its one event) against its row in claims (null: no row), as ledger.ts appendClaim keeps it. */
export function checkClaim(stream: RecordedLedgerEvent[], row: StoredClaim | null): Difference | null {
  const e = stream[0] as RecordedLedgerEvent<ClaimEventData>;
  const expected: StoredClaim = {
    ...e.data,
    occurredAt: e.occurredAt,
    source: e.source,
    note: e.note,
    sequence: e.sequence,
    recordedAt: e.recordedAt,
  };
  if (stream.length === 1 && canonicalize(row) === canonicalize(expected)) return null;
  return {
    kind: 'read-model',
    table: 'claims',
    key: e.data.claimId,
    detail: 'row differs from its ClaimRecorded event',
  };
}

function sameRow(table: string, key: string, row: unknown, expected: unknown): Difference | null {
  if (canonicalize(row) === canonicalize(expected)) return null;
  return {
    kind: 'read-model',
    table,
    key,
    detail: `row ${canonicalize(row)}, recomputed ${canonicalize(expected)}`,
  };
}

/**
 * One exchange's events, folded command by command (the reported fold, which reads old
 * events as they always were), against every row it should have made: its row and sides, then
 * the readings, the stages with their accounts and each stage's reading rows.
 */
export async function checkExchange(
  rows: ExchangeRows,
  stream: RecordedLedgerEvent<ReportedExchangeEventData>[],
  sums: LedgerSums,
): Promise<Difference | null> {
  const id = stream[0]!.streamId;
  const diff = (table: string, detail: string, key = id): Difference => ({ kind: 'read-model', table, key, detail });
  // Taken before anything can return, so the merge stays in step with the streams.
  const [row] = await rows.exchanges.take(id);
  const sideRows = await rows.sides.take(id);
  const reportRows = await rows.reports.take(id);
  const readingRows = await rows.readingRows.take(id);

  let x: ReportedExchange | null = null;
  for (let i = 0; i < stream.length; ) {
    const n = reportedCommandLength(stream.slice(i, i + 2));
    const group = stream.slice(i, i + n);
    const before: ReportedExchange | null = x;
    x = group.reduce<ReportedExchange | null>((s, e) => evolveReported(s, e), x)!;
    for (const r of x.reporters) if (!before?.reporters.includes(r)) sums.reporter(r, group[0]!.sequence);
    i += n;
  }
  const exchange = x!;
  const s = exchange.state;
  sums.readings(exchange);

  if (!row) return diff('exchanges', 'row missing');
  const expectedRow = {
    id,
    seq: stream[0]!.sequence,
    kind: s.kind,
    status: s.status,
    occurredAt: s.occurredAt,
    version: s.version,
  };
  if (!sameRows([row], COMPARED.exchanges, [expectedRow])) {
    return diff(
      'exchanges',
      `columns ${canonicalize(pick(row, COMPARED.exchanges))}, recomputed ${canonicalize(expectedRow)}`,
    );
  }
  // The writer stores JSON.stringify of this same fold (ExchangeState), so the text itself usually matches.
  const stateJson = row.state as string;
  if (stateJson !== JSON.stringify(s) && canonicalize(JSON.parse(stateJson)) !== canonicalize(s)) {
    return diff('exchanges', 'stored state differs from the fold of its events');
  }
  const expectedSides = s.sides
    .map((side) => ({ party: side.party, occurredAt: s.occurredAt, seq: stream[0]!.sequence }))
    .sort((a, b) => (a.party < b.party ? -1 : 1));
  if (!sameRows(sideRows, COMPARED.sides, expectedSides))
    return diff('exchange_parties', 'rows differ from the exchange’s sides');

  const sequenceOf = new Map(
    stream
      .filter((e) => e.type === 'StageRecorded' || e.type === 'StageReported')
      .map((e) => [(e.data as { stageId: string }).stageId, e.sequence]),
  );
  return checkReadings(exchange, row.readings as string, sequenceOf, reportRows, readingRows);
}

/**
 * The readings' read models of one exchange against the fold of its events, in the order
 * and with the reports of the SQLite store's verify: its readings beside its state, each
 * stage with its accounts (and the sequence that orders it), each stage's dated rows under
 * every reading, and no rows of stages it does not have.
 */
function checkReadings(
  exchange: ReportedExchange,
  readingsJson: string,
  sequenceOf: ReadonlyMap<string, number>,
  reportRows: Row[],
  readingRows: StageReadingRow[],
): Difference | null {
  const id = exchange.state.id;
  const diff = (table: string, detail: string): Difference => ({ kind: 'read-model', table, key: id, detail });
  if (canonicalize(JSON.parse(readingsJson)) !== canonicalize(expectedReadings(exchange)))
    return diff('exchanges', 'stored readings differ from the fold of its events');
  const reports = reportRows.map((r) => ({ stageId: r.stageId, stage: JSON.parse(r.stage as string) }));
  const expected = exchange.stages.map((st) => ({ stageId: st.id, stage: st }));
  if (canonicalize(reports) !== canonicalize(expected))
    return diff('stage_reports', 'stages or their accounts differ from the fold of its events');
  if (reportRows.some((r, i) => r.sequence !== sequenceOf.get(exchange.stages[i]!.id)))
    return diff('stage_reports', 'a stage is not ordered by the event that recorded it');

  const byStage = new Map<string, StageReadingRow[]>();
  for (const r of readingRows) byStage.set(r.stageId, [...(byStage.get(r.stageId) ?? []), r]);
  for (const stage of exchange.stages) {
    const have = byStage.get(stage.id) ?? [];
    byStage.delete(stage.id);
    if (have.some((r) => r.occurredAt !== stage.occurredAt))
      return diff('stage_reading_rows', `rows of stage ${stage.id} are dated or filed under another exchange`);
    const found = firstRowDifference('stage_reading_rows', expectedStageRows(stage, exchange), have);
    if (found) return underStage(found, stage.id);
  }
  // Rows filed under this exchange for a stage it does not have: only all-zero ones are harmless.
  for (const [stageId, left] of byStage) {
    const found = firstRowDifference('stage_reading_rows', [], left);
    if (found) return underStage(found, stageId);
  }
  return null;
}

/** A stage row's difference, keyed by its stage first. */
const underStage = (d: Difference, stageId: string): Difference =>
  d.kind === 'read-model' ? { ...d, key: `${stageId}/${d.key}` } : d;
