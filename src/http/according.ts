import { FIRST, type Reading } from '../domain/readings.js';
import type { LedgerReads } from '../store/ledger-store.js';
import { ProblemError, problem } from './problem.js';

/**
 * `according` on an exchange's reads → the reading its figures are under. A reporter is a
 * registered party or observer; any other id is refused (400) rather than read as the
 * default, so that a typo never passes for a reporter who gave no account. `each` compares
 * readings side by side, which the totals do; an exchange is read under one at a time.
 */
export function exchangeReadingOf(
  store: Pick<LedgerReads, 'getParty' | 'getObserver'>,
  according: string | undefined,
): Reading | Promise<Reading> {
  // The default at once, not through an async function: most reads name no reporter.
  return according === undefined ? FIRST : reporterReading(store, according);
}

async function reporterReading(
  store: Pick<LedgerReads, 'getParty' | 'getObserver'>,
  according: string,
): Promise<Reading> {
  const refuse = (message: string) =>
    new ProblemError(
      problem('validation-failed', `query.according: ${message}`, { errors: [{ path: 'query.according', message }] }),
    );
  if (according === 'each') {
    throw refuse(
      'each is for the totals (GET /v1/totals?according=each); an exchange is read according to one reporter at a time, and lists every account of its stages and its reporters',
    );
  }
  if ((await store.getParty(according)) || (await store.getObserver(according))) return according;
  throw refuse(`${according} is not a registered reporter (a party or an observer)`);
}

/** What the totals' `according=` asks for: one reading, or every reporter's side by side. */
export type Asked = { reading: Reading } | { each: true };

const DEFAULT_READING: Asked = Object.freeze({ reading: FIRST });

/**
 * `according` on the totals: as on an exchange (absent → the default reading; a registered
 * reporter, else 400), and `each` → every reporter's readings side by side.
 */
export function totalsReadingOf(
  store: Pick<LedgerReads, 'getParty' | 'getObserver'>,
  according: string | undefined,
): Asked | Promise<Asked> {
  if (according === undefined) return DEFAULT_READING;
  if (according === 'each') return { each: true };
  return reporterReading(store, according).then((reading) => ({ reading }));
}

/** How an answer names a reading: null for the default (each stage's first account), else the reporter's id. */
export const readingLabel = (reading: Reading): string | null => (reading === FIRST ? null : reading);
