import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from './config.js';
import { registerErrorHandling } from './http/errors.js';
import { swaggerOptions } from './http/openapi.js';
import { registerDevPrincipal } from './http/principal.js';
import { exchangeRoutes } from './http/routes/exchanges.js';
import { healthRoutes } from './http/routes/health.js';
import { ledgerRoutes } from './http/routes/ledger.js';
import { partyRoutes } from './http/routes/parties.js';
import { PROJECT_ROOT, MIGRATIONS_FOLDER } from './paths.js';
import type { LedgerStore } from './store/ledger-store.js';
import { sqlitePathOf } from './store/sqlite/connection.js';
import { SqliteLedgerStore } from './store/sqlite/sqlite-store.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const VERSION = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** 1 MiB: far above any real command, small enough that a hostile body costs nothing. */
export const BODY_LIMIT = 1024 * 1024;

export function openStore(config: Pick<Config, 'databaseUrl'>): LedgerStore {
  return SqliteLedgerStore.open(sqlitePathOf(config.databaseUrl), MIGRATIONS_FOLDER);
}

/** The composition root: every part of the service is wired here and nowhere else. */
export async function buildServer(config: Config, store: LedgerStore): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: config.logLevel, redact: ['req.headers.authorization'] },
    bodyLimit: BODY_LIMIT,
    return503OnClosing: true,
    ajv: undefined,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Only JSON bodies are accepted: anything else is 415, not parsed as text.
  app.removeContentTypeParser(['text/plain']);
  registerErrorHandling(app);
  registerDevPrincipal(app);

  await app.register(swagger, swaggerOptions(VERSION));
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes, { store });
  await app.register(partyRoutes, { store });
  await app.register(exchangeRoutes, { store });
  await app.register(ledgerRoutes, { store });
  return app;
}
