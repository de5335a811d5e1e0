/**
 * A bound for the read targets, not a ceiling: the service's own read routes (the same source as the service's build,
 * with their validation, serialisers, error handling, store and read cache) in a Fastify
 * instance composed like server.ts but WITHOUT authentication and the rate limiter, on the
 * ledger in DB_PATH. What it reaches is the most the service could reach if a served read
 * checked no key and counted nothing.
 */
import Fastify from 'fastify';
import { validatorCompiler } from 'fastify-type-provider-zod';
import { registerAccessRules } from '../../src/http/auth/authentication.js';
import { registerErrorHandling } from '../../src/http/errors.js';
import { exchangeRoutes } from '../../src/http/routes/exchanges.js';
import { ledgerRoutes } from '../../src/http/routes/ledger.js';
import { fastSerializerCompiler } from '../../src/http/serializer.js';
import { loggerOptions, openStore } from '../../src/server.js';
import { Ledger } from '../../src/ledger/ledger.js';

const store = await openStore({ databaseUrl: `file:${process.env.DB_PATH!}` });
// The service's logger at the level the benchmark runs it with: a child logger per request is part of its work.
const app = Fastify({ logger: loggerOptions('warn') });
app.setValidatorCompiler(validatorCompiler);
app.setSerializerCompiler(fastSerializerCompiler);
registerErrorHandling(app);
// Only what the routes read of it (each route's role in its config); nothing is checked.
registerAccessRules(app);
await app.register(exchangeRoutes, { store, ledger: new Ledger(store) });
await app.register(ledgerRoutes, { store });
app.get('/ready', async () => ({ ok: true }));
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
console.log(`listening ${(app.server.address() as { port: number }).port}`);
