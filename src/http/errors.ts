import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { FieldError } from '../domain/rejection.js';
import type { Refusal } from '../ledger/requests.js';
import { StoreUnavailable } from '../store/store-unavailable.js';
import { methodsAt } from './method-not-allowed.js';
import {
  PROBLEM_CONTENT_TYPE,
  PROBLEM_TYPES,
  ProblemError,
  problem,
  type Problem,
  type ProblemSlug,
} from './problem.js';

const BY_CODE: Record<string, { slug: ProblemSlug; detail: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { slug: 'malformed-json', detail: 'the body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { slug: 'malformed-json', detail: 'the body is empty but the content type says JSON' },
  FST_ERR_CTP_BODY_TOO_LARGE: { slug: 'payload-too-large', detail: 'the body exceeds the size limit' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { slug: 'unsupported-media-type', detail: 'send the body as application/json' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { slug: 'validation-failed', detail: 'Content-Length does not match the body' },
};

/** Zod issues → `{path, message}` per failing field; an unknown key is named as its own path. */
function fieldErrors(
  error: {
    validation: { instancePath: string; message?: string; keyword?: string; params?: Record<string, unknown> }[];
  },
  context: string | undefined,
): FieldError[] {
  const prefix = context && context !== 'body' ? `${context === 'querystring' ? 'query' : context}.` : '';
  return error.validation.flatMap((v) => {
    const base = v.instancePath.split('/').filter(Boolean).join('.');
    const join = (k: string) => prefix + (base ? `${base}.${k}` : k);
    if (v.keyword === 'unrecognized_keys' && Array.isArray(v.params?.keys)) {
      return (v.params.keys as string[]).map((k) => ({ path: join(k), message: 'unknown field' }));
    }
    return [{ path: prefix + base, message: v.message ?? 'invalid' }];
  });
}

/**
 * Every error leaves as RFC 9457 problem+json. Nothing internal (stack, SQL, file path)
 * reaches a client: unexpected errors are logged in full and answered with a bare 500.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    let body: Problem;
    let headers: Record<string, string> = {};
    if (err instanceof ProblemError) {
      body = err.problem;
      headers = err.headers;
    } else if (hasZodFastifySchemaValidationErrors(err)) {
      const errors = fieldErrors(err, err.validationContext);
      body = problem('validation-failed', errors.map((e) => `${e.path || '(body)'}: ${e.message}`).join('; '), {
        errors,
      });
    } else if (err.code && BY_CODE[err.code]) {
      const { slug, detail } = BY_CODE[err.code]!;
      body = problem(slug, detail);
    } else if (err instanceof StoreUnavailable) {
      request.log.warn({ err }, 'store unavailable');
      body = problem('unavailable', 'the database cannot be reached just now; nothing was written; retry shortly');
      headers = { 'retry-after': '1' };
    } else if (err.statusCode === 429) {
      body = problem('rate-limited', 'rate limit exceeded; retry after the time in Retry-After');
    } else if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      // Any other client error Fastify raises (bad headers, proto poisoning, …): say so plainly.
      const slug =
        (Object.keys(PROBLEM_TYPES) as ProblemSlug[]).find((s) => PROBLEM_TYPES[s].status === err.statusCode) ??
        'validation-failed';
      body = { ...problem(slug, 'the request was refused'), status: err.statusCode };
    } else {
      request.log.error({ err }, 'unhandled error');
      body = problem('internal', 'an internal error occurred; it has been logged');
    }
    return reply
      .code(body.status)
      .headers(headers)
      .type(PROBLEM_CONTENT_TYPE)
      .send({ ...body, instance: request.url.split('?')[0] });
  });

  // A known path asked with another method is 405 naming the methods it takes (RFC 9110
  // §15.5.6); an unknown path is 404. Either comes after authentication, like every request.
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const allowed = methodsAt(request.server, path!);
    if (allowed.length > 0) {
      return reply
        .code(405)
        .header('allow', allowed.join(', '))
        .type(PROBLEM_CONTENT_TYPE)
        .send(problem('method-not-allowed', `${path} answers ${allowed.join(', ')}, not ${request.method}`));
    }
    return reply
      .code(404)
      .type(PROBLEM_CONTENT_TYPE)
      .send({ ...problem('not-found', `no route ${request.method} ${path}`) });
  });
}

/** A refused command as problem+json: every kind of refusal of the rules (and a stale If-Match). */
export function problemFor(rejection: Refusal): Problem {
  switch (rejection.kind) {
    case 'exchange-not-found':
      return problem('not-found', `no exchange ${rejection.exchangeId}`);
    case 'stage-not-found':
      return problem('not-found', `no stage ${rejection.stageId} in this exchange`);
    case 'transition-not-allowed':
      return problem(
        'transition-not-allowed',
        `cannot ${rejection.action} an exchange that is ${rejection.status}; allowed from ${rejection.status}: ${rejection.allowed.join(', ') || 'nothing (terminal)'}`,
        {
          currentStatus: rejection.status,
          allowedTransitions: rejection.allowed,
        },
      );
    case 'party-not-allowed':
      return problem(
        'party-not-allowed',
        `${rejection.by} may not ${rejection.action} now; only ${rejection.allowedParties.join(' or ')} may`,
        {
          currentStatus: rejection.status,
          allowedTransitions: rejection.allowed,
        },
      );
    case 'stage-already-voided':
      return problem('stage-already-voided', `stage ${rejection.stageId} is already voided`);
    case 'unprocessable':
      return problem('unprocessable', rejection.errors.map((e) => `${e.path}: ${e.message}`).join('; '), {
        errors: rejection.errors,
      });
    case 'party-already-registered':
      return problem('already-exists', `party ${rejection.partyId} is already registered`);
    case 'reporter-already-registered':
      return problem(
        'reporter-already-registered',
        `${rejection.reporterId} is already registered as ${rejection.registeredAs === 'party' ? 'a party' : 'an observer'}; parties and observers share one id space`,
      );
    case 'version-mismatch':
      return problem('precondition-failed', `the exchange is at version ${rejection.current}; reload it and retry`, {
        currentVersion: rejection.current,
      });
  }
}
