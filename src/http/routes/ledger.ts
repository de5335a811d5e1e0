import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { normaliseWorldTime, upperBoundOf } from '../../domain/time.js';
import type { LedgerStore } from '../../store/ledger-store.js';
import { presentEvent } from '../present.js';
import { ProblemError, problem, problemResponses } from '../problem.js';
import { ExchangeIdParams } from '../schemas/exchange.js';
import { EventPage, EventView, EventsQuery, TotalsQuery, TotalsView } from '../schemas/ledger.js';

export const ledgerRoutes: FastifyPluginAsyncZod<{ store: LedgerStore }> = async (app, { store }) => {
  app.get('/v1/exchanges/:id/events', {
    config: { role: 'reader' },
    schema: {
      operationId: 'getExchangeHistory', summary: 'An exchange’s history', tags: ['ledger'],
      description: 'Every event of the exchange, oldest first, including stages later voided and their voids.',
      params: ExchangeIdParams,
      response: { 200: z.object({ data: z.array(EventView) }), ...problemResponses(400, 404) },
    },
  }, async (request) => {
    const history = await store.exchangeHistory(request.params.id);
    if (!history) throw new ProblemError(problem('not-found', `no exchange ${request.params.id}`));
    return { data: history.map(presentEvent) };
  });

  app.get('/v1/events', {
    config: { role: 'reader' },
    schema: {
      operationId: 'listEvents', summary: 'The whole ledger, in order', tags: ['ledger'],
      description: 'Every event after the sequence `after`, for audit, export and replication.',
      querystring: EventsQuery,
      response: { 200: EventPage, ...problemResponses(400) },
    },
  }, async (request) => {
    const { after, limit } = request.query;
    const events = await store.ledgerEvents(after, limit);
    const last = events.at(-1);
    return { data: events.map(presentEvent), nextCursor: events.length === limit && last ? String(last.sequence) : null };
  });

  app.get('/v1/totals', {
    config: { role: 'reader' },
    schema: {
      operationId: 'getTotals', summary: 'Totals per party and kind', tags: ['ledger'],
      description: 'handedOver, received, agreedOutstanding (with unspecifiedSides) and proposed, read from maintained aggregates. `from`/`to` bound the stages counted in handedOver and received by their date.',
      querystring: TotalsQuery,
      response: { 200: TotalsView, ...problemResponses(400) },
    },
  }, async (request) => {
    const q = request.query;
    const rows = await store.totals({
      ...(q.party && { party: q.party }),
      ...(q.kind && { kind: q.kind }),
      ...(q.from && { from: normaliseWorldTime(q.from) }),
      ...(q.to && { to: upperBoundOf(q.to) }),
    });
    return { data: rows };
  });
};
