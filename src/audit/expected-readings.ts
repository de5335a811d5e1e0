import { FIRST, type Filing } from '../domain/readings.js';
import {
  READING_FIGURE_NAMES,
  addFigures,
  addInto,
  departureOf,
  nonZero,
  type ReadingContribution,
  type Rows,
} from '../domain/reading-totals.js';
import {
  contributionUnder,
  readingsFromStages,
  stageReadingRows,
  type ExchangeReadings,
  type ReportedExchange,
} from '../domain/reported-exchange.js';
import type { ReportedStage } from '../domain/reported-stage.js';
import type { Difference, FiledRow } from '../store/ledger-store.js';

/**
 * What verify expects the reading read models to hold, recomputed from the fold of each
 * exchange's events (foldReported), never from the rows themselves; and where the rows kept
 * first differ from it. Shared by both adapters' verify, so that they check the same thing.
 */

/**
 * Adds one exchange's part of the maintained reading_totals rows, in the rows' convention:
 * a reporter's reading as its departure from the first, the `exchange` filing as its
 * departure from the `kind` filing (domain/reading-totals.ts).
 */
export function addExpectedRows(into: Map<string, FiledRow>, exchange: ReportedExchange): void {
  const under = (reading: string, filing: Filing) => contributionUnder(exchange, reading, filing);
  for (const reading of [FIRST, ...exchange.reporters]) {
    const sign = reading === FIRST ? [] : ([[FIRST, -1]] as const);
    for (const [r, s] of [[reading, 1] as const, ...sign]) {
      add(into, 'kind', reading, under(r, 'kind'), s);
      add(into, 'exchange', reading, under(r, 'exchange'), s);
      add(into, 'exchange', reading, under(r, 'kind'), s === 1 ? -1 : 1);
    }
  }
}

function add(into: Map<string, FiledRow>, filing: Filing, reading: string, cs: ReadingContribution[], sign: 1 | -1) {
  const rows: Rows = addInto(new Map(), cs, sign);
  for (const c of rows.values()) {
    const key = rowKey({ filing, reading, party: c.party, kind: c.kind });
    const row = into.get(key) ?? { filing, reading, ...c, ...zeroFigures() };
    addFigures(row, c, 1);
    into.set(key, row);
  }
}

const zeroFigures = () => Object.fromEntries(READING_FIGURE_NAMES.map((f) => [f, 0])) as Record<string, number>;

export const rowKey = (r: Pick<FiledRow, 'filing' | 'reading' | 'party' | 'kind'>) =>
  `${r.filing}/${r.reading}/${r.party}/${r.kind}`;

/** The rows a stage must have kept (stage_reading_rows), both filings, the `exchange` filing's as its departure. */
export function expectedStageRows(stage: ReportedStage, exchange: ReportedExchange): FiledRow[] {
  const byKind = stageReadingRows(stage, exchange.state, 'kind');
  const byExchange = departureOf(stageReadingRows(stage, exchange.state, 'exchange'), byKind);
  return [
    ...byKind.map((r) => ({ ...r, filing: 'kind' as const })),
    ...byExchange.map((r) => ({ ...r, filing: 'exchange' as const })),
  ];
}

/** The readings an exchange must have kept beside its state. */
export const expectedReadings = (exchange: ReportedExchange): ExchangeReadings => readingsFromStages(exchange);

/**
 * The first row (in key order) where the kept rows and the expected ones differ, all-zero
 * rows counting as absent (a row set to zero by a void stays in the table).
 */
export function firstRowDifference(
  table: string,
  expected: Iterable<FiledRow>,
  stored: Iterable<FiledRow>,
): Difference | null {
  const want = new Map<string, FiledRow>();
  for (const r of expected) if (nonZero(r)) want.set(rowKey(r), r);
  const have = new Map<string, FiledRow>();
  for (const r of stored) if (nonZero(r)) have.set(rowKey(r), r);
  const keys = [...new Set([...want.keys(), ...have.keys()])].sort();
  for (const key of keys) {
    const w = want.get(key);
    const h = have.get(key);
    const f = READING_FIGURE_NAMES.find((n) => (w?.[n] ?? 0) !== (h?.[n] ?? 0));
    if (f !== undefined) {
      return {
        kind: 'read-model',
        table,
        key,
        detail: `${f} is ${h?.[f] ?? 0}, the events give ${w?.[f] ?? 0}`,
      };
    }
  }
  return null;
}
