import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIRST, type Filing, type Reading } from '../../src/domain/readings.js';
import { reportedEventsInForceAt } from '../../src/domain/reported-as-of.js';
import type { RecordedLedgerEvent, ReportedExchangeEventData } from '../../src/domain/reported-events.js';
import {
  evolveReported,
  foldReported,
  totalsOfExchanges,
  type ReportedExchange,
  type StageWindow,
} from '../../src/domain/reported-exchange.js';
import { lowerBoundOf, upperBoundOf } from '../../src/domain/time.js';
import { KINDS } from '../../src/domain/vocabulary.js';
import { startLedger, type TestLedger } from '../support/app.js';
import { FIGURES, nonZero, type TotalsRow } from '../support/reported-totals.js';

/*
 * Issue 14: every reading's maintained totals equal a fold of the events. Each run records a
 * random sequence of commands through the HTTP API on a fresh ledger (proposals and counters
 * with accounts of the terms, agreements, stages given as sides or as several accounts, with
 * counts null, approximate or broken down by kind, later accounts, voids, completions with
 * and without a last tranche, late stages, closings), then reads GET /v1/events, folds every
 * exchange with the domain (foldReported) and asks, for the default reading and every
 * reporter's, under both filings, plain, within a date window and as of a date: does GET
 * /v1/totals say what totalsOfExchanges says of the fold? And does according=each list every
 * reporter, with the same rows? Rows all zero say nothing and are ignored.
 *
 * Seeded, so a failure repeats: READINGS_SEED (default 14), READINGS_RUNS (default 10).
 */

const SEED = Number(process.env.READINGS_SEED ?? 14);
const RUNS = Number(process.env.READINGS_RUNS ?? 10);

const PARTIES = ['UA', 'RU', 'AM'] as const;
const OBSERVERS = ['ICRC', 'UN'] as const;
const REPORTERS = [...PARTIES, ...OBSERVERS];
const PAIRS = [
  ['UA', 'RU'],
  ['RU', 'UA'],
  ['AM', 'RU'],
  ['UA', 'AM'],
] as const;

const day = (n: number) => new Date(Date.UTC(2025, 0, 1 + n)).toISOString().slice(0, 10);

// ---------------------------------------------------------------------------------------------
// What a run does: intents, each made valid against the model of what the ledger holds.

const sideArb = fc.record({
  count: fc.option(fc.nat(40), { freq: 6, nil: null }),
  approximate: fc.boolean(),
  breakdown: fc.option(
    fc.uniqueArray(fc.record({ kind: fc.constantFrom(...KINDS), count: fc.nat(25) }), {
      minLength: 1,
      maxLength: 2,
      selector: (b) => b.kind,
    }),
    { freq: 3, nil: null },
  ),
});
type SideIntent = typeof sideArb extends fc.Arbitrary<infer T> ? T : never;

const accountArb = fc.record({
  reporter: fc.nat(REPORTERS.length - 1),
  /** 1: the first party only, 2: the second only, 3: both. */
  sides: fc.integer({ min: 1, max: 3 }),
  figures: fc.tuple(sideArb, sideArb),
});
type AccountIntent = typeof accountArb extends fc.Arbitrary<infer T> ? T : never;

const termsArb = fc.record({
  reporter: fc.nat(REPORTERS.length - 1),
  sides: fc.integer({ min: 1, max: 3 }),
  handsOver: fc.tuple(fc.option(fc.nat(80), { freq: 5 }), fc.option(fc.nat(80), { freq: 5 })),
});
type TermsIntent = typeof termsArb extends fc.Arbitrary<infer T> ? T : never;

const OPS = ['propose', 'counter', 'agree', 'stage', 'account', 'void', 'complete', 'late', 'close'] as const;
type Op = (typeof OPS)[number];

