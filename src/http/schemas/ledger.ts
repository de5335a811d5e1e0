import { z } from 'zod';
import {
  IdSchema,
  KindSchema,
  PartyIdSchema,
  SourceSchema,
  WorldTimeSchema,
  requiredText,
  textField,
} from './common.js';
import { fromNotAfterTo } from './period.js';

export const PartyView = z
  .object({ id: PartyIdSchema, name: z.string(), registeredAt: WorldTimeSchema })
  .meta({ id: 'Party', examples: [{ id: 'UA', name: 'Ukraine', registeredAt: '2025-05-16' }] });

export const RegisterPartyBody = z
  .strictObject({
    id: PartyIdSchema,
    name: requiredText(200),
    occurredAt: WorldTimeSchema.optional().meta({ description: 'Defaults to the time of recording.' }),
    note: textField(5000).optional(),
  })
  .meta({ id: 'RegisterParty', examples: [{ id: 'UA', name: 'Ukraine' }] });

export const PartyParams = z.strictObject({ id: PartyIdSchema });

export const EventView = z
  .object({
    sequence: z.int().meta({ description: 'Position in the whole ledger (1, 2, …).' }),
    id: IdSchema,
    streamId: z.string().meta({ description: 'The exchange id, or `party:<id>` for a registration.' }),
    version: z.int().meta({ description: 'Position within its stream.' }),
    type: z.string().meta({ example: 'StageRecorded' }),
    data: z.record(z.string(), z.unknown()),
    occurredAt: WorldTimeSchema,
    recordedAt: z.string(),
    principal: z.string().meta({ description: 'Who wrote it: an API key id, `master`, or `dev` without auth.' }),
    source: SourceSchema.nullable(),
    note: z.string().nullable(),
    prevHash: z.string(),
    hash: z
      .string()
      .meta({ description: 'SHA-256(prevHash ‖ RFC 8785 canonical JSON of the event without hash), hex.' }),
    unacceptedText: z
      .array(
        z.object({
          path: z
            .string()
            .meta({ description: 'The field, dotted from the event (`source.url`, `note`, `data.title`).' }),
          message: z.string(),
          shown: z
            .enum(['as recorded', 'normalised', 'left out'])
            .meta({ description: 'What this answer shows in its place.' }),
        }),
      )
      .optional()
      .meta({
        description:
          'Present only on an event, written by an earlier build, that holds text this one would not accept. ' +
          'A URL that is no RFC 3986 URI is shown normalised, or left out when it cannot be; other text as recorded. ' +
          'So this answer is not what the hash covers: the NDJSON export has the event as recorded.',
      }),
  })
  .meta({ id: 'Event' });

/** A source exactly as an event holds it: whatever an earlier build recorded. */
const RecordedSource = z
  .strictObject({ title: z.string(), url: z.string().optional(), publishedAt: z.string().optional() })
  .meta({
    id: 'RecordedSource',
    description: 'A source as recorded (an earlier build recorded URLs as they were sent).',
  });

/** One line of the NDJSON export: the event as recorded, which its hash covers (and what import takes). */
export const ExportedEvent = EventView.omit({ unacceptedText: true })
  .extend({ source: RecordedSource.nullable() })
  .meta({ id: 'ExportedEvent', description: 'One event per line, as recorded: what its hash covers.' });

export const EventPage = z
  .object({
    data: z.array(EventView),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `after`; null when nothing more is recorded yet.' }),
  })
  .meta({ id: 'EventPage' });

