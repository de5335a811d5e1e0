import { z } from 'zod';

/**
 * RFC 9457 problem details. Each kind of error has a stable `type` URI (relative to the
 * service, dereferenceable: GET /problems/{slug} describes it) so clients can branch on it.
 */
export const PROBLEM_TYPES = {
  'validation-failed': { status: 400, title: 'The request does not match the schema' },
  'malformed-json': { status: 400, title: 'The request body is not valid JSON' },
  unauthorized: { status: 401, title: 'Missing or invalid API key' },
  forbidden: { status: 403, title: 'This API key’s role may not do this' },
  'not-found': { status: 404, title: 'No such resource' },
  'method-not-allowed': { status: 405, title: 'The resource does not answer this method' },
  'not-acceptable': { status: 406, title: 'The resource cannot answer in a media type the Accept header allows' },
  'transition-not-allowed': { status: 409, title: 'The exchange’s status does not allow this transition' },
  'party-not-allowed': { status: 409, title: 'This party may not take this action now' },
  'stage-already-voided': { status: 409, title: 'The stage is already voided' },
  'already-exists': { status: 409, title: 'The resource already exists' },
  'reporter-already-registered': {
    status: 409,
    title: 'The id is already registered as a reporter (parties and observers share one id space)',
  },
  'precondition-failed': { status: 412, title: 'The exchange changed since the given ETag' },
  'payload-too-large': { status: 413, title: 'The request body is too large' },
  'headers-too-large': { status: 431, title: 'The request headers are too large' },
  'unsupported-media-type': { status: 415, title: 'The request body must be application/json' },
  'expectation-failed': { status: 417, title: 'The request’s Expect header cannot be met' },
  unprocessable: { status: 422, title: 'The request breaks a rule of the ledger' },
  'idempotency-key-reused': { status: 422, title: 'The Idempotency-Key was used with a different request' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  internal: { status: 500, title: 'Internal error' },
  'not-ready': { status: 503, title: 'The service is not ready' },
  unavailable: { status: 503, title: 'The database is unavailable; retry shortly' },
} as const;

export type ProblemSlug = keyof typeof PROBLEM_TYPES;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export const problemTypeUri = (slug: ProblemSlug) => `/problems/${slug}`;

export const FieldErrorSchema = z.object({
  path: z.string().meta({ description: 'The failing field, dotted (`sides.0.handsOver`); empty for the whole body.' }),
  message: z.string(),
});

export const ProblemSchema = z
  .object({
    type: z.string().meta({ description: 'Stable URI of the error kind', example: '/problems/transition-not-allowed' }),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z
      .array(FieldErrorSchema)
      .optional()
      .meta({ description: 'Every failing field (validation and rule errors)' }),
    currentStatus: z.string().optional().meta({ description: 'On a refused transition: the exchange’s status' }),
    allowedTransitions: z
      .array(z.string())
      .optional()
      .meta({ description: 'On a refused transition: what the status allows' }),
    currentVersion: z.int().optional().meta({ description: 'On a stale If-Match: the exchange’s version now' }),
  })
  .meta({ id: 'Problem' });

export type Problem = z.infer<typeof ProblemSchema>;

export function problem(slug: ProblemSlug, detail: string, extra: Partial<Problem> = {}): Problem {
  const { status, title } = PROBLEM_TYPES[slug];
  return { type: problemTypeUri(slug), title, status, detail, ...extra };
}

/** Thrown anywhere in the HTTP layer; the error handler renders it as problem+json. */
export class ProblemError extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail);
  }
}

/** The OpenAPI response entries for the given error statuses, all problem+json. */
export function problemResponses<S extends number>(...statuses: S[]) {
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: describeStatus(s), content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } } },
    ]),
  ) as Record<S, { description: string; content: { 'application/problem+json': { schema: typeof ProblemSchema } } }>;
}

function describeStatus(status: number): string {
  const kinds = Object.entries(PROBLEM_TYPES)
    .filter(([, t]) => t.status === status)
    .map(([slug]) => slug);
  return `Problem (${kinds.join(', ')})`;
}
