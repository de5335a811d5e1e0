import type { z } from 'zod';
import { unacceptedTextOf } from '../domain/event-text.js';
import type { RecordedLedgerEvent } from '../domain/reported-events.js';
import { recordableUrl } from '../domain/text.js';
import { presentEvent } from './present.js';
import type { EventView } from './schemas/ledger.js';

type Shown = NonNullable<z.infer<typeof EventView>['unacceptedText']>[number]['shown'];

/**
 * An event for a JSON page, in the form its response schema promises, whatever an earlier
 * build recorded: a URL that is no URI would make the page unreadable (the serialiser refuses
 * it), so it is shown normalised, or left out when the rule cannot make a URL of it; other
 * text outside the rule is valid JSON and shown as recorded. Each such field is named in
 * `unacceptedText`, so that nobody takes the answer for what the hash covers (the NDJSON
 * export keeps the event as recorded). An event this build wrote is shown unchanged. A source
 * inside the data (an account's) is shown by the same rule as the event's own.
 */
export function presentEventSafely(e: RecordedLedgerEvent): z.infer<typeof EventView> {
  const event = presentEvent(e);
  const found = unacceptedTextOf(e);
  if (found.length === 0) return event;
  let source = event.source;
  let data = event.data;
  const unacceptedText = found.map(({ path, message }) => {
    let shown: Shown = 'as recorded';
    if (path === 'source.url' && source?.url !== undefined) {
      const verdict = recordableUrl(source.url);
      const { url: _recorded, ...rest } = source;
      source = verdict.ok ? { ...rest, url: verdict.url } : rest;
      shown = verdict.ok ? 'normalised' : 'left out';
    } else if (path.startsWith('data.') && path.endsWith('.source.url')) {
      const at = path.split('.').slice(1, -1);
      const held = sourceAt(data, at);
      if (held && typeof held.url === 'string') {
        const verdict = recordableUrl(held.url);
        const { url: _recorded, ...rest } = held;
        data = replacedAt(data, at, verdict.ok ? { ...rest, url: verdict.url } : rest) as Record<string, unknown>;
        shown = verdict.ok ? 'normalised' : 'left out';
      }
    }
    return { path, message, shown };
  });
  return { ...event, source, data, unacceptedText };
}

function sourceAt(value: unknown, path: readonly string[]): Record<string, unknown> | null {
  let v = value;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return null;
    v = (v as Record<string, unknown>)[k];
  }
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : null;
}

/** A copy of `value` with `replacement` at `path` (the recorded event itself is never changed). */
function replacedAt(value: unknown, path: readonly string[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [string, ...string[]];
  if (Array.isArray(value)) return value.map((v, i) => (String(i) === head ? replacedAt(v, rest, replacement) : v));
  const obj = value as Record<string, unknown>;
  return { ...obj, [head]: replacedAt(obj[head], rest, replacement) };
}
