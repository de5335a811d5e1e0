import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER } from '../../../src/paths.js';
import type { ExchangeQuery } from '../../../src/store/ledger-store.js';
import { openSqlite } from '../../../src/store/sqlite/connection.js';
import { fillPlaceholders } from 'drizzle-orm';
import { exchangeListQuery, listParameters, shapeOfList, stageSumQuery, totalsQuery } from '../../../src/store/sqlite/read-queries.js';

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
  return (conn.sqlite.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...fillPlaceholders(params, values)) as { detail: string }[]).map((r) => r.detail);
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
  (subsets, name) => [...subsets, ...subsets.map((s) => [...s, name])], [[]],
);

describe('every read that must not slow down with the ledger is served by an index', () => {
  it.each(combinations.map((names) => [names.join(' + ') || 'no filter', names] as const))('GET /v1/exchanges with %s', (_label, names) => {
    const q: ExchangeQuery = Object.assign({ limit: 50 }, ...names.map((n) => FILTERS[n]));
    const plan = planOf(exchangeListQuery(conn.db, shapeOfList(q)), listParameters(q));
    expect(plan.length).toBeGreaterThan(0);
    expect(plan.filter(unindexed), plan.join('\n')).toEqual([]);
    // The walk follows the order of the page, so LIMIT stops it after one page.
    expect(plan.join('\n')).toMatch(q.party ? /exchange_parties_order|sqlite_autoindex_exchange_parties/ : /USING (COVERING )?INDEX exchanges_/);
  });

  it.each([{}, { party: 'UA' }, { kind: 'pow' as const }, { party: 'UA', kind: 'pow' as const }])('GET /v1/totals with %o reads the maintained aggregates by key', (q) => {
    const plan = planOf(totalsQuery(conn.db, { party: 'party' in q, kind: 'kind' in q }), q);
    if (q.party) expect(plan.join('\n')).toMatch(/SEARCH totals USING .*INDEX/);
    expect(plan.filter((s) => /TEMP B-TREE/.test(s) || (/^SCAN totals$/.test(s))), plan.join('\n')).toEqual([]);
  });

  it.each([
    ['party', { from: '2025-05-24' }], ['party', { to: '2025-05-24T23:59:59.999Z' }], ['party', { from: '2025-05-01', to: '2025-05-31T23:59:59.999Z' }],
    ['counterparty', { from: '2025-05-24' }], ['counterparty', { from: '2025-05-01', to: '2025-05-31T23:59:59.999Z' }],
  ] as const)('GET /v1/totals bounded by date sums %s stages over an index (%o)', (column, bounds) => {
    const plan = planOf(stageSumQuery(conn.db, { column, from: 'from' in bounds, to: 'to' in bounds }), { party: 'UA', kind: 'pow', ...bounds });
    expect(plan.join('\n')).toMatch(new RegExp(`SEARCH stage_handovers USING INDEX stage_handovers_${column} \\(${column}=\\? AND kind=\\? AND occurred_at[<>]`));
  });
});
