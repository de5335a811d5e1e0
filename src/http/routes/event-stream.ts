import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { LedgerSignal } from '../../feed/ledger-signal.js';
import type { LedgerStore } from '../../store/ledger-store.js';
import { presentEventSafely } from '../present-event.js';
import { problemResponses } from '../problem.js';
import { EventStreamBody, EventStreamHeaders, EventStreamQuery } from '../schemas/event-stream.js';
import { SSE_CONTENT_TYPE, sseComment, sseEvent, sseRetry } from '../sse.js';

export interface EventStreamOptions {
  /** A heartbeat comment after this long without anything sent (ms). */
  heartbeatMs: number;
  /** Events read from the store at a time, and written to the client in one piece. */
  pageSize: number;
  /** The reconnection delay the stream asks its clients for (ms). */
  reconnectMs: number;
}

export const DEFAULT_EVENT_STREAM: EventStreamOptions & { pollMs: number } = {
  heartbeatMs: 15_000,
  pageSize: 500,
  reconnectMs: 2_000,
  // Another instance's write reaches this instance's feeds within this long (no change source).
  pollMs: 1_000,
};

interface OpenStream {
  stop: () => void;
  done: Promise<void>;
}

interface EventStreamPlugin {
  store: LedgerStore;
  signal: LedgerSignal;
  stream: EventStreamOptions;
}

/**
 * GET /v1/events/stream: the ledger as Server-Sent Events. Each stream reads the events from
 * the store, page by page from where the client stands, and waits on the ledger signal for
 * more: what it sends is the store's order, the same on every instance that shares the
 * database, and a client that reconnects anywhere with its last id misses nothing.
 *
 * The response is taken out of Fastify's hands (hijacked), so it is written here: headers,
 * backpressure, the end. Open streams are ended when the service closes (preClose), before
 * the server waits for its connections, so that closing never waits on a client.
 */
export const eventStreamRoutes: FastifyPluginAsyncZod<EventStreamPlugin> = async (app, plugin) => {
  const { store, signal, stream: options } = plugin;
  const open = new Set<OpenStream>();
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
    const streams = [...open];
    for (const s of streams) s.stop();
    await Promise.all(streams.map((s) => s.done));
    signal.close();
  });

  app.get(
    '/v1/events/stream',
    {
      config: { role: 'reader' },
      schema: {
        operationId: 'streamEvents',
        summary: 'The ledger, live (Server-Sent Events)',
        tags: ['ledger'],
        description: [
          'Every event after `after` (or after `Last-Event-ID`), in ledger order, then each new event as it is',
          'recorded on any instance, as Server-Sent Events. One request for as long as it stays open (it counts once',
          'against the rate limit). The stream ends when the service stops; a client reconnects with `Last-Event-ID`',
          'and goes on with nothing skipped or repeated.',
        ].join(' '),
        querystring: EventStreamQuery,
        headers: EventStreamHeaders,
        response: {
          200: { description: 'The event stream', content: { 'text/event-stream': { schema: EventStreamBody } } },
          ...problemResponses(400),
        },
      },
    },
    async (request, reply) => {
      const lastEventId = request.headers['last-event-id'];
      const from = lastEventId ? Number(lastEventId) : (request.query.after ?? 0);
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        // What the hooks set so far (the rate limit's headers).
        ...(reply.getHeaders() as OutgoingHttpHeaders),
        'content-type': SSE_CONTENT_TYPE,
        'cache-control': 'no-store',
        // Buffering proxies (nginx) would hold the events back.
        'x-accel-buffering': 'no',
        // A reconnection is always a new connection: never a kept-alive socket of an instance
        // that is closing (which would answer 503, and EventSource gives up on a non-200).
        connection: 'close',
      });
      if (request.method === 'HEAD') {
        raw.end();
        return;
      }
      // Past its authentication when the service began to close: no stream to follow, come back.
      if (closing) {
        raw.end(sseRetry(options.reconnectMs));
        return;
      }
      const stopped = new AbortController();
      const stop = () => stopped.abort();
      raw.on('close', stop);
      const entry: OpenStream = { stop, done: Promise.resolve() };
      entry.done = follow(raw, from, stopped.signal, request.log).finally(() => {
        open.delete(entry);
        raw.off('close', stop);
        if (!raw.writableEnded) raw.end();
      });
      open.add(entry);
    },
  );

  /** Sends the events after `from`, then waits for more, until the client goes or the service stops. */
  async function follow(raw: ServerResponse, from: number, stop: AbortSignal, log: FastifyBaseLogger): Promise<void> {
    let cursor = from;
    let sentAt = Date.now();
    const send = async (chunk: string) => {
      sentAt = Date.now();
      if (!raw.write(chunk)) await drained(raw, stop);
    };
    try {
      await send(sseRetry(options.reconnectMs));
      while (!stop.aborted) {
        const seen = signal.generation;
        const page = await store.ledgerEvents(cursor, options.pageSize);
        if (stop.aborted) break;
        if (page.length > 0) {
          cursor = page.at(-1)!.sequence;
          await send(page.map((e) => sseEvent(e.sequence, e.type, presentEventSafely(e))).join(''));
          // More may be waiting: read on, giving other requests their turn between pages.
          if (page.length === options.pageSize) {
            await nextTurn();
            continue;
          }
        }
        const woke = await signal.changedSince(seen, Math.max(0, sentAt + options.heartbeatMs - Date.now()), stop);
        if (woke === 'timeout') await send(sseComment('heartbeat'));
      }
    } catch (err) {
      // Headers are sent: the stream can only end. The client reconnects with its last id.
      log.error({ err }, 'event stream failed');
    }
    if (!raw.destroyed && !raw.writableEnded) raw.end(sseComment(`end at ${cursor}; reconnect with Last-Event-ID`));
    log.info({ from, upTo: cursor }, 'event stream ended');
  }
};

/** Resolves when the client has taken what was written, or has gone, or the stream stops. */
function drained(raw: ServerResponse, stop: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      raw.off('drain', done);
      raw.off('close', done);
      stop.removeEventListener('abort', done);
      resolve();
    };
    raw.on('drain', done);
    raw.on('close', done);
    stop.addEventListener('abort', done, { once: true });
  });
}
