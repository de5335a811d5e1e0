import canonicalize from 'canonicalize';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { ExchangeCommand } from '../../../src/domain/commands.js';
import type { ExchangeState } from '../../../src/domain/exchange.js';
import { nonZero } from '../../../src/domain/reading-totals.js';
import { FIRST } from '../../../src/domain/readings.js';
import { reportedEventsInForceAt } from '../../../src/domain/reported-as-of.js';
import type { RecordedLedgerEvent, ReportedExchangeEventData } from '../../../src/domain/reported-events.js';
import { foldReported, totalsOfExchanges } from '../../../src/domain/reported-exchange.js';
import { stageStateOf, type ReportedStage } from '../../../src/domain/reported-stage.js';
import { contributionOf, sumContributions } from '../../../src/domain/totals.js';
import { Ledger } from '../../../src/ledger/ledger.js';
import { applySteps, freshExchangeId } from '../../../src/seed/apply.js';
import { syntheticLedger, type SyntheticStep } from '../../../src/seed/synthetic.js';
import { createPool } from '../../../src/store/postgres/connection.js';
import { PG_MIGRATIONS_FOLDER } from '../../../src/store/postgres/migrations.js';
import { PostgresLedgerStore } from '../../../src/store/postgres/postgres-store.js';
import { totalsAsOf } from '../../../src/store/postgres/totals-as-of.js';
import { admin, createDatabase, type TestDatabase } from './support.js';

/*
 * Migration 0002 (the record as it was reported) on a ledger written before it: every stage
 * becomes one unattributed account of itself, every exchange's readings and every reading's
 * rows are filled from what was kept. The old ledger is made as the old schema held it: the
 * same commands (old ones only) recorded by this version on a database of its own, their
 * events and read models copied into a database migrated up to 0001, and the old read models
 * this version no longer keeps (stage_handovers, totals) made as the old code wrote them. Once
 * migrated to the latest (0003 drops the old read models), its tables must hold what this
 * version itself wrote for the same commands, and it must verify and go on recording.
 */

/** The tables of migrations 0000–0001 this version still keeps, with their columns then (exchanges had no readings). */
const KEPT_TABLES: Record<string, string> = {
  parties: '*',
  events: '*',
  exchanges: 'id, seq, kind, status, occurred_at, version, state',
  exchange_parties: '*',
};

/** The old read models, which 0003 drops (0002 reads two of them; terms_history is left empty). */
const OLD_READ_MODELS = ['stage_handovers', 'totals', 'terms_history'];

/**
 * The rows of stage_handovers and totals as the old code kept them for this version's ledger:
 * per stage and party (its first account's counts, stageStateOf) and the sum of every
 * exchange's contribution.
 */
async function oldReadModels(db: TestDatabase): Promise<{ stage_handovers: Row[]; totals: Row[] }> {
  const exchanges = await admin<{ id: string; state: string }>('SELECT id, state FROM exchanges', [], db.name);
  const stateOf = new Map(exchanges.map((x) => [x.id, JSON.parse(x.state) as ExchangeState]));
  const reports = await admin<{ exchange_id: string; sequence: number; stage: string }>(
    'SELECT exchange_id, sequence, stage FROM stage_reports',
    [],
    db.name,
  );
  const stageHandovers = reports.flatMap((r) => {
    const st = stageStateOf(JSON.parse(r.stage) as ReportedStage);
    return st.sides.map((h) => ({
      stage_id: st.id,
      party: h.party,
      counterparty: st.sides.find((o) => o.party !== h.party)!.party,
      exchange_id: r.exchange_id,
      kind: stateOf.get(r.exchange_id)!.kind,
      count: h.count,
      occurred_at: st.occurredAt,
      voided_at: st.voided?.occurredAt ?? null,
      sequence: r.sequence,
      recorded_at: st.recordedAt,
      void_recorded_at: st.voided?.recordedAt ?? null,
      void_reason: st.voided?.reason ?? null,
    }));
  });
  const totals = [...sumContributions([...stateOf.values()].flatMap(contributionOf)).values()].map((c) => ({
    party: c.party,
    kind: c.kind,
    handed_over: c.handedOver,
    received: c.received,
    agreed_outstanding: c.agreedOutstanding,
    unspecified_sides: c.unspecifiedSides,
    proposed: c.proposed,
  }));
  return { stage_handovers: stageHandovers, totals };
}

/** A stage with a note and a source of its own, and a voided one, beside the synthetic ledger's. */
const NOTED: ExchangeCommand[] = [
  {
    action: 'propose',
    exchangeId: 'noted',
    kind: 'pow',
    proposedBy: 'UA',
    sides: [
      { party: 'UA', handsOver: 90 },
      { party: 'RU', handsOver: 90 },
    ],
    title: null,
    mediator: null,
    occurredAt: '2024-01-02',
    source: null,
    note: null,
  },
  { action: 'agree', by: 'RU', occurredAt: '2024-01-03', source: null, note: null },
  {
    action: 'recordStage',
    stageId: 'noted-1',
    sides: [
      { party: 'UA', count: 40 },
      { party: 'RU', count: 38 },
    ],
    occurredAt: '2024-01-04',
    source: { title: 'Coordination HQ', url: 'https://example.org/hq' },
    note: 'two more were "wounded"',
  },
  {
    action: 'recordStage',
    stageId: 'noted-2',
    sides: [{ party: 'RU', count: 7 }],
    occurredAt: '2024-01-05T10:00:00Z',
    source: null,
    note: null,
  },
  {
    action: 'voidStage',
    stageId: 'noted-2',
    reason: 'counted twice',
    occurredAt: '2024-01-06',
    source: null,
    note: null,
  },
];

