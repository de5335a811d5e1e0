import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { LedgerStore } from '../../store/ledger-store.js';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPES, problem, problemResponses, type ProblemSlug } from '../problem.js';

export const healthRoutes: FastifyPluginAsyncZod<{ store: LedgerStore }> = async (app, { store }) => {
  app.get(
    '/healthz',
    {
      config: { role: 'public' },
      schema: {
        operationId: 'liveness',
        summary: 'Liveness',
        tags: ['health'],
        querystring: z.strictObject({}),
        response: { 200: z.object({ status: z.literal('ok') }), ...problemResponses(400) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { role: 'public' },
      schema: {
        operationId: 'readiness',
        summary: 'Readiness: database reachable and migrations applied',
        tags: ['health'],
        querystring: z.strictObject({}),
        response: { 200: z.object({ status: z.literal('ready') }), ...problemResponses(400, 503) },
      },
    },
    async (_request, reply) => {
      const r = await store.readiness();
      if (r.ready) return { status: 'ready' as const };
      return reply.code(503).type(PROBLEM_CONTENT_TYPE).send(problem('not-ready', r.reason));
    },
  );

  // The problem type URIs dereference to a short description of each kind of error.
  app.get('/problems/:slug', { config: { role: 'public' }, schema: { hide: true } }, async (request, reply) => {
    const slug = (request.params as { slug: string }).slug;
    const type = Object.hasOwn(PROBLEM_TYPES, slug) ? PROBLEM_TYPES[slug as ProblemSlug] : null;
    if (!type) return reply.code(404).type(PROBLEM_CONTENT_TYPE).send(problem('not-found', 'no such problem type'));
    return { type: `/problems/${slug}`, title: type.title, status: type.status };
  });
};
