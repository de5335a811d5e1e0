import { describe, expect, it } from 'vitest';
import journal from '../../../migrations/pg/meta/_journal.json' with { type: 'json' };
import { admin, usePgLedger } from './support.js';

/*
 * Design, "Operations": /readyz answers 200 only when the database is reachable and every
 * migration the code ships is applied. On PostgreSQL the migrator's own record
 * (drizzle.__drizzle_migrations) is compared with migrations/pg/meta/_journal.json.
 */
describe('readiness on PostgreSQL', () => {
  const t = usePgLedger();
  const shipped = journal.entries.length;
  const sql = (text: string, values: unknown[] = []) => admin(text, values, t().database.name);

  it('is ready once every shipped migration is applied', async () => {
    expect(shipped).toBeGreaterThanOrEqual(2);
    expect(await t().store.readiness()).toEqual({ ready: true });
    expect((await t().http().get('/readyz')).body).toEqual({ status: 'ready' });
  });

  it('is not ready, and says how far it got, when a shipped migration is not recorded as applied', async () => {
    const last = journal.entries.at(-1)!;
    const removed = await sql(
      'DELETE FROM drizzle.__drizzle_migrations WHERE created_at = $1 RETURNING hash, created_at',
      [last.when],
    );
    expect(removed).toHaveLength(1);
    try {
      const reason = `migrations applied: ${shipped - 1} of ${shipped}`;
      expect(await t().store.readiness()).toEqual({ ready: false, reason });
      const res = await t().http().get('/readyz');
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ type: '/problems/not-ready', detail: reason });
    } finally {
      await sql('INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ($1, $2)', [
        removed[0]!.hash,
        removed[0]!.created_at,
      ]);
    }
    expect(await t().store.readiness()).toEqual({ ready: true });
  });

  it('is not ready when no migration was ever recorded', async () => {
    await sql('ALTER TABLE drizzle.__drizzle_migrations RENAME TO moved_away');
    try {
      expect(await t().store.readiness()).toEqual({ ready: false, reason: `migrations applied: 0 of ${shipped}` });
    } finally {
      await sql('ALTER TABLE drizzle.moved_away RENAME TO __drizzle_migrations');
    }
  });
});
