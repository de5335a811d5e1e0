import { TRANSITION_EVENTS, type ExchangeEventData, type RecordedEvent } from './events.js';
import { laterOf } from './time.js';

/**
 * The events of one exchange that were in force at world time T (normalised, inclusive).
 *
 * An event's own occurredAt is not enough: the time rules compare by day when a date is bare,
 * so a counter dated "16 May" may follow a proposal at 15:00 on 16 May, and a stage dated
 * "2 June" may follow an agreement at 15:00 on 2 June. A transition is in force from the
 * latest transition time so far (the bound the terms history keeps); a stage from the later
 * of its own date and the agreement's. Stages among themselves keep their own dates
 * (back-filled tranches are normal); a void counts from its own date, or from its stage's if
 * that is later (the totals come out the same: a void only matters while its stage counts).
 */
export function eventsInForceAt<E extends RecordedEvent<ExchangeEventData>>(events: readonly E[], t: string): E[] {
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
    } else if (e.type === 'StageRecorded') {
      from = laterOf(agreedFrom ?? '', e.occurredAt);
      stageFrom.set(e.data.stageId, from);
    } else if (e.type === 'StageVoided') {
      from = laterOf(stageFrom.get(e.data.stageId) ?? '', e.occurredAt);
    }
    if (from <= t) inForce.push(e);
  }
  return inForce;
}
