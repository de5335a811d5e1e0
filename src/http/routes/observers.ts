import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { normaliseWorldTime } from '../../domain/time.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { LedgerStore } from '../../store/ledger-store.js';
import { idempotencyClaim, nowIso, respondWith, sendOutcome } from '../command.js';
import { ProblemError, problem, problemResponses } from '../problem.js';
import { ObserverParams, ObserverView, RegisterObserverBody } from '../schemas/observers.js';

/** Observers are registered as parties are (admin, Idempotency-Key), in the same id space. */
export const observerRoutes: FastifyPluginAsyncZod<{ store: LedgerStore; ledger: Ledger }> = async (
  app,
  { store, ledger },
) => {
  app.post(
    '/v1/observers',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'registerObserver',
        summary: 'Register an observer',
        tags: ['observers'],
        description:
          'A reporter beside the parties (ICRC, UN-HRMMU, press), registered once before it gives an account or a claim. Its id shares the parties’ id space: an id already registered as a party or an observer is refused (409). `each` is reserved for the readings (422).',
        headers: z.object({ 'idempotency-key': z.string().optional() }),
        body: RegisterObserverBody,
        response: { 201: ObserverView, ...problemResponses(400, 409, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const now = nowIso();
      const outcome = await ledger.registerObserver({
        command: {
          observerId: b.id,
          name: b.name,
          occurredAt: b.occurredAt ? normaliseWorldTime(b.occurredAt) : now,
          note: b.note ?? null,
        },
        principal: request.principal,
        now,
        idempotency: idempotencyClaim(request),
        respond: respondWith((o) => ({
          status: 201,
          headers: { location: `/v1/observers/${o.id}`, 'content-type': 'application/json; charset=utf-8' },
          body: o,
        })),
      });
      return sendOutcome(reply, outcome);
    },
  );

  app.get(
    '/v1/observers',
    {
      config: { role: 'reader' },
      schema: {
        operationId: 'listObservers',
        summary: 'List observers',
        tags: ['observers'],
        description: 'Every registered observer, by id.',
        querystring: z.strictObject({}),
        response: { 200: z.object({ data: z.array(ObserverView) }), ...problemResponses(400) },
      },
    },
    async () => ({ data: await store.listObservers() }),
  );

  app.get(
    '/v1/observers/:id',
    {
      config: { role: 'reader' },
      schema: {
        operationId: 'getObserver',
        summary: 'Read an observer',
        tags: ['observers'],
        params: ObserverParams,
        response: { 200: ObserverView, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const observer = await store.getObserver(request.params.id);
      if (!observer) throw new ProblemError(problem('not-found', `no observer ${request.params.id}`));
      return observer;
    },
  );
};