const intentArb = fc.record({
  op: fc.oneof(
    { weight: 2, arbitrary: fc.constant<Op>('propose') },
    { weight: 1, arbitrary: fc.constant<Op>('counter') },
    { weight: 3, arbitrary: fc.constant<Op>('agree') },
    { weight: 6, arbitrary: fc.constant<Op>('stage') },
    { weight: 3, arbitrary: fc.constant<Op>('account') },
    { weight: 1, arbitrary: fc.constant<Op>('void') },
    { weight: 2, arbitrary: fc.constant<Op>('complete') },
    { weight: 2, arbitrary: fc.constant<Op>('late') },
    { weight: 1, arbitrary: fc.constant<Op>('close') },
  ),
  pick: fc.nat(1000),
  advance: fc.nat(2),
  back: fc.nat(6),
  kind: fc.constantFrom(...KINDS),
  pair: fc.nat(PAIRS.length - 1),
  handsOver: fc.tuple(fc.option(fc.nat(80), { freq: 6 }), fc.option(fc.nat(80), { freq: 6 })),
  terms: fc.array(termsArb, { maxLength: 2 }),
  /** 0: sides unattributed, 1: sides with reportedBy, 2: accounts. */
  form: fc.nat(2),
  accounts: fc.array(accountArb, { minLength: 1, maxLength: 3 }),
  /** The last tranche of a completion is left out when this is 0. */
  tranche: fc.nat(2),
});
type Intent = typeof intentArb extends fc.Arbitrary<infer T> ? T : never;

/** A run: its commands, a date window and an as-of date to check besides the plain totals. */
const runArb = fc.record({
  intents: fc.array(intentArb, { minLength: 8, maxLength: 28 }),
  window: fc.tuple(fc.nat(60), fc.nat(20)),
  asOf: fc.nat(60),
});

interface StageModel {
  id: string;
  day: number;
  voided: boolean;
}
interface ExchangeModel {
  id: string;
  parties: readonly [string, string];
  proposer: string;
  status: 'proposed' | 'agreed' | 'completed' | 'closed';
  agreedDay: number;
  completedDay: number;
  stages: StageModel[];
}

function sideBody(party: string, f: SideIntent) {
  if (f.count === null) return { party, count: null };
  let rest = f.count;
  const breakdown = (f.breakdown ?? []).map((b) => {
    const count = Math.min(b.count, rest);
    rest -= count;
    return { kind: b.kind, count };
  });
  return {
    party,
    count: f.count,
    ...(f.approximate && { approximate: true }),
    ...(breakdown.length > 0 && { breakdown }),
  };
}

const sidesOf = (x: ExchangeModel, mask: number, figures: readonly [SideIntent, SideIntent]) =>
  x.parties.flatMap((p, i) => (mask & (1 << i) ? [sideBody(p, figures[i]!)] : []));

/** A stage's first account hands over someone (a count not disclosed is someone): all zeros become a 1. */
function firstSidesOf(x: ExchangeModel, mask: number, figures: readonly [SideIntent, SideIntent]) {
  const sides = sidesOf(x, mask, figures);
  return sides.every((s) => s.count === 0) ? [{ ...sides[0]!, count: 1 }, ...sides.slice(1)] : sides;
}

/** Each reporter once (a command gives one account per reporter). */
const oncePerReporter = <T extends { reporter: number }>(items: readonly T[]) =>
  items.filter((a, i) => items.findIndex((b) => b.reporter === a.reporter) === i);

const termsBody = (parties: readonly [string, string], terms: readonly TermsIntent[]) =>
  oncePerReporter(terms).map((a) => ({
    reportedBy: REPORTERS[a.reporter]!,
    sides: parties.flatMap((p, i) => (a.sides & (1 << i) ? [{ party: p, handsOver: a.handsOver[i] ?? null }] : [])),
  }));

/** A stage's figures in one of the three forms a request may give them. */
function reportBody(x: ExchangeModel, intent: Intent) {
  const [first] = intent.accounts;
  if (intent.form < 2) {
    return {
      sides: firstSidesOf(x, first!.sides, first!.figures),
      ...(intent.form === 1 && { reportedBy: REPORTERS[first!.reporter]! }),
    };
  }
  return {
    accounts: oncePerReporter(intent.accounts).map((a: AccountIntent, i) => ({
      reportedBy: REPORTERS[a.reporter]!,
      sides: (i === 0 ? firstSidesOf : sidesOf)(x, a.sides, a.figures),
    })),
  };
}

