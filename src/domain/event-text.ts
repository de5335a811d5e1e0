import type { Source } from './vocabulary.js';
import { recordedUrlFault, textFault } from './text.js';

/** A field of a recorded event that holds what this build would not accept. */
export interface TextFinding {
  /** Dotted, from the event: `source.url`, `note`, `data.title`, `data.accounts.0.source.url`. */
  path: string;
  message: string;
}

/** What the rule reads of an event: its data, source and note (any event type, old or new). */
export interface EventText {
  data: unknown;
  source: Source | null;
  note: string | null;
}

/**
 * The fields of an event that hold text outside today's rule (src/domain/text.ts): written
 * by an earlier build, or into the file directly. Empty for every event this build writes.
 * A source inside the data (an account's, in StageReported and TermsReported) is held to the
 * same rule as the event's own: its URL to the URL rule, its other fields to the text rule.
 */
export function unacceptedTextOf(event: EventText): TextFinding[] {
  const found: TextFinding[] = [];
  walk(event.data, 'data', found);
  if (event.source) walkSource(event.source, 'source', found);
  walk(event.note, 'note', found);
  return found;
}

function walkSource(source: object, path: string, found: TextFinding[]): void {
  const { url, ...rest } = source as { url?: unknown };
  walk(rest, path, found);
  if (typeof url === 'string') {
    const fault = recordedUrlFault(url);
    if (fault) found.push({ path: `${path}.url`, message: fault });
  } else walk(url, `${path}.url`, found);
}

function walk(value: unknown, path: string, found: TextFinding[]): void {
  if (typeof value === 'string') {
    const fault = textFault(value);
    if (fault) found.push({ path, message: fault });
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) walk(value[i], `${path}.${i}`, found);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'source' && typeof v === 'object' && v !== null && !Array.isArray(v))
        walkSource(v, `${path}.${k}`, found);
      else walk(v, `${path}.${k}`, found);
    }
  }
}

/** Events of a ledger that hold such text: how many, and the first fields, in ledger order (verify's report). */
export interface UnacceptedText {
  events: number;
  first: ({ sequence: number; eventId: string } & TextFinding)[];
}
