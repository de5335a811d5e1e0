import type { FastifyReply } from 'fastify';

/**
 * The JSON of answers whose value the store's read cache holds (src/store/read-cache.ts).
 * Those values are frozen and handed out unchanged for as long as the database is unchanged,
 * so the JSON of one is a pure function of the object itself: it is rendered once, keyed by
 * the object, and lives no longer than the cache holds it (a WeakMap entry goes with its key).
 */
const rendered = new WeakMap<object, string>();

/**
 * Sends `present(value)` through the route's own response serialiser (the schema for the
 * reply's status code, so only documented fields leave), reusing the rendering when `value`
 * is one the cache holds. Values that are not frozen (a fresh read, an as-of fold) are
 * rendered every time.
 */
export function sendPresented<T extends object>(reply: FastifyReply, value: T, present: (value: T) => unknown): FastifyReply {
  let body = rendered.get(value);
  if (body === undefined) {
    // The compiled serialisers (http/serializer.ts) return strings.
    body = reply.serialize(present(value)) as string;
    if (Object.isFrozen(value)) rendered.set(value, body);
  }
  return reply.type('application/json; charset=utf-8').send(body);
}
