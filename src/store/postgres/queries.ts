import type pg from 'pg';
import type { ReportedStage } from '../../domain/reported-stage.js';
import type { ExchangeRecord } from '../ledger-store.js';
import { storeError } from './errors.js';
import { cannotBeStored, snapshotOf } from './rows.js';
import { READS, type Statement } from './statements.js';

/** The pool (a statement of its own, autocommitted) or the connection of a transaction. */
export type Queryable = pg.Pool | pg.PoolClient;

/** Runs a prepared statement; a database that is not there fails as StoreUnavailable. */
export async function run<R extends pg.QueryResultRow = pg.QueryResultRow>(
  db: Queryable,
  statement: Statement,
  values: unknown[] = [],
): Promise<R[]> {
  try {
    return (await db.query<R>({ name: statement.name, text: statement.text, values })).rows;
  } catch (error) {
    throw storeError(error);
  }
}

/** The exchange with every stage and account, read in one statement (GET, and the answers that show stages). */
export async function exchangeWithStages(db: Queryable, id: string): Promise<ExchangeRecord | null> {
  if (cannotBeStored(id)) return null;
  const [row] = await run<{ state: string; readings: string; stages: string[] }>(db, READS.exchangeWithStages, [id]);
  if (!row) return null;
  return { ...snapshotOf(row), stages: row.stages.map((s) => JSON.parse(s) as ReportedStage) };
}
