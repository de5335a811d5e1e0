import type pg from 'pg';
import type { Exchange, ExchangeState } from '../../domain/exchange.js';
import { storeError } from './errors.js';
import { cannotBeStored, stagesFrom, type StageRow } from './rows.js';
import { READS, type Statement } from './statements.js';

/** The pool (a statement of its own, autocommitted) or the connection of a transaction. */
export type Queryable = pg.Pool | pg.PoolClient;

/** Runs a prepared statement; a database that is not there fails as StoreUnavailable. */
export async function run<R extends pg.QueryResultRow = pg.QueryResultRow>(db: Queryable, statement: Statement, values: unknown[] = []): Promise<R[]> {
  try {
    return (await db.query<R>({ name: statement.name, text: statement.text, values })).rows;
  } catch (error) {
    throw storeError(error);
  }
}


type StageTuple = [string, string, number, string, string, string | null, string | null, string | null];

/** The exchange with its stages, read in one statement (GET, and the answers that show stages). */
export async function exchangeWithStages(db: Queryable, id: string): Promise<Exchange | null> {
  if (cannotBeStored(id)) return null;
  const [row] = await run<{ state: string; stages: StageTuple[] }>(db, READS.exchangeWithStages, [id]);
  if (!row) return null;
  const state = JSON.parse(row.state) as ExchangeState;
  const rows = row.stages.map(([stageId, party, count, occurredAt, recordedAt, voidedAt, voidRecordedAt, voidReason]): StageRow =>
    ({ stageId, party, count, occurredAt, recordedAt, voidedAt, voidRecordedAt, voidReason }));
  return { ...state, stages: stagesFrom(state, rows) };
}
