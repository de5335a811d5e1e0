import type { Handover, Kind, PartyId, Source, Terms } from './vocabulary.js';

/**
 * The facts of the ledger. Each is immutable once recorded; the state of an exchange is the
 * fold of its events, and a correction is a new event (StageVoided), never an edit.
 */
export type ExchangeEventData =
  | {
      type: 'ExchangeProposed';
      data: {
        exchangeId: string;
        kind: Kind;
        proposedBy: PartyId;
        sides: Terms[];
        title: string | null;
        mediator: string | null;
      };
    }
  | { type: 'ExchangeCountered'; data: { exchangeId: string; by: PartyId; sides: Terms[] } }
  | { type: 'ExchangeAgreed'; data: { exchangeId: string; by: PartyId } }
  | { type: 'ExchangeRejected'; data: { exchangeId: string; by: PartyId; reason: string | null } }
  | { type: 'ExchangeWithdrawn'; data: { exchangeId: string; by: PartyId; reason: string | null } }
  | { type: 'ExchangeCancelled'; data: { exchangeId: string; by: PartyId; reason: string | null } }
  | { type: 'StageRecorded'; data: { exchangeId: string; stageId: string; sides: Handover[] } }
  | { type: 'StageVoided'; data: { exchangeId: string; stageId: string; reason: string } }
  | { type: 'ExchangeCompleted'; data: { exchangeId: string; finalStageId: string | null } };

export type PartyEventData = { type: 'PartyRegistered'; data: { partyId: PartyId; name: string } };

export type EventData = ExchangeEventData | PartyEventData;

/** The events that move an exchange through the state machine (not its stages). */
export const TRANSITION_EVENTS: ReadonlySet<string> = new Set<ExchangeEventData['type']>([
  'ExchangeProposed',
  'ExchangeCountered',
  'ExchangeAgreed',
  'ExchangeRejected',
  'ExchangeWithdrawn',
  'ExchangeCancelled',
  'ExchangeCompleted',
]);

/** Every event of an exchange's stream. */
export const EXCHANGE_EVENTS: ReadonlySet<string> = new Set<ExchangeEventData['type']>([
  ...(TRANSITION_EVENTS as ReadonlySet<ExchangeEventData['type']>),
  'StageRecorded',
  'StageVoided',
]);
export type EventType = EventData['type'];

/** What every fact carries besides its data: when it happened in the world, and the source. */
export interface Provenance {
  occurredAt: string;
  source: Source | null;
  note: string | null;
}

/** An event as the decider emits it, before the store gives it a place in the ledger. */
export type NewEvent<E extends EventData = EventData> = E & Provenance;

/** An event as the ledger holds it. */
export type RecordedEvent<E extends EventData = EventData> = NewEvent<E> & {
  sequence: number;
  id: string;
  streamId: string;
  version: number;
  recordedAt: string;
  principal: string;
  prevHash: string;
  hash: string;
};
