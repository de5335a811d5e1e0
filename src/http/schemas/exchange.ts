import { z } from 'zod';
import { ACTIONS, KINDS } from '../../domain/vocabulary.js';
import {
  CountSchema,
  IdSchema,
  KindSchema,
  PartyIdSchema,
  StatusSchema,
  TermsSchema,
  WorldTimeSchema,
  SourceSchema,
  provenanceFields,
  reasonField,
  requiredText,
  textField,
} from './common.js';
import { fromNotAfterTo } from './period.js';

/*
 * Examples come from a real case: the 1,000-for-1,000 prisoner exchange agreed at the
 * Istanbul talks of 16 May 2025 and carried out in three stages (390, 307 and 303 each way)
 * on 23, 24 and 25 May 2025.
 */

const twoSides = z.array(TermsSchema).length(2, 'an exchange is between exactly two parties');

/** Who gives an account: a registered party or observer (one id space, the parties' rules). */
export const ReporterIdSchema = PartyIdSchema.meta({
  description: 'A registered party or observer (they share one id space).',
  example: 'UA',
});

/** How many accounts one command may carry: the number of readings is the number of reporters (tens). */
const MAX_ACCOUNTS = 20;

export const BreakdownEntrySchema = z
  .strictObject({ kind: KindSchema, count: CountSchema })
  .meta({ id: 'BreakdownEntry' });

/** One side of a stage as an account gives it. */
export const StageSideSchema = z
  .strictObject({
    party: PartyIdSchema,
    count: CountSchema.nullable().meta({
      description: 'Persons this party handed over in the stage; null = carried out, number not disclosed.',
    }),
    approximate: z
      .boolean()
      .optional()
      .meta({ description: 'The count is an estimate ("about 250"). Not with a null count (422).' }),
    breakdown: z
      .array(BreakdownEntrySchema)
      .max(KINDS.length)
      .optional()
      .meta({
        description:
          'Part of the count by kind, for a mixed tranche (civilians released inside a POW swap): distinct ' +
          'kinds, summing to at most the count (422 otherwise); the rest is of the exchange’s kind.',
      }),
  })
  .meta({ id: 'StageSide' });

const stageSides = z.array(StageSideSchema).min(1, 'name at least one party').max(2, 'an exchange has two parties');

/** One account of a stage, inside `accounts`: its reporter, its sides, its own source and note. */
export const StageAccountBody = z
  .strictObject({
    reportedBy: ReporterIdSchema,
    sides: stageSides,
    source: SourceSchema.optional(),
    note: textField(5000).optional(),
  })
  .meta({ id: 'AccountOfStage' });

const stageAccounts = z
  .array(StageAccountBody)
  .min(1, 'a stage needs at least one account')
  .max(MAX_ACCOUNTS, `at most ${MAX_ACCOUNTS} accounts at once`);

/** An account of the terms, on propose and counter. */
export const TermsAccountBody = z
  .strictObject({
    reportedBy: ReporterIdSchema,
    sides: z.array(TermsSchema).min(1, 'name at least one party').max(2, 'an exchange has two parties'),
    source: SourceSchema.optional(),
    note: textField(5000).optional(),
  })
  .meta({ id: 'AccountOfTerms' });

const termsAccounts = z
  .array(TermsAccountBody)
  .max(MAX_ACCOUNTS, `at most ${MAX_ACCOUNTS} accounts at once`)
  .optional()
  .meta({
    description:
      'Alternative accounts of these terms by reporters (RU "6,000 unilaterally" against UA "6,000 for 6,000"): ' +
      'under `according=<reporter>` that reporter’s terms count where it gave them. One per reporter.',
  });

/**
 * A stage's figures come as the old `sides` (one account, by `reportedBy` or unattributed)
 * or as `accounts`, never both. `required`: one of them must be there (a stage); a completion
 * may have neither (no last tranche).
 */
