import { openExistingLedger } from './existing-ledger.js';
import { progressReporter } from './progress.js';

/**
 * `npm run verify`: re-fold every event, check the hash chain, compare every read model.
 * Exit 0 when intact; 1 naming the first difference. Reads DATABASE_URL.
 */
const store = await openExistingLedger();
try {
  const progress = progressReporter('verify');
  const report = await store.verify((done, total) => progress.update(done, total));
  progress.finish(report.events);
  console.log(JSON.stringify(report, null, 2));
  process.exitCode = report.ok ? 0 : 1;
} finally {
  await store.close();
}
