import type pg from 'pg';
import { isUnavailable, storeError } from './errors.js';

/**
 * Runs `use` on a connection of its own from the pool, inside a transaction `use` begins
 * (BEGIN is sent with its first statement, to spare a round trip); commits if it returns,
 * rolls back if it throws. A connection that failed under it is closed rather than given
 * back, so that the pool opens a fresh one next time (after a restart of PostgreSQL, say);
 * an unavailable database fails as StoreUnavailable.
 */
export async function inTransaction<T>(pool: pg.Pool, use: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw storeError(error);
  }
  let lost: Error | undefined;
  // A checked-out connection has no listener of the pool's: without this, the server dropping
  // it between two statements would stop the process.
  const onLost = (error: Error) => (lost ??= error);
  client.on('error', onLost);
  try {
    const result = await use(client);
    // COMMIT of a transaction in which a statement failed answers ROLLBACK, and no error.
    const ended = await client.query('COMMIT');
    if (ended.command !== 'COMMIT') throw new Error(`the transaction was rolled back (${ended.command})`);
    return result;
  } catch (error) {
    if (lost === undefined && isUnavailable(error)) lost = error as Error;
    if (lost === undefined) {
      try {
        await client.query('ROLLBACK');
      } catch (failed) {
        lost = failed as Error;
      }
    }
    throw storeError(error);
  } finally {
    client.off('error', onLost);
    client.release(lost);
  }
}
