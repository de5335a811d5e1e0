import type { NewEvent, PartyEventData } from './events.js';
import { accept, refuse, type Decision } from './rejection.js';
import { futureBound, isTooFarInFuture } from './time.js';
import type { PartyId } from './vocabulary.js';

export interface PartyState {
  id: PartyId;
  name: string;
  registeredAt: string;
}

export interface RegisterParty {
  partyId: PartyId;
  name: string;
  occurredAt: string;
  note: string | null;
}

/** A party is registered once; its id is how every exchange names it, so it never changes. */
export function decideRegistration(
  command: RegisterParty,
  existing: PartyState | null,
  now: string,
): Decision<NewEvent<PartyEventData>[]> {
  if (existing) return refuse({ kind: 'party-already-registered', partyId: command.partyId });
  if (isTooFarInFuture(command.occurredAt, now)) {
    return refuse({
      kind: 'unprocessable',
      errors: [
        {
          path: 'occurredAt',
          message: `must not lie more than a day in the future (latest allowed: ${futureBound(now)})`,
        },
      ],
    });
  }
  return accept([
    {
      type: 'PartyRegistered',
      data: { partyId: command.partyId, name: command.name },
      occurredAt: command.occurredAt,
      source: null,
      note: command.note,
    },
  ]);
}

/** The party a PartyRegistered event registers (evolve, for a party's one-event stream). */
export function partyRegistered(event: { data: { partyId: PartyId; name: string }; occurredAt: string }): PartyState {
  return { id: event.data.partyId, name: event.data.name, registeredAt: event.occurredAt };
}
