import type { ExchangeCommand } from '../domain/commands.js';
import type { RegisterParty } from '../domain/party.js';
import { KINDS, type Kind } from '../domain/vocabulary.js';

/**
 * A deterministic, realistic synthetic ledger: many pairs of parties, every kind, years of
 * back-filled dates, counter-proposals, refusals, stages (some reported late, some voided),
 * overshoots, open-ended medical exchanges. Used by tests (round trips) and `npm run seed`.
 */
export type SyntheticStep =
  | { kind: 'party'; command: RegisterParty }
  | { kind: 'exchange'; exchangeId: string; command: ExchangeCommand };

const PAIRS: [string, string][] = [
  ['UA', 'RU'],
  ['AM', 'AZ'],
  ['SD', 'SS'],
  ['YE', 'SA'],
  ['ET', 'ER'],
  ['IL', 'LB'],
  ['IN', 'PK'],
  ['CO', 'VE'],
  ['KP', 'KR'],
  ['RS', 'XK'],
  ['GE', 'RU'],
  ['MA', 'DZ'],
];

/** mulberry32: small, fast, seedable; the same seed gives the same ledger. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p: number) => next() < p,
    pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!,
  };
}

const DAY = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Yields steps until about `events` events would be recorded (each step records one event,
 * except a completion with a last tranche, which records two). `idOf(n)` names exchange n.
 */
export function* syntheticLedger(options: {
  events: number;
  seed?: number;
  idOf: (n: number) => string;
  start?: string;
}): Generator<SyntheticStep> {
  const r = prng(options.seed ?? 2025);
  let produced = 0;
  const parties = [...new Set(PAIRS.flat())];
  for (const id of parties) {
    yield { kind: 'party', command: { partyId: id, name: `Party ${id}`, occurredAt: '2014-01-01', note: null } };
    produced += 1;
  }
  // Exchanges start across the years; each takes days to weeks from proposal to completion.
  let clock = Date.parse(`${options.start ?? '2014-02-01'}T00:00:00Z`);
  const end = Date.now() - 30 * DAY;
  for (let n = 0; produced < options.events; n += 1) {
    const exchangeId = options.idOf(n);
    const [a, b] = r.pick(PAIRS);
    const kind: Kind = r.pick(KINDS);
    const size =
      kind === 'remains'
        ? r.int(50, 6000)
        : kind === 'children' || kind === 'civilians'
          ? r.int(1, 120)
          : r.int(10, 1200);
    const oneWay = kind === 'remains' && r.chance(0.6);
    const unspecified = kind === 'medical' && r.chance(0.5);
    const terms = (x: number) => [
      { party: a, handsOver: unspecified ? null : x },
      { party: b, handsOver: unspecified ? null : oneWay ? 0 : x },
    ];
    clock = Math.min(clock + r.int(0, 3) * DAY, end - 60 * DAY);
    let t = clock;
    const at = (dt: number) => day((t += dt * DAY));
    const step = (command: ExchangeCommand): SyntheticStep => {
      produced += command.action === 'complete' && command.sides ? 2 : 1;
      return { kind: 'exchange', exchangeId, command };
    };
    const p = { source: r.chance(0.5) ? { title: `Report ${n}` } : null, note: null };
    yield step({
      action: 'propose',
      exchangeId,
      kind,
      proposedBy: a,
      sides: terms(size),
      title: `${kind} exchange ${n}`,
      mediator: r.chance(0.4) ? 'Mediator' : null,
      occurredAt: at(0),
      ...p,
    });
    let proposer = a;
    if (r.chance(0.2)) {
      yield step({
        action: 'counter',
        by: b,
        sides: terms(Math.max(1, size - r.int(0, size >> 2))),
        occurredAt: at(r.int(0, 5)),
        ...p,
      });
      proposer = b;
    }
    const other = proposer === a ? b : a;
    const fate = r.next();
    if (fate < 0.06) {
      yield step({ action: 'reject', by: other, reason: 'terms not accepted', occurredAt: at(r.int(0, 5)), ...p });
      continue;
    }
    if (fate < 0.1) {
      yield step({ action: 'withdraw', by: proposer, reason: null, occurredAt: at(r.int(0, 5)), ...p });
      continue;
    }
    if (fate < 0.14) continue; // left proposed
    yield step({ action: 'agree', by: other, occurredAt: at(r.int(0, 7)), ...p });
    const stages = kind === 'medical' ? r.int(1, 8) : r.int(1, 4);
    const stageDays: string[] = [];
    const stageIds: string[] = [];
    for (let s = 0; s < stages && produced < options.events; s += 1) {
      const count = Math.max(1, Math.round(size / stages) + (r.chance(0.1) ? r.int(0, 30) : 0));
      const when = at(r.int(1, 10));
      stageDays.push(when);
      const stageId = `${exchangeId}-s${s}`;
      stageIds.push(stageId);
      yield step({
        action: 'recordStage',
        stageId,
        sides: [
          { party: a, count },
          { party: b, count: oneWay ? 0 : count },
        ],
        occurredAt: when,
        ...p,
      });
    }
    if (stageIds.length && r.chance(0.05)) {
      const i = r.int(0, stageIds.length - 1);
      yield step({ action: 'voidStage', stageId: stageIds[i]!, reason: 'reported twice', occurredAt: at(1), ...p });
    }
    if (kind === 'medical' && r.chance(0.5)) continue; // open-ended, stays agreed
    if (r.chance(0.05)) {
      yield step({
        action: 'cancel',
        by: r.pick([a, b]),
        reason: 'talks broke down',
        occurredAt: at(r.int(1, 5)),
        ...p,
      });
      continue;
    }
    const last = r.chance(0.5)
      ? [
          { party: a, count: r.int(1, 50) },
          { party: b, count: oneWay ? 0 : r.int(1, 50) },
        ]
      : null;
    if (last && last.every((h) => h.count === 0)) last[0]!.count = 1;
    yield step({ action: 'complete', stageId: `${exchangeId}-final`, sides: last, occurredAt: at(r.int(1, 5)), ...p });
  }
}