function* steps(): Generator<SyntheticStep> {
  // More events than a page of the as-of reads (1,000).
  yield* syntheticLedger({ events: 1200, idOf: freshExchangeId });
  for (const command of NOTED) yield { kind: 'exchange', exchangeId: 'noted', command };
}

type Row = Record<string, unknown>;
type Recorded = RecordedLedgerEvent<ReportedExchangeEventData>;
const FIGURES = [
  'handed_over',
  'received',
  'agreed_outstanding',
  'unspecified_sides',
  'proposed',
  'handed_over_undisclosed_stages',
  'received_undisclosed_stages',
  'handed_over_approximate',
  'received_approximate',
];
/** Rows whose figures are all zero count as absent (the old totals kept such rows; the new rows need not). */
const counted = (rows: Row[]) => rows.filter((r) => FIGURES.some((f) => r[f] !== undefined && Number(r[f]) !== 0));
const parsed = (rows: Row[], column: string) => rows.map((r) => ({ ...r, [column]: JSON.parse(r[column] as string) }));

describe('migrating a PostgreSQL ledger written before accounts existed', () => {
  let dir: string;
  let written: TestDatabase;
  let upgraded: TestDatabase;
  let source: PostgresLedgerStore;
  let store: PostgresLedgerStore;
  const rows = (db: TestDatabase, sql: string) => admin<Row>(sql, [], db.name);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ledger-pg-0002-'));
    [written, upgraded] = await Promise.all([createDatabase(), createDatabase()]);
    source = await PostgresLedgerStore.open(written.url);
    await applySteps(new Ledger(source), steps());

    // The schema as migration 0001 left it.
    const old = join(dir, 'pg');
    cpSync(PG_MIGRATIONS_FOLDER, old, { recursive: true });
    const journal = JSON.parse(readFileSync(join(old, 'meta', '_journal.json'), 'utf8'));
    journal.entries = journal.entries.filter((e: { tag: string }) => e.tag < '0002');
    expect(journal.entries.map((e: { tag: string }) => e.tag)).toEqual(['0000_init', '0001_events_append_only']);
    writeFileSync(join(old, 'meta', '_journal.json'), JSON.stringify(journal));
    await (await PostgresLedgerStore.open(upgraded.url, { migrationsFolder: old })).close();
    expect(await rows(upgraded, `SELECT to_regclass('stage_reports') AS t`)).toEqual([{ t: null }]);

    const copy = (table: string, old: Row[]) =>
      admin(
        `INSERT INTO ${table} SELECT * FROM json_populate_recordset(NULL::${table}, $1::json)`,
        [JSON.stringify(old)],
        upgraded.name,
      );
    for (const [table, columns] of Object.entries(KEPT_TABLES))
      await copy(table, await rows(written, `SELECT ${columns} FROM ${table}`));
    const kept = await oldReadModels(written);
    expect(kept.stage_handovers.filter((h) => h.voided_at !== null).length).toBeGreaterThan(0);
    await copy('stage_handovers', kept.stage_handovers);
    await copy('totals', kept.totals);
    store = await PostgresLedgerStore.open(upgraded.url);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([source?.close(), store?.close()]);
    await Promise.all([written?.drop(), upgraded?.drop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('fills the readings, the stages with their accounts and every reading row as this version writes them', async () => {
    const both = async (sql: string) => Promise.all([rows(written, sql), rows(upgraded, sql)]);
    const [readingsThen, readingsNow] = await both('SELECT id, readings FROM exchanges ORDER BY id');
    expect(readingsThen.length).toBeGreaterThan(20);
    expect(parsed(readingsNow, 'readings')).toEqual(parsed(readingsThen, 'readings'));

    const [stagesThen, stagesNow] = await both('SELECT * FROM stage_reports ORDER BY stage_id');
    expect(stagesThen.length).toBeGreaterThan(50);
    // JSON compared as values (PostgreSQL's json_build_object spaces and orders its text its own way).
    const canonical = (r: Row[]) => parsed(r, 'stage').map((x) => canonicalize(x));
    expect(canonical(stagesNow)).toEqual(canonical(stagesThen));
    const noted = stagesNow.find((s) => s.stage_id === 'noted-1')!;
    expect(JSON.parse(noted.stage as string).accounts).toEqual([
      {
        reportedBy: null,
        sides: [
          { party: 'UA', count: 40, approximate: false, breakdown: null },
          { party: 'RU', count: 38, approximate: false, breakdown: null },
        ],
        source: { title: 'Coordination HQ', url: 'https://example.org/hq' },
        note: 'two more were "wounded"',
        occurredAt: '2024-01-04',
        recordedAt: expect.any(String),
      },
    ]);
    expect(stagesNow.find((s) => s.stage_id === 'noted-2')!.stage).toContain('counted twice');

    const order = 'ORDER BY filing, reading, party, kind';
    const [totalsThen, totalsNow] = await both(`SELECT * FROM reading_totals ${order}`);
    expect(counted(totalsThen).length).toBeGreaterThan(10);
    expect(counted(totalsNow)).toEqual(counted(totalsThen));
    expect(new Set(totalsNow.map((r) => r.reading))).toEqual(new Set([FIRST]));

    const [windowThen, windowNow] = await both(`SELECT * FROM stage_reading_rows ORDER BY stage_id, filing, party`);
    expect(counted(windowNow)).toEqual(counted(windowThen));
    expect(windowNow.some((r) => r.stage_id === 'noted-2')).toBe(false);
    for (const table of ['reporters', 'observers', 'claims'])
      expect(await rows(upgraded, `SELECT * FROM ${table}`), table).toEqual([]);
    for (const table of OLD_READ_MODELS)
      expect(await rows(upgraded, `SELECT to_regclass('${table}') AS t`), table).toEqual([{ t: null }]);
  });

  it('answers as the ledger written by this version does, and verifies', async () => {
    expect(await store.verify()).toMatchObject({ ok: true, head: await source.head() });
    const page = await source.listExchanges({ limit: 1000 });
    expect(await store.listExchanges({ limit: 1000 })).toEqual(page);
    for (const { state } of page.items.slice(0, 40))
      expect(await store.getExchange(state.id), state.id).toEqual(await source.getExchange(state.id));
    for (const filing of ['kind', 'exchange'] as const) {
      const q = { reading: 'UA', filing, from: '2015-01-01' };
      expect((await store.totals(q)).filter(nonZero)).toEqual((await source.totals(q)).filter(nonZero));
    }
  });

  it('answers as of a time by the fold of every exchange’s events then in force, page after page', async () => {
    const pool = createPool(upgraded.url, {});
    onTestFinished(() => pool.end());
    const histories: Recorded[][] = [];
    for (const { state } of (await store.listExchanges({ limit: 1000 })).items)
      histories.push(((await store.exchangeHistory(state.id)) ?? []) as Recorded[]);
    expect(histories.reduce((n, h) => n + h.length, 0)).toBeGreaterThan(1000);
    for (const asOf of ['2014-03-01', '2014-05-15T12:00:00.000Z', '2030-01-01']) {
      const inForce = histories.map((h) => foldReported(reportedEventsInForceAt(h, asOf))).filter((x) => x !== null);
      for (const q of [{}, { party: 'UA' }, { kind: 'remains' as const }]) {
        const want = totalsOfExchanges(inForce, FIRST, 'kind').filter(
          (c) => (!('party' in q) || c.party === q.party) && (!('kind' in q) || c.kind === q.kind),
        );
        expect(want.length).toBeGreaterThan(0);
        expect(await store.totals({ reading: FIRST, filing: 'kind', asOf, ...q })).toEqual(want);
        // Pages that end inside a stream, at every few events.
        for (const page of [7, 13])
          expect(await totalsAsOf(pool, { reading: FIRST, filing: 'kind', asOf, ...q }, page)).toEqual(want);
      }
    }
  });

  it('goes on recording: a later account of a migrated stage counts under its reporter only', async () => {
    const ledger = new Ledger(store);
    let status = 0;
    await ledger.executeExchange({
      exchangeId: 'noted',
      command: {
        action: 'addAccount',
        stageId: 'noted-1',
        reportedBy: 'RU',
        sides: [{ party: 'RU', count: 40 }],
        occurredAt: '2024-01-05',
        source: null,
        note: null,
      },
      expectedVersion: null,
      principal: 'test',
      now: new Date().toISOString(),
      idempotency: null,
      respond: (r) => {
        status = r.ok ? 200 : 422;
        return { status, headers: {}, body: r.ok ? null : r.rejection };
      },
    });
    expect(status).toBe(200);
    const ru = async (reading: string) =>
      (
        await store.totals({ reading, filing: 'kind', party: 'RU', kind: 'pow', from: '2024-01-01', to: '2024-01-31' })
      )[0];
    expect(await ru(FIRST)).toMatchObject({ handedOver: 38, received: 40 });
    expect(await ru('RU')).toMatchObject({ handedOver: 40, received: 40 });
    expect(await store.reporters()).toEqual(['RU']);
    expect(await store.verify()).toMatchObject({ ok: true });
    // An old-form command (the seed's) still records the old way on the migrated ledger.
    await applySteps(ledger, [
      {
        kind: 'exchange',
        exchangeId: 'noted',
        command: {
          action: 'complete',
          stageId: 'noted-3',
          sides: null,
          occurredAt: '2024-01-07',
          source: null,
          note: null,
        },
      },
    ]);
    expect((await store.getExchange('noted'))!.state.status).toBe('completed');
    expect(await store.verify()).toMatchObject({ ok: true });
  });
});
