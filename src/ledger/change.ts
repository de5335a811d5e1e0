import { TRANSITION_EVENTS, type ExchangeEventData, type RecordedEvent } from '../domain/events.js';
import { evolveState, stageRecorded, type ExchangeState, type StageState } from '../domain/exchange.js';
import { totalsDelta } from '../domain/totals.js';
import type { ExchangeChange } from '../store/ledger-store.js';

/**
 * Folds an exchange's newly appended events into its state and says what the read models
 * must record of them. Pure: the stages a void needs (`concerned`) were loaded beforehand.
 */
export function changeOf(
  before: ExchangeState | null,
  appended: readonly RecordedEvent<ExchangeEventData>[],
  concerned: readonly StageState[],
): ExchangeChange {
  let state = before;
  for (const e of appended) {
    const voided = e.type === 'StageVoided' ? concerned.find((s) => s.id === e.data.stageId) : undefined;
    state = evolveState(state, e, voided);
  }
  const after = state!;
  const recorded: ExchangeChange['recorded'][number][] = [];
  const voided: ExchangeChange['voided'][number][] = [];
  for (const e of appended) {
    if (e.type === 'StageRecorded') recorded.push({ stage: stageRecorded(after, e), sequence: e.sequence });
    if (e.type === 'StageVoided') {
      voided.push({
        stageId: e.data.stageId,
        occurredAt: e.occurredAt,
        recordedAt: e.recordedAt,
        reason: e.data.reason,
      });
    }
  }
  return {
    before,
    after,
    appended,
    recorded,
    voided,
    termsChanged: appended.some((e) => TRANSITION_EVENTS.has(e.type)),
    totals: totalsDelta(before, after),
  };
}
