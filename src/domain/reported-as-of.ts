import { TRANSITION_EVENTS } from './events.js';
import type { RecordedLedgerEvent, ReportedExchangeEventData } from './reported-events.js';
import { laterOf } from './time.js';

/**
 * eventsInForceAt (as-of.ts) for streams that hold the new events too; on a stream of old
 * events only, it keeps exactly the same events. The new ones follow the same idea, that
 * nothing is in force before what it depends on:
 * - TermsReported, from its transition's time (it is part of the same command);
 * - StageReported, as a stage: from the later of its date and the agreement's; a late stage
 *   (afterCompletion) from the later of its date and the completion's;
 * - StageAccountAdded, as a void: from the later of its own date and its stage's.
 */
export function reportedEventsInForceAt<E extends RecordedLedgerEvent<ReportedExchangeEventData>>(
  events: readonly E[],
  t: string,
): E[] {
  let transitionsUpTo = '';
  let agreedFrom: string | null = null;
  const stageFrom = new Map<string, string>();
  const inForce: E[] = [];
  for (const e of events) {
    let from = e.occurredAt;
    if (TRANSITION_EVENTS.has(e.type)) {
      transitionsUpTo = laterOf(transitionsUpTo, e.occurredAt);
      from = transitionsUpTo;
      if (e.type === 'ExchangeAgreed') agreedFrom = from;
    } else if (e.type === 'TermsReported') {
      from = laterOf(transitionsUpTo, e.occurredAt);
    } else if (e.type === 'StageRecorded' || e.type === 'StageReported') {
      const after = e.type === 'StageReported' && e.data.afterCompletion ? transitionsUpTo : (agreedFrom ?? '');
      from = laterOf(after, e.occurredAt);
      stageFrom.set(e.data.stageId, from);
    } else if (e.type === 'StageVoided' || e.type === 'StageAccountAdded') {
      from = laterOf(stageFrom.get(e.data.stageId) ?? '', e.occurredAt);
    }
    if (from <= t) inForce.push(e);
  }
  return inForce;
}
