import type { RecordedEvent } from '../../domain/events.js';
import type { Exchange, ExchangeState, StageState } from '../../domain/exchange.js';
import type { PartyState } from '../../domain/party.js';
import type { Db } from './connection.js';
import { rowFromEvent } from './rows.js';
import { statementsFor, type StageRow } from './statements.js';

/** The SQL of the write steps (sqlite-transaction.ts), each inside the caller's transaction. */

export function ledgerHead(
  db: Db,
): { sequence: number; hash: string; eventId: string; recordedAt: string } | undefined {
  return statementsFor(db).head.get();
}

export function insertEvent(db: Db, event: RecordedEvent): void {
  statementsFor(db).insertEvent.run(rowFromEvent(event));
}

/** The exchange's state without its stages: one small row, however many stages it has. */
export function loadExchange(db: Db, id: string): ExchangeState | null {
  const row = statementsFor(db).exchangeState.get({ id });
  return row ? (JSON.parse(row.state) as ExchangeState) : null;
}

/** Stage rows (two per stage, in recording order) → stages, counts in the order of the exchange's sides. */
function stagesFrom(state: ExchangeState, rows: readonly StageRow[]): StageState[] {
  const stages: StageState[] = [];
  for (let i = 0; i < rows.length; ) {
    const first = rows[i]!;
    let j = i;
    const counts = new Map<string, number>();
    for (; j < rows.length && rows[j]!.stageId === first.stageId; j += 1) counts.set(rows[j]!.party, rows[j]!.count);
    stages.push({
      id: first.stageId,
      sides: state.sides.map((s) => ({ party: s.party, count: counts.get(s.party) ?? 0 })),
      occurredAt: first.occurredAt,
      recordedAt: first.recordedAt,
      voided:
        first.voidedAt === null
          ? null
          : { occurredAt: first.voidedAt, recordedAt: first.voidRecordedAt!, reason: first.voidReason! },
    });
    i = j;
  }
  return stages;
}

/** The exchange with its stages, read in one statement (GET, and the answers that show stages). */
export function loadExchangeWithStages(db: Db, id: string): Exchange | null {
  const row = statementsFor(db).exchangeWithStages.get({ id });
  if (!row) return null;
  const state = JSON.parse(row.state) as ExchangeState;
  const rows = (
    JSON.parse(row.stages) as [string, string, number, string, string, string | null, string | null, string | null][]
  ).map(
    ([stageId, party, count, occurredAt, recordedAt, voidedAt, voidRecordedAt, voidReason]): StageRow => ({
      exchangeId: id,
      stageId,
      party,
      count,
      occurredAt,
      recordedAt,
      voidedAt,
      voidRecordedAt,
      voidReason,
    }),
  );
  return { ...state, stages: stagesFrom(state, rows) };
}

export function stageOf(db: Db, state: ExchangeState, stageId: string): StageState | undefined {
  return stagesFrom(state, statementsFor(db).stageRowsById.all({ stageId, exchangeId: state.id }))[0];
}

/** The exchange's stages still counted, in recording order. */
export function liveStagesOf(db: Db, state: ExchangeState): StageState[] {
  return stagesFrom(state, statementsFor(db).liveStageRows.all({ exchangeId: state.id }));
}

export function loadParty(db: Db, id: string): PartyState | null {
  return statementsFor(db).party.get({ id }) ?? null;
}

/** Which of these party ids are registered. */
export function registeredAmong(db: Db, ids: readonly string[]): Set<string> {
  const party = statementsFor(db).party;
  return new Set(ids.filter((id) => party.get({ id }) !== undefined));
}

export function insertParty(db: Db, party: PartyState, recordedAt: string): void {
  statementsFor(db).insertParty.run({ ...party, recordedAt });
}
