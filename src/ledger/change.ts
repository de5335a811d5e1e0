import type { Filing } from '../domain/readings.js';
import { READING_FIGURE_NAMES, READING_ZERO, nonZero, type ReadingRow } from '../domain/reading-totals.js';
import type { RecordedLedgerEvent, ReportedExchangeEventData } from '../domain/reported-events.js';
import {
  readingsDelta,
  reportedChangeOf,
  stageReadingRows,
  type ReportedSnapshot,
} from '../domain/reported-exchange.js';
import type { ReportedStage } from '../domain/reported-stage.js';
import type { ExchangeChange, FiledRow } from '../store/ledger-store.js';

/**
 * Rows of the `exchange` filing are kept as their departure from the `kind` filing's, as a
 * reporter's reading is kept as its departure from the first (reading-totals.ts): a count
 * with no breakdown is filed alike by both, so most commands write no `exchange` row at all.
 * A total by=exchange is the sum of both filings' rows.
 */
export function departureOf(rows: readonly ReadingRow[], base: readonly ReadingRow[]): ReadingRow[] {
  const out = new Map<string, ReadingRow>();
  const key = (r: ReadingRow) => `${r.reading}\u0000${r.party}\u0000${r.kind}`;
  for (const [sign, set] of [
    [1, rows],
    [-1, base],
  ] as const) {
    for (const r of set) {
      const row = out.get(key(r)) ?? { ...r, ...READING_ZERO };
      for (const f of READING_FIGURE_NAMES) row[f] += sign * r[f];
      out.set(key(r), row);
    }
  }
  return [...out.values()].filter(nonZero);
}

const filed = (rows: readonly ReadingRow[], filing: Filing): FiledRow[] => rows.map((r) => ({ ...r, filing }));

/** A stage's rows under both filings, the `exchange` filing's as its departure. */
function filedStageRows(stage: ReportedStage, state: ReportedSnapshot['state']): FiledRow[] {
  const byKind = stageReadingRows(stage, state, 'kind');
  return [
    ...filed(byKind, 'kind'),
    ...filed(departureOf(stageReadingRows(stage, state, 'exchange'), byKind), 'exchange'),
  ];
}

/**
 * Folds an exchange's newly appended events into its state and readings and says what the
 * read models must record of them: the stages, and every reading's rows under both filings.
 * Pure: the stages a void or a later account needs (`concerned`) were loaded beforehand.
 */
export function changeOf(
  before: ReportedSnapshot | null,
  appended: readonly RecordedLedgerEvent<ReportedExchangeEventData>[],
  concerned: readonly ReportedStage[],
): ExchangeChange {
  const change = reportedChangeOf(before, appended, concerned, 'kind');
  const after: ReportedSnapshot = { state: change.state, readings: change.readings };
  const rows: FiledRow[] = [
    ...filed(change.rows, 'kind'),
    ...filed(departureOf(readingsDelta(before, after, change.stages, 'exchange'), change.rows), 'exchange'),
  ];
  const sequenceOf = (stageId: string) =>
    appended.find((e) => (e.type === 'StageRecorded' || e.type === 'StageReported') && e.data.stageId === stageId)!
      .sequence;
  return {
    before,
    after,
    appended,
    recorded: change.stages
      .filter((s) => s.before === null)
      .map((s) => ({ stage: s.after, sequence: sequenceOf(s.after.id) })),
    changed: change.stages.filter((s) => s.before !== null).map((s) => s.after),
    newReporters: change.newReporters,
    rows,
    stageRows: change.stages.map(({ after: stage }) => ({
      stageId: stage.id,
      exchangeId: change.state.id,
      occurredAt: stage.occurredAt,
      rows: filedStageRows(stage, change.state),
    })),
  };
}
