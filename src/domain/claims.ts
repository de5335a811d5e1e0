import type { ReporterId } from './accounts.js';
import { accept, type FieldError } from './rejection.js';
import type { ReadingFigures } from './reading-totals.js';
import type { Reading } from './readings.js';
import { refuseReport, type ReportDecision } from './report-rejection.js';
import type { ClaimEventData, ClaimField, NewLedgerEvent } from './reported-events.js';
import { futureBound, isTooFarInFuture, lowerBoundOf, precedes, upperBoundOf } from './time.js';
import { KINDS, type Kind, type PartyId, type Source } from './vocabulary.js';

/**
 * Claims checked against the ledger. A claim is a sourced statement about an aggregate
 * ("Russia has handed over 16,483 bodies since January 2025"); the ledger records it as
 * said, as an event like any other, and checks it against its own figure for the same window
 * under every reading, never deciding who is right. A claim speaks of the time up to when it
 * was made, so a window left open at the end closes at the claim's own date; a window that
 * reaches past it would speak of handovers not yet made, and is refused.
 */

export interface RecordClaim {
  /** A fresh id made by the shell. */
  claimId: string;
  reportedBy: ReporterId;
  party: PartyId;
  kind: Kind;
  field: ClaimField;
  from: string | null;
  to: string | null;
  value: number;
  occurredAt: string;
  source: Source | null;
  note: string | null;
}

export interface ClaimContext {
  now: string;
  /** Which of the reporters the claim names are registered (parties or observers). */
  registeredReporters: ReadonlySet<ReporterId>;
  /** Which of the parties the claim names are registered as parties. */
  registeredParties: ReadonlySet<PartyId>;
}

export type Claim = ClaimEventData['data'] & { occurredAt: string; source: Source | null; note: string | null };

/** Every failing field at once (422). */
export function decideClaim(command: RecordClaim, ctx: ClaimContext): ReportDecision<NewLedgerEvent<ClaimEventData>[]> {
  const errors: FieldError[] = [];
  if (!ctx.registeredReporters.has(command.reportedBy)) {
    errors.push({
      path: 'reportedBy',
      message: `reporter ${command.reportedBy} is not registered (as a party or an observer)`,
    });
  }
  if (!ctx.registeredParties.has(command.party))
    errors.push({ path: 'party', message: `party ${command.party} is not registered` });
  if (!(KINDS as readonly string[]).includes(command.kind))
    errors.push({ path: 'kind', message: `must be one of ${KINDS.join(', ')}` });
  if (command.field !== 'handedOver' && command.field !== 'received')
    errors.push({ path: 'field', message: 'must be handedOver or received' });
  if (!Number.isSafeInteger(command.value) || command.value < 0)
    errors.push({ path: 'value', message: 'must be a whole number ≥ 0' });
  if (isTooFarInFuture(command.occurredAt, ctx.now)) {
    errors.push({
      path: 'occurredAt',
      message: `must not lie more than a day in the future (latest allowed: ${futureBound(ctx.now)})`,
    });
  }
  for (const bound of ['from', 'to'] as const) {
    const t = command[bound];
    if (t !== null && precedes(command.occurredAt, t)) {
      errors.push({
        path: bound,
        message: `must not lie after the claim was made (${command.occurredAt}): a claim speaks of what has happened`,
      });
    }
  }
  if (command.from !== null && command.to !== null && precedes(command.to, command.from)) {
    errors.push({ path: 'to', message: `must not precede from (${command.from})` });
  }
  if (command.source === null) errors.push({ path: 'source', message: 'a claim must cite its source' });
  if (errors.length) return refuseReport({ kind: 'unprocessable', errors });
  const { claimId, reportedBy, party, kind, field, from, to, value } = command;
  return accept([
    {
      type: 'ClaimRecorded',
      data: { claimId, reportedBy, party, kind, field, from, to, value },
      occurredAt: command.occurredAt,
      source: command.source,
      note: command.note,
    },
  ]);
}

export const claimStreamId = (id: string) => `claim:${id}`;

/** The totals query a claim is checked against: the party and kind, its stages' window as inclusive bounds. */
export function claimWindow(claim: Pick<Claim, 'party' | 'kind' | 'from' | 'to' | 'occurredAt'>): {
  party: PartyId;
  kind: Kind;
  from?: string;
  to: string;
} {
  return {
    party: claim.party,
    kind: claim.kind,
    ...(claim.from !== null ? { from: lowerBoundOf(claim.from) } : {}),
    to: upperBoundOf(claim.to ?? claim.occurredAt),
  };
}

/** A claim beside the ledger's figure under one reading. */
export interface ClaimCheck {
  reading: Reading;
  /** The ledger's figure for the claim's field, party, kind and window. */
  ledger: number;
  /** claim − ledger: positive when the claim says more than the ledger holds. */
  difference: number;
  /** Stages in the window counted with no number under this reading: the ledger's figure leaves them out. */
  undisclosedStages: number;
  /** The part of the ledger's figure that comes from approximate counts. */
  approximate: number;
}

/**
 * The claim beside each reading's figure. `figures`: the totals row of the claim's party and
 * kind in its window (claimWindow) under each reading the caller shows; a reading with no row
 * has nothing in that window (0).
 */
export function checkClaim(
  claim: Pick<Claim, 'field' | 'value'>,
  figures: ReadonlyMap<Reading, ReadingFigures | undefined>,
): ClaimCheck[] {
  return [...figures].map(([reading, f]) => {
    const ledger = f ? f[claim.field] : 0;
    const undisclosedStages = f
      ? claim.field === 'handedOver'
        ? f.handedOverUndisclosedStages
        : f.receivedUndisclosedStages
      : 0;
    const approximate = f ? (claim.field === 'handedOver' ? f.handedOverApproximate : f.receivedApproximate) : 0;
    return { reading, ledger, difference: claim.value - ledger, undisclosedStages, approximate };
  });
}
