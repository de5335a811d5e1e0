import { READING_FIGURE_NAMES } from '../../domain/reading-totals.js';
import { STAGE_FIGURES } from '../../domain/reported-exchange.js';
import type { ExchangeChange, FiledRow } from '../ledger-store.js';
import type { SnapshotText } from './rows.js';
import { WRITES, type Statement } from './statements.js';

/** Sends a statement of the transaction (PgTransaction.write). */
type Write = (statement: Statement, values: unknown[]) => void;

/**
 * Brings the read models up to date with one command's change to an exchange, inside the
 * transaction that appended its events, so readers never see one without the other. (The
 * same rows as the SQLite store's projections.ts.) The exchange's row (state, readings) and
 * sides, every stage with its accounts, every reading's rows and the reporters.
 * Returns the JSON written in the exchange's row.
 */
export function projectExchange(write: Write, change: ExchangeChange): SnapshotText {
  const before = change.before?.state ?? null;
  const after = change.after.state;
  const text: SnapshotText = { state: JSON.stringify(after), readings: JSON.stringify(change.after.readings) };
  const first = change.appended[0]!.sequence;
  if (before === null) {
    write(WRITES.insertExchange, [
      after.id,
      first,
      after.kind,
      after.status,
      after.occurredAt,
      after.version,
      text.state,
      text.readings,
    ]);
    write(WRITES.insertExchangeParties, [
      after.sides[0].party,
      after.sides[1].party,
      after.id,
      after.occurredAt,
      first,
    ]);
  } else if (before.status === after.status) {
    write(WRITES.updateExchangeState, [after.id, after.version, text.state, text.readings]);
  } else {
    write(WRITES.updateExchange, [after.id, after.status, after.version, text.state, text.readings]);
  }

  if (change.recorded.length > 0) {
    write(WRITES.insertStageReports, [
      after.id,
      change.recorded.map((r) => r.stage.id),
      change.recorded.map((r) => r.sequence),
      change.recorded.map((r) => JSON.stringify(r.stage)),
    ]);
  }
  if (change.changed.length > 0) {
    write(WRITES.updateStageReports, [
      after.id,
      change.changed.map((s) => s.id),
      change.changed.map((s) => JSON.stringify(s)),
    ]);
  }
  projectReadings(write, change, first);
  return text;
}

/** The readings' own rows: every reading's totals, each stage's dated rows, the reporters. */
function projectReadings(write: Write, change: ExchangeChange, first: number): void {
  if (change.rows.length > 0) {
    write(WRITES.addToReadingTotals, [
      change.rows.map((r) => r.filing),
      change.rows.map((r) => r.reading),
      change.rows.map((r) => r.party),
      change.rows.map((r) => r.kind),
      ...READING_FIGURE_NAMES.map((f) => change.rows.map((r) => r[f])),
    ]);
  }
  if (change.stageRows.length > 0) {
    write(WRITES.deleteStageReadingRows, [change.stageRows.map((s) => s.stageId)]);
    const rows = change.stageRows.flatMap((s) => s.rows.map((r) => ({ ...s, row: r })));
    if (rows.length > 0) {
      const figure = (f: keyof FiledRow) => rows.map((r) => r.row[f]);
      write(WRITES.insertStageReadingRows, [
        rows.map((r) => r.stageId),
        figure('filing'),
        figure('reading'),
        figure('party'),
        figure('kind'),
        rows.map((r) => r.exchangeId),
        rows.map((r) => r.occurredAt),
        ...STAGE_FIGURES.map(figure),
      ]);
    }
  }
  if (change.newReporters.length > 0) write(WRITES.insertReporters, [change.newReporters, first]);
}
