import { FIRST, type Reading } from '../domain/readings.js';
import type { LedgerStore } from '../store/ledger-store.js';
import { ProblemError, problem } from './problem.js';

/** What `according=` asks for: one reading, or every reporter's side by side. */
export type Asked = { reading: Reading } | { each: true };

/**
 * Resolves `according`: absent → the default reading (each stage's first account); `each` →
 * every reporter's; otherwise a registered reporter (a party or an observer). A reporter that
 * gave no account yet reads as the default does. An id that names no reporter is refused
 * (400 naming query.according), so a mistyped id never passes for the default figures.
 */
export async function askedReading(store: LedgerStore, according: string | undefined): Promise<Asked> {
  if (according === undefined) return { reading: FIRST };
  if (according === 'each') return { each: true };
  if ((await store.getParty(according)) || (await store.getObserver(according))) return { reading: according };
  const message = `names no registered reporter (a party or an observer): ${according}`;
  throw new ProblemError(
    problem('validation-failed', `query.according: ${message}`, { errors: [{ path: 'query.according', message }] }),
  );
}

/** How a response names a reading: null for the default (each stage's first account), else the reporter's id. */
export const readingLabel = (reading: Reading): string | null => (reading === FIRST ? null : reading);
