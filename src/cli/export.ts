import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { presentEvent } from '../http/present.js';
import { openExistingLedger } from './existing-ledger.js';
import { progressReporter } from './progress.js';

/** `npm run export -- FILE`: the whole ledger as NDJSON, the same lines as GET /v1/events. */
const file = process.argv[2];
if (!file) {
  console.error('usage: npm run export -- FILE');
  process.exit(2);
}
const store = await openExistingLedger();
try {
  const total = await store.countEvents(0);
  const progress = progressReporter('export');
  const out = createWriteStream(file, 'utf8');
  let n = 0;
  for await (const e of store.exportEvents(0)) {
    if (!out.write(`${JSON.stringify(presentEvent(e))}\n`)) await once(out, 'drain');
    progress.update(++n, total);
  }
  out.end();
  await once(out, 'finish');
  progress.finish(n);
  const head = await store.head();
  console.log(JSON.stringify({ file, events: n, head }, null, 2));
} finally {
  await store.close();
}
