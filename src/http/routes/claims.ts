import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { normaliseWorldTime } from '../../domain/time.js';
import { uuidv7 } from '../../ids.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { LedgerStore } from '../../store/ledger-store.js';
import { presentClaim } from '../claim-checks.js';
import { idempotencyClaim, nowIso, provenanceOf, respondWith, sendOutcome } from '../command.js';
import { ProblemError, problem, problemResponses } from '../problem.js';
import { ClaimListQuery, ClaimPage, ClaimParams, ClaimView, RecordClaimBody } from '../schemas/claims.js';

/** Claims: recorded as said (recorder), shown beside the ledger's figure under every reading. */
export const claimRoutes: FastifyPluginAsyncZod<{ store: LedgerStore; ledger: Ledger }> = async (
  app,
  { store, ledger },
) => {
  app.post(
    '/v1/claims',
    {
      config: { role: 'recorder' },
      schema: {
        operationId: 'recordClaim',
        summary: 'Record a claim about a total',
        tags: ['claims'],
        description:
          'A sourced statement about an aggregate ("Russia has handed over 16,483 bodies since January 2025"), recorded as an event like any other (hashed, exported, verified). The answer shows it beside the ledger’s figure for the same window under each reading, as the ledger stood when it was recorded (GET it for the figures as they stand now; a retry with the same Idempotency-Key answers as the first time). The reporter and the party must be registered; the window may not reach past the claim’s own date (422 naming the field).',
        headers: z.object({ 'idempotency-key': z.string().optional() }),
        body: RecordClaimBody,
        response: { 201: ClaimView, ...problemResponses(400, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const now = nowIso();
      const provenance = provenanceOf(b);
      const outcome = await ledger.recordClaim({
        command: {
          claimId: uuidv7(),
          reportedBy: b.reportedBy,
          party: b.party,
          kind: b.kind,
          field: b.field,
          from: b.from ? normaliseWorldTime(b.from) : null,
          to: b.to ? normaliseWorldTime(b.to) : null,
          value: b.value,
          ...provenance,
        },
        principal: request.principal,
        now,
        idempotency: idempotencyClaim(request),
        // Inside the transaction: the checks read the ledger the claim was recorded into.
        respond: respondWith(async (claim) => ({
          status: 201,
          headers: { location: `/v1/claims/${claim.claimId}`, 'content-type': 'application/json; charset=utf-8' },
          body: await presentClaim(store, claim, await store.reporters()),
        })),
      });
      return sendOutcome(reply, outcome);
    },
  );

  app.get(
    '/v1/claims',
    {
      config: { role: 'reader' },
      schema: {
        operationId: 'listClaims',
        summary: 'List claims, each checked against the ledger',
        tags: ['claims'],
        description:
          'In the order they were recorded. Each claim is shown beside the ledger’s figure for its window as the ledger stands now, under the default reading and under each reporter’s.',
        querystring: ClaimListQuery,
        response: { 200: ClaimPage, ...problemResponses(400) },
      },
    },
    async (request) => {
      const { limit, cursor } = request.query;
      // One more than asked says whether a next page exists, so the last page says so itself.
      const claims = await store.listClaims(cursor === undefined ? 0 : Number(cursor), limit + 1);
      const page = claims.slice(0, limit);
      const reporters = await store.reporters();
      const data = [];
      for (const claim of page) data.push(await presentClaim(store, claim, reporters));
      return { data, nextCursor: claims.length > limit ? String(page.at(-1)!.sequence) : null };
    },
  );

  app.get(
    '/v1/claims/:id',
    {
      config: { role: 'reader' },
      schema: {
        operationId: 'getClaim',
        summary: 'Read a claim, checked against the ledger',
        tags: ['claims'],
        params: ClaimParams,
        response: { 200: ClaimView, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const claim = await store.getClaim(request.params.id);
      if (!claim) throw new ProblemError(problem('not-found', `no claim ${request.params.id}`));
      return presentClaim(store, claim, await store.reporters());
    },
  );
};
