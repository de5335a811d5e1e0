import { parseArgs } from 'node:util';
import { Ledger } from '../ledger/ledger.js';
import { loadConfig } from '../config.js';
import { applySteps, freshExchangeId } from '../seed/apply.js';
import { syntheticLedger } from '../seed/synthetic.js';
import { openStore } from '../server.js';
import { progressReporter } from './progress.js';

/**
 * `npm run seed -- --events 1000000 [--seed 2025]`: a realistic synthetic ledger in
 * DATABASE_URL (many parties, all kinds, years of back-filled dates), recorded through the
 * same rules as the API. For benchmarks and demos; never on a real ledger.
 */
const { values } = parseArgs({
  options: { events: { type: 'string', default: '10000' }, seed: { type: 'string', default: '2025' } },
});
const events = Number(values.events);
if (!Number.isInteger(events) || events < 1) {
  console.error('usage: npm run seed -- --events N [--seed S]');
  process.exit(2);
}
const store = await openStore(loadConfig());
try {
  if ((await store.head()).sequence !== 0) {
    console.error('refused: the ledger is not empty; seed an empty database (set DATABASE_URL to a new file)');
    process.exitCode = 1;
  } else {
    const progress = progressReporter('seed');
    await applySteps(new Ledger(store), syntheticLedger({ events, seed: Number(values.seed), idOf: freshExchangeId }), {
      onProgress: (n) => progress.update(n, events),
    });
    const head = await store.head();
    progress.finish(head.sequence);
    console.log(JSON.stringify({ events: head.sequence, head }, null, 2));
  }
} finally {
  await store.close();
}
