import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordClaim } from '../../../src/domain/claims.js';
import type { LedgerCommand } from '../../../src/domain/ledger-command.js';
import { nonZero, type ReadingContribution } from '../../../src/domain/reading-totals.js';
import { FIRST, type Filing, type Reading } from '../../../src/domain/readings.js';
import { reportedEventsInForceAt } from '../../../src/domain/reported-as-of.js';
import type { RecordedLedgerEvent, ReportedExchangeEventData } from '../../../src/domain/reported-events.js';
import {
  foldReported,
  readingsFromStages,
  totalsOfExchanges,
  type ReportedExchange,
} from '../../../src/domain/reported-exchange.js';
import { lowerBoundOf, upperBoundOf } from '../../../src/domain/time.js';
import { Ledger } from '../../../src/ledger/ledger.js';
import type { WriteResult } from '../../../src/ledger/requests.js';
import type { TotalsQuery } from '../../../src/store/ledger-store.js';
import { PostgresLedgerStore } from '../../../src/store/postgres/postgres-store.js';
import { admin, createDatabase, type TestDatabase } from './support.js';

/*
 * DESIGN "Accounts", "Which figure counts: the reading", "Late handovers", "Claims" on the
 * PostgreSQL store: the June 2025 repatriation of 6,000 bodies and a POW swap with civilians
 * inside it, recorded as they were reported, through the application layer. Every read
 * answers what the fold of the events gives (the domain's reference), every reading's
 * figures included; verify finds every new read model changed behind its back; an export
 * imports into another PostgreSQL ledger with the same rows.
 */

const NOW = '2025-07-01T12:00:00.000Z';
const UA = 'UA';
const RU = 'RU';
const ICRC = 'ICRC';
const BODIES = 'repatriation-2025-06';
const POWS = 'pow-2025-05';

type Step = { exchangeId: string; command: LedgerCommand } | { observer: string } | { party: string } | RecordClaim;
const p = (occurredAt: string, note: string | null = null) => ({
  occurredAt,
  source: { title: `report of ${occurredAt}` },
  note,
});
const side = (party: string, count: number | null, more: object = {}) => ({ party, count, ...more });

