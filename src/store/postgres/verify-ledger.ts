import type pg from 'pg';
import { ChainCheck } from '../../audit/chain.js';
import { GENESIS_HASH } from '../../audit/hash-chain.js';
import type { ExchangeEventData, RecordedEvent } from '../../domain/events.js';
import type { PartyState } from '../../domain/party.js';
import { addContribution, FIGURE_NAMES, type Contribution } from '../../domain/totals.js';
import type { Difference, LedgerHead, Progress, VerifyReport } from '../ledger-store.js';
import { run } from './queries.js';
import { cannotBeStored, EVENT_COLUMNS, eventFromRow, type EventRow } from './rows.js';
import { READS, WRITES } from './statements.js';
import { checkExchange, checkParty, type ExchangeRows } from './verify-exchange.js';
import { RowsByExchange } from './verify-rows.js';

/**
 * What verify reads, each as a cursor of the snapshot's transaction, fetched in pages: the
 * events twice (in ledger order for the chain, in stream order for the folds) and each
 * read model in exchange order, never a table whole in memory.
 */
const CURSORS = {
  chain: `SELECT ${EVENT_COLUMNS} FROM events WHERE sequence > 0 ORDER BY sequence`,
  streams: `SELECT ${EVENT_COLUMNS} FROM events ORDER BY stream_id, version`,
  exchanges: `SELECT id AS "exchangeId", id, seq, kind, status, occurred_at AS "occurredAt", version, state FROM exchanges ORDER BY id`,
  sides: `SELECT exchange_id AS "exchangeId", party, occurred_at AS "occurredAt", seq FROM exchange_parties ORDER BY exchange_id, party`,
  stages: `SELECT stage_id AS "stageId", party, counterparty, exchange_id AS "exchangeId", kind, count, occurred_at AS "occurredAt",
    voided_at AS "voidedAt", sequence, recorded_at AS "recordedAt", void_recorded_at AS "voidRecordedAt", void_reason AS "voidReason"
    FROM stage_handovers ORDER BY exchange_id, sequence, party`,
  terms: `SELECT exchange_id AS "exchangeId", party, kind, version, status, hands_over AS "handsOver", valid_from AS "validFrom",
    valid_to AS "validTo" FROM terms_history ORDER BY exchange_id, version, party`,
};
type CursorName = keyof typeof CURSORS;

/** Small pages: what a page holds is alive until the next is fetched. */
const PAGE = 500;

const COUNTS = `SELECT (SELECT count(*) FROM exchanges) AS exchanges, (SELECT count(*) FROM parties) AS parties,
  (SELECT count(*) FROM exchange_parties) AS "exchangeParties", (SELECT count(*) FROM stage_handovers) AS "stageHandovers",
  (SELECT count(*) FROM terms_history) AS "termsHistory"`;

const TOTALS = `SELECT party, kind, handed_over AS "handedOver", received, agreed_outstanding AS "agreedOutstanding",
  unspecified_sides AS "unspecifiedSides", proposed FROM totals`;

/**
 * Re-derives everything from the events and compares, as the SQLite store's verify does and
 * with the same reports: the hash chain in sequence order (the first break, and how many
 * events held before it), then each stream folded through the domain code against its
 * read-model rows (the first in stream order), then rows no event accounts for, then the
 * totals against the sum of every exchange's contribution.
 *
 * Everything is read on one connection in one REPEATABLE READ READ ONLY transaction: one
 * snapshot, taken by its first statement, whatever the service commits meanwhile, and no
 * lock that would hold a writer back.
 */
