import type { ReporterId, SideAccount, StageAccount, TermsAccount } from './accounts.js';
import type { EventData, ExchangeEventData, NewEvent, PartyEventData, Provenance, RecordedEvent } from './events.js';
import type { Kind, PartyId } from './vocabulary.js';

/**
 * The facts "the record as it was reported" adds. They are NEW event types beside the old
 * ones, never new shapes of them: every ledger written before keeps replaying and hashing as
 * it did, and a reader can tell at a glance which rules decided an event. The old events are
 * read through adapters (accounts.ts: a StageRecorded is one unattributed account).
 *
 * - StageReported: a stage recorded with accounts (several, attributed, counts null,
 *   approximate or broken down by kind), or recorded on a completed exchange
 *   (`afterCompletion`). A plain stage on an agreed exchange is still a StageRecorded.
 * - StageAccountAdded: a later account of an existing stage; nothing is replaced. Its source
 *   and note are the event's own (one account per event).
 * - TermsReported: accounts of the terms, right after the ExchangeProposed or
 *   ExchangeCountered of the same command (whose shapes stay as they are); a counter
 *   without them leaves no accounts standing.
 * - ObserverRegistered (stream `observer:<id>`), ClaimRecorded (stream `claim:<id>`).
 */
export type ReportedEventData =
  | {
      type: 'StageReported';
      data: { exchangeId: string; stageId: string; accounts: StageAccount[]; afterCompletion: boolean };
    }
  | {
      type: 'StageAccountAdded';
      data: { exchangeId: string; stageId: string; reportedBy: ReporterId; sides: SideAccount[] };
    }
  | { type: 'TermsReported'; data: { exchangeId: string; accounts: TermsAccount[] } };

/** Every event of an exchange's stream, old and new. */
export type ReportedExchangeEventData = ExchangeEventData | ReportedEventData;

export type ObserverEventData = { type: 'ObserverRegistered'; data: { observerId: ReporterId; name: string } };

export type ClaimField = 'handedOver' | 'received';

export type ClaimEventData = {
  type: 'ClaimRecorded';
  data: {
    claimId: string;
    reportedBy: ReporterId;
    party: PartyId;
    kind: Kind;
    field: ClaimField;
    /** The window the claim speaks of (stages' world time, normalised); null = open. */
    from: string | null;
    to: string | null;
    value: number;
  };
};

/** Every fact of the ledger once the stores know the new types (EventData stays the old union). */
export type LedgerEventData = EventData | ReportedEventData | ObserverEventData | ClaimEventData;

export const REPORTED_EVENTS: ReadonlySet<string> = new Set<ReportedEventData['type']>([
  'StageReported',
  'StageAccountAdded',
  'TermsReported',
]);

export const isReportedEvent = <E extends { type: string }>(
  e: E,
): e is Extract<E, { type: ReportedEventData['type'] }> => REPORTED_EVENTS.has(e.type);

/** An event of any type as a decider emits it (NewEvent, for the new types too). */
export type NewLedgerEvent<E extends LedgerEventData = LedgerEventData> = E & Provenance;

/** What sealing adds: the same ledger fields as RecordedEvent's. */
type LedgerFields = Omit<RecordedEvent<PartyEventData>, keyof NewEvent<PartyEventData>>;

/** An event of any type as the ledger holds it (RecordedEvent, for the new types too). */
export type RecordedLedgerEvent<E extends LedgerEventData = LedgerEventData> = NewLedgerEvent<E> & LedgerFields;
