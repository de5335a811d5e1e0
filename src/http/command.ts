import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { normaliseWorldTime } from '../domain/time.js';
import type { Refusal, WriteOutcome, WriteResult } from '../ledger/requests.js';
import type { IdempotencyClaim, StoredResponse } from '../store/ledger-store.js';
import { PROBLEM_CONTENT_TYPE, ProblemError, problem, type Problem } from './problem.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The Idempotency-Key of a POST, with a fingerprint of what it was sent with. */
export function idempotencyClaim(request: FastifyRequest): IdempotencyClaim | null {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return null;
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) {
    throw new ProblemError(
      problem('validation-failed', 'Idempotency-Key must be 1 to 255 visible ASCII characters', {
        errors: [{ path: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }],
      }),
    );
  }
  const fingerprint = createHash('sha256')
    .update(`${request.method} ${request.routeOptions.url ?? ''} ${JSON.stringify(request.params)}\n`)
    .update(canonicalize(request.body ?? null) ?? '')
    .digest('hex');
  return { key, fingerprint };
}

/**
 * If-Match → what the write requires of the exchange's version: absent → null (nothing),
 * `*` → any, otherwise the list of acceptable versions. Comparison is strong (RFC 9110): a
 * weak tag never matches, so it is kept as an impossible version and answered with 412.
 */
export function expectedVersion(request: FastifyRequest): number[] | '*' | null {
  const header = request.headers['if-match'];
  if (header === undefined) return null;
  if (header.trim() === '*') return '*';
  const tags = header.split(',').map((t) => t.trim());
  const versions = tags.map((t) => /^(W\/)?"(\d{1,15})"$/.exec(t));
  if (versions.some((m) => m === null)) {
    throw new ProblemError(
      problem('validation-failed', 'If-Match must list ETags this service issued, such as "3"', {
        errors: [{ path: 'If-Match', message: 'must be * or quoted versions such as "3"' }],
      }),
    );
  }
  return versions.map((m) => (m![1] ? -1 : Number(m![2])));
}

export const nowIso = () => new Date().toISOString();

/** Normalise optional command fields shared by every recording command. */
export function provenanceOf(body: {
  occurredAt: string;
  source?: { title: string; url?: string; publishedAt?: string };
  note?: string;
}) {
  const source = body.source
    ? {
        title: body.source.title,
        ...(body.source.url ? { url: body.source.url } : {}),
        ...(body.source.publishedAt ? { publishedAt: normaliseWorldTime(body.source.publishedAt) } : {}),
      }
    : null;
  return { occurredAt: normaliseWorldTime(body.occurredAt), source, note: body.note ?? null };
}

/** A refused command as problem+json. */
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
      // Parties and observers share one id space: the id is taken, whichever register holds it.
      return problem(
        'already-exists',
        `${rejection.reporterId} is already registered as ${
          rejection.registeredAs === 'party' ? 'a party' : 'an observer'
        }`,
      );
    case 'version-mismatch':
      return problem('precondition-failed', `the exchange is at version ${rejection.current}; reload it and retry`, {
        currentVersion: rejection.current,
      });
  }
}

export function problemResponse(p: Problem): StoredResponse {
  return { status: p.status, headers: { 'content-type': PROBLEM_CONTENT_TYPE }, body: p };
}

/** Render a write's result: success through `ok`, refusals as problem+json. */
export function respondWith<T>(ok: (value: T) => StoredResponse | Promise<StoredResponse>) {
  return (result: WriteResult<T>): StoredResponse | Promise<StoredResponse> =>
    result.ok ? ok(result.value) : problemResponse(problemFor(result.rejection));
}

/** Send what the store answered (a fresh answer or the replay of the first one). */
export function sendOutcome(reply: FastifyReply, outcome: WriteOutcome): FastifyReply {
  if (outcome.kind === 'idempotency-key-reused') {
    throw new ProblemError(
      problem(
        'idempotency-key-reused',
        'this Idempotency-Key was first used with a different request; use a new key for a new request',
      ),
    );
  }
  const { response } = outcome;
  if (outcome.replayed) reply.header('idempotent-replayed', 'true');
  // Problems name the resource they are about, as the error handler's do.
  const body =
    response.headers['content-type'] === PROBLEM_CONTENT_TYPE &&
    typeof response.body === 'object' &&
    response.body !== null &&
    !('instance' in response.body)
      ? { ...response.body, instance: reply.request.url.split('?')[0] }
      : response.body;
  return reply.code(response.status).headers(response.headers).send(body);
}
