import type { RecordedEvent } from './events.js';
import { recordedUrlFault, textFault } from './text.js';

/** A field of a recorded event that holds what this build would not accept. */
export interface TextFinding {
  /** Dotted, from the event: `source.url`, `note`, `data.title`. */
  path: string;
  message: string;
}

/**
 * The fields of an event that hold text outside today's rule (src/domain/text.ts): written
 * by an earlier build, or into the file directly. Empty for every event this build writes.
 */
export function unacceptedTextOf(event: Pick<RecordedEvent, 'data' | 'source' | 'note'>): TextFinding[] {
  const found: TextFinding[] = [];
  walk(event.data, 'data', found);
  if (event.source) {
    const { url, ...rest } = event.source;
    walk(rest, 'source', found);
    if (typeof url === 'string') {
      const fault = recordedUrlFault(url);
      if (fault) found.push({ path: 'source.url', message: fault });
    }
  }
  walk(event.note, 'note', found);
  return found;
}

function walk(value: unknown, path: string, found: TextFinding[]): void {
  if (typeof value === 'string') {
    const fault = textFault(value);
    if (fault) found.push({ path, message: fault });
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) walk(value[i], `${path}.${i}`, found);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`, found);
  }
}

/** Events of a ledger that hold such text: how many, and the first fields, in ledger order (verify's report). */
export interface UnacceptedText {
  events: number;
  first: ({ sequence: number; eventId: string } & TextFinding)[];
}
