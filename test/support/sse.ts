import { EventSource } from 'eventsource';
import { EXCHANGE_EVENTS } from '../../src/domain/events.js';

/** Every event type of the ledger: EventSource hands a named event only to a listener of that name. */
export const EVENT_TYPES = ['PartyRegistered', ...EXCHANGE_EVENTS];

export interface Received {
  id: string;
  type: string;
  data: { sequence: number; type: string } & Record<string, unknown>;
}

/** Waits until `ready()` holds, checking every few milliseconds; fails after `ms` with `what`. */
export async function until(ready: () => boolean, what: () => string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A real EventSource (the `eventsource` package, as a Node or browser client would use it) on
 * the live feed, collecting what it receives and the headers of every request it makes.
 */
export function followFeed(url: string, authorization?: string) {
  const received: Received[] = [];
  const requests: Headers[] = [];
  let opened = 0;
  const source = new EventSource(url, {
    fetch: (input, init) => {
      const headers = new Headers(init.headers);
      if (authorization) headers.set('authorization', authorization);
      requests.push(headers);
      return fetch(input, { ...init, headers });
    },
  });
  source.addEventListener('open', () => (opened += 1));
  for (const type of EVENT_TYPES) {
    source.addEventListener(type, (e) => {
      received.push({ id: e.lastEventId, type: e.type, data: JSON.parse(e.data as string) });
    });
  }
  return {
    source,
    received,
    requests,
    opened: () => opened,
    /** Waits until at least `n` events have arrived. */
    count: (n: number, ms?: number) =>
      until(
        () => received.length >= n,
        () => `${n} events (got ${received.length})`,
        ms,
      ),
    close: () => source.close(),
  };
}

export interface Frame {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

/** One frame of the wire format, field by field (enough for what the service sends). */
function parseFrame(block: string): Frame {
  const frame: Frame = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) frame.comment = line.slice(1).trim();
    const m = /^(id|event|data|retry): ?(.*)$/.exec(line);
    if (m) frame[m[1] as 'id'] = m[2];
  }
  return frame;
}

/**
 * The stream as raw frames, comments included (which EventSource hides): for heartbeats, the
 * end of the stream, and requests EventSource would not make (a Last-Event-ID of our choosing).
 */
export async function openRawStream(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const frames: Frame[] = [];
  let ended = false;
  const reading = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          frames.push(parseFrame(buffer.slice(0, cut)));
          buffer = buffer.slice(cut + 2);
        }
      }
    } catch {
      // aborted by close()
    }
    ended = true;
  })();
  return {
    res,
    frames,
    events: () => frames.filter((f) => f.id !== undefined),
    ended: () => ended,
    /** Resolves when the server has ended the stream. */
    finished: reading,
    waitFor: (ready: (frames: Frame[]) => boolean, what: string, ms?: number) =>
      until(
        () => ready(frames),
        () => `${what} (frames: ${JSON.stringify(frames)})`,
        ms,
      ),
    close: async () => {
      abort.abort();
      await reading;
    },
  };
}
