import { beforeAll, describe, expect, it } from 'vitest';
import { allEvents, get, openFile, post } from '../../audit/helpers.js';
import { useLedger } from '../../support/app.js';

// The SQLite file's own guard: whoever can open the file still cannot rewrite the ledger in it.
const t = useLedger();

beforeAll(async () => {
  for (const id of ['UA', 'RU']) await post(t(), '/v1/parties', { id, name: id }, 201);
  const id = (
    await post(
      t(),
      '/v1/exchanges',
      {
        kind: 'pow',
        proposedBy: 'UA',
        sides: [
          { party: 'UA', handsOver: 390 },
          { party: 'RU', handsOver: 390 },
        ],
        occurredAt: '2025-05-16',
      },
      201,
    )
  ).id as string;
  await post(t(), `/v1/exchanges/${id}/agree`, { by: 'RU', occurredAt: '2025-05-17' });
  await post(
    t(),
    `/v1/exchanges/${id}/stages`,
    {
      sides: [
        { party: 'UA', count: 390 },
        { party: 'RU', count: 390 },
      ],
      occurredAt: '2025-05-23',
    },
    201,
  );
});

describe('the database refuses to rewrite events (triggers)', () => {
  it('has the append-only triggers in place', () => {
    const db = openFile(t().dbPath, { readonly: true });
    try {
      const triggers = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events' ORDER BY name")
        .all()
        .map((r: any) => r.name);
      expect(triggers).toEqual(['events_no_delete', 'events_no_replace', 'events_no_update']);
    } finally {
      db.close();
    }
  });

  it('refuses UPDATE and DELETE on events, leaving every row as it was', async () => {
    const before = await allEvents(t());
    const db = openFile(t().dbPath);
    try {
      expect(() =>
        db
          .prepare("UPDATE events SET data = json_set(data, '$.sides[0].count', 391) WHERE type = 'StageRecorded'")
          .run(),
      ).toThrow(/append-only/);
      expect(() => db.prepare("UPDATE events SET note = 'rewritten' WHERE sequence = 1").run()).toThrow(/append-only/);
      expect(() => db.prepare('UPDATE events SET hash = hash').run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM events WHERE sequence = ?').run(before.length)).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM events').run()).toThrow(/append-only/);
      // An upsert that hits an existing event goes through UPDATE, and is refused too.
      expect(() =>
        db
          .prepare(
            "INSERT INTO events (sequence, id, stream_id, version, type, data, occurred_at, recorded_at, principal, prev_hash, hash) SELECT sequence, id, stream_id, version, type, data, occurred_at, recorded_at, 'x', prev_hash, hash FROM events WHERE sequence = 1 ON CONFLICT (sequence) DO UPDATE SET principal = excluded.principal",
          )
          .run(),
      ).toThrow(/append-only/);
    } finally {
      db.close();
    }
    expect(await allEvents(t())).toEqual(before);
    expect(await get(t(), '/v1/ledger/verify')).toMatchObject({ ok: true, events: before.length });
  });

  it('refuses a rewrite in place by INSERT OR REPLACE (a delete and insert under the hood)', async () => {
    const before = await allEvents(t());
    const db = openFile(t().dbPath);
    let refused: unknown = null;
    try {
      db.prepare(
        "INSERT OR REPLACE INTO events (sequence, id, stream_id, version, type, data, occurred_at, recorded_at, principal, source, note, prev_hash, hash) SELECT sequence, id, stream_id, version, type, data, occurred_at, recorded_at, 'rewritten', source, note, prev_hash, hash FROM events WHERE sequence = 1",
      ).run();
    } catch (e) {
      refused = e;
    } finally {
      db.close();
    }
    const after = await allEvents(t());
    expect(after[0]!.principal, 'event 1 was rewritten in place').toBe(before[0]!.principal);
    expect(String(refused)).toMatch(/append-only/);
  });
});
