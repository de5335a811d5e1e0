import canonicalize from 'canonicalize';
import { and, asc, eq, gt, lte, or, sql } from 'drizzle-orm';
import { ChainCheck } from '../../audit/chain.js';
import { ImportRefusal } from '../../audit/ndjson.js';
import type { ExchangeEventData, PartyEventData, RecordedEvent } from '../../domain/events.js';
import { evolve, type ExchangeState } from '../../domain/exchange.js';
import { decideRegistration } from '../../domain/party.js';
import { commandLength, commandOf, replayRefusal } from '../../domain/replay.js';
import { contributionOf, sumContributions, FIGURE_NAMES, type Contribution } from '../../domain/totals.js';
import { GENESIS_HASH } from '../hash-chain.js';
import type { Difference, ImportReport, LedgerHead, NumberedEvent, Progress, VerifyReport } from '../ledger-store.js';
import type { SqliteConnection } from './connection.js';
import { eventFromRow } from './rows.js';
import { events, exchangeParties, exchanges, parties, stageHandovers, termsHistory, totals } from './schema.js';
import { applyExchangeEvents, applyPartyRegistered, insertEvent, ledgerHead, loadExchange, loadParty, registeredAmong } from './writes.js';

const PAGE = 2000;
const EXCHANGE_EVENTS = new Set(['ExchangeProposed', 'ExchangeCountered', 'ExchangeAgreed', 'ExchangeRejected', 'ExchangeWithdrawn', 'ExchangeCancelled', 'StageRecorded', 'StageVoided', 'ExchangeCompleted']);
const TRANSITIONS = new Set([...EXCHANGE_EVENTS].filter((t) => t !== 'StageRecorded' && t !== 'StageVoided'));


export function headOf(conn: SqliteConnection): LedgerHead {
  const h = ledgerHead(conn.db);
  return h ? { sequence: h.sequence, hash: h.hash, eventId: h.eventId, recordedAt: h.recordedAt } : { sequence: 0, hash: GENESIS_HASH, eventId: null, recordedAt: null };
}

