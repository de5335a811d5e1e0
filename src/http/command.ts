import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { normaliseWorldTime } from '../domain/time.js';
import type { Source } from '../domain/vocabulary.js';
import type { WriteOutcome, WriteResult } from '../ledger/requests.js';
import type { IdempotencyClaim, StoredResponse } from '../store/ledger-store.js';
import { problemFor } from './errors.js';
import { PROBLEM_CONTENT_TYPE, ProblemError, problem, type Problem } from './problem.js';

export { problemFor };

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

type SourceBody = { title: string; url?: string; publishedAt?: string };

/** A source as sent → as recorded (absent fields left out, its date normalised). */
export function sourceOf(source: SourceBody | undefined): Source | null {
  return source
    ? {
        title: source.title,
        ...(source.url ? { url: source.url } : {}),
        ...(source.publishedAt ? { publishedAt: normaliseWorldTime(source.publishedAt) } : {}),
      }
    : null;
}

/** Normalise optional command fields shared by every recording command. */
export function provenanceOf(body: { occurredAt: string; source?: SourceBody; note?: string }) {
  return { occurredAt: normaliseWorldTime(body.occurredAt), source: sourceOf(body.source), note: body.note ?? null };
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
