import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { uuidv7 } from '../../ids.js';
import { z } from 'zod';
import type { ExchangeCommand } from '../../domain/commands.js';
import { lowerBoundOf, upperBoundOf } from '../../domain/time.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { ExchangeWritten } from '../../ledger/requests.js';
import type { LedgerStore } from '../../store/ledger-store.js';
import { expectedVersion, idempotencyClaim, nowIso, provenanceOf, respondWith, sendOutcome } from '../command.js';
import { decodeCursor, etagOf, presentExchange, presentExchangePage, presentSummary } from '../present.js';
import { ProblemError, problem, problemResponses } from '../problem.js';
import { sendPresented } from '../rendered.js';
import { sendCsv } from '../csv.js';
import { EXCHANGE_TABLE } from '../csv-tables.js';
import { everyExchange } from '../every-exchange.js';
import { CSV_TYPE } from '../negotiation.js';
import { WorldTimeSchema } from '../schemas/common.js';
import {
  AgreeBody,
  CloseBody,
  CompleteBody,
  CounterBody,
  ExchangeIdParams,
  ExchangeListQuery,
  ExchangePage,
  ExchangeSummary,
  ExchangeView,
  ProposeBody,
  StageBody,
  StageParams,
  StageView,
  VoidBody,
} from '../schemas/exchange.js';

const ifMatchHeader = z.object({
  'if-match': z
    .string()
    .optional()
    .meta({ description: 'ETag of the exchange as last read; a stale one is refused with 412.' }),
  'idempotency-key': z
    .string()
    .optional()
    .meta({ description: 'Makes a retry return the first answer instead of writing twice.' }),
});
const idempotencyHeader = z.object({ 'idempotency-key': ifMatchHeader.shape['idempotency-key'] });

const StageCreated = z.object({ stage: StageView, exchange: ExchangeSummary }).meta({ id: 'StageCreated' });