class Run {
  readonly exchanges: ExchangeModel[] = [];
  private clock = 0;
  commands = 0;

  constructor(private readonly t: TestLedger) {}

  private async post(url: string, body: object) {
    const res = await this.t.http().post(url).send(body);
    expect(res.status, `POST ${url} ${JSON.stringify(body)}: ${res.text}`).toBeLessThan(300);
    this.commands++;
    return res.body;
  }

  private pickOf<T>(items: readonly T[], pick: number): T | undefined {
    return items.length === 0 ? undefined : items[pick % items.length];
  }

  private where(...statuses: ExchangeModel['status'][]) {
    return this.exchanges.filter((x) => statuses.includes(x.status));
  }

  private liveStages(statuses: ExchangeModel['status'][]) {
    return this.where(...statuses).flatMap((x) => x.stages.filter((s) => !s.voided).map((s) => ({ x, s })));
  }

  /**
   * Carries the intent out, or, when nothing it could act on exists yet, the step that leads
   * there (a stage needs an agreed exchange, an agreement a proposal), so that a run spends
   * its commands on stages and accounts rather than on proposals.
   */
  async apply(intent: Intent): Promise<void> {
    this.clock += intent.advance;
    for (let op: Op | null = intent.op; op !== null; ) op = await this.attempt({ ...intent, op });
  }

