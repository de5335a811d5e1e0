import { TRANSITION_EVENTS, type ExchangeEventData, type RecordedEvent } from '../../domain/events.js';
import { stageRecorded, type ExchangeState, type StageState } from '../../domain/exchange.js';
import { totalsDelta } from '../../domain/totals.js';
import type { Db } from './connection.js';
import { statementsFor } from './statements.js';
import type { Applied } from './writes.js';

/**
 * Brings the read models up to date with events just appended to one exchange. Runs inside
 * the transaction that appended them, so readers never see one without the other.
 */
export function projectExchange(db: Db, before: ExchangeState | null, after: ExchangeState, appended: readonly RecordedEvent<ExchangeEventData>[]): Applied {
  const st = statementsFor(db);
  const row = { id: after.id, status: after.status, version: after.version, state: JSON.stringify(after) };
  if (before === null) {
    const seq = appended[0]!.sequence;
    st.insertExchange.run({ ...row, seq, kind: after.kind, occurredAt: after.occurredAt });
    for (const side of after.sides) st.insertExchangeParty.run({ party: side.party, exchangeId: after.id, occurredAt: after.occurredAt, seq });
  } else if (before.status === after.status) {
    st.updateExchangeState.run(row);
  } else {
    st.updateExchange.run(row);
  }

  const recorded: StageState[] = [];
  for (const event of appended) {
    if (event.type === 'StageRecorded') {
      const stage = stageRecorded(after, event);
      recorded.push(stage);
      const [a, b] = stage.sides;
      st.insertStage.run({
        stageId: stage.id, exchangeId: after.id, kind: after.kind, partyA: a!.party, countA: a!.count, partyB: b!.party, countB: b!.count,
        occurredAt: stage.occurredAt, sequence: event.sequence, recordedAt: stage.recordedAt,
      });
    } else if (event.type === 'StageVoided') {
      st.voidStage.run({ voidedAt: event.occurredAt, voidRecordedAt: event.recordedAt, voidReason: event.data.reason, stageId: event.data.stageId, exchangeId: after.id });
    }
  }

  const transition = appended.find((e) => TRANSITION_EVENTS.has(e.type));
  if (transition) recordTerms(db, before, after);

  for (const d of totalsDelta(before, after)) st.addToTotals.run({ ...d });
  return { state: after, recorded };
}


/**
 * Closes the terms in force and opens the new ones at the transition's world time (the
 * exchange's lastTransitionAt, which never moves back, so the intervals stay in order).
 */
function recordTerms(db: Db, before: ExchangeState | null, after: ExchangeState): void {
  const st = statementsFor(db);
  const from = after.lastTransitionAt;
  if (before) st.closeTerms.run({ validTo: from, exchangeId: after.id });
  for (const side of after.sides) {
    st.insertTerms.run({ exchangeId: after.id, party: side.party, kind: after.kind, version: after.version, status: after.status, handsOver: side.handsOver, validFrom: from });
  }
}
