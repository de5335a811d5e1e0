import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SideAccountInput, StageAccountInput, TermsAccountInput } from '../../src/domain/accounts.js';
import type { LedgerCommand } from '../../src/domain/ledger-command.js';
import { FIRST, type Filing } from '../../src/domain/readings.js';
import { nonZero } from '../../src/domain/reading-totals.js';
import type { RecordedLedgerEvent, ReportedExchangeEventData } from '../../src/domain/reported-events.js';
import { foldReported, readingsFromStages, totalsOfExchanges } from '../../src/domain/reported-exchange.js';
import type { StageReport } from '../../src/domain/reported-decide.js';
import { KINDS, type Kind } from '../../src/domain/vocabulary.js';
import { Ledger } from '../../src/ledger/ledger.js';
import { openStore } from '../../src/server.js';
import type { LedgerStore } from '../../src/store/ledger-store.js';
import { testDatabase, type TestDatabase } from '../support/database.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readExport } from '../../src/audit/ndjson.js';
import { presentEvent } from '../../src/http/present.js';

/**
 * The maintained totals of every reading, under both filings, bounded or not by a window,
 * equal the totals recomputed from nothing but the ledger's events (the domain's fold), after
 * any sequence of commands, accepted or refused; and verify agrees. Run on each store.
 */

const PARTIES = ['UA', 'RU'] as const;
const REPORTERS = ['UA', 'RU', 'ICRC'] as const;

type Step =
  | { do: 'propose'; kind: Kind; terms: (number | null)[]; accounts: TermsAccountInput[] }
  | { do: 'counter' | 'agree' | 'cancel'; by: 0 | 1; terms: (number | null)[]; accounts: TermsAccountInput[] }
  | { do: 'stage' | 'complete'; report: StageReport | null }
  | { do: 'account'; stage: number; reportedBy: string; sides: SideAccountInput[] }
  | { do: 'void'; stage: number };

const count = fc.oneof(fc.integer({ min: 0, max: 400 }), fc.constant(null));
const side = (party: string): fc.Arbitrary<SideAccountInput> =>
  fc
    .record({
      count,
      approximate: fc.boolean(),
      breakdown: fc.option(
        fc.uniqueArray(fc.record({ kind: fc.constantFrom(...KINDS), count: fc.integer({ min: 0, max: 60 }) }), {
          selector: (b) => b.kind,
          maxLength: 2,
        }),
        { nil: undefined },
      ),
    })
    .map(({ count: c, approximate, breakdown }) => ({
      party,
      count: c,
      // What the rules refuse (approximate or a breakdown without a count, a breakdown past it) is left to refusals.
      approximate: c === null ? false : approximate,
      ...(breakdown && c !== null && { breakdown }),
    }));
const sides = fc
  .subarray([...PARTIES], { minLength: 1 })
  .chain((ps) => fc.tuple(...ps.map(side)))
  .map((s) => [...s]);
const account: fc.Arbitrary<StageAccountInput> = fc.record({
  reportedBy: fc.constantFrom(...REPORTERS),
  sides,
  source: fc.constant(null),
  note: fc.constant(null),
});
const report: fc.Arbitrary<StageReport> = fc.oneof(
  fc.record({ form: fc.constant('sides' as const), reportedBy: fc.constantFrom(null, ...REPORTERS), sides }),
  fc.record({
    form: fc.constant('accounts' as const),
    accounts: fc.uniqueArray(account, { minLength: 1, maxLength: 3, selector: (a) => a.reportedBy }),
  }),
);
const terms = fc.tuple(
  fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.constant(null)),
  fc.integer({ min: 0, max: 1000 }),
);
const termsAccounts: fc.Arbitrary<TermsAccountInput[]> = fc.uniqueArray(
  fc.record({
    reportedBy: fc.constantFrom(...REPORTERS),
    sides: fc
      .subarray([...PARTIES], { minLength: 1 })
      .chain((ps) =>
        fc.tuple(
          ...ps.map((p) => fc.record({ party: fc.constant(p), handsOver: fc.option(fc.nat(1000), { nil: null }) })),
        ),
      ),
    source: fc.constant(null),
    note: fc.constant(null),
  }),
  { maxLength: 2, selector: (a) => a.reportedBy },
) as fc.Arbitrary<TermsAccountInput[]>;
const propose = fc.record({
  do: fc.constant('propose' as const),
  kind: fc.constantFrom(...KINDS),
  terms,
  accounts: termsAccounts,
});
const counter = fc.record({
  do: fc.constant('counter' as const),
  by: fc.constant(0 as const),
  terms,
  accounts: termsAccounts,
});
const AGREE: Step = { do: 'agree', by: 0, terms: [], accounts: [] };
const cancel = fc.constant<Step>({ do: 'cancel', by: 1, terms: [], accounts: [] });
const stage = fc.record({ do: fc.constant('stage' as const), report: report.map((r) => r as StageReport | null) });
const later = fc.oneof(
  { weight: 4, arbitrary: stage },
  {
    weight: 3,
    arbitrary: fc.record({
      do: fc.constant('account' as const),
      stage: fc.nat(),
      reportedBy: fc.constantFrom(...REPORTERS),
      sides,
    }),
  },
  { weight: 1, arbitrary: fc.record({ do: fc.constant('void' as const), stage: fc.nat() }) },
);
const end = fc.oneof(
  fc.record({ do: fc.constant('complete' as const), report: fc.option(report, { nil: null }) }),
  cancel,
  fc.constant(null),
);
/** One exchange's life: proposed, countered, perhaps agreed, stages and accounts, perhaps ended, late stages. */
const life: fc.Arbitrary<Step[]> = fc
  .tuple(
    propose,
    fc.array(counter, { maxLength: 2 }),
    fc.boolean(),
    fc.array(later, { maxLength: 6 }),
    end,
    fc.array(later, { maxLength: 2 }),
  )
  .map(([p, cs, agreed, during, ended, late]) =>
    agreed ? [p, ...cs, AGREE, ...during, ...(ended ? [ended] : []), ...late] : [p, ...cs, ...during.slice(0, 1)],
  );
