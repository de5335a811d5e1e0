import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { normaliseWorldTime } from '../../domain/time.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { LedgerStore } from '../../store/ledger-store.js';
import { idempotencyClaim, nowIso, respondWith, sendOutcome } from '../command.js';
import { ProblemError, problem, problemResponses } from '../problem.js';
import { PartyParams, PartyView, RegisterPartyBody } from '../schemas/ledger.js';

export const partyRoutes: FastifyPluginAsyncZod<{ store: LedgerStore; ledger: Ledger }> = async (
  app,
  { store, ledger },
) => {
  app.post(
    '/v1/parties',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'registerParty',
        summary: 'Register a party',
        tags: ['parties'],
        description: 'A side to a conflict, registered once before any exchange names it. Its id never changes.',
        headers: z.object({ 'idempotency-key': z.string().optional() }),
        body: RegisterPartyBody,
        response: { 201: PartyView, ...problemResponses(400, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const now = nowIso();
      const outcome = await ledger.registerParty({
        command: {
          partyId: b.id,
          name: b.name,
          occurredAt: b.occurredAt ? normaliseWorldTime(b.occurredAt) : now,
          note: b.note ?? null,
        },
        principal: request.principal,
        now,
        idempotency: idempotencyClaim(request),
        respond: respondWith((p) => ({
          status: 201,
          headers: { location: `/v1/parties/${p.id}`, 'content-type': 'application/json; charset=utf-8' },
          body: p,
        })),
      });
      return sendOutcome(reply, outcome);
    },
  );

  app.get(
    '/v1/parties',
    {
      config: { role: 'reader' },
      schema: {
        operationId: 'listParties',
        summary: 'List parties',
        tags: ['parties'],
        querystring: z.strictObject({}),
        response: { 200: z.object({ data: z.array(PartyView) }), ...problemResponses(400) },
      },
    },
    async () => ({ data: await store.listParties() }),
  );

  app.get(
    '/v1/parties/:id',
    {
      config: { role: 'reader' },
      schema: {
        operationId: 'getParty',
        summary: 'Read a party',
        tags: ['parties'],
        params: PartyParams,
        response: { 200: PartyView, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const party = await store.getParty(request.params.id);
      if (!party) throw new ProblemError(problem('not-found', `no party ${request.params.id}`));
      return party;
    },
  );
};
