import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { LedgerStore } from '../../store/ledger-store.js';
import { totalsReadingOf } from '../according.js';
import { presentEvent } from '../present.js';
import { presentEventSafely } from '../present-event.js';
import { sendPresented } from '../rendered.js';
import { ProblemError, problem, problemResponses } from '../problem.js';
import { ExchangeIdParams } from '../schemas/exchange.js';
import {
  EventPage,
  EventView,
  EventsQuery,
  ExportedEvent,
  LedgerHeadView,
  TotalsQuery,
  TotalsView,
  VerifyView,
} from '../schemas/ledger.js';
import { Readable } from 'node:stream';
import { sendCsv } from '../csv.js';
import { EVENT_TABLE, TOTALS_TABLE } from '../csv-tables.js';
import { CSV_TYPE, JSON_TYPE } from '../negotiation.js';
import { presentTotalsAnswer, presenterOf, totalsAnswer, totalsCsvRows, totalsQueryOf } from '../totals-answer.js';

const NDJSON = 'application/x-ndjson';

export const ledgerRoutes: FastifyPluginAsyncZod<{ store: LedgerStore }> = async (app, { store }) => {
  app.get(
    '/v1/exchanges/:id/events',
    {
      config: { role: 'reader' },
      schema: {
        operationId: 'getExchangeHistory',
        summary: 'An exchange’s history',
        tags: ['ledger'],
        description: 'Every event of the exchange, oldest first, including stages later voided and their voids.',
        params: ExchangeIdParams,
        response: { 200: z.object({ data: z.array(EventView) }), ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const history = await store.exchangeHistory(request.params.id);
      if (!history) throw new ProblemError(problem('not-found', `no exchange ${request.params.id}`));
      return { data: history.map(presentEventSafely) };
    },
  );

  app.get(
    '/v1/events',
    {
      config: { role: 'reader', csv: EVENT_TABLE },
      schema: {
        operationId: 'listEvents',
        summary: 'The whole ledger, in order',
        tags: ['ledger'],
        description:
          'Every event after the sequence `after`, for audit, export and replication. With `Accept: application/x-ndjson` the whole ledger from `after` up to the head at the time of the request is streamed, one event per line (this is the export format: `npm run import` restores it, scripts/verify-export.mjs checks it). With `Accept: text/csv` the same events are streamed as CSV, one row each, for a spreadsheet. Both ignore `limit`.',
        querystring: EventsQuery,
        response: {
          200: {
            description: 'A page of events, the NDJSON export, or the events as CSV',
            content: {
              [JSON_TYPE]: { schema: EventPage },
              [NDJSON]: { schema: ExportedEvent },
            },
          },
          ...problemResponses(400),
        },
      },
    },
    async (request, reply) => {
      const { after, limit } = request.query;
      if (request.representation === CSV_TYPE) {
        return sendCsv(
          reply,
          EVENT_TABLE,
          (async function* () {
            for await (const e of store.exportEvents(after)) yield presentEvent(e);
          })(),
        );
      }
      if (request.representation === NDJSON) {
        const lines = Readable.from(
          (async function* () {
            for await (const e of store.exportEvents(after)) yield `${JSON.stringify(presentEvent(e))}\n`;
          })(),
        );
        // A stream is piped as it is: the schema above documents each line.
        return reply.type(NDJSON).send(lines as never);
      }
      const events = await store.ledgerEvents(after, limit);
      const last = events.at(-1);
      return reply.type('application/json; charset=utf-8').send({
        data: events.map(presentEventSafely),
        nextCursor: events.length === limit && last ? String(last.sequence) : null,
      });
    },
  );

  app.get(
    '/v1/ledger/head',
    {
      config: { role: 'reader' },
      schema: {
        operationId: 'getLedgerHead',
        summary: 'The ledger’s head: last sequence and hash',
        tags: ['ledger'],
        description:
          'Publish this pair: anyone holding an export can check it ends in the same hash, so no earlier event can have been rewritten since.',
        querystring: z.strictObject({}),
        response: { 200: LedgerHeadView, ...problemResponses(400) },
      },
    },
    async () => store.head(),
  );

  app.get(
    '/v1/ledger/verify',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'verifyLedger',
        summary: 'Verify the ledger end to end',
        tags: ['ledger'],
        description:
          'Re-folds every event through the domain code, checks the hash chain, and compares every read model and the totals with the recomputation. Names the first event or read-model row that differs. Reads the whole ledger, in one snapshot (`head` says which): expect seconds on a large one, during which the service goes on answering. One verification runs at a time; a request made while one runs is answered by the next, which starts when it ends.',
        querystring: z.strictObject({}),
        response: { 200: VerifyView, ...problemResponses(400) },
      },
    },
    async () => store.verify(),
  );

  app.get(
    '/v1/totals',
    {
      config: { role: 'reader', csv: TOTALS_TABLE },
      schema: {
        operationId: 'getTotals',
        summary: 'Totals per party and kind, under a reading',
        tags: ['ledger'],
        description:
          "handedOver, received, agreedOutstanding (with unspecifiedSides) and proposed, read from maintained aggregates, under a reading (`according`): each stage's first account by default, a reporter's figures, or every reporter's side by side (`each`). Each row also says how many stages its handedOver and received leave out for want of a disclosed count, and how much of them is approximate. `by=kind` (default) files a breakdown under its kinds. `from`/`to` bound the stages counted in handedOver and received (and in their undisclosed and approximate parts) by their date. With `Accept: text/csv`, one row per reading, party and kind (`reporter` empty under the default reading), under the same filters.",
        querystring: TotalsQuery,
        response: { 200: TotalsView, ...problemResponses(400) },
      },
    },
    async (request, reply) => {
      const { according, ...filters } = request.query;
      const asked = await totalsReadingOf(store, according);
      if (request.representation !== CSV_TYPE && !('each' in asked)) {
        // One reading: the store's rows as they are, so that the rendering of cached ones is reused.
        const rows = await store.totals(totalsQueryOf(asked.reading, filters));
        return sendPresented(reply, rows, presenterOf(asked.reading, filters.by));
      }
      const answer = await totalsAnswer(store, asked, filters);
      if (request.representation === CSV_TYPE) return sendCsv(reply, TOTALS_TABLE, totalsCsvRows(answer));
      return reply.type('application/json; charset=utf-8').send(presentTotalsAnswer(answer));
    },
  );
};