const steps = fc.array(life, { minLength: 1, maxLength: 4 }).map((lives) => lives.flat());

const provenance = (i: number) => ({
  // A minute apart, in order: the time rules then refuse only what they must.
  occurredAt: new Date(Date.UTC(2025, 5, 1) + i * 60_000).toISOString(),
  source: null,
  note: null,
});

describe('every reading’s maintained totals', () => {
  let db: TestDatabase;
  let store: LedgerStore;
  let ledger: Ledger;
  let run = 0;

  beforeAll(async () => {
    db = await testDatabase();
    store = await openStore({ databaseUrl: db.url });
    ledger = new Ledger(store);
    const now = new Date().toISOString();
    const quiet = {
      principal: 'test',
      now,
      idempotency: null,
      respond: () => ({ status: 200, headers: {}, body: null }),
    };
    for (const p of PARTIES)
      await ledger.registerParty({ ...quiet, command: { partyId: p, name: p, occurredAt: '2025-01-01', note: null } });
    await ledger.registerObserver({
      ...quiet,
      command: { observerId: 'ICRC', name: 'ICRC', occurredAt: '2025-01-01', note: null },
    });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  const apply = async (steps: Step[]) => {
    run += 1;
    const exchanges: string[] = [];
    const stages: { exchange: string; id: string }[] = [];
    // Who made the standing proposal: a counter and an agreement come from the other party.
    let proposer = 0;
    let i = 0;
    for (const s of steps) {
      i += 1;
      const target = exchanges.at(-1);
      let exchangeId = target;
      let command: LedgerCommand | null = null;
      const p = provenance(run * 10_000 + i);
      const stageId = `${run}-${i}-stage`;
      const known = stages.length ? stages[s.do === 'account' || s.do === 'void' ? s.stage % stages.length : 0]! : null;
      switch (s.do) {
        case 'propose':
          exchangeId = `${run}-${i}-exchange`;
          command = {
            action: 'propose',
            exchangeId,
            kind: s.kind,
            proposedBy: 'UA',
            sides: PARTIES.map((party, k) => ({ party, handsOver: s.terms[k]! })),
            title: null,
            mediator: null,
            termsAccounts: s.accounts,
            ...p,
          };
          break;
        case 'counter':
          command = {
            action: 'counter',
            by: PARTIES[1 - proposer]!,
            sides: PARTIES.map((party, k) => ({ party, handsOver: s.terms[k]! })),
            termsAccounts: s.accounts,
            ...p,
          };
          break;
        case 'agree':
        case 'cancel':
          command =
            s.do === 'agree'
              ? { action: 'agree', by: PARTIES[1 - proposer]!, ...p }
              : { action: 'cancel', by: PARTIES[s.by], reason: null, ...p };
          break;
        case 'stage':
          command = { action: 'recordStage', stageId, report: s.report!, ...p };
          break;
        case 'complete':
          command = { action: 'complete', stageId, report: s.report, ...p };
          break;
        case 'account':
          if (!known) continue;
          exchangeId = known.exchange;
          command = { action: 'addAccount', stageId: known.id, reportedBy: s.reportedBy, sides: s.sides, ...p };
          break;
        case 'void':
          if (!known) continue;
          exchangeId = known.exchange;
          command = { action: 'voidStage', stageId: known.id, reason: 'recorded twice', ...p };
          break;
      }
      if (!exchangeId || !command) continue;
      const outcome = await ledger.executeExchange({
        exchangeId,
        command,
        principal: 'test',
        now: new Date().toISOString(),
        idempotency: null,
        expectedVersion: null,
        respond: (r) => ({ status: r.ok ? 200 : 409, headers: {}, body: r.ok ? null : r.rejection }),
      });
      const accepted = outcome.kind === 'answered' && outcome.response.status === 200;
      if (accepted && s.do === 'propose') {
        exchanges.push(exchangeId);
        proposer = 0;
      }
      if (accepted && s.do === 'counter') proposer = 1 - proposer;
      if (accepted && (s.do === 'stage' || (s.do === 'complete' && s.report)))
        stages.push({ exchange: exchangeId, id: stageId });
    }
  };

  const folded = async () => {
    const streams = new Map<string, RecordedLedgerEvent<ReportedExchangeEventData>[]>();
    for await (const e of store.exportEvents(0)) {
      if (e.streamId.includes(':')) continue;
      const s = streams.get(e.streamId) ?? [];
      s.push(e as RecordedLedgerEvent<ReportedExchangeEventData>);
      streams.set(e.streamId, s);
    }
    return [...streams.values()].map((s) => foldReported(s)!);
  };

  it('equal the fold of the events for @first and every reporter, both filings, with and without a window', async () => {
    await fc.assert(
      fc.asyncProperty(steps, async (script) => {
        await apply(script);
        const exchanges = await folded();
        const reporters = await store.reporters();
        const expectedReporters = [...new Set(exchanges.flatMap((x) => x.reporters))].sort();
        expect([...reporters].sort()).toEqual(expectedReporters);
        const window = { from: provenance(run * 10_000 + 5).occurredAt, to: provenance(run * 10_000 + 20).occurredAt };
        for (const reading of [FIRST, ...REPORTERS]) {
          for (const filing of ['kind', 'exchange'] as Filing[]) {
            for (const w of [{}, window]) {
              const stored = (await store.totals({ reading, filing, ...w })).filter(nonZero);
              expect(stored, `${reading} ${filing} ${JSON.stringify(w)}`).toEqual(
                totalsOfExchanges(exchanges, reading, filing, w),
              );
            }
          }
        }
        for (const x of exchanges.slice(-3)) {
          const kept = await store.getExchange(x.state.id);
          expect(kept?.readings).toEqual(readingsFromStages(x));
          expect(kept?.stages).toEqual(x.stages);
        }
      }),
      { numRuns: 12 },
    );
    // The runs did reach what the property is about: reported stages, later accounts, reporters.
    const types = new Set<string>();
    for await (const e of store.exportEvents(0)) types.add(e.type);
    expect([...types]).toEqual(expect.arrayContaining(['StageReported', 'StageAccountAdded', 'TermsReported']));
    const report = await store.verify();
    expect(report.ok, JSON.stringify(report)).toBe(true);
  });

  it('as of a time equal the fold of the events in force then', async () => {
    const t = provenance(run * 10_000 + 10).occurredAt;
    const all = await store.totals({ reading: FIRST, filing: 'kind', asOf: '2100-01-01T00:00:00.000Z' });
    expect(all.filter(nonZero)).toEqual(totalsOfExchanges(await folded(), FIRST, 'kind'));
    // Earlier than everything: nothing was in force.
    expect(await store.totals({ reading: 'UA', filing: 'kind', asOf: '2024-01-01T00:00:00.000Z' })).toEqual([]);
    expect(Array.isArray(await store.totals({ reading: 'RU', filing: 'exchange', asOf: t }))).toBe(true);
  });

  it('export and import into an empty ledger: the same head, every reading’s totals the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'readings-export-'));
    const target = await testDatabase();
    const copy = await openStore({ databaseUrl: target.url });
    try {
      const claimed = await ledger.recordClaim({
        command: {
          claimId: 'claim-1',
          reportedBy: 'RU',
          party: 'RU',
          kind: 'remains',
          field: 'handedOver',
          from: '2025-01-01',
          to: null,
          value: 16_483,
          occurredAt: '2025-12-01',
          source: { title: 'Kommersant' },
          note: null,
        },
        principal: 'test',
        now: new Date().toISOString(),
        idempotency: null,
        respond: (r) => ({ status: r.ok ? 201 : 422, headers: {}, body: null }),
      });
      expect(claimed).toMatchObject({ response: { status: 201 } });
      const lines: string[] = [];
      for await (const e of store.exportEvents(0)) lines.push(JSON.stringify(presentEvent(e)));
      writeFileSync(join(dir, 'export.ndjson'), `${lines.join('\n')}\n`);
      const report = await new Ledger(copy).importLedger(readExport(join(dir, 'export.ndjson')));
      expect(report).toEqual({ ok: true, events: lines.length, head: await store.head() });
      expect(await copy.reporters()).toEqual(await store.reporters());
      expect(await copy.listClaims(0, 10)).toEqual(await store.listClaims(0, 10));
      expect(await copy.listObservers()).toEqual([{ id: 'ICRC', name: 'ICRC', registeredAt: '2025-01-01' }]);
      for (const reading of [FIRST, ...REPORTERS])
        for (const filing of ['kind', 'exchange'] as Filing[])
          expect(await copy.totals({ reading, filing })).toEqual(await store.totals({ reading, filing }));
      expect((await copy.verify()).ok).toBe(true);
    } finally {
      await copy.close();
      await target.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
