import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresLedgerStore } from '../../../src/store/postgres/postgres-store.js';
import { Ledger } from '../../../src/ledger/ledger.js';
import { admin, createDatabase, type TestDatabase } from './support.js';

/*
 * Design, "Audit": the ledger is append-only. On PostgreSQL the database itself refuses to
 * rewrite an event, whoever connects (here its administrator): PL/pgSQL triggers of
 * migrations/pg/0001 refuse UPDATE, DELETE and TRUNCATE on events; keys refuse a second
 * event at a sequence, id or stream version.
 */
/** The rest of event 2, copied into a second event. */
const COPIED =
  'type, data, occurred_at, recorded_at, principal, source, note, prev_hash, hash' + ' FROM events WHERE sequence = 2';

describe('the events table on PostgreSQL', () => {
  let db: TestDatabase;
  let store: PostgresLedgerStore;
  const sql = (text: string) => admin(text, [], db.name);

  beforeAll(async () => {
    db = await createDatabase();
    store = await PostgresLedgerStore.open(db.url);
    const ledger = new Ledger(store);
    for (const id of ['UA', 'RU']) {
      await ledger.registerParty({
        command: { partyId: id, name: id, occurredAt: '2014-01-01', note: null },
        principal: 'test',
        now: new Date().toISOString(),
        idempotency: null,
        respond: async () => ({ status: 201, headers: {}, body: null }),
      });
    }
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it.each([
    ['UPDATE', "UPDATE events SET note = 'rewritten' WHERE sequence = 1"],
    ['UPDATE', 'UPDATE events SET sequence = 3 WHERE sequence = 2'],
    [
      'UPDATE',
      "INSERT INTO events SELECT * FROM events WHERE sequence = 1 ON CONFLICT (sequence) DO UPDATE SET note = 'x'",
    ],
    ['DELETE', 'DELETE FROM events WHERE sequence = 2'],
    ['TRUNCATE', 'TRUNCATE events'],
  ])('refuses %s: %s', async (operation, statement) => {
    const before = await sql('SELECT * FROM events ORDER BY sequence');
    await expect(sql(statement)).rejects.toThrow(`events are append-only: ${operation} refused`);
    expect(await sql('SELECT * FROM events ORDER BY sequence')).toEqual(before);
    expect(before).toHaveLength(2);
  });

  it.each([
    ['a sequence already taken', `INSERT INTO events SELECT 1, 'other-id', 'party:XX', 1, ${COPIED}`],
    ['an event id already taken', `INSERT INTO events SELECT 3, id, 'party:XX', 1, ${COPIED}`],
    ['a stream version already taken', `INSERT INTO events SELECT 3, 'other-id', stream_id, version, ${COPIED}`],
  ])('refuses a second event at %s', async (_what, statement) => {
    await expect(sql(statement)).rejects.toThrow(/duplicate key/);
    expect(await sql('SELECT sequence FROM events ORDER BY sequence')).toEqual([{ sequence: '1' }, { sequence: '2' }]);
  });

  it('the service itself goes on appending', async () => {
    expect(await store.verify()).toMatchObject({ ok: true, events: 2 });
  });
});