export const exchangeRoutes: FastifyPluginAsyncZod<{ store: LedgerStore; ledger: Ledger }> = async (
  app,
  { store, ledger },
) => {
  const okExchange = (status: number) => async (w: ExchangeWritten) => ({
    status,
    headers: { etag: etagOf(w.state.version), 'content-type': 'application/json; charset=utf-8' },
    body: presentExchange(await w.withStages()),
  });

  app.post(
    '/v1/exchanges',
    {
      config: { role: 'recorder' },
      schema: {
        operationId: 'proposeExchange',
        summary: 'Propose an exchange',
        tags: ['exchanges'],
        description: 'Records a proposal between two registered parties. The exchange starts in status `proposed`.',
        headers: idempotencyHeader,
        body: ProposeBody,
        response: { 201: ExchangeView, ...problemResponses(400, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const exchangeId = uuidv7();
      const command: ExchangeCommand = {
        action: 'propose',
        exchangeId,
        kind: b.kind,
        proposedBy: b.proposedBy,
        sides: b.sides,
        title: b.title ?? null,
        mediator: b.mediator ?? null,
        ...provenanceOf(b),
      };
      const outcome = await ledger.executeExchange({
        exchangeId,
        command,
        principal: request.principal,
        now: nowIso(),
        idempotency: idempotencyClaim(request),
        expectedVersion: null,
        respond: respondWith(async (w: ExchangeWritten) => {
          const r = await okExchange(201)(w);
          return { ...r, headers: { ...r.headers, location: `/v1/exchanges/${w.state.id}` } };
        }),
      });
      return sendOutcome(reply, outcome);
    },
  );

  app.get(
    '/v1/exchanges',
    {
      config: { role: 'reader', csv: EXCHANGE_TABLE },
      schema: {
        operationId: 'listExchanges',
        summary: 'List exchanges',
        tags: ['exchanges'],
        description:
          'Oldest proposal first, each exchange without its stages (GET the exchange for those). Pages never skip or repeat an exchange while others write: the order is by the immutable proposal date and sequence. With `Accept: text/csv` the answer is every exchange the filters select, streamed, one row each: `limit` is ignored (the file is the whole filtered list) and `cursor`, if given, starts it after that position.',
        querystring: ExchangeListQuery,
        response: { 200: ExchangePage, ...problemResponses(400) },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const filters = {
        ...(q.status && { status: q.status }),
        ...(q.kind && { kind: q.kind }),
        ...(q.party && { party: q.party }),
        ...(q.from && { from: lowerBoundOf(q.from) }),
        ...(q.to && { to: upperBoundOf(q.to) }),
        ...(q.cursor && { after: decodeCursor(q.cursor) }),
      };
      if (request.representation === CSV_TYPE) {
        return sendCsv(
          reply,
          EXCHANGE_TABLE,
          (async function* () {
            for await (const state of everyExchange(store, filters)) yield presentSummary(state);
          })(),
        );
      }
      const page = await store.listExchanges({ ...filters, limit: q.limit });
      return sendPresented(reply, page, presentExchangePage);
    },
  );

  app.get(
    '/v1/exchanges/:id',
    {
      config: { role: 'reader' },
      schema: {
        operationId: 'getExchange',
        summary: 'Read an exchange',
        tags: ['exchanges'],
        description: 'Its current state, with sides (terms and delivered) and stages. The ETag is its version.',
        params: ExchangeIdParams,
        querystring: z.strictObject({
          asOf: WorldTimeSchema.optional().meta({
            description:
              'The exchange as it stood at this world time (its events with occurredAt ≤ asOf, a transition counting from no earlier than the transitions before it and a stage from no earlier than the agreement); 404 if not yet proposed then.',
          }),
        }),
        response: { 200: ExchangeView, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const { asOf } = request.query;
      const state = asOf
        ? await store.getExchangeAsOf(request.params.id, upperBoundOf(asOf))
        : await store.getExchange(request.params.id);
      if (!state)
        throw new ProblemError(
          problem(
            'not-found',
            asOf ? `no exchange ${request.params.id} as of ${asOf}` : `no exchange ${request.params.id}`,
          ),
        );
      // An as-of view is history, not something to write against: no ETag for it.
      if (!asOf) reply.header('etag', etagOf(state.version));
      return sendPresented(reply, state, presentExchange);
    },
  );

  app.get(
    '/v1/exchanges/:id/stages/:stageId',
    {
      config: { role: 'reader' },
      schema: {
        operationId: 'getStage',
        summary: 'Read one stage of an exchange',
        tags: ['exchanges'],
        params: StageParams,
        response: { 200: StageView, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const stage = await store.getStage(request.params.id, request.params.stageId);
      if (!stage)
        throw new ProblemError(
          problem('not-found', `no stage ${request.params.stageId} in exchange ${request.params.id}`),
        );
      return stage;
    },
  );

  /** The transitions share one shape: a body, a command, the exchange back with its ETag. */
  const transition = <B extends z.ZodType>(
    path: string,
    operationId: string,
    summary: string,
    description: string,
    body: B,
    toCommand: (b: z.infer<B>, params: { id: string; stageId?: string }) => ExchangeCommand,
  ) =>
    app.post(
      `/v1/exchanges/:id/${path}`,
      {
        config: { role: 'recorder' },
        schema: {
          operationId,
          summary,
          description,
          tags: ['exchanges'],
          params: path.includes(':stageId') ? StageParams : ExchangeIdParams,
          headers: ifMatchHeader,
          body,
          response: { 200: ExchangeView, ...problemResponses(400, 404, 409, 412, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const outcome = await ledger.executeExchange({
          exchangeId: request.params.id,
          command: toCommand(request.body as z.infer<B>, request.params),
          principal: request.principal,
          now: nowIso(),
          idempotency: idempotencyClaim(request),
          expectedVersion: expectedVersion(request),
          respond: respondWith(okExchange(200)),
        });
        return sendOutcome(reply, outcome);
      },
    );

  transition(
    'counter',
    'counterExchange',
    'Counter a proposal',
    'By the party that did not make the standing proposal: replaces the terms, and that party becomes the proposer.',
    CounterBody,
    (b) => ({ action: 'counter', by: b.by, sides: b.sides, ...provenanceOf(b) }),
  );
  transition(
    'agree',
    'agreeExchange',
    'Agree to a proposal',
    'By the party that did not make the standing proposal.',
    AgreeBody,
    (b) => ({ action: 'agree', by: b.by, ...provenanceOf(b) }),
  );
  transition(
    'reject',
    'rejectExchange',
    'Reject a proposal',
    'By the party that did not make the standing proposal. Terminal.',
    CloseBody,
    (b) => ({ action: 'reject', by: b.by, reason: b.reason ?? null, ...provenanceOf(b) }),
  );
  transition(
    'withdraw',
    'withdrawExchange',
    'Withdraw a proposal',
    'By the party that made the standing proposal. Terminal.',
    CloseBody,
    (b) => ({ action: 'withdraw', by: b.by, reason: b.reason ?? null, ...provenanceOf(b) }),
  );
  transition(
    'cancel',
    'cancelExchange',
    'Cancel an agreed exchange',
    'By either party. Stages already carried out stay counted. Terminal.',
    CloseBody,
    (b) => ({ action: 'cancel', by: b.by, reason: b.reason ?? null, ...provenanceOf(b) }),
  );
  transition(
    'complete',
    'completeExchange',
    'Complete an agreed exchange',
    'Optionally with a last tranche, recorded as a final stage. Delivered may differ from the terms: the variance is shown, not refused. Terminal.',
    CompleteBody,
    (b) => ({ action: 'complete', stageId: uuidv7(), sides: b.sides ?? null, ...provenanceOf(b) }),
  );
  transition(
    'stages/:stageId/void',
    'voidStage',
    'Void a stage recorded in error',
    'Takes the stage out of delivered and the totals; the stage and its void both stay in the history.',
    VoidBody,
    (b, params) => ({ action: 'voidStage', stageId: params.stageId!, reason: b.reason, ...provenanceOf(b) }),
  );

  app.post(
    '/v1/exchanges/:id/stages',
    {
      config: { role: 'recorder' },
      schema: {
        operationId: 'recordStage',
        summary: 'Record a stage carried out',
        tags: ['exchanges'],
        description:
          'One tranche actually carried out. A party left out handed over nobody in it. Stages may arrive in any order of date, but none before the agreement.',
        params: ExchangeIdParams,
        headers: ifMatchHeader,
        body: StageBody,
        response: { 201: StageCreated, ...problemResponses(400, 404, 409, 412, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const stageId = uuidv7();
      const outcome = await ledger.executeExchange({
        exchangeId: request.params.id,
        command: { action: 'recordStage', stageId, sides: request.body.sides, ...provenanceOf(request.body) },
        principal: request.principal,
        now: nowIso(),
        idempotency: idempotencyClaim(request),
        expectedVersion: expectedVersion(request),
        respond: respondWith(({ state, recorded }: ExchangeWritten) => ({
          status: 201,
          headers: {
            etag: etagOf(state.version),
            location: `/v1/exchanges/${state.id}/stages/${stageId}`,
            'content-type': 'application/json; charset=utf-8',
          },
          body: { stage: recorded[0]!, exchange: presentSummary(state) },
        })),
      });
      return sendOutcome(reply, outcome);
    },
  );
};
