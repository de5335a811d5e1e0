import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig, storeKindOf } from './config.js';
import { buildServer, openStore } from './server.js';
import type { LedgerStore } from './store/ledger-store.js';

/** The process entry: configuration, store, server, and a graceful stop on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  let store: LedgerStore | undefined;
  let app: Awaited<ReturnType<typeof buildServer>>;
  try {
    store = await openStore(config);
    app = await buildServer(config, store);
  } catch (e) {
    // An unreachable or wrong database (or Redis) is the operator's to fix: one line, no stack.
    console.error(`cannot start: ${e instanceof Error ? e.message : String(e)}`);
    await store?.close().catch(() => {});
    process.exit(1);
  }
  if (storeKindOf(config.databaseUrl) === 'postgres' && config.redisUrl === null) {
    app.log.warn(
      'REDIS_URL is not set: rate limits and failed-authentication counts are kept per instance, not shared by all instances',
    );
  }
  if (!config.masterKey) {
    const warning =
      'NO AUTHENTICATION: LEDGER_MASTER_KEY is not set, so anyone who can reach this port can write to the ledger. Development mode only.';
    app.log.warn(warning);
    // Also straight to stderr: LOG_LEVEL=error or silent must not hide it.
    if (['fatal', 'error', 'silent'].includes(config.logLevel)) console.error(`WARNING: ${warning}`);
  }

  // Stop taking connections, let in-flight requests finish, then close the database.
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'stopping after an error');
    else app.log.info({ signal }, 'stopping');
    await app.close();
    await store.close();
  });

  await app.listen({ port: config.port, host: config.host });
}

await main();