export const EventsQuery = z.strictObject({
  after: z.coerce.number().int().min(0).default(0).meta({ description: 'Sequence of the last event already read.' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const stageCount = (description: string) => z.int().min(0).meta({ description });

export const TotalsRow = z
  .object({
    party: PartyIdSchema,
    kind: KindSchema,
    handedOver: z.int().min(0).meta({ description: 'The disclosed counts this party handed over, under the reading.' }),
    received: z.int().min(0).meta({ description: 'The disclosed counts the other party handed to this one.' }),
    agreedOutstanding: z.int().min(0),
    unspecifiedSides: z.int().min(0),
    proposed: z.int().min(0),
    handedOverUndisclosedStages: stageCount(
      'Stages this party carried out with no count disclosed under the reading: handedOver leaves them out.',
    ),
    receivedUndisclosedStages: stageCount(
      'Stages the other party carried out with no count disclosed under the reading: received leaves them out.',
    ),
    handedOverApproximate: stageCount('The part of handedOver that comes from approximate counts ("about 250").'),
    receivedApproximate: stageCount('The part of received that comes from approximate counts.'),
  })
  .meta({ id: 'TotalsRow' });

const Rows = z.array(TotalsRow);

export const Filing = z.enum(['kind', 'exchange']).meta({
  id: 'Filing',
  description:
    "`kind`: a side's count is filed under its breakdown's kinds where the account gives one (51 civilians inside a POW swap count as civilians), the rest under the exchange's kind. `exchange`: all of it under the exchange's kind.",
});

export const TotalsView = z
  .object({
    reading: z.string().nullable().meta({
      description:
        "The reading `data` is under: null = the default (each stage's first account), else the reporter's id (its figures, falling back side by side to the first account's). With according=each: null, and `readings` has every reporter's.",
    }),
    by: Filing,
    data: Rows.meta({
      description: 'One row per party and kind under `reading`. Rows whose figures are all zero are left out.',
    }),
    readings: z
      .array(
        z.object({
          reporter: PartyIdSchema.meta({ description: 'A reporter that has given any account (terms or stages).' }),
          data: Rows,
        }),
      )
      .optional()
      .meta({
        description:
          'Only with according=each: one row set per reporter that has given any account, in the order of its first, for "how far apart are their figures?". With asOf, a reporter whose accounts all came later reads as the default does.',
      }),
  })
  .meta({
    id: 'Totals',
    description:
      'A total is never silently short: `…UndisclosedStages` say how many stages its handedOver and received leave out for want of a number.',
    examples: [
      {
        reading: null,
        by: 'kind',
        data: [
          {
            party: 'UA',
            kind: 'pow',
            handedOver: 1000,
            received: 1000,
            agreedOutstanding: 0,
            unspecifiedSides: 0,
            proposed: 0,
            handedOverUndisclosedStages: 0,
            receivedUndisclosedStages: 1,
            handedOverApproximate: 0,
            receivedApproximate: 0,
          },
        ],
      },
    ],
  });

export const TotalsQuery = z
  .strictObject({
    according: PartyIdSchema.optional().meta({
      description:
        "Which figure counts: a registered reporter's (party or observer) figure for each side of each stage, falling back side by side to the stage's first account where it gave none (and its account of the standing terms where it gave one); `each` = every reporter's totals side by side (`readings`). Absent: each stage's first account. An id that names no registered reporter is refused (400).",
      example: 'UA',
    }),
    by: Filing.default('kind'),
    asOf: WorldTimeSchema.optional().meta({
      description:
        'The figures as the ledger stood at this world time: events with occurredAt ≤ asOf (a date means the end of that day), where a transition counts from no earlier than the transitions before it and a stage from no earlier than the agreement (a bare date does not precede an instant of its day).',
    }),
    party: PartyIdSchema.optional(),
    kind: KindSchema.optional(),
    from: WorldTimeSchema.optional().meta({
      description: 'Count only stages on or after this time. Later than `to` is refused (400).',
    }),
    to: WorldTimeSchema.optional().meta({
      description: 'Count only stages on or before this time (a date means the whole day).',
    }),
  })
  .superRefine(fromNotAfterTo);

export const LedgerHeadView = z
  .object({
    sequence: z.int().min(0).meta({ description: 'Sequence of the last event (0 for an empty ledger).' }),
    hash: z.string().meta({ description: 'Its hash; 64 zeros for an empty ledger.' }),
    eventId: z.string().nullable(),
    recordedAt: z.string().nullable(),
  })
  .meta({ id: 'LedgerHead' });

export const VerifyView = z
  .object({
    ok: z.boolean(),
    events: z.int().meta({ description: 'Events whose chain link was checked.' }),
    head: LedgerHeadView,
    firstDifference: z
      .union([
        z.object({ kind: z.literal('event'), sequence: z.int(), eventId: z.string(), detail: z.string() }),
        z.object({ kind: z.literal('read-model'), table: z.string(), key: z.string(), detail: z.string() }),
      ])
      .optional()
      .meta({ description: 'Where the record and the recomputation first disagree (absent when ok).' }),
    unacceptedText: z
      .object({
        events: z.int().min(1).meta({ description: 'How many events hold such text.' }),
        first: z
          .array(z.object({ sequence: z.int(), eventId: z.string(), path: z.string(), message: z.string() }))
          .meta({ description: 'The first fields (at most 20), in ledger order.' }),
      })
      .optional()
      .meta({
        description:
          'Events that hold text this build would not accept (written by an earlier one, or into the file ' +
          'directly): their hashes cover what they hold, so this is no difference and `ok` does not depend on it; the ' +
          'JSON pages of events show them safely and flag them (`unacceptedText`). Absent when there is none.',
      }),
  })
  .meta({ id: 'VerifyReport' });
