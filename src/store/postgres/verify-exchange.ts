import canonicalize from 'canonicalize';
import { TRANSITION_EVENTS, type ExchangeEventData, type PartyEventData, type RecordedEvent } from '../../domain/events.js';
import { evolve, type Exchange } from '../../domain/exchange.js';
import type { PartyState } from '../../domain/party.js';
import { commandLength } from '../../domain/replay.js';
import { contributionOf, type Contribution } from '../../domain/totals.js';
import type { Difference } from '../ledger-store.js';
import type { RowsByExchange } from './verify-rows.js';

/**
 * What verify compares of each read model, as the SQLite store's verify does (its
 * verify-exchange.ts): the same columns, in the same row order, with the same reports.
 */
export const COMPARED = {
  exchanges: ['id', 'seq', 'kind', 'status', 'occurredAt', 'version'],
  sides: ['party', 'occurredAt', 'seq'],
  stages: ['stageId', 'party', 'counterparty', 'exchangeId', 'kind', 'count', 'occurredAt', 'voidedAt', 'sequence', 'recordedAt',
    'voidRecordedAt', 'voidReason'],
  terms: ['party', 'kind', 'version', 'status', 'handsOver', 'validFrom', 'validTo'],
} as const;

type Row = { exchangeId: string } & Record<string, unknown>;

/** The read-model rows of the exchanges, read alongside the streams. */
export interface ExchangeRows {
  exchanges: RowsByExchange<Row>;
  sides: RowsByExchange<Row>;
  stages: RowsByExchange<Row>;
  terms: RowsByExchange<Row>;
}

const pick = (row: Record<string, unknown>, keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, row[k]]));

/** Whether the rows hold the expected values under the compared keys, in order (as their canonical JSON says). */
const sameRows = (rows: Row[], keys: readonly string[], expected: Record<string, unknown>[]) =>
  canonicalize(rows.map((r) => pick(r, keys))) === canonicalize(expected);

/** A party's stream against its row in parties (null: no row). */
export function checkParty(stream: RecordedEvent[], row: PartyState | null): Difference | null {
  const e = stream[0] as RecordedEvent<PartyEventData>;
  const expected = { id: e.data.partyId, name: e.data.name, registeredAt: e.occurredAt };
  if (canonicalize(row) !== canonicalize(expected)) {
    return { kind: 'read-model', table: 'parties', key: e.data.partyId, detail: `row ${canonicalize(row)}, recomputed ${canonicalize(expected)}` };
  }
  return null;
}

/** One exchange's events, folded command by command, against every row it should have made. */
export async function checkExchange(rows: ExchangeRows, stream: RecordedEvent<ExchangeEventData>[], contribute: (c: Contribution) => void): Promise<Difference | null> {
  const id = stream[0]!.streamId;
  const diff = (table: string, detail: string): Difference => ({ kind: 'read-model', table, key: id, detail });
  // Taken before anything can return, so the merge stays in step with the streams.
  const [row] = await rows.exchanges.take(id);
  const sideRows = await rows.sides.take(id);
  const stageRows = await rows.stages.take(id);
  const historyRows = await rows.terms.take(id);

  let state: Exchange | null = null;
  const history: { party: string; kind: string; version: number; status: string; handsOver: number | null; validFrom: string; validTo: string | null }[] = [];
  for (let i = 0; i < stream.length; ) {
    const n = commandLength(stream.slice(i, i + 2));
    const group = stream.slice(i, i + n);
    const before: Exchange | null = state;
    state = group.reduce<Exchange | null>((s, e) => evolve(s, e), state)!;
    if (group.some((e) => TRANSITION_EVENTS.has(e.type))) {
      if (before) for (const h of history) if (h.validTo === null) h.validTo = state.lastTransitionAt;
      for (const side of state.sides) {
        history.push({ party: side.party, kind: state.kind, version: state.version, status: state.status, handsOver: side.handsOver,
          validFrom: state.lastTransitionAt, validTo: null });
      }
    }
    i += n;
  }
  const s = state!;
  for (const c of contributionOf(s)) contribute(c);

  if (!row) return diff('exchanges', 'row missing');
  const expectedRow = { id, seq: stream[0]!.sequence, kind: s.kind, status: s.status, occurredAt: s.occurredAt, version: s.version };
  if (!sameRows([row], COMPARED.exchanges, [expectedRow])) {
    return diff('exchanges', `columns ${canonicalize(pick(row, COMPARED.exchanges))}, recomputed ${canonicalize(expectedRow)}`);
  }
  // The writer stores JSON.stringify of this same fold without its stages (those are rows of
  // stage_handovers), so the text itself usually matches.
  const { stages, ...summary } = s;
  const stateJson = row.state as string;
  if (stateJson !== JSON.stringify(summary) && canonicalize(JSON.parse(stateJson)) !== canonicalize(summary)) {
    return diff('exchanges', 'stored state differs from the fold of its events');
  }

  const expectedSides = s.sides.map((x) => ({ party: x.party, occurredAt: s.occurredAt, seq: stream[0]!.sequence }))
    .sort((a, b) => (a.party < b.party ? -1 : 1));
  if (!sameRows(sideRows, COMPARED.sides, expectedSides)) return diff('exchange_parties', 'rows differ from the exchange’s sides');

  const sequenceOf = new Map(stream.filter((e) => e.type === 'StageRecorded').map((e) => [(e.data as { stageId: string }).stageId, e.sequence]));
  // In the rows' order: by recording (the sequence), then party.
  const expectedStages = stages.flatMap((st) => st.sides.map((h) => ({
    stageId: st.id, party: h.party, counterparty: st.sides.find((o) => o.party !== h.party)!.party, exchangeId: id, kind: s.kind,
    count: h.count, occurredAt: st.occurredAt, voidedAt: st.voided?.occurredAt ?? null, sequence: sequenceOf.get(st.id)!,
    recordedAt: st.recordedAt, voidRecordedAt: st.voided?.recordedAt ?? null, voidReason: st.voided?.reason ?? null,
  })).sort((a, b) => (a.party < b.party ? -1 : 1)));
  if (!sameRows(stageRows, COMPARED.stages, expectedStages)) return diff('stage_handovers', 'rows differ from the exchange’s stages');

  const expectedHistory = history.sort((a, b) => a.version - b.version || (a.party < b.party ? -1 : 1));
  if (!sameRows(historyRows, COMPARED.terms, expectedHistory)) return diff('terms_history', 'rows differ from the exchange’s transitions');
  return null;
}
