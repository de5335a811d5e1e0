import { z } from 'zod';
import { MAX_URL_LENGTH, TEXT_RULE, URL_RULE, recordableUrl, textFault } from '../../domain/text.js';
import { isWorldTime } from '../../domain/time.js';
import { KINDS, MAX_COUNT, STATUSES } from '../../domain/vocabulary.js';

export const PartyIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be an ISO 3166-1 alpha-2 code or a short slug ([A-Za-z0-9_-]{1,32})')
  .meta({ example: 'UA' });

export const KindSchema = z.enum(KINDS).meta({
  id: 'Kind',
  description:
    'What is exchanged: prisoners of war, remains, the severely wounded and sick, detained civilians, children.',
});
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

/*
 * Text and URLs of a request are held to the ledger's one rule (src/domain/text.ts) before
 * anything else sees them: what is accepted can be hashed, stored and read back.
 */
const byTextRule = (value: string, ctx: z.RefinementCtx) => {
  const fault = textFault(value);
  if (fault) ctx.addIssue({ code: 'custom', message: fault });
};

/** Optional free text (a note): the text rule, at most `max` characters. */
export const textField = (max: number) => z.string().superRefine(byTextRule).max(max).meta({ description: TEXT_RULE });

/** Text that must say something (a name, a title, a reason): the text rule, trimmed, 1 to `max` characters. */
export const requiredText = (max: number) =>
  z.string().superRefine(byTextRule).trim().min(1).max(max).meta({ description: TEXT_RULE });

/** A source's URL as the ledger holds and shows it. */
export const RecordedUrl = z.string().max(MAX_URL_LENGTH).meta({
  format: 'uri',
  description: 'An http or https URI (RFC 3986), normalised when it was recorded.',
});

/** A source's URL as a request sends it: refused or normalised by the rule, then recorded. */
const SourceUrl = z
  .string()
  .max(MAX_URL_LENGTH)
  .meta({ description: URL_RULE })
  .transform((value, ctx) => {
    const verdict = recordableUrl(value);
    if (verdict.ok) return verdict.url;
    ctx.addIssue({ code: 'custom', message: verdict.message });
    return z.NEVER;
  })
  .pipe(RecordedUrl);

export const SourceSchema = z
  .strictObject({
    title: requiredText(500),
    url: SourceUrl.optional(),
    publishedAt: WorldTimeSchema.optional(),
  })
  .meta({ id: 'Source', description: 'Where the claim comes from.' });

/** Fields every recording command may carry. */
export const provenanceFields = {
  occurredAt: WorldTimeSchema,
  source: SourceSchema.optional(),
  note: textField(5000).optional(),
};

export const reasonField = requiredText(2000);

export const TermsSchema = z
  .strictObject({
    party: PartyIdSchema,
    handsOver: CountSchema.nullable().meta({
      description: 'Persons this party hands over; null = not specified (e.g. "all severely wounded").',
    }),
  })
  .meta({ id: 'Terms' });

export const HandoverSchema = z.strictObject({ party: PartyIdSchema, count: CountSchema }).meta({ id: 'Handover' });

export const IdSchema = z.string().min(1).max(64).meta({ description: 'Opaque, time-ordered id (UUIDv7)' });
