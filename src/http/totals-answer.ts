import type { z } from 'zod';
import { nonZero, type ReadingContribution } from '../domain/reading-totals.js';
import { FIRST, type Filing, type Reading } from '../domain/readings.js';
import { lowerBoundOf, upperBoundOf } from '../domain/time.js';
import type { Kind } from '../domain/vocabulary.js';
import type { LedgerStore, TotalsQuery } from '../store/ledger-store.js';
import { readingLabel, type Asked } from './according.js';
import type { TotalsCsvRow } from './csv-tables.js';
import type { TotalsView } from './schemas/ledger.js';

/** The filters of GET /v1/totals, as the query gives them (dates not yet made bounds). */
export interface TotalsFilters {
  by: Filing;
  asOf?: string | undefined;
  party?: string | undefined;
  kind?: Kind | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** One reading's rows, and which reading they are under. */
export interface ReadingRows {
  reading: Reading;
  rows: readonly ReadingContribution[];
}

/** What GET /v1/totals answers: the asked reading's rows; with `each`, the default's and every reporter's. */
export interface TotalsAnswer {
  by: Filing;
  main: ReadingRows;
  each: ReadingRows[] | null;
}

export function totalsQueryOf(reading: Reading, f: TotalsFilters): TotalsQuery {
  return {
    reading,
    filing: f.by,
    ...(f.asOf && { asOf: upperBoundOf(f.asOf) }),
    ...(f.party && { party: f.party }),
    ...(f.kind && { kind: f.kind }),
    ...(f.from && { from: lowerBoundOf(f.from) }),
    ...(f.to && { to: upperBoundOf(f.to) }),
  };
}

/**
 * The rows of every reading asked, from the store's maintained aggregates (one query per
 * reading: the readings are as many as the reporters, tens). `each` reads the reporters that
 * have given any account; one that gave none reads as the default does and is not listed.
 */
export async function totalsAnswer(store: LedgerStore, asked: Asked, f: TotalsFilters): Promise<TotalsAnswer> {
  const rowsUnder = async (reading: Reading): Promise<ReadingRows> => ({
    reading,
    rows: await store.totals(totalsQueryOf(reading, f)),
  });
  if (!('each' in asked)) return { by: f.by, main: await rowsUnder(asked.reading), each: null };
  const main = await rowsUnder(FIRST);
  const each: ReadingRows[] = [];
  for (const reporter of await store.reporters()) each.push(await rowsUnder(reporter));
  return { by: f.by, main, each };
}

/** Rows all zero say nothing (a store may keep them once what made them is voided). */
const shown = (rows: readonly ReadingContribution[]) => rows.filter(nonZero);

/** The JSON answer. */
export function presentTotalsAnswer(a: TotalsAnswer): z.infer<typeof TotalsView> {
  return {
    reading: readingLabel(a.main.reading),
    by: a.by,
    data: shown(a.main.rows),
    ...(a.each && { readings: a.each.map((r) => ({ reporter: r.reading, data: shown(r.rows) })) }),
  };
}

type Presenter = (rows: readonly ReadingContribution[]) => z.infer<typeof TotalsView>;
const presenters = new Map<string, Presenter>();

/**
 * One reading's answer, by a presenter per (reading, filing), so that the rendering of rows
 * the store's read cache holds (frozen, unchanged while the database is) is made once per
 * reading and filing (rendered.ts). They are as many as the reporters asked for (tens) × 2.
 */
export function presenterOf(reading: Reading, by: Filing): Presenter {
  const key = `${reading}\u0000${by}`;
  let present = presenters.get(key);
  if (!present) {
    const label = readingLabel(reading);
    present = (rows) => ({ reading: label, by, data: shown(rows) });
    presenters.set(key, present);
  }
  return present;
}

/** The CSV rows: the asked reading's (with `each`, the default's first), then each reporter's. */
export function* totalsCsvRows(a: TotalsAnswer): Iterable<TotalsCsvRow> {
  for (const r of [a.main, ...(a.each ?? [])])
    for (const row of shown(r.rows)) yield { reporter: readingLabel(r.reading), ...row };
}