const oneReportForm =
  (required: boolean) => (b: { sides?: unknown; accounts?: unknown; reportedBy?: unknown }, ctx: z.RefinementCtx) => {
    if (b.sides !== undefined && b.accounts !== undefined)
      ctx.addIssue({ code: 'custom', path: ['accounts'], message: 'give either sides or accounts, not both' });
    else if (required && b.sides === undefined && b.accounts === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['sides'],
        message: 'give sides (one account) or accounts (one or more)',
      });
    if (b.reportedBy !== undefined && b.accounts !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['reportedBy'],
        message: 'goes with sides; with accounts, each account names its reporter',
      });
    else if (b.reportedBy !== undefined && b.sides === undefined)
      ctx.addIssue({ code: 'custom', path: ['reportedBy'], message: 'names whose account sides is: give sides too' });
  };

/**
 * Which of sides and accounts are there is known even when a field of the body fails, so the
 * rule is checked beside the others (zod skips a refinement once the object has an issue):
 * a refusal names every failing field at once.
 */
const everyFieldAtOnce = {
  when: (payload: { value: unknown }) => typeof payload.value === 'object' && payload.value !== null,
};

const reportFields = {
  sides: stageSides.optional().meta({
    description: 'One account of the stage: each party’s count. A party left out handed over nobody in it.',
  }),
  reportedBy: ReporterIdSchema.optional().meta({
    description: 'Whose account `sides` is (a registered party or observer); without it, unattributed.',
  }),
  accounts: stageAccounts.optional().meta({
    description:
      'One or more accounts of the stage, each with its reporter, source and note (instead of `sides`). The ' +
      'first names every side (a party left out handed over nobody) and is the default reading; the others may ' +
      'give one side only.',
  }),
};