  /** The step taken, or (null) the one to try instead. */
  private async attempt(intent: Intent): Promise<Op | null> {
    const now = this.clock;
    const other = (x: ExchangeModel, p: string) => x.parties.find((q) => q !== p)!;
    switch (intent.op) {
      case 'counter': {
        const x = this.pickOf(this.where('proposed'), intent.pick);
        if (!x) return 'propose';
        const by = other(x, x.proposer);
        await this.post(`/v1/exchanges/${x.id}/counter`, {
          by,
          occurredAt: day(now),
          sides: x.parties.map((party, i) => ({ party, handsOver: intent.handsOver[i] ?? null })),
          termsAccounts: termsBody(x.parties, intent.terms),
        });
        x.proposer = by;
        return null;
      }
      case 'agree': {
        const x = this.pickOf(this.where('proposed'), intent.pick);
        if (!x) return 'propose';
        await this.post(`/v1/exchanges/${x.id}/agree`, { by: other(x, x.proposer), occurredAt: day(now) });
        x.status = 'agreed';
        x.agreedDay = now;
        return null;
      }
      case 'stage':
      case 'late': {
        const x = this.pickOf(this.where(intent.op === 'stage' ? 'agreed' : 'completed'), intent.pick);
        if (!x) return intent.op === 'stage' ? 'agree' : 'complete';
        const at = Math.max(intent.op === 'stage' ? x.agreedDay : x.completedDay, now - intent.back);
        const res = await this.post(`/v1/exchanges/${x.id}/stages`, { ...reportBody(x, intent), occurredAt: day(at) });
        x.stages.push({ id: res.stage.id, day: at, voided: false });
        return null;
      }
      case 'account': {
        const found = this.pickOf(this.liveStages(['agreed', 'completed']), intent.pick);
        if (!found) return 'stage';
        const a = intent.accounts[0]!;
        await this.post(`/v1/exchanges/${found.x.id}/stages/${found.s.id}/accounts`, {
          reportedBy: REPORTERS[a.reporter]!,
          sides: sidesOf(found.x, a.sides, a.figures),
          occurredAt: day(Math.max(found.s.day, now - intent.back)),
        });
        return null;
      }
      case 'void': {
        const found = this.pickOf(this.liveStages(['agreed', 'completed']), intent.pick);
        if (!found) return 'stage';
        await this.post(`/v1/exchanges/${found.x.id}/stages/${found.s.id}/void`, {
          occurredAt: day(now),
          reason: 'reported twice',
        });
        found.s.voided = true;
        return null;
      }
      case 'complete': {
        const x = this.pickOf(this.where('agreed'), intent.pick);
        if (!x) return 'agree';
        const tranche = intent.tranche > 0 ? reportBody(x, intent) : {};
        const res = await this.post(`/v1/exchanges/${x.id}/complete`, { ...tranche, occurredAt: day(now) });
        x.status = 'completed';
        x.completedDay = now;
        // The last tranche, if any, is the stage the answer (the exchange with its stages) adds.
        if (intent.tranche > 0) {
          const ids = new Set(x.stages.map((s) => s.id));
          const recorded = (res.stages as { id: string }[]).map((s) => s.id).find((id) => !ids.has(id));
          if (recorded) x.stages.push({ id: recorded, day: now, voided: false });
        }
        return null;
      }
      case 'close': {
        const x = this.pickOf(this.where('proposed', 'agreed'), intent.pick);
        if (!x) return 'propose';
        const action = x.status === 'agreed' ? 'cancel' : intent.pick % 2 === 0 ? 'reject' : 'withdraw';
        const by = action === 'withdraw' ? x.proposer : action === 'reject' ? other(x, x.proposer) : x.parties[0];
        await this.post(`/v1/exchanges/${x.id}/${action}`, { by, occurredAt: day(now), reason: 'talks broke down' });
        x.status = 'closed';
        return null;
      }
      case 'propose':
        break;
    }
    const parties = PAIRS[intent.pair]!;
    const proposer = parties[intent.pick % 2]!;
    const res = await this.post('/v1/exchanges', {
      kind: intent.kind,
      proposedBy: proposer,
      occurredAt: day(now),
      sides: parties.map((party, i) => ({ party, handsOver: intent.handsOver[i] ?? null })),
      termsAccounts: termsBody(parties, intent.terms),
    });
    this.exchanges.push({
      id: res.id,
      parties,
      proposer,
      status: 'proposed',
      agreedDay: 0,
      completedDay: 0,
      stages: [],
    });
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// The reference: the events, folded by the domain.

type Recorded = RecordedLedgerEvent<ReportedExchangeEventData>;

async function allEvents(t: TestLedger): Promise<RecordedLedgerEvent[]> {
  const out: RecordedLedgerEvent[] = [];
  for (let after = '0'; ; ) {
    const res = await t.http().get(`/v1/events?after=${after}&limit=1000`);
    expect(res.status).toBe(200);
    out.push(...res.body.data);
    if (res.body.nextCursor === null) return out;
    after = res.body.nextCursor;
  }
}

/** Each exchange's stream, in ledger order (streams of parties, observers and claims are `kind:id`). */
function streamsOf(events: readonly RecordedLedgerEvent[]): Recorded[][] {
  const streams = new Map<string, Recorded[]>();
  for (const e of events) {
    if (e.streamId.includes(':')) continue;
    const s = streams.get(e.streamId) ?? [];
    s.push(e as Recorded);
    streams.set(e.streamId, s);
  }
  return [...streams.values()];
}

/** Every reporter that gave an account, with the sequence of the first event that made it one. */
function reportersOf(streams: readonly Recorded[][]): Map<string, number> {
  const first = new Map<string, number>();
  for (const stream of streams) {
    let x: ReportedExchange | null = null;
    for (const e of stream) {
      x = evolveReported(x, e);
      for (const r of x.reporters) if (!first.has(r) || first.get(r)! > e.sequence) first.set(r, e.sequence);
    }
  }
  return first;
}

const foldAll = (streams: readonly Recorded[][], asOf?: string): ReportedExchange[] =>
  streams.flatMap((s) => {
    const events = asOf === undefined ? s : reportedEventsInForceAt(s, asOf);
    return events[0]?.type === 'ExchangeProposed' ? [foldReported(events)!] : [];
  });

/** Rows as the answer gives them: party, kind and the figures, those that say something. */
const comparable = (rows: readonly TotalsRow[]): TotalsRow[] =>
  nonZero(
    rows.map(
      (r) => ({ party: r.party, kind: r.kind, ...Object.fromEntries(FIGURES.map((f) => [f, r[f]])) }) as TotalsRow,
    ),
  );

async function answered(t: TestLedger, reading: Reading, by: Filing, extra: string): Promise<TotalsRow[]> {
  const according = reading === FIRST ? '' : `&according=${reading}`;
  const res = await t.http().get(`/v1/totals?by=${by}${according}${extra}`);
  expect(res.status, res.text).toBe(200);
  expect(res.body.reading).toBe(reading === FIRST ? null : reading);
  expect(res.body.by).toBe(by);
  return res.body.data;
}

describe('every reading’s totals are the fold of the events', () => {
  it(
    'for random sequences of commands through HTTP: each reading and filing, plain, windowed and as of a date',
    async () => {
      let commands = 0;
      let checks = 0;
      await fc.assert(
        fc.asyncProperty(runArb, async ({ intents, window, asOf }) => {
          const t = await startLedger();
          try {
            for (const id of PARTIES)
              await t.http().post('/v1/parties').send({ id, name: id, occurredAt: '2024-01-01' });
            for (const id of OBSERVERS)
              await t.http().post('/v1/observers').send({ id, name: id, occurredAt: '2024-01-01' });
            const run = new Run(t);
            for (const intent of intents) await run.apply(intent);
            commands += run.commands;

            const streams = streamsOf(await allEvents(t));
            const reporters = reportersOf(streams);
            const readings: Reading[] = [FIRST, ...reporters.keys()];
            const span: StageWindow = {
              from: lowerBoundOf(day(window[0])),
              to: upperBoundOf(day(window[0] + window[1])),
            };
            const variants = [
              { query: '', exchanges: foldAll(streams), window: {} },
              {
                query: `&from=${day(window[0])}&to=${day(window[0] + window[1])}`,
                exchanges: foldAll(streams),
                window: span,
              },
              { query: `&asOf=${day(asOf)}`, exchanges: foldAll(streams, upperBoundOf(day(asOf))), window: {} },
            ];
            for (const by of ['kind', 'exchange'] as const) {
              for (const v of variants) {
                for (const reading of readings) {
                  const expected = comparable(totalsOfExchanges(v.exchanges, reading, by, v.window) as TotalsRow[]);
                  expect(comparable(await answered(t, reading, by, v.query)), `${reading} by=${by}${v.query}`).toEqual(
                    expected,
                  );
                  checks++;
                }
              }
              // according=each: the default reading, then every reporter (in the order of its first account).
              const each = await t.http().get(`/v1/totals?according=each&by=${by}`);
              expect(each.status).toBe(200);
              expect(comparable(each.body.data)).toEqual(
                comparable(totalsOfExchanges(variants[0]!.exchanges, FIRST, by)),
              );
              const listed = each.body.readings as { reporter: string; data: TotalsRow[] }[];
              expect(listed.map((r) => r.reporter).sort()).toEqual([...reporters.keys()].sort());
              const firsts = listed.map((r) => reporters.get(r.reporter)!);
              expect(firsts, 'in the order of each reporter’s first account').toEqual(
                [...firsts].sort((a, b) => a - b),
              );
              for (const r of listed)
                expect(comparable(r.data), `each: ${r.reporter}`).toEqual(
                  comparable(totalsOfExchanges(variants[0]!.exchanges, r.reporter, by)),
                );
            }
            expect(t.contractViolations, 'every response matches openapi/openapi.json').toEqual([]);
          } finally {
            await t.close();
          }
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
      // The runs did what they are for: many commands, and figures compared under many readings.
      expect(commands).toBeGreaterThan(RUNS * 8);
      expect(checks).toBeGreaterThan(RUNS * 6);
    },
    Math.max(60_000, RUNS * 10_000),
  );
});
