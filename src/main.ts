import closeWithGrace from 'close-with-grace';
import { ConfigError, loadConfig } from './config.js';
import { buildServer, openStore } from './server.js';

/** The process entry: configuration, store, server, and a graceful stop on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
  const store = await openStore(config);
  const app = await buildServer(config, store);
  if (!config.masterKey) {
    const warning = 'NO AUTHENTICATION: LEDGER_MASTER_KEY is not set, so anyone who can reach this port can write to the ledger. Development mode only.';
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
