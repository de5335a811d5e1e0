import type { ReporterId } from './accounts.js';
import { accept, type FieldError } from './rejection.js';
import type { NewLedgerEvent, ObserverEventData } from './reported-events.js';
import { refuseReport, type ReportDecision } from './report-rejection.js';
import { futureBound, isTooFarInFuture } from './time.js';

/**
 * Observers (ICRC, the UN monitoring mission, the press) give accounts as parties do, but are
 * never a side of an exchange. They share the parties' id space so that `reportedBy` and
 * `according=` name a reporter without saying which kind it is, and one id never means two
 * reporters. `each` is taken by the readings (`according=each`), so no observer may be it.
 */
export interface ObserverState {
  id: ReporterId;
  name: string;
  registeredAt: string;
}

export interface RegisterObserver {
  observerId: ReporterId;
  name: string;
  occurredAt: string;
  note: string | null;
}

/** The ids a reading's `according=` cannot name as a reporter. */
export const RESERVED_READING_NAMES: ReadonlySet<string> = new Set(['each']);

const REPORTER_ID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * `taken`: what already holds the id (the shell looks in both registers), else null.
 * Refusals: the id taken (409), then every failing field (422).
 */
export function decideObserverRegistration(
  command: RegisterObserver,
  taken: 'party' | 'observer' | null,
  now: string,
): ReportDecision<NewLedgerEvent<ObserverEventData>[]> {
  if (taken !== null)
    return refuseReport({ kind: 'reporter-already-registered', reporterId: command.observerId, registeredAs: taken });
  const errors: FieldError[] = [];
  if (!REPORTER_ID.test(command.observerId))
    errors.push({ path: 'id', message: 'must be a short slug ([A-Za-z0-9_-]{1,32})' });
  else if (RESERVED_READING_NAMES.has(command.observerId)) {
    errors.push({
      path: 'id',
      message: `"${command.observerId}" is reserved for the readings (according=${command.observerId})`,
    });
  }
  if (command.name.trim().length === 0) errors.push({ path: 'name', message: 'must not be empty' });
  if (isTooFarInFuture(command.occurredAt, now)) {
    errors.push({
      path: 'occurredAt',
      message: `must not lie more than a day in the future (latest allowed: ${futureBound(now)})`,
    });
  }
  if (errors.length) return refuseReport({ kind: 'unprocessable', errors });
  return accept([
    {
      type: 'ObserverRegistered',
      data: { observerId: command.observerId, name: command.name },
      occurredAt: command.occurredAt,
      source: null,
      note: command.note,
    },
  ]);
}

export function observerRegistered(event: {
  data: { observerId: ReporterId; name: string };
  occurredAt: string;
}): ObserverState {
  return { id: event.data.observerId, name: event.data.name, registeredAt: event.occurredAt };
}

export const observerStreamId = (id: ReporterId) => `observer:${id}`;
