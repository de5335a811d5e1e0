import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { startLedger } from '../support/app.js';

/* /readyz tells a load balancer to stop sending traffic: it must say so when it is true. */
describe('GET /readyz when the service is not ready', () => {
  it('is 503 problem+json naming the reason when migrations are missing from the database', async () => {
    const t = await startLedger();
    try {
      expect((await t.http().get('/readyz')).status).toBe(200);
      // Another process (or an operator) rolled the file back past the code's last migration.
      const file = new Database(t.dbPath);
      file
        .prepare('DELETE FROM __drizzle_migrations WHERE rowid = (SELECT max(rowid) FROM __drizzle_migrations)')
        .run();
      file.close();
      const res = await t.http().get('/readyz');
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({
        status: 503,
        type: expect.stringMatching(/not-ready$/),
        detail: expect.stringMatching(/^migrations applied: \d+ of \d+$/),
      });
      expect((await t.http().get('/healthz')).status).toBe(200); // alive, just not ready
    } finally {
      await t.close();
    }
  });

  it('is 503 when the database cannot be reached', async () => {
    const t = await startLedger();
    try {
      await t.store.close();
      const res = await t.http().get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ status: 503, detail: 'database not reachable' });
    } finally {
      await t.close();
    }
  });
});
