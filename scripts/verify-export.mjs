#!/usr/bin/env node
// Checks the hash chain of an exchange-ledger export (NDJSON, one event per line) without
// the service, its database or any dependency: plain Node.js 18+.
//
//   node verify-export.mjs ledger.ndjson [--head <published head hash>]
//   node verify-export.mjs part.ndjson --after N --prev <hash of event N> [--head …]
//
// A whole export must start at sequence 1 with prevHash 64 zeros, so that dropping its first
// lines is caught; a partial export (GET /v1/events?after=N) must start at N+1 with the hash of
// event N, which the checker takes from an earlier checked file or a published head. For each
// line: the sequence must follow the previous one, prevHash must be the previous line's hash, and
//   hash = hex(SHA-256(prevHash ‖ JCS(event without "hash")))
// where JCS is the JSON Canonicalization Scheme of RFC 8785. With --head, the last hash must
// equal the head the ledger published (GET /v1/ledger/head). Exit 0 when intact, 1 otherwise.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** RFC 8785 for JSON values (strings, finite numbers, booleans, null, arrays, objects). */
function jcs(value) {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('non-finite number');
    return JSON.stringify(value); // ECMAScript number serialisation, as RFC 8785 requires
  }
  if (Array.isArray(value)) return `[${value.map(jcs).join(',')}]`;
  // Keys sorted by UTF-16 code units (the default sort of JavaScript strings).
  const keys = Object.keys(value)
    .filter((k) => value[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${jcs(value[k])}`).join(',')}}`;
}

const args = process.argv.slice(2);
const headIndex = args.indexOf('--head');
const publishedHead = headIndex >= 0 ? args[headIndex + 1] : undefined;
const option = (name) => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : undefined);
const after = Number(option('--after') ?? 0);
const startHash = option('--prev') ?? '0'.repeat(64);
const optionValues = new Set([publishedHead, option('--after'), option('--prev')]);
const file = args.find((a) => !a.startsWith('--') && !optionValues.has(a));
// A flag given without its value (say, from an unset shell variable) must not skip its check.
const HASH = /^[0-9a-f]{64}$/;
const badHash = (name) => args.includes(name) && !HASH.test(option(name) ?? '');
if (
  !file ||
  !Number.isInteger(after) ||
  after < 0 ||
  after > 0 !== (option('--prev') !== undefined) ||
  badHash('--head') ||
  badHash('--prev')
) {
  console.error('usage: node verify-export.mjs FILE [--after N --prev HASH] [--head HASH]');
  process.exit(2);
}

let previous = null;
let lineNo = 0;
let events = 0;
const fail = (why) => {
  console.error(`NOT INTACT: line ${lineNo}: ${why}`);
  process.exit(1);
};
for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
  lineNo += 1;
  if (line.trim() === '') continue;
  let event;
  try {
    event = JSON.parse(line);
  } catch {
    fail('not valid JSON');
  }
  const { hash, ...body } = event;
  if (typeof hash !== 'string' || typeof body.prevHash !== 'string' || !Number.isInteger(body.sequence))
    fail('not an exported event');
  if (previous === null) {
    if (body.sequence !== after + 1)
      fail(
        `the first event is sequence ${body.sequence}, not ${after + 1} (lines are missing at the start${after ? '' : '; for a partial export give --after N --prev HASH'})`,
      );
    if (body.prevHash !== startHash)
      fail(
        after
          ? `prevHash is not the given hash of event ${after}`
          : 'the first event of a ledger must have prevHash 64 zeros',
      );
  } else {
    if (body.sequence !== previous.sequence + 1)
      fail(`sequence ${body.sequence} follows ${previous.sequence} (a line is missing or out of order)`);
    if (body.prevHash !== previous.hash)
      fail("prevHash is not the previous line's hash (a line is missing, inserted or reordered)");
  }
  const recomputed = createHash('sha256').update(body.prevHash).update(jcs(body)).digest('hex');
  if (recomputed !== hash) fail(`hash does not match the content (the line was edited): recomputed ${recomputed}`);
  previous = { sequence: body.sequence, hash };
  events += 1;
}
if (previous === null) fail('no events');
if (publishedHead !== undefined && previous.hash !== publishedHead)
  fail(`the last hash ${previous.hash} is not the published head ${publishedHead}`);
console.log(
  `intact: ${events} events, sequence ${previous.sequence}, head ${previous.hash}${publishedHead ? ' (matches the published head)' : ''}`,
);