/** Pages by sequence up to the head at the start: a consistent prefix, never all in memory. */
export async function* exportEvents(conn: SqliteConnection, after: number): AsyncGenerator<RecordedEvent> {
  const upTo = headOf(conn).sequence;
  let cursor = after;
  while (cursor < upTo) {
    const page = conn.db.select().from(events).where(and(gt(events.sequence, cursor), lte(events.sequence, upTo))).orderBy(asc(events.sequence)).limit(PAGE).all();
    if (page.length === 0) return;
    for (const row of page) yield eventFromRow(row);
    cursor = page.at(-1)!.sequence;
    // Let the event loop breathe between pages (other requests, socket writes).
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * Replays an exported ledger into an empty one: each event must continue the hash chain and
 * be exactly what the decider decides from the state before it. One transaction: a refused
 * line leaves nothing written.
 */
export async function importLedger(conn: SqliteConnection, source: AsyncIterable<NumberedEvent>, progress?: Progress): Promise<ImportReport> {
  const { db, sqlite } = conn;
  if (headOf(conn).sequence !== 0) return { ok: false, line: 0, reason: 'the target ledger is not empty: import restores into an empty ledger only' };
  const chain = new ChainCheck();
  let pending: NumberedEvent[] = [];
  let count = 0;

  const applyExchange = (group: NumberedEvent[]) => {
    const evs = group.map((g) => g.event as RecordedEvent<ExchangeEventData>);
    const before = loadExchange(db, evs[0]!.streamId);
    const command = commandOf(evs);
    const named = 'sides' in command && command.sides ? command.sides.map((s) => s.party) : [];
    const refusal = replayRefusal(evs, before, registeredAmong(db, named));
    if (refusal) throw new ImportRefusal(group[0]!.line, refusal);
    for (const e of evs) insertEvent(db, e);
    applyExchangeEvents(db, before, evs);
  };
  const flush = () => {
    if (pending.length) applyExchange(pending);
    pending = [];
  };


  sqlite.exec('BEGIN IMMEDIATE');
  try {
    for await (const item of source) {
      const { line, event } = item;
      const broken = chain.next(event);
      if (broken) throw new ImportRefusal(line, broken);
      if (event.type === 'PartyRegistered') {
        flush();
        const e = event as RecordedEvent<PartyEventData>;
        const decided = decideRegistration({ partyId: e.data.partyId, name: e.data.name, occurredAt: e.occurredAt, note: e.note }, loadParty(db, e.data.partyId), e.recordedAt);
        if (!decided.ok) throw new ImportRefusal(line, `party ${e.data.partyId} is registered twice`);
        if (e.streamId !== `party:${e.data.partyId}` || e.version !== 1 || canonicalize(decided.value[0]) !== canonicalize({ type: e.type, data: e.data, occurredAt: e.occurredAt, source: e.source, note: e.note })) {
          throw new ImportRefusal(line, 'the rules decide a different registration');
        }
        insertEvent(db, e);
        applyPartyRegistered(db, e);
      } else if (EXCHANGE_EVENTS.has(event.type)) {
        // A StageRecorded may be the last tranche of the completion that follows it.
        let consumed = false;
        if (pending.length === 1) {
          const pair = [pending[0]!, item];
          if (commandLength(pair.map((p) => p.event as RecordedEvent<ExchangeEventData>)) === 2) {
            applyExchange(pair);
            consumed = true;
          } else applyExchange(pending);
          pending = [];
        }
        if (!consumed) {
          if (event.type === 'StageRecorded') pending = [item];
          else applyExchange([item]);
        }
      } else {
        throw new ImportRefusal(line, `unknown event type ${event.type}`);
      }
      count += 1;
      if (count % 5000 === 0) progress?.(count, 0);
    }
    flush();
    sqlite.exec('COMMIT');
    progress?.(count, count);
    return { ok: true, events: count, head: headOf(conn) };
  } catch (e) {
    sqlite.exec('ROLLBACK');
    if (e instanceof ImportRefusal) return { ok: false, line: e.line, reason: e.message };
    throw e;
  }
}

/**
 * Re-derives everything from the events and compares: the hash chain in sequence order,
 * then each stream folded through the same domain code against its read-model rows, then
 * the totals aggregates against the sum of every exchange's contribution.
 */
export async function verifyLedger(conn: SqliteConnection, progress?: Progress): Promise<VerifyReport> {
  const { db } = conn;
  const head = headOf(conn);
  const total = head.sequence;
  const fail = (firstDifference: Difference, n: number): VerifyReport => ({ ok: false, events: n, head, firstDifference });

  // 1. The chain, in ledger order.
  const chain = new ChainCheck();
  let seen = 0;
  for (let cursor = 0; ;) {
    const page = db.select().from(events).where(gt(events.sequence, cursor)).orderBy(asc(events.sequence)).limit(PAGE).all();
    if (page.length === 0) break;
    for (const row of page) {
      const e = eventFromRow(row);
      const broken = chain.next(e);
      if (broken) return fail({ kind: 'event', sequence: e.sequence, eventId: e.id, detail: broken }, seen);
      seen += 1;
    }
    cursor = page.at(-1)!.sequence;
    progress?.(seen, total * 2);
    await new Promise((r) => setImmediate(r));
  }
  if (chain.head.hash !== head.hash) return fail({ kind: 'event', sequence: head.sequence, eventId: head.eventId ?? '', detail: 'the head does not end the chain' }, seen);

  // 2. Each stream, folded, against its rows.
  const contributions: Contribution[] = [];
  let streams = { exchanges: 0, parties: 0 };
  let folded = 0;
  let difference: Difference | null = null;
  const checkStream = (stream: RecordedEvent[]) => {
    const first = stream[0]!;
    if (first.type === 'PartyRegistered') {
      streams.parties += 1;
      const e = first as RecordedEvent<PartyEventData>;
      const row = loadParty(db, e.data.partyId);
      const expected = { id: e.data.partyId, name: e.data.name, registeredAt: e.occurredAt };
      if (canonicalize(row) !== canonicalize(expected)) difference = { kind: 'read-model', table: 'parties', key: e.data.partyId, detail: `row ${canonicalize(row)}, recomputed ${canonicalize(expected)}` };
      return;
    }
    streams.exchanges += 1;
    difference = checkExchange(conn, stream as RecordedEvent<ExchangeEventData>[], contributions);
  };
  let current: RecordedEvent[] = [];
  for (let cursor: { streamId: string; version: number } = { streamId: '', version: 0 }; ;) {
    const page = db.select().from(events)
      .where(or(gt(events.streamId, cursor.streamId), and(eq(events.streamId, cursor.streamId), gt(events.version, cursor.version))))
      .orderBy(asc(events.streamId), asc(events.version)).limit(PAGE).all();
    if (page.length === 0) break;
    for (const row of page) {
      const e = eventFromRow(row);
      if (current.length && current[0]!.streamId !== e.streamId) {
        checkStream(current);
        if (difference) return fail(difference, seen);
        current = [];
      }
      current.push(e);
      folded += 1;
    }
    cursor = { streamId: page.at(-1)!.streamId, version: page.at(-1)!.version };
    progress?.(total + folded, total * 2);
    await new Promise((r) => setImmediate(r));
  }
  if (current.length) checkStream(current);
  if (difference) return fail(difference, seen);

  // Rows with no events behind them.
  const rowCounts = {
    exchanges: db.select({ n: sql<number>`count(*)` }).from(exchanges).get()!.n,
    parties: db.select({ n: sql<number>`count(*)` }).from(parties).get()!.n,
  };
  for (const table of ['exchanges', 'parties'] as const) {
    if (rowCounts[table] !== streams[table]) return fail({ kind: 'read-model', table, key: '*', detail: `${rowCounts[table]} rows, but the events describe ${streams[table]}` }, seen);
  }

  // 3. Totals aggregates against the sum of contributions.
  const expected = sumContributions(contributions);
  const rows = db.select().from(totals).all();
  const keyOf = (r: { party: string; kind: string }) => `${r.party}\u0000${r.kind}`;
  const stored = new Map(rows.map((r) => [keyOf(r), r]));
  for (const key of new Set([...expected.keys(), ...stored.keys()])) {
    const want = expected.get(key);
    const have = stored.get(key);
    for (const f of FIGURE_NAMES) {
      if ((want?.[f] ?? 0) !== (have?.[f] ?? 0)) {
        const [party, kind] = key.split('\u0000');
        return fail({ kind: 'read-model', table: 'totals', key: `${party}/${kind}`, detail: `${f} is ${have?.[f] ?? 0}, recomputed ${want?.[f] ?? 0}` }, seen);
      }
    }
  }
  progress?.(total * 2, total * 2);
  return { ok: true, events: seen, head };
}

/** One exchange's events, folded command by command, against every row it should have made. */
function checkExchange(conn: SqliteConnection, stream: RecordedEvent<ExchangeEventData>[], contributions: Contribution[]): Difference | null {
  const { db } = conn;
  const id = stream[0]!.streamId;
  const diff = (table: string, detail: string): Difference => ({ kind: 'read-model', table, key: id, detail });
  let state: ExchangeState | null = null;
  const history: { party: string; kind: string; version: number; status: string; handsOver: number | null; validFrom: string; validTo: string | null }[] = [];
  for (let i = 0; i < stream.length; ) {
    const n = commandLength(stream.slice(i, i + 2));
    const group = stream.slice(i, i + n);
    const before: ExchangeState | null = state;
    state = group.reduce<ExchangeState | null>((s, e) => evolve(s, e), state)!;
    if (group.some((e) => TRANSITIONS.has(e.type))) {
      if (before) for (const h of history) if (h.validTo === null) h.validTo = state.lastTransitionAt;
      for (const side of state.sides) history.push({ party: side.party, kind: state.kind, version: state.version, status: state.status, handsOver: side.handsOver, validFrom: state.lastTransitionAt, validTo: null });
    }
    i += n;
  }
  const s = state!;
  contributions.push(...contributionOf(s));

  const row = db.select().from(exchanges).where(eq(exchanges.id, id)).get();
  if (!row) return diff('exchanges', 'row missing');
  const expectedRow = { id, seq: stream[0]!.sequence, kind: s.kind, status: s.status, occurredAt: s.occurredAt, version: s.version };
  const { state: stateJson, ...columns } = row;
  if (canonicalize(columns) !== canonicalize(expectedRow)) return diff('exchanges', `columns ${canonicalize(columns)}, recomputed ${canonicalize(expectedRow)}`);
  if (canonicalize(JSON.parse(stateJson)) !== canonicalize(s)) return diff('exchanges', 'stored state differs from the fold of its events');

  const sideRows = db.select({ party: exchangeParties.party, occurredAt: exchangeParties.occurredAt, seq: exchangeParties.seq }).from(exchangeParties).where(eq(exchangeParties.exchangeId, id)).orderBy(asc(exchangeParties.party)).all();
  const expectedSides = s.sides.map((x) => ({ party: x.party, occurredAt: s.occurredAt, seq: stream[0]!.sequence })).sort((a, b) => (a.party < b.party ? -1 : 1));
  if (canonicalize(sideRows) !== canonicalize(expectedSides)) return diff('exchange_parties', 'rows differ from the exchange’s sides');

  const stageRows = db.select().from(stageHandovers).where(eq(stageHandovers.exchangeId, id)).orderBy(asc(stageHandovers.stageId), asc(stageHandovers.party)).all();
  const expectedStages = s.stages.flatMap((st) => st.sides.map((h) => ({
    stageId: st.id, party: h.party, counterparty: st.sides.find((o) => o.party !== h.party)!.party, exchangeId: id, kind: s.kind,
    count: h.count, occurredAt: st.occurredAt, voidedAt: st.voided?.occurredAt ?? null,
  }))).sort((a, b) => (a.stageId + a.party < b.stageId + b.party ? -1 : 1));
  if (canonicalize(stageRows) !== canonicalize(expectedStages)) return diff('stage_handovers', 'rows differ from the exchange’s stages');

  const historyRows = db.select().from(termsHistory).where(eq(termsHistory.exchangeId, id)).orderBy(asc(termsHistory.version), asc(termsHistory.party)).all()
    .map(({ exchangeId: _x, ...r }) => r);
  const expectedHistory = history.sort((a, b) => a.version - b.version || (a.party < b.party ? -1 : 1));
  if (canonicalize(historyRows) !== canonicalize(expectedHistory)) return diff('terms_history', 'rows differ from the exchange’s transitions');
  return null;
}