export async function verifyOn(client: pg.PoolClient, progress?: Progress): Promise<VerifyReport> {
  // The snapshot is taken by the first statement, in the same round trip as BEGIN.
  const [, , ...declared] = await client.query(`BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT 1;
    ${Object.entries(CURSORS).map(([name, sql]) => `DECLARE ${name} NO SCROLL CURSOR FOR ${sql}`).join(';\n')}`) as unknown as pg.QueryResult[];
  if (declared.length !== Object.keys(CURSORS).length) throw new Error('verify: the cursors were not declared');
  const fetch = async <R>(name: CursorName) => (await client.query(`FETCH FORWARD ${PAGE} FROM ${name}`)).rows as R[];

  const [h] = await run<LedgerHead>(client, READS.head);
  const head: LedgerHead = h ?? { sequence: 0, hash: GENESIS_HASH, eventId: null, recordedAt: null };
  const total = head.sequence;
  const fail = (firstDifference: Difference, events: number): VerifyReport => ({ ok: false, events, head, firstDifference });
  const report = (chained: number, folded: number) => progress?.(Math.floor((chained + folded) / 2), total);

  // 1. The chain, in ledger order.
  const chain = new ChainCheck();
  let read = 0;
  for (let page = await fetch<EventRow>('chain'); page.length > 0; page = await fetch<EventRow>('chain')) {
    for (const row of page) {
      const e = eventFromRow(row);
      const broken = chain.next(e);
      if (broken) return fail({ kind: 'event', sequence: e.sequence, eventId: e.id, detail: broken }, chain.head.sequence);
      read += 1;
    }
    report(read, 0);
  }

  // 2. Each stream against its rows, the first in stream order.
  const rows: ExchangeRows = {
    exchanges: new RowsByExchange(() => fetch('exchanges')),
    sides: new RowsByExchange(() => fetch('sides')),
    stages: new RowsByExchange(() => fetch('stages')),
    terms: new RowsByExchange(() => fetch('terms')),
  };
  const sums = new Map<string, Contribution>();
  const streams = { exchanges: 0, parties: 0 };
  const fold = async (stream: RecordedEvent[]): Promise<Difference | null> => {
    if (stream[0]!.type === 'PartyRegistered') {
      streams.parties += 1;
      const id = (stream[0]!.data as { partyId: string }).partyId;
      const [row] = cannotBeStored(id) ? [] : await run<PartyState>(client, WRITES.party, [id]);
      return checkParty(stream, row ?? null);
    }
    streams.exchanges += 1;
    return checkExchange(rows, stream as RecordedEvent<ExchangeEventData>[], (c) => addContribution(sums, c));
  };
  let current: RecordedEvent[] = [];
  let folded = 0;
  for (let page = await fetch<EventRow>('streams'); page.length > 0; page = await fetch<EventRow>('streams')) {
    for (const row of page) {
      const e = eventFromRow(row);
      if (current.length > 0 && current[0]!.streamId !== e.streamId) {
        const difference = await fold(current);
        if (difference) return fail(difference, read);
        current = [];
      }
      current.push(e);
    }
    folded += page.length;
    report(read, folded);
  }
  if (current.length > 0) {
    const difference = await fold(current);
    if (difference) return fail(difference, read);
  }

  // Rows with no events behind them.
  const [counts] = await run<Record<'exchanges' | 'parties' | 'exchangeParties' | 'stageHandovers' | 'termsHistory', number>>(
    client, { name: 'ledger_verify_counts', text: COUNTS });
  for (const table of ['exchanges', 'parties'] as const) {
    if (counts![table] !== streams[table]) {
      return fail({ kind: 'read-model', table, key: '*', detail: `${counts![table]} rows, but the events describe ${streams[table]}` }, read);
    }
  }
  // Every exchange's own rows matched; any further row belongs to no exchange of the ledger
  // (an orphan would still be summed by date-bounded and as-of totals).
  const perExchange = [
    ['exchange_parties', counts!.exchangeParties, rows.sides.taken],
    ['stage_handovers', counts!.stageHandovers, rows.stages.taken],
    ['terms_history', counts!.termsHistory, rows.terms.taken],
  ] as const;
  for (const [table, have, matched] of perExchange) {
    if (have !== matched) {
      return fail({ kind: 'read-model', table, key: '*', detail: `${have} rows, but the exchanges' events account for ${matched}` }, read);
    }
  }

  // 3. Totals aggregates against the sum of contributions.
  const stored = new Map((await run<Contribution>(client, { name: 'ledger_verify_totals', text: TOTALS }))
    .map((r) => [`${r.party}\u0000${r.kind}`, r]));
  for (const key of new Set([...sums.keys(), ...stored.keys()])) {
    const want = sums.get(key);
    const have = stored.get(key);
    for (const f of FIGURE_NAMES) {
      if ((want?.[f] ?? 0) !== (have?.[f] ?? 0)) {
        const [party, kind] = key.split('\u0000');
        return fail({ kind: 'read-model', table: 'totals', key: `${party}/${kind}`, detail: `${f} is ${have?.[f] ?? 0}, recomputed ${want?.[f] ?? 0}` }, read);
      }
    }
  }
  progress?.(total, total);
  return { ok: true, events: read, head };
}