/** The record, in the order it was reported. */
const STEPS: Step[] = [
  { party: UA },
  { party: RU },
  { observer: ICRC },
  {
    exchangeId: BODIES,
    command: {
      action: 'propose',
      exchangeId: BODIES,
      kind: 'remains',
      proposedBy: RU,
      sides: [
        { party: RU, handsOver: 6000 },
        { party: UA, handsOver: 6000 },
      ],
      title: '6,000 for 6,000',
      mediator: null,
      termsAccounts: [
        {
          reportedBy: RU,
          sides: [
            { party: RU, handsOver: 6000 },
            { party: UA, handsOver: 0 },
          ],
          source: null,
          note: 'unilaterally',
        },
        { reportedBy: UA, sides: [{ party: UA, handsOver: 6000 }], source: null, note: null },
      ],
      ...p('2025-06-02'),
    },
  },
  { exchangeId: BODIES, command: { action: 'agree', by: UA, ...p('2025-06-07') } },
  {
    exchangeId: BODIES,
    command: {
      action: 'recordStage',
      stageId: 'b1',
      report: {
        form: 'accounts',
        accounts: [
          { reportedBy: UA, sides: [side(RU, 1212), side(UA, 27)], source: { title: 'UA HQ' }, note: null },
          { reportedBy: RU, sides: [side(RU, 1212), side(UA, 27)], source: { title: 'RU MoD' }, note: null },
        ],
      },
      ...p('2025-06-11'),
    },
  },
  {
    exchangeId: BODIES,
    command: {
      action: 'recordStage',
      stageId: 'b2',
      report: { form: 'sides', reportedBy: RU, sides: [side(RU, null), side(UA, 0)] },
      ...p('2025-06-13', 'the third stage of the exchange took place'),
    },
  },
  {
    exchangeId: BODIES,
    command: {
      action: 'addAccount',
      stageId: 'b1',
      reportedBy: ICRC,
      sides: [side(RU, 1210, { approximate: true })],
      ...p('2025-06-12'),
    },
  },
  {
    exchangeId: BODIES,
    command: {
      action: 'addAccount',
      stageId: 'b2',
      reportedBy: UA,
      sides: [side(RU, 1200)],
      ...p('2025-06-14'),
    },
  },
  {
    exchangeId: BODIES,
    command: {
      action: 'recordStage',
      stageId: 'b3',
      report: { form: 'sides', reportedBy: null, sides: [side(RU, 500), side(UA, 0)] },
      ...p('2025-06-14'),
    },
  },
  { exchangeId: BODIES, command: { action: 'voidStage', stageId: 'b3', reason: 'recorded twice', ...p('2025-06-15') } },
  {
    exchangeId: BODIES,
    command: {
      action: 'complete',
      stageId: 'b4',
      report: {
        form: 'accounts',
        accounts: [
          { reportedBy: UA, sides: [side(RU, 3588), side(UA, 24)], source: null, note: null },
          { reportedBy: RU, sides: [side(RU, 3588, { approximate: true }), side(UA, 22)], source: null, note: null },
        ],
      },
      ...p('2025-06-16'),
    },
  },
  {
    exchangeId: BODIES,
    command: {
      action: 'recordStage',
      stageId: 'b5',
      report: { form: 'sides', reportedBy: UA, sides: [side(RU, 3), side(UA, 0)] },
      ...p('2025-06-23'),
    },
  },
  {
    exchangeId: POWS,
    command: {
      action: 'propose',
      exchangeId: POWS,
      kind: 'pow',
      proposedBy: UA,
      sides: [
        { party: UA, handsOver: 84 },
        { party: RU, handsOver: 84 },
      ],
      title: null,
      mediator: 'UAE',
      termsAccounts: [],
      ...p('2025-05-20'),
    },
  },
  { exchangeId: POWS, command: { action: 'agree', by: RU, ...p('2025-05-21') } },
  {
    exchangeId: POWS,
    command: {
      action: 'recordStage',
      stageId: 'p1',
      report: {
        form: 'accounts',
        accounts: [
          {
            reportedBy: UA,
            sides: [side(UA, 84), side(RU, 84, { breakdown: [{ kind: 'civilians', count: 51 }] })],
            source: null,
            note: '33 soldiers and 51 civilians',
          },
          { reportedBy: RU, sides: [side(UA, 84), side(RU, 84)], source: null, note: 'prisoners of war' },
        ],
      },
      ...p('2025-05-24'),
    },
  },
  {
    claimId: 'c1',
    reportedBy: UA,
    party: RU,
    kind: 'remains',
    field: 'handedOver',
    from: '2025-06-01',
    to: null,
    value: 6060,
    ...p('2025-06-20'),
  },
];

const READINGS: Reading[] = [FIRST, UA, RU, ICRC, 'nobody'];
const FILINGS: Filing[] = ['kind', 'exchange'];
const WINDOWS = [
  {},
  { from: lowerBoundOf('2025-06-12') },
  { to: upperBoundOf('2025-06-13') },
  { from: lowerBoundOf('2025-05-01'), to: upperBoundOf('2025-06-16') },
];
const FILTERS = [{}, { party: RU }, { kind: 'civilians' as const }, { party: UA, kind: 'remains' as const }];

async function record(ledger: Ledger, steps: readonly Step[]): Promise<void> {
  for (const step of steps) {
    let result: WriteResult<unknown> | undefined;
    const request = {
      principal: 'test',
      now: NOW,
      idempotency: null,
      respond: (r: WriteResult<unknown>) => {
        result = r;
        return { status: 200, headers: {}, body: null };
      },
    };
    if ('party' in step && !('claimId' in step))
      await ledger.registerParty({
        ...request,
        command: { partyId: step.party, name: step.party, occurredAt: '2014-01-01', note: null },
      });
    else if ('observer' in step)
      await ledger.registerObserver({
        ...request,
        command: { observerId: step.observer, name: 'ICRC', occurredAt: '2022-03-01', note: null },
      });
    else if ('claimId' in step) await ledger.recordClaim({ ...request, command: step });
    else
      await ledger.executeExchange({
        ...request,
        exchangeId: step.exchangeId,
        command: step.command,
        expectedVersion: null,
      });
    expect(result?.ok, `${JSON.stringify(step)} → ${JSON.stringify(result)}`).toBe(true);
  }
}

