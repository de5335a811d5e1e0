import type { z } from 'zod';
import { unacceptedTextOf } from '../domain/event-text.js';
import type { RecordedEvent } from '../domain/events.js';
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
 * export keeps the event as recorded). An event this build wrote is shown unchanged.
 */
export function presentEventSafely(e: RecordedEvent): z.infer<typeof EventView> {
  const event = presentEvent(e);
  const found = unacceptedTextOf(e);
  if (found.length === 0) return event;
  let source = event.source;
  const unacceptedText = found.map(({ path, message }) => {
    let shown: Shown = 'as recorded';
    if (path === 'source.url' && source?.url !== undefined) {
      const verdict = recordableUrl(source.url);
      const { url: _recorded, ...rest } = source;
      source = verdict.ok ? { ...rest, url: verdict.url } : rest;
      shown = verdict.ok ? 'normalised' : 'left out';
    }
    return { path, message, shown };
  });
  return { ...event, source, unacceptedText };
}