export const ProposeBody = z
  .strictObject({
    kind: KindSchema,
    proposedBy: PartyIdSchema,
    sides: twoSides,
    title: requiredText(500).optional(),
    mediator: requiredText(500).optional(),
    termsAccounts,
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

export const CounterBody = z
  .strictObject({ by: PartyIdSchema, sides: twoSides, termsAccounts, ...provenanceFields })
  .meta({
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

export const StageBody = z
  .strictObject({ ...reportFields, ...provenanceFields })
  .superRefine(oneReportForm(true), everyFieldAtOnce)
  .meta({
    id: 'RecordStage',
    description:
      'Either `sides` (one account, with an optional `reportedBy`) or `accounts` (one or more), not both. On a ' +
      '`completed` exchange the stage is a late handover: the status stays, the stage is marked `afterCompletion`.',
    examples: [
      {
        sides: [
          { party: 'UA', count: 390 },
          { party: 'RU', count: 390 },
        ],
        occurredAt: '2025-05-23',
        source: { title: 'First stage: 390 for 390' },
      },
      {
        accounts: [
          {
            reportedBy: 'RU',
            sides: [{ party: 'RU', count: 6060 }],
            source: { title: 'Russian negotiator, 16 June 2025' },
          },
          {
            reportedBy: 'UA',
            sides: [{ party: 'RU', count: 6057 }],
            source: { title: 'Coordination Headquarters, 16 June 2025' },
          },
        ],
        occurredAt: '2025-06-16',
      },
    ],
  });

export const AccountBody = z
  .strictObject({
    reportedBy: ReporterIdSchema,
    sides: stageSides.meta({ description: 'The sides this account gives (one is enough).' }),
    ...provenanceFields,
  })
  .meta({
    id: 'AddStageAccount',
    description: 'A later account of a stage already recorded: its own event; nothing is replaced.',
    examples: [
      {
        reportedBy: 'ICRC',
        sides: [{ party: 'RU', count: 6060, approximate: true }],
        occurredAt: '2025-06-17',
        source: { title: 'ICRC statement, 17 June 2025' },
      },
    ],
  });

export const VoidBody = z.strictObject({ reason: reasonField, ...provenanceFields }).meta({
  id: 'VoidStage',
  examples: [{ occurredAt: '2025-05-26', reason: 'recorded twice from two reports of the same tranche' }],
});

export const CompleteBody = z
  .strictObject({
    ...reportFields,
    sides: reportFields.sides.meta({ description: 'A last tranche, recorded as a final stage (one account).' }),
    accounts: reportFields.accounts.meta({ description: 'A last tranche as one or more accounts (instead of sides).' }),
    ...provenanceFields,
  })
  .superRefine(oneReportForm(false), everyFieldAtOnce)
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

// ---------------------------------------------------------------------------------------------
// Views: every figure is under a reading (`according`), named in the answer.

export const ReadingField = z
  .string()
  .nullable()
  .meta({
    description:
      'The reading the figures are under: the reporter named by `according`, or null for the default (each ' +
      'stage’s first account, as recorded).',
  });

/** The exchange’s figures under a reading, side by side. */
export const SideView = z
  .object({
    party: PartyIdSchema,
    handsOver: CountSchema.nullable().meta({
      description:
        'The standing terms under the reading (the reporter’s account of them where it gave one); null = not specified.',
    }),
    // A sum over stages: a medical exchange accumulating stages may pass any single count's bound.
    delivered: z.int().min(0).meta({
      description:
        'Sum of this party’s disclosed counts in non-voided stages under the reading (no upper bound: it adds up stages).',
    }),
    undisclosedStages: z.int().min(0).meta({
      description: 'Non-voided stages whose count for this party is not disclosed under the reading: not in delivered.',
    }),
    approximate: z.int().min(0).meta({ description: 'The part of delivered that comes from approximate counts.' }),
    variance: z
      .int()
      .nullable()
      .meta({ description: 'delivered − handsOver (null when handsOver is not specified): real exchanges overshoot.' }),
  })
  .meta({ id: 'Side' });

const Breakdown = z
  .array(z.object({ kind: KindSchema, count: CountSchema }))
  .nullable()
  .meta({ description: 'Part of the count by kind (the rest is of the exchange’s kind); null: none given.' });

export const AccountSideView = z
  .object({
    party: PartyIdSchema,
    count: CountSchema.nullable().meta({ description: 'null: carried out, number not disclosed.' }),
    approximate: z.boolean(),
    breakdown: Breakdown,
  })
  .meta({ id: 'AccountSide' });

export const AccountView = z
  .object({
    reportedBy: ReporterIdSchema.nullable().meta({
      description: 'The reporter; null: unattributed (every stage recorded before accounts existed).',
    }),
    sides: z.array(AccountSideView).meta({ description: 'The sides this account gives.' }),
    source: SourceSchema.nullable(),
    note: z.string().nullable(),
    occurredAt: WorldTimeSchema.meta({ description: 'When the account was given (the first: the stage’s time).' }),
    recordedAt: z.string(),
  })
  .meta({ id: 'StageAccount' });

export const StageFigureView = AccountSideView.extend({
  reportedBy: ReporterIdSchema.nullable().meta({
    description: 'Whose account the figure comes from (null: the first account, unattributed).',
  }),
}).meta({ id: 'StageFigure' });

export const StageView = z
  .object({
    id: IdSchema,
    sides: z.array(StageFigureView).meta({
      description:
        'Each side’s figure under the reading: the reporter’s latest for the side, else (side by side) the first account’s.',
    }),
    occurredAt: WorldTimeSchema,
    recordedAt: z.string(),
    voided: z.object({ occurredAt: WorldTimeSchema, recordedAt: z.string(), reason: z.string() }).nullable(),
    afterCompletion: z.boolean().meta({ description: 'Recorded on an exchange already completed (a late handover).' }),
    accounts: z.array(AccountView).meta({ description: 'Every account of the stage, in the order given.' }),
    disputed: z.boolean().meta({ description: 'Two disclosed counts of the same side differ.' }),
    disputedParties: z.array(PartyIdSchema).meta({ description: 'The sides whose disclosed counts differ.' }),
  })
  .meta({ id: 'Stage' });

export const TermsAccountView = z
  .object({
    reportedBy: ReporterIdSchema,
    sides: z.array(TermsSchema),
    source: SourceSchema.nullable(),
    note: z.string().nullable(),
  })
  .meta({ id: 'TermsAccount' });

const firstStage = (id: string, count: number, day: string) => ({
  id,
  sides: [
    { party: 'UA', count, approximate: false, breakdown: null, reportedBy: null },
    { party: 'RU', count, approximate: false, breakdown: null, reportedBy: null },
  ],
  occurredAt: day,
  recordedAt: `${day}T18:00:00.000Z`,
  voided: null,
  afterCompletion: false,
  accounts: [
    {
      reportedBy: null,
      sides: [
        { party: 'UA', count, approximate: false, breakdown: null },
        { party: 'RU', count, approximate: false, breakdown: null },
      ],
      source: null,
      note: null,
      occurredAt: day,
      recordedAt: `${day}T18:00:00.000Z`,
    },
  ],
  disputed: false,
  disputedParties: [],
});

export const ExchangeView = z
  .object({
    id: IdSchema,
    kind: KindSchema,
    status: StatusSchema,
    proposedBy: PartyIdSchema.meta({ description: 'The party that made the standing proposal.' }),
    title: z.string().nullable(),
    mediator: z.string().nullable(),
    reading: ReadingField,
    sides: z.array(SideView),
    stages: z.array(StageView),
    reporters: z
      .array(ReporterIdSchema)
      .meta({ description: 'Every reporter that gave an account on this exchange (terms or stages), first first.' }),
    termsAccounts: z
      .array(TermsAccountView)
      .meta({ description: 'Reporters’ accounts of the standing terms (those of the last propose or counter).' }),
    occurredAt: WorldTimeSchema.meta({ description: 'When it was first proposed.' }),
    agreedAt: WorldTimeSchema.nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    version: z.int().meta({ description: 'Number of events; also the ETag.' }),
    allowedTransitions: z
      .array(z.enum(ACTIONS))
      .meta({ description: 'What the current status allows (a completed exchange still takes late stages).' }),
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
        reading: null,
        sides: [
          { party: 'UA', handsOver: 1000, delivered: 1000, undisclosedStages: 0, approximate: 0, variance: 0 },
          { party: 'RU', handsOver: 1000, delivered: 1000, undisclosedStages: 0, approximate: 0, variance: 0 },
        ],
        stages: [
          firstStage('0196fd1a-1c00-7000-8000-000000000002', 390, '2025-05-23'),
          firstStage('0196fd1a-1c00-7000-8000-000000000003', 307, '2025-05-24'),
          firstStage('0196fd1a-1c00-7000-8000-000000000004', 303, '2025-05-25'),
        ],
        reporters: [],
        termsAccounts: [],
        occurredAt: '2025-05-16',
        agreedAt: '2025-05-16',
        createdAt: '2025-05-16T18:00:00.000Z',
        updatedAt: '2025-05-25T18:00:00.000Z',
        version: 6,
        allowedTransitions: ['voidStage', 'recordStage'],
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

/** `according` on an exchange's reads: one reporter's figures (`each` is for the totals). */
export const ExchangeAccording = ReporterIdSchema.optional().meta({
  description:
    'Show the figures according to this reporter (a registered party or observer): its figure for each side of ' +
    'each stage, else (side by side) the stage’s first account’s, and its account of the terms where it gave one. ' +
    'Without it, each stage’s first account. A reporter not registered is refused (400). `each` is refused here ' +
    '(400): it compares readings side by side in the totals; an exchange lists every account of each stage ' +
    'already, and the reporters to ask for.',
});

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
    according: ExchangeAccording,
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .superRefine(fromNotAfterTo);

export const ExchangeIdParams = z.strictObject({ id: IdSchema });
export const StageParams = z.strictObject({ id: IdSchema, stageId: IdSchema });
