import { READING_FIGURE_NAMES, nonZero, sorted, type ReadingContribution } from '../domain/reading-totals.js';
import { reportedEventsInForceAt } from '../domain/reported-as-of.js';
import type { RecordedLedgerEvent, ReportedExchangeEventData } from '../domain/reported-events.js';
import { contributionUnder, foldReported, readingsFromStages } from '../domain/reported-exchange.js';
import type { ExchangeRecord, TotalsQuery } from './ledger-store.js';

/**
 * As-of questions under any reading, for every adapter: the fold of the events in force at
 * the time (domain/reported-as-of.ts), the same code the writes run. History is asked for
 * far less than the present, which the maintained rows answer; a fold is exact under every
 * reading and filing without keeping a dated copy of every reading's rows.
 */

type Stream = readonly RecordedLedgerEvent<ReportedExchangeEventData>[];

/** The exchange as it stood at `asOf`, or null if it was not yet proposed then. */
export function exchangeAsOf(stream: Stream, asOf: string): ExchangeRecord | null {
  const inForce = reportedEventsInForceAt(stream, asOf);
  if (inForce[0]?.type !== 'ExchangeProposed') return null;
  const x = foldReported(inForce)!;
  return { state: x.state, readings: readingsFromStages(x), stages: x.stages };
}

/** The totals at `q.asOf` over the given exchanges' streams (the caller may pre-filter by party and kind). */
export function totalsAsOf(streams: Iterable<Stream>, q: TotalsQuery & { asOf: string }): ReadingContribution[] {
  const rows = new Map<string, ReadingContribution>();
  for (const stream of streams) {
    const inForce = reportedEventsInForceAt(stream, q.asOf);
    if (inForce[0]?.type !== 'ExchangeProposed') continue;
    const x = foldReported(inForce)!;
    const window = { ...(q.from && { from: q.from }), ...(q.to && { to: q.to }) };
    for (const c of contributionUnder(x, q.reading, q.filing, window)) {
      if ((q.party && c.party !== q.party) || (q.kind && c.kind !== q.kind)) continue;
      const key = `${c.party}\u0000${c.kind}`;
      const row = rows.get(key) ?? { ...c, ...Object.fromEntries(READING_FIGURE_NAMES.map((f) => [f, 0])) };
      for (const f of READING_FIGURE_NAMES) row[f] += c[f];
      rows.set(key, row);
    }
  }
  return sorted([...rows.values()].filter(nonZero));
}
