import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '../../../src/paths.js';
import type { ExchangeQuery } from '../../../src/store/ledger-store.js';
import { openSqlite } from '../../../src/store/sqlite/connection.js';
import { fillPlaceholders } from 'drizzle-orm';
import { exchangeListQuery, listParameters, shapeOfList } from '../../../src/store/sqlite/read-queries.js';
import {
  readingParameters,
  readingTotalsSql,
  shapeOfTotals,
  stageWindowSql,
} from '../../../src/store/sqlite/reading-queries.js';
import type { TotalsQuery } from '../../../src/store/ledger-store.js';

/**
 * On a ledger of a million events a query that walks a whole table, or sorts its rows in a
 * temporary B-tree, is what makes a page slow. EXPLAIN QUERY PLAN shows how SQLite serves the
 * very SQL the store runs; every filter combination and the cursor must be served by an index.
 */
const dir = mkdtempSync(join(tmpdir(), 'ledger-plans-'));
const conn = openSqlite(join(dir, 'plans.db'), MIGRATIONS_FOLDER);
afterAll(() => {
  conn.sqlite.close();
  rmSync(dir, { recursive: true, force: true });
});

function planOf(query: { toSQL: () => { sql: string; params: unknown[] } }, values: Record<string, unknown>): string[] {
  const { sql, params } = query.toSQL();
  return (
    conn.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...fillPlaceholders(params, values)) as { detail: string }[]
  ).map((r) => r.detail);
}

/** A step that reads a table row by row without an index, or sorts outside one. */
const unindexed = (step: string) => (/^SCAN \w+$/.test(step) && !/USING/.test(step)) || /TEMP B-TREE/.test(step);

const FILTERS = {
  status: { status: 'agreed' },
  kind: { kind: 'pow' },
  party: { party: 'UA' },
  from: { from: '2025-01-01' },
  to: { to: '2025-12-31T23:59:59.999Z' },
  cursor: { after: { occurredAt: '2025-05-16', seq: 42 } },
} as const satisfies Record<string, Partial<ExchangeQuery>>;

/** Every subset of the filters: 2⁶ = 64 list queries. */
const combinations = (Object.keys(FILTERS) as (keyof typeof FILTERS)[]).reduce<(keyof typeof FILTERS)[][]>(
  (subsets, name) => [...subsets, ...subsets.map((s) => [...s, name])],
  [[]],
);

describe('every read that must not slow down with the ledger is served by an index', () => {
  it.each(combinations.map((names) => [names.join(' + ') || 'no filter', names] as const))(
    'GET /v1/exchanges with %s',
    (_label, names) => {
      const q: ExchangeQuery = Object.assign({ limit: 50 }, ...names.map((n) => FILTERS[n]));
      const plan = planOf(exchangeListQuery(conn.db, shapeOfList(q)), listParameters(q));
      expect(plan.length).toBeGreaterThan(0);
      expect(plan.filter(unindexed), plan.join('\n')).toEqual([]);
      // The walk follows the order of the page, so LIMIT stops it after one page.
      expect(plan.join('\n')).toMatch(
        q.party ? /exchange_parties_order|sqlite_autoindex_exchange_parties/ : /USING (COVERING )?INDEX exchanges_/,
      );
    },
  );

  const planOfSql = (text: string, q: TotalsQuery) =>
    (conn.sqlite.prepare(`EXPLAIN QUERY PLAN ${text}`).all(readingParameters(q)) as { detail: string }[]).map(
      (r) => r.detail,
    );
  const TOTALS_FILTERS = [{}, { party: 'UA' }, { kind: 'pow' as const }, { party: 'UA', kind: 'pow' as const }];

  it.each(TOTALS_FILTERS)('GET /v1/totals with %o reads the first reading’s maintained rows by key, unsorted', (f) => {
    const q: TotalsQuery = { reading: '@first', filing: 'kind', ...f };
    const plan = planOfSql(readingTotalsSql(shapeOfTotals(q)), q);
    expect(plan.join('\n')).toMatch(/SEARCH reading_totals USING .*INDEX/);
    expect(plan.filter(unindexed), plan.join('\n')).toEqual([]);
  });

  it.each(TOTALS_FILTERS)('GET /v1/totals?according=UA with %o reads two readings’ rows by key', (f) => {
    const q: TotalsQuery = { reading: 'UA', filing: 'kind', ...f };
    const plan = planOfSql(readingTotalsSql(shapeOfTotals(q)), q);
    expect(plan.join('\n')).toMatch(/SEARCH reading_totals USING .*INDEX/);
    expect(
      plan.filter((step) => /^SCAN/.test(step)),
      plan.join('\n'),
    ).toEqual([]);
  });

  it.each([
    { from: '2025-05-24' },
    { to: '2025-05-24T23:59:59.999Z' },
    { from: '2025-05-01', to: '2025-05-31T23:59:59.999Z', party: 'UA' },
  ])('GET /v1/totals bounded by date sums the stages in the window over an index (%o)', (bounds) => {
    for (const reading of ['@first', 'UA']) {
      const q: TotalsQuery = { reading, filing: 'kind', ...bounds };
      const plan = planOfSql(stageWindowSql(shapeOfTotals(q)), q);
      expect(plan.join('\n')).toMatch(
        /SEARCH stage_reading_rows USING INDEX stage_reading_rows_window \(filing=\? AND reading=\? AND occurred_at[<>]/,
      );
    }
  });
});
