import { z } from 'zod';
import { ACTIONS } from '../../domain/vocabulary.js';
import {
  CountSchema,
  HandoverSchema,
  IdSchema,
  KindSchema,
  PartyIdSchema,
  StatusSchema,
  TermsSchema,
  WorldTimeSchema,
  provenanceFields,
  reasonField,
  requiredText,
} from './common.js';
import { fromNotAfterTo } from './period.js';

/*
 * Examples come from a real case: the 1,000-for-1,000 prisoner exchange agreed at the
 * Istanbul talks of 16 May 2025 and carried out in three stages (390, 307 and 303 each way)
 * on 23, 24 and 25 May 2025.
 */

const twoSides = z.array(TermsSchema).length(2, 'an exchange is between exactly two parties');
const stageSides = z.array(HandoverSchema).min(1, 'name at least one party').max(2, 'an exchange has two parties');

export const ProposeBody = z
  .strictObject({
    kind: KindSchema,
    proposedBy: PartyIdSchema,
    sides: twoSides,
    title: requiredText(500).optional(),
    mediator: requiredText(500).optional(),
    ...provenanceFields,
  })
  .meta({
    id: 'ProposeExchange',
    examples: [
      {
        kind: 'pow',
        proposedBy: 'UA',
        title: '1,000 for 1,000',
        mediator: 'Türkiye',
        sides: [
          { party: 'UA', handsOver: 1000 },
          { party: 'RU', handsOver: 1000 },
        ],
        occurredAt: '2025-05-16',
        source: { title: 'Istanbul talks, 16 May 2025' },
      },
    ],
  });

export const CounterBody = z.strictObject({ by: PartyIdSchema, sides: twoSides, ...provenanceFields }).meta({
  id: 'CounterExchange',
  examples: [
    {
      by: 'RU',
      sides: [
        { party: 'UA', handsOver: 1000 },
        { party: 'RU', handsOver: 1000 },
      ],
      occurredAt: '2025-05-16',
    },
  ],
});

export const AgreeBody = z.strictObject({ by: PartyIdSchema, ...provenanceFields }).meta({
  id: 'AgreeExchange',
  examples: [{ by: 'RU', occurredAt: '2025-05-16', source: { title: 'Istanbul talks, 16 May 2025' } }],
});

export const CloseBody = z
  .strictObject({ by: PartyIdSchema, reason: reasonField.optional(), ...provenanceFields })
  .meta({
    id: 'CloseExchange',
    description: 'Reject, withdraw or cancel.',
    examples: [{ by: 'RU', occurredAt: '2025-05-17', reason: 'terms not acceptable' }],
  });

export const StageBody = z.strictObject({ sides: stageSides, ...provenanceFields }).meta({
  id: 'RecordStage',
  examples: [
    {
      sides: [
        { party: 'UA', count: 390 },
        { party: 'RU', count: 390 },
      ],
      occurredAt: '2025-05-23',
      source: { title: 'First stage: 390 for 390' },
    },
  ],
});

export const VoidBody = z.strictObject({ reason: reasonField, ...provenanceFields }).meta({
  id: 'VoidStage',
  examples: [{ occurredAt: '2025-05-26', reason: 'recorded twice from two reports of the same tranche' }],
});

export const CompleteBody = z
  .strictObject({
    sides: stageSides.optional().meta({ description: 'A last tranche, recorded as a final stage.' }),
    ...provenanceFields,
  })
  .meta({
    id: 'CompleteExchange',
    examples: [
      {
        sides: [
          { party: 'UA', count: 303 },
          { party: 'RU', count: 303 },
        ],
        occurredAt: '2025-05-25',
      },
    ],
  });

export const SideView = z
  .object({
    party: PartyIdSchema,
    handsOver: CountSchema.nullable(),
    // A sum over stages: a medical exchange accumulating stages may pass any single count's bound.
    delivered: z
      .int()
      .min(0)
      .meta({ description: 'Sum of this party’s counts in non-voided stages (no upper bound: it adds up stages).' }),
    variance: z
      .int()
      .nullable()
      .meta({ description: 'delivered − handsOver (null when handsOver is not specified): real exchanges overshoot.' }),
  })
  .meta({ id: 'Side' });

