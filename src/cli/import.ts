import { ImportRefusal, readExport } from '../audit/ndjson.js';
import { loadConfig } from '../config.js';
import type { ImportReport } from '../ledger/import.js';
import { Ledger } from '../ledger/ledger.js';
import { openStore } from '../server.js';
import { progressReporter } from './progress.js';

/**
 * `npm run import -- FILE`: restore an export into an empty ledger (DATABASE_URL), replaying
 * every event through the same rules and checking the chain as it goes. All or nothing.
 */
const file = process.argv[2];
if (!file) {
  console.error('usage: npm run import -- FILE');
  process.exit(2);
}
const store = await openStore(loadConfig());
try {
  const progress = progressReporter('import');
  let report: ImportReport;
  try {
    report = await new Ledger(store).importLedger(readExport(file), (done, total) => progress.update(done, total));
  } catch (e) {
    if (!(e instanceof ImportRefusal)) throw e;
    report = { ok: false as const, line: e.line, reason: e.message };
  }
  if (report.ok) {
    progress.finish(report.events);
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.error(`refused: line ${report.line}: ${report.reason}; nothing was imported`);
    process.exitCode = 1;
  }
} finally {
  await store.close();
}
