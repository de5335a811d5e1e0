import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { uuidv7 } from '../../ids.js';
import { z } from 'zod';
import type { LedgerCommand } from '../../domain/ledger-command.js';
import { FIRST } from '../../domain/readings.js';
import type { StageReport } from '../../domain/reported-decide.js';
import { lowerBoundOf, upperBoundOf } from '../../domain/time.js';
import type { Ledger } from '../../ledger/ledger.js';
import type { ExchangeWritten } from '../../ledger/requests.js';
import type { LedgerStore } from '../../store/ledger-store.js';
import { exchangeReadingOf } from '../according.js';
import {
  expectedVersion,
  idempotencyClaim,
  nowIso,
  provenanceOf,
  respondWith,
  sendOutcome,
  sourceOf,
} from '../command.js';
import { decodeCursor, etagOf, presentExchange, presentStage, presentSummary, presentersOf } from '../present.js';
import { ProblemError, problem, problemResponses } from '../problem.js';
import { sendPresented } from '../rendered.js';
import { sendCsv } from '../csv.js';
import { EXCHANGE_TABLE } from '../csv-tables.js';
import { everyExchange } from '../every-exchange.js';
import { CSV_TYPE } from '../negotiation.js';
import { WorldTimeSchema } from '../schemas/common.js';
import {
  AccountBody,
  AgreeBody,
  CloseBody,
  CompleteBody,
  CounterBody,
  ExchangeAccording,
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

const StageCreated = z
  .object({
    stage: StageView,
    exchange: ExchangeSummary,
  })
  .meta({
    id: 'StageCreated',
    description: 'The stage and the exchange (without its stages), both under the default reading.',
  });

type StageReportBody = Pick<z.infer<typeof StageBody>, 'sides' | 'reportedBy' | 'accounts'>;

/** The figures of a stage as sent → the decider's report: one account (`sides`) or several; null: none. */
function reportOf(b: StageReportBody): StageReport | null {
  if (b.accounts) {
    return {
      form: 'accounts',
      accounts: b.accounts.map((a) => ({
        reportedBy: a.reportedBy,
        sides: a.sides,
        source: sourceOf(a.source),
        note: a.note ?? null,
      })),
    };
  }
  if (b.sides) return { form: 'sides', reportedBy: b.reportedBy ?? null, sides: b.sides };
  return null;
}

type TermsAccountsBody = z.infer<typeof ProposeBody>['termsAccounts'];

const termsAccountsOf = (accounts: TermsAccountsBody) =>
  (accounts ?? []).map((a) => ({
    reportedBy: a.reportedBy,
    sides: a.sides,
    source: sourceOf(a.source),
    note: a.note ?? null,
  }));

export const exchangeRoutes: FastifyPluginAsyncZod<{ store: LedgerStore; ledger: Ledger }> = async (
  app,
  { store, ledger },
) => {
  const okExchange = (status: number) => async (w: ExchangeWritten) => ({
    status,
    headers: { etag: etagOf(w.state.version), 'content-type': 'application/json; charset=utf-8' },
    body: presentExchange(await w.withStages(), FIRST),
  });

  app.post(
    '/v1/exchanges',
    {
      config: { role: 'recorder' },
      schema: {
        operationId: 'proposeExchange',
        summary: 'Propose an exchange',
        tags: ['exchanges'],
        description:
          'Records a proposal between two registered parties. The exchange starts in status `proposed`. `termsAccounts` may add reporters’ own accounts of the terms.',
        headers: idempotencyHeader,
        body: ProposeBody,
        response: { 201: ExchangeView, ...problemResponses(400, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const exchangeId = uuidv7();
      const command: LedgerCommand = {
        action: 'propose',
        exchangeId,
        kind: b.kind,
        proposedBy: b.proposedBy,
        sides: b.sides,
        title: b.title ?? null,
        mediator: b.mediator ?? null,
        termsAccounts: termsAccountsOf(b.termsAccounts),
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
          'Oldest proposal first, each exchange without its stages (GET the exchange for those), its figures under the reading `according` names. Pages never skip or repeat an exchange while others write: the order is by the immutable proposal date and sequence. With `Accept: text/csv` the answer is every exchange the filters select, streamed, one row each: `limit` is ignored (the file is the whole filtered list) and `cursor`, if given, starts it after that position.',
        querystring: ExchangeListQuery,
        response: { 200: ExchangePage, ...problemResponses(400) },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const reading = await exchangeReadingOf(store, q.according);
      const present = presentersOf(reading);
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
            for await (const x of everyExchange(store, filters)) yield present.summary(x);
          })(),
        );
      }
      const page = await store.listExchanges({ ...filters, limit: q.limit });
      return sendPresented(reply, page, present.page);
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
        description:
          'Its current state, with sides (terms and delivered) and stages, each stage with every account of it; the figures are under the reading `according` names (default: each stage’s first account). The ETag is its version.',
        params: ExchangeIdParams,
        querystring: z.strictObject({
          according: ExchangeAccording,
          asOf: WorldTimeSchema.optional().meta({
            description:
              'The exchange as it stood at this world time (its events with occurredAt ≤ asOf, a transition counting from no earlier than the transitions before it and a stage from no earlier than the agreement); 404 if not yet proposed then.',
          }),
        }),
        response: { 200: ExchangeView, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const { asOf, according } = request.query;
      const reading = await exchangeReadingOf(store, according);
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
      if (!asOf) reply.header('etag', etagOf(state.state.version));
      return sendPresented(reply, state, presentersOf(reading).exchange);
    },
  );

  app.get(
    '/v1/exchanges/:id/stages/:stageId',
    {
      config: { role: 'reader' },
      schema: {
        operationId: 'getStage',
        summary: 'Read one stage of an exchange',
        description: 'The stage with every account of it; its figures under the reading `according` names.',
        tags: ['exchanges'],
        params: StageParams,
        querystring: z.strictObject({ according: ExchangeAccording }),
        response: { 200: StageView, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const reading = await exchangeReadingOf(store, request.query.according);
      const stage = await store.getStage(request.params.id, request.params.stageId);
      if (!stage)
        throw new ProblemError(
          problem('not-found', `no stage ${request.params.stageId} in exchange ${request.params.id}`),
        );
      return presentStage(stage, reading);
    },
  );

  /** The transitions share one shape: a body, a command, the exchange back with its ETag. */
  const transition = <B extends z.ZodType>(
    path: string,
    operationId: string,
    summary: string,
    description: string,
    body: B,
    toCommand: (b: z.infer<B>, params: { id: string; stageId?: string }) => LedgerCommand,
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
    'By the party that did not make the standing proposal: replaces the terms, and that party becomes the proposer. The accounts of the terms given before do not stand for the new terms: `termsAccounts` gives those of these.',
    CounterBody,
    (b) => ({
      action: 'counter',
      by: b.by,
      sides: b.sides,
      termsAccounts: termsAccountsOf(b.termsAccounts),
      ...provenanceOf(b),
    }),
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
    'Optionally with a last tranche (`sides`, with an optional `reportedBy`, or `accounts`), recorded as a final stage. Delivered may differ from the terms: the variance is shown, not refused. No transition follows; stages handed over later are recorded as stages (`afterCompletion`).',
    CompleteBody,
    (b) => ({ action: 'complete', stageId: uuidv7(), report: reportOf(b), ...provenanceOf(b) }),
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
          'One tranche actually carried out, as `sides` (one account, with an optional `reportedBy`) or `accounts` (one or more, each with its reporter, source and note). A party left out of the first account handed over nobody in it; a count may be null (not disclosed), approximate, or broken down by kind. Stages may arrive in any order of date, but none before the agreement. On a completed exchange the stage is a late handover (`afterCompletion`), not before the completion.',
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
        command: { action: 'recordStage', stageId, report: reportOf(request.body)!, ...provenanceOf(request.body) },
        principal: request.principal,
        now: nowIso(),
        idempotency: idempotencyClaim(request),
        expectedVersion: expectedVersion(request),
        respond: respondWith((w: ExchangeWritten) => stageAnswer(w, w.recorded[0]!)),
      });
      return sendOutcome(reply, outcome);
    },
  );

  app.post(
    '/v1/exchanges/:id/stages/:stageId/accounts',
    {
      config: { role: 'recorder' },
      schema: {
        operationId: 'addStageAccount',
        summary: 'Add a later account of a stage',
        tags: ['exchanges'],
        description:
          'Another reporter’s account of a stage already recorded (UA’s count beside RU’s, an observer’s): an event of its own, nothing is replaced. It may give one side only; under `according=<reporter>` its figures count, side by side, where it gives them. Not before the stage, not on a voided stage (409), by a registered reporter (422). A stage of another exchange is not found (404).',
        params: StageParams,
        headers: ifMatchHeader,
        body: AccountBody,
        response: { 201: StageCreated, ...problemResponses(400, 404, 409, 412, 413, 415, 422) },
      },
    },
    async (request, reply) => {
      const { stageId } = request.params;
      const b = request.body;
      const outcome = await ledger.executeExchange({
        exchangeId: request.params.id,
        command: { action: 'addAccount', stageId, reportedBy: b.reportedBy, sides: b.sides, ...provenanceOf(b) },
        principal: request.principal,
        now: nowIso(),
        idempotency: idempotencyClaim(request),
        expectedVersion: expectedVersion(request),
        respond: respondWith((w: ExchangeWritten) => stageAnswer(w, w.changed.find((s) => s.id === stageId)!)),
      });
      return sendOutcome(reply, outcome);
    },
  );
};

/** A stage recorded or given another account: 201, the stage and the exchange without its stages. */
function stageAnswer(w: ExchangeWritten, stage: ExchangeWritten['recorded'][number]) {
  const parties = w.state.sides.map((s) => s.party);
  return {
    status: 201,
    headers: {
      etag: etagOf(w.state.version),
      location: `/v1/exchanges/${w.state.id}/stages/${stage.id}`,
      'content-type': 'application/json; charset=utf-8',
    },
    body: { stage: presentStage(stage, FIRST, parties), exchange: presentSummary(w) },
  };
}