export const StageView = z
  .object({
    id: IdSchema,
    sides: z.array(HandoverSchema),
    occurredAt: WorldTimeSchema,
    recordedAt: z.string(),
    voided: z.object({ occurredAt: WorldTimeSchema, recordedAt: z.string(), reason: z.string() }).nullable(),
  })
  .meta({ id: 'Stage' });

export const ExchangeView = z
  .object({
    id: IdSchema,
    kind: KindSchema,
    status: StatusSchema,
    proposedBy: PartyIdSchema.meta({ description: 'The party that made the standing proposal.' }),
    title: z.string().nullable(),
    mediator: z.string().nullable(),
    sides: z.array(SideView),
    stages: z.array(StageView),
    occurredAt: WorldTimeSchema.meta({ description: 'When it was first proposed.' }),
    agreedAt: WorldTimeSchema.nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.int().meta({ description: 'Number of events; also the ETag.' }),
    allowedTransitions: z.array(z.enum(ACTIONS)).meta({ description: 'What the current status allows.' }),
  })
  .meta({
    id: 'Exchange',
    examples: [
      {
        id: '0196e5a4-8f00-7000-8000-000000000001',
        kind: 'pow',
        status: 'completed',
        proposedBy: 'UA',
        title: '1,000 for 1,000',
        mediator: 'Türkiye',
        sides: [
          { party: 'UA', handsOver: 1000, delivered: 1000, variance: 0 },
          { party: 'RU', handsOver: 1000, delivered: 1000, variance: 0 },
        ],
        stages: [
          {
            id: '0196fd1a-1c00-7000-8000-000000000002',
            sides: [
              { party: 'UA', count: 390 },
              { party: 'RU', count: 390 },
            ],
            occurredAt: '2025-05-23',
            recordedAt: '2025-05-23T18:00:00.000Z',
            voided: null,
          },
          {
            id: '0196fd1a-1c00-7000-8000-000000000003',
            sides: [
              { party: 'UA', count: 307 },
              { party: 'RU', count: 307 },
            ],
            occurredAt: '2025-05-24',
            recordedAt: '2025-05-24T18:00:00.000Z',
            voided: null,
          },
          {
            id: '0196fd1a-1c00-7000-8000-000000000004',
            sides: [
              { party: 'UA', count: 303 },
              { party: 'RU', count: 303 },
            ],
            occurredAt: '2025-05-25',
            recordedAt: '2025-05-25T18:00:00.000Z',
            voided: null,
          },
        ],
        occurredAt: '2025-05-16',
        agreedAt: '2025-05-16',
        createdAt: '2025-05-16T18:00:00.000Z',
        updatedAt: '2025-05-25T18:00:00.000Z',
        version: 6,
        allowedTransitions: ['voidStage'],
      },
    ],
  });

/** The exchange without its stages: what a write answers with when the stages may be many. */
export const ExchangeSummary = ExchangeView.omit({ stages: true }).meta({
  id: 'ExchangeSummary',
  description: 'An exchange without its stages (GET the exchange for those).',
});

/**
 * A page lists exchanges without their stages: a medical exchange may gather thousands, and
 * a page must cost what its length says, not what its exchanges have accumulated.
 */
export const ExchangePage = z
  .object({
    data: z.array(ExchangeSummary),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` for the next page; null at the end.' }),
  })
  .meta({ id: 'ExchangePage' });

export const ExchangeListQuery = z
  .strictObject({
    status: StatusSchema.optional(),
    kind: KindSchema.optional(),
    party: PartyIdSchema.optional(),
    from: WorldTimeSchema.optional().meta({
      description: 'Proposed on or after (inclusive). Later than `to` is refused (400).',
    }),
    to: WorldTimeSchema.optional().meta({
      description: 'Proposed on or before (inclusive; a date means the whole day).',
    }),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .superRefine(fromNotAfterTo);

export const ExchangeIdParams = z.strictObject({ id: IdSchema });
export const StageParams = z.strictObject({ id: IdSchema, stageId: IdSchema });
