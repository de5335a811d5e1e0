import { FIRST, type Filing } from '../domain/readings.js';
import {
  READING_FIGURE_NAMES,
  addInto,
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

const FILINGS: readonly Filing[] = ['kind', 'exchange'];

/** Adds one exchange's part of the maintained reading_totals rows, in the rows' convention. */
export function addExpectedRows(into: Map<string, FiledRow>, exchange: ReportedExchange): void {
  for (const filing of FILINGS) {
    const first = contributionUnder(exchange, FIRST, filing);
    add(into, filing, FIRST, first, 1);
    for (const r of exchange.reporters) {
      add(into, filing, r, contributionUnder(exchange, r, filing), 1);
      add(into, filing, r, first, -1);
    }
  }
}

function add(into: Map<string, FiledRow>, filing: Filing, reading: string, cs: ReadingContribution[], sign: 1 | -1) {
  const rows: Rows = addInto(new Map(), cs, sign);
  for (const c of rows.values()) {
    const key = rowKey({ filing, reading, party: c.party, kind: c.kind });
    const row = into.get(key) ?? { filing, reading, ...c, ...zeroFigures() };
    for (const f of READING_FIGURE_NAMES) row[f] += c[f];
    into.set(key, row);
  }
}

const zeroFigures = () => Object.fromEntries(READING_FIGURE_NAMES.map((f) => [f, 0])) as Record<string, number>;

export const rowKey = (r: Pick<FiledRow, 'filing' | 'reading' | 'party' | 'kind'>) =>
  `${r.filing}/${r.reading}/${r.party}/${r.kind}`;

/** The rows a stage must have kept (stage_reading_rows), both filings. */
export const expectedStageRows = (stage: ReportedStage, exchange: ReportedExchange): FiledRow[] =>
  FILINGS.flatMap((filing) => stageReadingRows(stage, exchange.state, filing).map((r) => ({ ...r, filing })));

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
