import { TRANSITION_EVENTS } from '../domain/events.js';
import type { Filing } from '../domain/readings.js';
import type { RecordedLedgerEvent, ReportedExchangeEventData } from '../domain/reported-events.js';
import {
  readingsDelta,
  reportedChangeOf,
  stageReadingRows,
  type ReportedSnapshot,
} from '../domain/reported-exchange.js';
import type { ReportedStage } from '../domain/reported-stage.js';
import type { ExchangeChange, FiledRow } from '../store/ledger-store.js';

const FILINGS: readonly Filing[] = ['kind', 'exchange'];

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
    ...change.rows.map((r) => ({ ...r, filing: 'kind' as const })),
    ...readingsDelta(before, after, change.stages, 'exchange').map((r) => ({ ...r, filing: 'exchange' as const })),
  ];
  const sequenceOf = (stageId: string) =>
    appended.find((e) => (e.type === 'StageRecorded' || e.type === 'StageReported') && e.data.stageId === stageId)!
      .sequence;
  const voided: ExchangeChange['voided'][number][] = [];
  for (const e of appended) {
    if (e.type === 'StageVoided') {
      voided.push({
        stageId: e.data.stageId,
        occurredAt: e.occurredAt,
        recordedAt: e.recordedAt,
        reason: e.data.reason,
      });
    }
  }
  return {
    before,
    after,
    appended,
    recorded: change.stages
      .filter((s) => s.before === null)
      .map((s) => ({ stage: s.after, sequence: sequenceOf(s.after.id) })),
    changed: change.stages.filter((s) => s.before !== null).map((s) => s.after),
    voided,
    termsChanged: appended.some((e) => TRANSITION_EVENTS.has(e.type)),
    totals: change.totals,
    newReporters: change.newReporters,
    rows,
    stageRows: change.stages.map(({ after: stage }) => ({
      stageId: stage.id,
      exchangeId: change.state.id,
      occurredAt: stage.occurredAt,
      rows: FILINGS.flatMap((filing) => stageReadingRows(stage, change.state, filing).map((r) => ({ ...r, filing }))),
    })),
  };
}
