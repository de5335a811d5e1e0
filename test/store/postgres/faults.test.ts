import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerCommandOf } from '../../../src/domain/ledger-command.js';
import type { Ledger } from '../../../src/ledger/ledger.js';
import type { WriteOutcome } from '../../../src/ledger/requests.js';
import { PostgresLedgerStore, PostgresOpenError } from '../../../src/store/postgres/postgres-store.js';
import { StoreUnavailable } from '../../../src/store/store-unavailable.js';
import { relayTo, type Relay } from './proxy.js';
import { ADMIN_URL, admin, createDatabase, startPgService, type PgService, type TestDatabase } from './support.js';

/*
 * Issue 13, "Bad input and faults": a DATABASE_URL that cannot be opened stops the start with
 * one clear line; PostgreSQL gone or a connection dropped mid-load fails the requests it
 * touches with StoreUnavailable (the HTTP layer's 503), never half-writes a record, loses no
 * acknowledged write, and the store recovers by itself.
 */

const server = new URL(ADMIN_URL);
const now = () => new Date().toISOString();
const quiet = async () => ({ status: 200, headers: {}, body: null });

/** A command recording a stage of `exchangeId`, under an Idempotency-Key. */
const stageCommand = (ledger: Ledger, exchangeId: string, key: string) =>
  ledger.executeExchange({
    exchangeId,
    expectedVersion: null,
    principal: 'test',
    now: now(),
    idempotency: { key, fingerprint: key },
    command: ledgerCommandOf({
      action: 'recordStage',
      stageId: key,
      sides: [{ party: 'UA', count: 1 }],
      occurredAt: '2025-05-23',
      source: null,
      note: null,
    }),
    respond: quiet,
  });

async function setUp(ledger: Ledger): Promise<string> {
  for (const id of ['UA', 'RU']) {
    await ledger.registerParty({
      command: { partyId: id, name: id, occurredAt: '2014-01-01', note: null },
      principal: 'test',
      now: now(),
      idempotency: null,
      respond: quiet,
    });
  }
  const exchangeId = 'e-faults';
  const base = { exchangeId, expectedVersion: null, principal: 'test', idempotency: null, respond: quiet } as const;
  await ledger.executeExchange({
    ...base,
    now: now(),
    command: ledgerCommandOf({
      action: 'propose',
      exchangeId,
      kind: 'pow',
      proposedBy: 'UA',
      sides: [
        { party: 'UA', handsOver: 1000 },
        { party: 'RU', handsOver: 1000 },
      ],
      title: null,
      mediator: null,
      occurredAt: '2025-05-16',
      source: null,
      note: null,
    }),
  });
  await ledger.executeExchange({
    ...base,
    now: now(),
    command: { action: 'agree', by: 'RU', occurredAt: '2025-05-16', source: null, note: null },
  });
  return exchangeId;
}

/** Ends every connection to the database but the asker's, as an administrator (or a restart) would. */
const terminateBackends = (database: string) =>
  admin('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [
    database,
  ]);

describe('opening a PostgreSQL store that cannot be opened', () => {
  let relay: Relay;
  beforeAll(async () => {
    relay = await relayTo(server.hostname, Number(server.port || 5432));
    await relay.cut();
  });
  afterAll(() => relay?.close());

  it.each([
    [
      'an unknown scheme',
      () => 'mysql://root:hunter22@127.0.0.1/ledger',
      /DATABASE_URL must start with postgres:\/\/ or postgresql:\/\/, not mysql:\/\//,
    ],
    ['not a URL', () => 'postgres//nowhere', /DATABASE_URL is not a valid URL/],
    [
      'an unreachable server',
      () => `postgres://postgres:hunter22@127.0.0.1:${relay.port}/ledger`,
      () => new RegExp(`at postgres://postgres@127.0.0.1:${relay.port}/ledger: connection refused`),
    ],
    [
      'no such database',
      () => `postgres://postgres:hunter22@${server.host}/ledger_t_no_such_database`,
      /database "ledger_t_no_such_database" does not exist/,
    ],
    [
      'no such role',
      () => `postgres://nobody_here:hunter22@${server.host}/postgres`,
      /role "nobody_here" does not exist/,
    ],
  ] as [string, () => string, RegExp | (() => RegExp)][])(
    '%s: rejects with one line saying where and why, and not the password',
    async (_case, url, message) => {
      const error = await PostgresLedgerStore.open(url()).then(
        () => null,
        (e: Error) => e,
      );
      expect(error).toBeInstanceOf(PostgresOpenError);
      expect(error!.message).toMatch(typeof message === 'function' ? message() : message);
      expect(error!.message).toMatch(/^cannot open the PostgreSQL ledger/);
      expect(error!.message).not.toContain('\n');
      expect(error!.message).not.toContain('hunter22');
    },
  );
});

