import type { ExchangeState } from '../../domain/exchange.js';
import { stageStateOf } from '../../domain/reported-stage.js';
import type { ExchangeChange } from '../ledger-store.js';
import type { Db } from './connection.js';
import { statementsFor } from './statements.js';

/**
 * Brings the read models up to date with one command's change to an exchange. Runs inside
 * the transaction that appended its events, so readers never see one without the other.
 */
export function projectExchange(db: Db, change: ExchangeChange): void {
  const { appended } = change;
  const before = change.before?.state ?? null;
  const after = change.after.state;
  const st = statementsFor(db);
  const row = {
    id: after.id,
    status: after.status,
    version: after.version,
    state: JSON.stringify(after),
    readings: JSON.stringify(change.after.readings),
  };
  if (before === null) {
    const seq = appended[0]!.sequence;
    st.insertExchange.run({ ...row, seq, kind: after.kind, occurredAt: after.occurredAt });
    for (const side of after.sides) {
      st.insertExchangeParty.run({ party: side.party, exchangeId: after.id, occurredAt: after.occurredAt, seq });
    }
  } else if (before.status === after.status) {
    st.updateExchangeState.run(row);
  } else {
    st.updateExchange.run(row);
  }

  for (const { stage: reported, sequence } of change.recorded) {
    const stage = stageStateOf(reported);
    const [a, b] = stage.sides;
    st.insertStage.run({
      stageId: stage.id,
      exchangeId: after.id,
      kind: after.kind,
      partyA: a!.party,
      countA: a!.count,
      partyB: b!.party,
      countB: b!.count,
      occurredAt: stage.occurredAt,
      sequence,
      recordedAt: stage.recordedAt,
    });
    st.insertStageReport.run({ stageId: stage.id, exchangeId: after.id, sequence, stage: JSON.stringify(reported) });
  }
  for (const stage of change.changed) st.updateStageReport.run({ stageId: stage.id, stage: JSON.stringify(stage) });
  for (const v of change.voided) {
    st.voidStage.run({
      voidedAt: v.occurredAt,
      voidRecordedAt: v.recordedAt,
      voidReason: v.reason,
      stageId: v.stageId,
      exchangeId: after.id,
    });
  }
  if (change.termsChanged) recordTerms(db, before, after);
  for (const d of change.totals) st.addToTotals.run({ ...d });
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

/**
 * Closes the terms in force and opens the new ones at the transition's world time (the
 * exchange's lastTransitionAt, which never moves back, so the intervals stay in order).
 */
function recordTerms(db: Db, before: ExchangeState | null, after: ExchangeState): void {
  const st = statementsFor(db);
  const from = after.lastTransitionAt;
  if (before) st.closeTerms.run({ validTo: from, exchangeId: after.id });
  for (const side of after.sides) {
    st.insertTerms.run({
      exchangeId: after.id,
      party: side.party,
      kind: after.kind,
      version: after.version,
      status: after.status,
      handsOver: side.handsOver,
      validFrom: from,
    });
  }
}
