import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../config.js';
import { PROJECT_ROOT } from '../paths.js';
import { buildServer, openStore } from '../server.js';

/**
 * The OpenAPI document as the code generates it from the zod schemas, with a stable
 * serialisation so the committed copy (openapi/openapi.json) can be compared byte for byte.
 */
export async function generateOpenApi(): Promise<string> {
  const config = loadConfig({ DATABASE_URL: ':memory:', LOG_LEVEL: 'silent' });
  const store = await openStore(config);
  const app = await buildServer(config, store);
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
    await store.close();
  }
}

export const OPENAPI_FILE = join(PROJECT_ROOT, 'openapi', 'openapi.json');

if (import.meta.url === `file://${process.argv[1]}`) {
  mkdirSync(join(PROJECT_ROOT, 'openapi'), { recursive: true });
  writeFileSync(OPENAPI_FILE, await generateOpenApi());
  console.log(`wrote ${OPENAPI_FILE}`);
}