describe('a PostgreSQL store whose database goes away and comes back', () => {
  let db: TestDatabase;
  let relay: Relay;
  let service: PgService;
  let exchangeId: string;

  beforeAll(async () => {
    db = await createDatabase();
    relay = await relayTo(server.hostname, Number(server.port || 5432));
    const url = new URL(db.url);
    url.port = String(relay.port);
    service = await startPgService(url.toString(), {}, { connectTimeoutMs: 2000 });
    exchangeId = await setUp(service.ledger);
  });
  afterAll(async () => {
    await service?.close();
    await relay?.close();
    await db?.drop();
  });

  it('fails reads, writes, readiness while it is gone, as StoreUnavailable; recovers without restart', async () => {
    const { store, ledger } = service;
    const head = await store.head();
    await relay.cut();
    await expect(store.getExchange(exchangeId)).rejects.toBeInstanceOf(StoreUnavailable);
    await expect(store.listExchanges({ limit: 10 })).rejects.toBeInstanceOf(StoreUnavailable);
    await expect(stageCommand(ledger, exchangeId, 'while-gone')).rejects.toBeInstanceOf(StoreUnavailable);
    await expect(store.keys.findLiveKey('x')).rejects.toBeInstanceOf(StoreUnavailable);
    await expect(store.verify()).rejects.toBeInstanceOf(StoreUnavailable);
    expect(await store.readiness()).toEqual({ ready: false, reason: 'database not reachable' });
    // The HTTP answer of a read that cannot reach the database is a problem, never a stack trace.
    const res = await service.http().get(`/v1/exchanges/${exchangeId}`);
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.text).not.toMatch(/ECONNREFUSED|at .*\.js/);

    await relay.restore();
    expect(await store.readiness()).toEqual({ ready: true });
    expect(await store.head()).toEqual(head);
    const outcome = await stageCommand(ledger, exchangeId, 'after-return');
    expect(outcome).toMatchObject({ kind: 'answered', replayed: false });
    expect((await store.head()).sequence).toBe(head.sequence + 1);
    expect(await store.verify()).toMatchObject({ ok: true, events: head.sequence + 1 });
  });

  it('rolls back a transaction whose connection is dropped under it: nothing of it is written', async () => {
    const { store } = service;
    const head = await store.head();
    const lost = store.transaction(async (tx) => {
      const at = await tx.head();
      await tx.projectParty({ id: 'XX', name: 'half-written', registeredAt: '2014-01-01' }, now());
      await terminateBackends(db.name);
      // The next statement finds the connection gone.
      return (await tx.party('XX')) ?? at;
    });
    await expect(lost).rejects.toBeInstanceOf(StoreUnavailable);
    expect(await store.getParty('XX')).toBeNull();
    expect(await store.head()).toEqual(head);
  });
});

describe('a PostgreSQL store whose connections are ended mid-load', () => {
  let db: TestDatabase;
  let service: PgService;
  let exchangeId: string;

  beforeAll(async () => {
    db = await createDatabase();
    service = await startPgService(db.url);
    exchangeId = await setUp(service.ledger);
  });
  afterAll(async () => {
    await service?.close();
    await db?.drop();
  });

  it('fails what the cuts touch (StoreUnavailable); a retry with its key completes it; nothing is lost', async () => {
    const { store, ledger } = service;
    const keys = Array.from({ length: 120 }, (_, i) => `tranche-${i}`);
    const acknowledged = new Set<string>();
    const failed: string[] = [];
    let cuts = 0;
    let inFlight = 0;
    let done = 0;
    const outcomes = keys.map(async (key, i) => {
      // Spread over time, so that the cuts fall in the middle of the load.
      await new Promise((r) => setTimeout(r, i * 15));
      inFlight += 1;
      try {
        const outcome: WriteOutcome = await stageCommand(ledger, exchangeId, key);
        expect(outcome.kind).toBe('answered');
        acknowledged.add(key);
      } catch (error) {
        expect(error).toBeInstanceOf(StoreUnavailable);
        failed.push(key);
      } finally {
        inFlight -= 1;
        done += 1;
      }
    });
    // A cut falls while a command is on its way; three at least, more until one has failed
    // (a command between two statements, or in its commit) or the load is over.
    const cutting = (async () => {
      while (done < keys.length && (cuts < 3 || failed.length === 0)) {
        await new Promise((r) => setTimeout(r, 150));
        while (inFlight === 0 && done < keys.length) await new Promise((r) => setImmediate(r));
        if (done === keys.length) break;
        await terminateBackends(db.name);
        cuts += 1;
      }
    })();
    await Promise.all([...outcomes, cutting]);
    expect(cuts).toBeGreaterThanOrEqual(3);
    expect(failed.length, 'the cuts fell on commands in flight').toBeGreaterThan(0);
    expect(acknowledged.size).toBeGreaterThan(0);

    const stagesNow = async () =>
      (await store.exchangeHistory(exchangeId))!
        .filter((e) => e.type === 'StageRecorded')
        .map((e) => (e.data as { stageId: string }).stageId);
    const recorded = await stagesNow();
    for (const key of acknowledged)
      expect(
        recorded.filter((s) => s === key),
        `acknowledged ${key} is in the ledger once`,
      ).toHaveLength(1);

    // The client repeats what failed, with the same keys: each is then in the ledger exactly once.
    for (const key of failed)
      await expect(stageCommand(ledger, exchangeId, key)).resolves.toMatchObject({ kind: 'answered' });
    expect((await stagesNow()).sort()).toEqual([...keys].sort());
    const events = await store.ledgerEvents(0, 1000);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    expect(await store.verify()).toMatchObject({ ok: true, events: events.length });
  });
});
