import type { FastifyReply } from 'fastify';

/**
 * The JSON of answers whose value the store's read cache holds (src/store/read-cache.ts).
 * Those values are frozen and handed out unchanged for as long as the database is unchanged,
 * so the JSON one presenter makes of one is a pure function of the two: it is rendered once,
 * kept per presenter and per object, and lives no longer than the cache holds the object (a
 * WeakMap entry goes with its key).
 */
const renderedBy = new WeakMap<(value: never) => unknown, WeakMap<object, string>>();

/**
 * Sends `present(value)` through the route's own response serialiser (the schema for the
 * reply's status code, so only documented fields leave), reusing the rendering when `value`
 * is one the cache holds. Values that are not frozen (a fresh read, an as-of fold) are
 * rendered every time. The body goes out as a string: a preSerialization hook, were one ever
 * added, would not see these answers.
 */
export function sendPresented<T extends object>(
  reply: FastifyReply,
  value: T,
  present: (value: T) => unknown,
): FastifyReply {
  let rendered = renderedBy.get(present);
  if (rendered === undefined) {
    rendered = new WeakMap();
    renderedBy.set(present, rendered);
  }
  let body = rendered.get(value);
  if (body === undefined) {
    // The compiled serialisers (http/serializer.ts) return strings.
    body = reply.serialize(present(value)) as string;
    if (Object.isFrozen(value)) rendered.set(value, body);
  }
  return reply.type('application/json; charset=utf-8').send(body);
}
