import { z } from 'zod';

export const EventStreamQuery = z.strictObject({
  after: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .meta({
      description:
        'Sequence of the last event already read (0, the default, sends the whole ledger first). A `Last-Event-ID` ' +
        'header wins over it, so that a reconnecting EventSource resumes where it stopped and not where it first ' +
        'began.',
    }),
});

export const EventStreamHeaders = z.object({
  'last-event-id': z
    .string()
    .regex(/^\d{0,15}$/, 'must be the id of an event this feed sent: a sequence number')
    .optional()
    .meta({
      description:
        'The id of the last event received: EventSource sends it by itself when it reconnects. ' +
        'Resumes after that event.',
    }),
});

export const EventStreamBody = z.string().meta({
  description: [
    'Server-Sent Events, one per ledger event, oldest first, then live as they are recorded:',
    '`id:` the event’s sequence, `event:` its type (PartyRegistered, ExchangeProposed, StageRecorded, …),',
    '`data:` the event as one line of JSON, exactly as an item of GET /v1/events (schema Event).',
    'Lines starting with `:` are heartbeats. The stream ends when the service stops: reconnect,',
    'sending the last id as `Last-Event-ID` (EventSource does both), to go on with nothing skipped or repeated.',
  ].join(' '),
  example: [
    'retry: 2000',
    '',
    'id: 1',
    'event: PartyRegistered',
    'data: {"sequence":1,"type":"PartyRegistered",…}',
    '',
    ': heartbeat',
    '',
    '',
  ].join('\n'),
});