type Recorded = RecordedLedgerEvent<ReportedExchangeEventData>;

/** Each exchange folded from its history in the store, whole or as of a time. */
async function folded(store: PostgresLedgerStore, asOf?: string): Promise<ReportedExchange[]> {
  const out: ReportedExchange[] = [];
  for (const id of [BODIES, POWS]) {
    const history = ((await store.exchangeHistory(id)) ?? []) as Recorded[];
    const x = foldReported(asOf === undefined ? history : reportedEventsInForceAt(history, asOf));
    if (x) out.push(x);
  }
  return out;
}

const shown = (rows: ReadingContribution[], q: Pick<TotalsQuery, 'party' | 'kind'>) =>
  rows.filter(
    (r) => nonZero(r) && (q.party === undefined || r.party === q.party) && (q.kind === undefined || r.kind === q.kind),
  );

describe('the record as it was reported, on PostgreSQL', () => {
  let db: TestDatabase;
  let store: PostgresLedgerStore;
  const sql = (text: string) => admin(text, [], db.name);

  beforeAll(async () => {
    db = await createDatabase();
    store = await PostgresLedgerStore.open(db.url);
    await record(new Ledger(store), STEPS);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  it('keeps every stage with every account, late and undisclosed ones included, in recording order', async () => {
    const x = (await store.getExchange(BODIES))!;
    const [reference] = await folded(store);
    expect(x.stages.map((s) => s.id)).toEqual(['b1', 'b2', 'b3', 'b4', 'b5']);
    expect(canonicalize(x.stages)).toBe(canonicalize(reference!.stages));
    expect(canonicalize(x.readings)).toBe(canonicalize(readingsFromStages(reference!)));
    expect(x.state).toEqual(reference!.state);
    expect(x.state.status).toBe('completed');
    expect(x.stages.find((s) => s.id === 'b5')).toMatchObject({ afterCompletion: true, voided: null });
    expect(x.stages.find((s) => s.id === 'b3')!.voided).toMatchObject({ reason: 'recorded twice' });
    expect(x.stages.find((s) => s.id === 'b1')!.accounts.map((a) => a.reportedBy)).toEqual([UA, RU, ICRC]);
    expect(x.stages.find((s) => s.id === 'b2')!.accounts[0]!.sides[0]).toMatchObject({ party: RU, count: null });
    expect(x.readings.reporters).toEqual([RU, UA, ICRC]);

    expect(await store.getStage(BODIES, 'b1')).toEqual(x.stages[0]);
    expect(await store.getStage(POWS, 'b1')).toBeNull();
    expect(await store.getStage(BODIES, 'nope')).toBeNull();
    expect(await store.getExchange('nope')).toBeNull();
  });

  it('lists exchanges with their state and readings, without their stages', async () => {
    const page = await store.listExchanges({ limit: 10 });
    expect(page.items.map((i) => i.state.id)).toEqual([POWS, BODIES]);
    for (const item of page.items) {
      const x = (await store.getExchange(item.state.id))!;
      expect(item).toEqual({ state: x.state, readings: x.readings });
    }
  });

  it('answers the totals of every reading, filing, window and filter as the fold of the events does', async () => {
    const exchanges = await folded(store);
    let compared = 0;
    for (const reading of READINGS)
      for (const filing of FILINGS)
        for (const window of WINDOWS)
          for (const filter of FILTERS) {
            const q = { reading, filing, ...window, ...filter };
            const want = shown(totalsOfExchanges(exchanges, reading, filing, window), filter);
            expect(shown(await store.totals(q), filter), JSON.stringify(q)).toEqual(want);
            compared += want.length;
          }
    expect(compared).toBeGreaterThan(100);
  });

  it('gives each reading its own figure: the 6,000 bodies according to UA, to RU, and the first accounts', async () => {
    const ru = async (reading: Reading, more: Partial<TotalsQuery> = {}) =>
      (await store.totals({ reading, filing: 'kind', party: RU, kind: 'remains', ...more }))[0];
    // The first accounts: UA's 1212, RU's undisclosed count, UA's 3588 and the 3 bodies after completion.
    expect(await ru(FIRST)).toMatchObject({
      handedOver: 1212 + 3588 + 3,
      handedOverUndisclosedStages: 1,
      handedOverApproximate: 0,
      agreedOutstanding: 0,
    });
    expect(await ru(UA)).toMatchObject({ handedOver: 1212 + 1200 + 3588 + 3, handedOverUndisclosedStages: 0 });
    expect(await ru(RU)).toMatchObject({
      handedOver: 1212 + 3588 + 3,
      handedOverUndisclosedStages: 1,
      handedOverApproximate: 3588,
    });
    expect(await ru(ICRC)).toMatchObject({ handedOver: 1210 + 3588 + 3, handedOverApproximate: 1210 });
    expect(await ru(UA, { from: lowerBoundOf('2025-06-12'), to: upperBoundOf('2025-06-20') })).toMatchObject({
      handedOver: 1200 + 3588,
    });
    // The civilians inside the POW swap, filed under their kind by UA's account (filing `kind`).
    const civilians = (reading: Reading, filing: Filing) =>
      store.totals({ reading, filing, party: RU, kind: 'civilians' });
    expect(await civilians(UA, 'kind')).toMatchObject([{ handedOver: 51 }]);
    expect(shown(await civilians(UA, 'exchange'), {})).toEqual([]);
    expect(shown(await civilians(RU, 'kind'), {})).toEqual([]);
  });

  it('answers as of a time from the events then in force, exchange and totals alike', async () => {
    for (const asOf of ['2025-05-23', '2025-06-12T12:00:00.000Z', upperBoundOf('2025-06-15'), '2025-06-20']) {
      const exchanges = await folded(store, asOf);
      for (const reading of READINGS)
        for (const filter of FILTERS) {
          const q = { reading, filing: 'kind' as const, asOf, ...filter };
          expect(shown(await store.totals(q), filter), JSON.stringify(q)).toEqual(
            shown(totalsOfExchanges(exchanges, reading, 'kind'), filter),
          );
        }
      const x = exchanges.find((e) => e.state.id === BODIES);
      const asStored = await store.getExchangeAsOf(BODIES, asOf);
      expect(asStored).toEqual(x ? { state: x.state, readings: readingsFromStages(x), stages: x.stages } : null);
    }
    expect(await store.getExchangeAsOf(BODIES, '2025-06-01')).toBeNull();
    expect((await store.getExchangeAsOf(BODIES, '2025-06-12'))!.stages.map((s) => s.id)).toEqual(['b1']);
  });

  it('lists the reporters in the order of their first account, the observers and the claims', async () => {
    expect(await store.reporters()).toEqual([RU, UA, ICRC]);
    expect(await store.listObservers()).toEqual([{ id: ICRC, name: 'ICRC', registeredAt: '2022-03-01' }]);
    expect(await store.getObserver(ICRC)).toEqual({ id: ICRC, name: 'ICRC', registeredAt: '2022-03-01' });
    expect(await store.getObserver(UA)).toBeNull();
    const claim = await store.getClaim('c1');
    expect(claim).toMatchObject({ claimId: 'c1', reportedBy: UA, party: RU, value: 6060, to: null });
    expect(claim!.sequence).toBeGreaterThan(0);
    expect(await store.listClaims(0, 10)).toEqual([claim]);
    expect(await store.listClaims(claim!.sequence, 10)).toEqual([]);
    expect(await store.getClaim('c2')).toBeNull();
  });

  it('verifies, and names each reported read model changed behind its back', async () => {
    expect(await store.verify()).toMatchObject({ ok: true });
    const cases: [string, string, object][] = [
      [
        `UPDATE exchanges SET readings = replace(readings, '"delivered":51', '"delivered":52') WHERE id = '${BODIES}'`,
        `UPDATE exchanges SET readings = replace(readings, '"delivered":52', '"delivered":51') WHERE id = '${BODIES}'`,
        { table: 'exchanges', key: BODIES },
      ],
      [
        `UPDATE stage_reports SET stage = replace(stage, '1210', '1211') WHERE stage_id = 'b1'`,
        `UPDATE stage_reports SET stage = replace(stage, '1211', '1210') WHERE stage_id = 'b1'`,
        { table: 'stage_reports', key: BODIES },
      ],
      [
        `UPDATE stage_reading_rows SET handed_over = handed_over + 1
          WHERE stage_id = 'b4' AND reading = '${RU}' AND filing = 'kind' AND party = '${UA}'`,
        `UPDATE stage_reading_rows SET handed_over = handed_over - 1
          WHERE stage_id = 'b4' AND reading = '${RU}' AND filing = 'kind' AND party = '${UA}'`,
        { table: 'stage_reading_rows', key: `b4/kind/${RU}/${UA}/remains` },
      ],
      [
        `UPDATE reading_totals SET received_approximate = received_approximate + 5
          WHERE reading = '${ICRC}' AND filing = 'kind' AND party = '${UA}' AND kind = 'remains'`,
        `UPDATE reading_totals SET received_approximate = received_approximate - 5
          WHERE reading = '${ICRC}' AND filing = 'kind' AND party = '${UA}' AND kind = 'remains'`,
        { table: 'reading_totals', key: `kind/${ICRC}/${UA}/remains` },
      ],
      [
        `UPDATE reporters SET first_sequence = first_sequence + 1 WHERE id = '${ICRC}'`,
        `UPDATE reporters SET first_sequence = first_sequence - 1 WHERE id = '${ICRC}'`,
        { table: 'reporters', key: ICRC },
      ],
      [
        `DELETE FROM reporters WHERE id = '${UA}'`,
        `INSERT INTO reporters SELECT '${UA}', min(sequence) FROM events WHERE stream_id = '${BODIES}'`,
        { table: 'reporters', key: UA },
      ],
      [
        `UPDATE observers SET name = 'Red Cross' WHERE id = '${ICRC}'`,
        `UPDATE observers SET name = 'ICRC' WHERE id = '${ICRC}'`,
        { table: 'observers', key: ICRC },
      ],
      [
        `UPDATE claims SET claim = replace(claim, '6060', '6061')`,
        `UPDATE claims SET claim = replace(claim, '6061', '6060')`,
        { table: 'claims', key: 'c1' },
      ],
      [
        `INSERT INTO stage_reading_rows SELECT 'ghost', filing, reading, party, kind, exchange_id, occurred_at,
          handed_over, received, 0, 0, 0, 0 FROM stage_reading_rows WHERE stage_id = 'b1' LIMIT 1`,
        `DELETE FROM stage_reading_rows WHERE stage_id = 'ghost'`,
        { table: 'stage_reading_rows', key: expect.stringMatching(/^ghost\//) },
      ],
    ];
    for (const [change, undo, where] of cases) {
      await sql(change);
      const report = await store.verify();
      await sql(undo);
      expect(report, change).toMatchObject({ ok: false, firstDifference: { kind: 'read-model', ...where } });
    }
    expect(await store.verify()).toMatchObject({ ok: true });
  });

  it('imports its export into another PostgreSQL ledger: the same rows in every reported read model', async () => {
    const target = await createDatabase();
    const copy = await PostgresLedgerStore.open(target.url);
    try {
      const report = await new Ledger(copy).importLedger(
        (async function* () {
          let line = 0;
          for await (const event of store.exportEvents(0)) yield { line: ++line, event };
        })(),
      );
      expect(report).toMatchObject({ ok: true, head: await store.head() });
      expect(await copy.verify()).toMatchObject({ ok: true });
      const tables = {
        exchanges: ['id, state, readings', 'id'],
        stage_reports: ['*', 'stage_id'],
        stage_reading_rows: ['*', 'stage_id, filing, reading, party, kind'],
        reading_totals: ['*', 'filing, reading, party, kind'],
        reporters: ['*', 'id'],
        observers: ['id, name, registered_at', 'id'],
        claims: ['*', 'id'],
      };
      for (const [table, [columns, order]] of Object.entries(tables)) {
        const rows = (name: string) => admin(`SELECT ${columns} FROM ${table} ORDER BY ${order}`, [], name);
        expect(await rows(target.name), table).toEqual(await rows(db.name));
      }
    } finally {
      await copy.close();
      await target.drop();
    }
  });
});
