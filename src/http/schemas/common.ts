import { z } from 'zod';
import { isWorldTime } from '../../domain/time.js';
import { KINDS, MAX_COUNT, STATUSES } from '../../domain/vocabulary.js';

export const PartyIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be an ISO 3166-1 alpha-2 code or a short slug ([A-Za-z0-9_-]{1,32})')
  .meta({ example: 'UA' });

export const KindSchema = z.enum(KINDS).meta({ id: 'Kind', description: 'What is exchanged: prisoners of war, remains, the severely wounded and sick, detained civilians, children.' });
export const StatusSchema = z.enum(STATUSES).meta({ id: 'Status' });

export const CountSchema = z
  .int('must be a whole number')
  .min(0, 'must not be negative')
  .max(MAX_COUNT, `must be below 10⁷`)
  .meta({ example: 390 });

export const WorldTimeSchema = z
  .string()
  .refine(isWorldTime, 'must be an ISO 8601 date (2025-05-23) or date-time with offset (2025-05-23T14:00:00Z)')
  .meta({ description: 'World time: an ISO 8601 date or date-time with offset.', example: '2025-05-23' });

export const SourceSchema = z
  .strictObject({
    title: z.string().trim().min(1).max(500),
    url: z.url({ protocol: /^https?$/ }).max(2000).optional(),
    publishedAt: WorldTimeSchema.optional(),
  })
  .meta({ id: 'Source', description: 'Where the claim comes from.' });

/** Fields every recording command may carry. */
export const provenanceFields = {
  occurredAt: WorldTimeSchema,
  source: SourceSchema.optional(),
  note: z.string().max(5000).optional(),
};

export const reasonField = z.string().trim().min(1).max(2000);

export const TermsSchema = z
  .strictObject({
    party: PartyIdSchema,
    handsOver: CountSchema.nullable().meta({ description: 'Persons this party hands over; null = not specified (e.g. "all severely wounded").' }),
  })
  .meta({ id: 'Terms' });

export const HandoverSchema = z.strictObject({ party: PartyIdSchema, count: CountSchema }).meta({ id: 'Handover' });

export const IdSchema = z.string().min(1).max(64).meta({ description: 'Opaque, time-ordered id (UUIDv7)' });
