import type { ExchangeCommand } from '../../domain/commands.js';
import type { ExchangeEventData, PartyEventData, RecordedEvent } from '../../domain/events.js';
import { evolveState, type Exchange, type ExchangeState, type StageState } from '../../domain/exchange.js';
import type { PartyState } from '../../domain/party.js';
import type { Db } from './connection.js';
import { projectExchange } from './projections.js';
import { rowFromEvent } from './rows.js';
import { statementsFor, type StageRow } from './statements.js';

/** The write steps every path shares (commands, import), each inside the caller's transaction. */

export function ledgerHead(db: Db): { sequence: number; hash: string; eventId: string; recordedAt: string } | undefined {
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
      voided: first.voidedAt === null ? null : { occurredAt: first.voidedAt, recordedAt: first.voidRecordedAt!, reason: first.voidReason! },
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
  const rows = (JSON.parse(row.stages) as [string, string, number, string, string, string | null, string | null, string | null][]).map(
    ([stageId, party, count, occurredAt, recordedAt, voidedAt, voidRecordedAt, voidReason]): StageRow =>
      ({ exchangeId: id, stageId, party, count, occurredAt, recordedAt, voidedAt, voidRecordedAt, voidReason }),
  );
  return { ...state, stages: stagesFrom(state, rows) };
}

export function stageOf(db: Db, state: ExchangeState, stageId: string): StageState | undefined {
  return stagesFrom(state, statementsFor(db).stageRowsById.all({ stageId, exchangeId: state.id }))[0];
}

/** The stages a command needs to be decided (DecisionContext.stages): a void's, or the live ones for a completion. */
export function stagesConcerned(db: Db, state: ExchangeState | null, command: ExchangeCommand): StageState[] {
  if (state === null) return [];
  const st = statementsFor(db);
  if (command.action === 'voidStage') return [stageOf(db, state, command.stageId)].filter((s) => s !== undefined);
  if (command.action === 'complete') return stagesFrom(state, st.liveStageRows.all({ exchangeId: state.id }));
  return [];
}

export function loadParty(db: Db, id: string): PartyState | null {
  return statementsFor(db).party.get({ id }) ?? null;
}

/**
 * Which of the parties a command's terms name are registered (DecisionContext). Only terms
 * (a proposal, a counter) need registered parties; a stage names the exchange's own, so
 * nothing is read for it.
 */
export function registeredAmong(db: Db, command: ExchangeCommand): Set<string> {
  if (command.action !== 'propose' && command.action !== 'counter') return new Set();
  const party = statementsFor(db).party;
  return new Set(command.sides.map((s) => s.party).filter((id) => party.get({ id }) !== undefined));
}

/** What applying a command's events gives: the new state and the stages it recorded. */
export interface Applied {
  state: ExchangeState;
  recorded: StageState[];
}

/** Folds appended events into the exchange and brings every read model up to date. */
export function applyExchangeEvents(db: Db, before: ExchangeState | null, appended: readonly RecordedEvent<ExchangeEventData>[], concerned: readonly StageState[]): Applied {
  let state = before;
  for (const e of appended) state = evolveState(state, e, e.type === 'StageVoided' ? concerned.find((s) => s.id === e.data.stageId) : undefined);
  return projectExchange(db, before, state!, appended);
}

export function applyPartyRegistered(db: Db, event: RecordedEvent<PartyEventData>): PartyState {
  const party: PartyState = { id: event.data.partyId, name: event.data.name, registeredAt: event.occurredAt };
  statementsFor(db).insertParty.run({ ...party, recordedAt: event.recordedAt });
  return party;
}
