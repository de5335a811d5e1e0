import { z } from 'zod';
import { IdSchema, KindSchema, PartyIdSchema, SourceSchema, WorldTimeSchema, textField } from './common.js';
import { fromNotAfterTo } from './period.js';

const ClaimField = z.enum(['handedOver', 'received']).meta({
  id: 'ClaimField',
  description: 'Which total the claim speaks of: what the party handed over, or what it received.',
});

export const RecordClaimBody = z
  .strictObject({
    reportedBy: PartyIdSchema.meta({ description: 'Who makes the claim: a registered party or observer.' }),
    party: PartyIdSchema.meta({ description: 'The party whose total the claim is about.' }),
    kind: KindSchema,
    field: ClaimField,
    from: WorldTimeSchema.optional().meta({ description: 'The claim speaks of stages on or after this time.' }),
    to: WorldTimeSchema.optional().meta({
      description:
        'The claim speaks of stages on or before this time (a date means the whole day). Absent: up to when the claim was made (occurredAt). Neither may lie after occurredAt (422).',
    }),
    value: z.int('must be a whole number').min(0, 'must not be negative').meta({ example: 16483 }),
    source: SourceSchema,
    occurredAt: WorldTimeSchema.meta({ description: 'When the claim was made (published, announced).' }),
    note: textField(5000).optional(),
  })
  .superRefine(fromNotAfterTo)
  .meta({
    id: 'RecordClaim',
    examples: [
      {
        reportedBy: 'press',
        party: 'RU',
        kind: 'remains',
        field: 'handedOver',
        from: '2025-01-01',
        value: 16483,
        source: { title: 'Kommersant', publishedAt: '2025-11-20' },
        occurredAt: '2025-11-20',
      },
    ],
  });

export const ClaimCheck = z
  .object({
    reading: z.string().nullable().meta({
      description: "The reading: null = the default (each stage's first account), else the reporter's id.",
    }),
    ledger: z.int().min(0).meta({
      description: "The ledger's figure for the claim's field, party and kind in its window, under the reading.",
    }),
    difference: z
      .int()
      .meta({ description: 'value − ledger: positive when the claim says more than the ledger holds.' }),
    undisclosedStages: z.int().min(0).meta({
      description:
        "Stages in the window counted with no number under the reading: the ledger's figure leaves them out.",
    }),
    approximate: z
      .int()
      .min(0)
      .meta({ description: "The part of the ledger's figure that comes from approximate counts." }),
  })
  .meta({ id: 'ClaimCheck' });

export const ClaimView = z
  .object({
    id: IdSchema,
    reportedBy: PartyIdSchema,
    party: PartyIdSchema,
    kind: KindSchema,
    field: ClaimField,
    from: WorldTimeSchema.nullable().meta({ description: 'Start of the window the claim speaks of; null = open.' }),
    to: WorldTimeSchema.nullable().meta({
      description: "End of the window as the claim gave it; null = up to the claim's own date.",
    }),
    value: z.int().min(0),
    occurredAt: WorldTimeSchema,
    recordedAt: z.string(),
    source: SourceSchema.nullable(),
    note: z.string().nullable(),
    checks: z.array(ClaimCheck).meta({
      description:
        'The claim beside the ledger as it stands now, for its window (from, to or else occurredAt; stages by their date) and filed by kind (by=kind): first under the default reading (reading null), then under each reporter that has given any account. The claim is recorded as said; the ledger picks no side.',
    }),
  })
  .meta({ id: 'Claim' });

export const ClaimPage = z
  .object({
    data: z.array(ClaimView),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null at the end.' }),
  })
  .meta({ id: 'ClaimPage' });

export const ClaimListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .regex(/^\d{1,15}$/, 'not a cursor this service issued')
    .optional()
    .meta({ description: 'The nextCursor of the page before: claims in the order they were recorded.' }),
});

export const ClaimParams = z.strictObject({ id: IdSchema });
