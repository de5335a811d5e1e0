import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ReportedSnapshot } from '../domain/reported-exchange.js';
import type { ExchangeQuery, LedgerStore } from '../store/ledger-store.js';

/** Exchanges read per page while walking the whole list: a page's cost stays small and bounded. */
export const WALK_PAGE = 500;

/**
 * Every exchange the filters select, from `query.after` (if given) to the end, read page by
 * page through the ordinary list, so only one page is in memory at a time. The pages follow
 * the list's order, by the immutable proposal date and sequence: an exchange proposed during
 * the walk is met once or not at all, none is skipped or met twice; each is as it stood when
 * its page was read.
 */
export async function* everyExchange(
  store: Pick<LedgerStore, 'listExchanges'>,
  query: Omit<ExchangeQuery, 'limit'>,
): AsyncGenerator<ReportedSnapshot> {
  let after = query.after;
  for (;;) {
    const page = await store.listExchanges({ ...query, limit: WALK_PAGE, ...(after && { after }) });
    yield* page.items;
    if (!page.next) return;
    after = page.next;
    // Let other requests in between pages.
    await nextTurn();
  }
}
