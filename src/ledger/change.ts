import type { Filing } from '../domain/readings.js';
import { departureOf, filedAlike, type ReadingRow } from '../domain/reading-totals.js';
import type { RecordedLedgerEvent, ReportedExchangeEventData } from '../domain/reported-events.js';
import {
  readingsDelta,
  reportedChangeOf,
  stageReadingRows,
  type ReportedSnapshot,
} from '../domain/reported-exchange.js';
import type { ReportedStage } from '../domain/reported-stage.js';
import type { ExchangeChange, FiledRow } from '../store/ledger-store.js';

// Object.assign, not `{ ...r, filing }`: V8 builds a spread followed by a new key many times slower.
const filed = (rows: readonly ReadingRow[], filing: Filing): FiledRow[] =>
  rows.map((r) => Object.assign({ filing }, r));

/** A stage's rows under both filings, the `exchange` filing's as its departure. */
function filedStageRows(stage: ReportedStage, state: ReportedSnapshot['state']): FiledRow[] {
  const byKind = stageReadingRows(stage, state, 'kind');
  if (filedAlike(stage)) return filed(byKind, 'kind');
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
  // Most commands break no count down by kind: the `exchange` filing then departs from `kind` in nothing.
  const alike = change.stages.every((s) => filedAlike(s.after) && (s.before === null || filedAlike(s.before)));
  const rows: FiledRow[] = filed(change.rows, 'kind');
  if (!alike)
    rows.push(...filed(departureOf(readingsDelta(before, after, change.stages, 'exchange'), change.rows), 'exchange'));
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
