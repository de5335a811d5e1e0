import type pg from 'pg';
import { isUnavailable, storeError } from './errors.js';

/**
 * Runs `use` on a connection of its own from the pool, inside a transaction `use` begins
 * (BEGIN is sent with its first statement, to spare a round trip); commits if it returns,
 * rolls back if it throws. `settle` waits for statements `use` sent without waiting (see
 * PgTransaction), and throws the first that failed; COMMIT is sent behind them meanwhile.
 * A connection that failed under it is closed rather than given back, so that the pool
 * opens a fresh one next time (after a restart of PostgreSQL, say); an unavailable database
 * fails as StoreUnavailable.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  use: (client: pg.PoolClient) => Promise<T>,
  settle = async () => {},
): Promise<T> {
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
    const [settled, ended] = await Promise.allSettled([settle(), client.query('COMMIT')]);
    // A statement that failed has made COMMIT answer ROLLBACK (and no error): its error says why.
    if (settled.status === 'rejected') throw settled.reason;
    if (ended.status === 'rejected') throw ended.reason;
    if (ended.value.command !== 'COMMIT') throw new Error(`the transaction was rolled back (${ended.value.command})`);
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
