import type { ExchangeChange } from '../ledger-store.js';
import type { Db } from './connection.js';
import { statementsFor } from './statements.js';

/**
 * Brings the read models up to date with one command's change to an exchange. Runs inside
 * the transaction that appended its events, so readers never see one without the other.
 */
export function projectExchange(db: Db, change: ExchangeChange): void {
  const { appended } = change;
  const after = change.after.state;
  const st = statementsFor(db);
  const row = {
    id: after.id,
    status: after.status,
    version: after.version,
    state: JSON.stringify(after),
    readings: JSON.stringify(change.after.readings),
  };
  if (change.before === null) {
    const seq = appended[0]!.sequence;
    st.insertExchange.run({ ...row, seq, kind: after.kind, occurredAt: after.occurredAt });
    for (const side of after.sides) {
      st.insertExchangeParty.run({ party: side.party, exchangeId: after.id, occurredAt: after.occurredAt, seq });
    }
  } else if (change.before.state.status === after.status) {
    st.updateExchangeState.run(row);
  } else {
    st.updateExchange.run(row);
  }

  for (const { stage, sequence } of change.recorded)
    st.insertStageReport.run({ stageId: stage.id, exchangeId: after.id, sequence, stage: JSON.stringify(stage) });
  for (const stage of change.changed) st.updateStageReport.run({ stageId: stage.id, stage: JSON.stringify(stage) });
  projectReadings(db, change);
}

/** Every reading's rows (reading-totals.ts), the stages' dated rows, and the reporters heard from. */
function projectReadings(db: Db, change: ExchangeChange): void {
  const st = statementsFor(db);
  for (const r of change.rows) st.addToReadingTotals.run({ ...r });
  // A stage recorded by this command has no rows yet: only a changed one's are replaced.
  const fresh = new Set(change.recorded.map((r) => r.stage.id));
  for (const s of change.stageRows) {
    if (!fresh.has(s.stageId)) st.deleteStageRows.run({ stageId: s.stageId });
    for (const r of s.rows) {
      st.insertStageRow.run({
        stageId: s.stageId,
        exchangeId: s.exchangeId,
        occurredAt: s.occurredAt,
        filing: r.filing,
        reading: r.reading,
        party: r.party,
        kind: r.kind,
        handedOver: r.handedOver,
        received: r.received,
        handedOverUndisclosedStages: r.handedOverUndisclosedStages,
        receivedUndisclosedStages: r.receivedUndisclosedStages,
        handedOverApproximate: r.handedOverApproximate,
        receivedApproximate: r.receivedApproximate,
      });
    }
  }
  const firstSequence = change.appended[0]!.sequence;
  for (const id of change.newReporters) st.insertReporter.run({ id, firstSequence });
}
