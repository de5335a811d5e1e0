import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { uuidv7 } from '../../ids.js';
import { z } from 'zod';
import type { KeyStore } from '../../store/key-store.js';
import { nowIso } from '../command.js';
import { ROLES } from '../auth/roles.js';
import { digestOf, newSecret } from '../auth/secrets.js';
import { ProblemError, problem, problemResponses } from '../problem.js';
import { requiredText } from '../schemas/common.js';

const KeyView = z
  .object({
    id: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    createdAt: z.string(),
    createdBy: z.string(),
    revokedAt: z.string().nullable(),
    revokedBy: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });

const CreatedKey = KeyView.extend({
  secret: z.string().meta({ description: 'The bearer secret. Shown this once: only its digest is kept.' }),
}).meta({ id: 'CreatedApiKey' });

const CreateKeyBody = z
  .strictObject({ name: requiredText(200), role: z.enum(ROLES) })
  .meta({ id: 'CreateApiKey', examples: [{ name: 'ombudsman office recorder', role: 'recorder' }] });

export const keyRoutes: FastifyPluginAsyncZod<{ keys: KeyStore }> = async (app, { keys }) => {
  app.post(
    '/v1/keys',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'createApiKey',
        summary: 'Create an API key',
        tags: ['keys'],
        description:
          'Answers with the secret, this once. Idempotency-Key is refused here: replaying the answer would mean storing the secret.',
        body: CreateKeyBody,
        response: { 201: CreatedKey, ...problemResponses(400) },
      },
    },
    async (request, reply) => {
      if (request.headers['idempotency-key'] !== undefined) {
        throw new ProblemError(
          problem(
            'validation-failed',
            'Idempotency-Key is not accepted when creating a key: its answer holds a secret that is never stored',
            {
              errors: [{ path: 'Idempotency-Key', message: 'not accepted on this operation' }],
            },
          ),
        );
      }
      const secret = newSecret();
      const key = {
        id: uuidv7(),
        name: request.body.name,
        role: request.body.role,
        createdAt: nowIso(),
        createdBy: request.principal,
      };
      await keys.createKey({ ...key, digest: digestOf(secret) });
      return reply
        .code(201)
        .header('location', `/v1/keys/${key.id}`)
        .send({ ...key, revokedAt: null, revokedBy: null, secret });
    },
  );

  app.get(
    '/v1/keys',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'listApiKeys',
        summary: 'List API keys (never their secrets)',
        tags: ['keys'],
        querystring: z.strictObject({}),
        response: { 200: z.object({ data: z.array(KeyView) }), ...problemResponses(400) },
      },
    },
    async () => ({ data: await keys.listKeys() }),
  );

  app.delete(
    '/v1/keys/:id',
    {
      config: { role: 'admin' },
      schema: {
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key',
        tags: ['keys'],
        description: 'Takes effect at once: the next request with this key is refused.',
        params: z.strictObject({ id: z.string().min(1).max(64) }),
        response: { 200: KeyView, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const key = await keys.revokeKey(request.params.id, request.principal, nowIso());
      if (!key) throw new ProblemError(problem('not-found', `no API key ${request.params.id}`));
      return key;
    },
  );
};
