import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { negotiate } from './media-range.js';
import { ProblemError, problem, problemResponses } from './problem.js';

export const JSON_TYPE = 'application/json';
export const CSV_TYPE = 'text/csv';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route also answers as CSV, in this table's columns (http/csv.ts). */
    csv?: { readonly headers: readonly string[] };
    /** The media types the route answers in, the preferred first; worked out as the route is added. */
    representations?: readonly [string, ...string[]] | null;
  }
  interface FastifyRequest {
    /** The media type the answer comes in, chosen from the Accept header. */
    representation: string;
  }
}

type Schema = { response?: Record<string, unknown>; hide?: boolean };

/**
 * What a route's successful answer comes in: the media types its first 2xx answer documents
 * (JSON unless it says otherwise), then CSV if it has a table. The docs UI serves its own
 * pages and assets and is left alone (null).
 */
function representationsOf(route: RouteOptions): readonly [string, ...string[]] | null {
  if (route.url.startsWith('/docs')) return null;
  const response = (route.schema as Schema | undefined)?.response ?? {};
  const success = Object.keys(response)
    .filter((s) => /^2\d\d$/.test(s))
    .sort()[0];
  const content =
    success === undefined ? undefined : (response[success] as { content?: Record<string, unknown> }).content;
  const documented = content && typeof content === 'object' ? Object.keys(content) : [JSON_TYPE];
  const csv = (route.config as { csv?: unknown } | undefined)?.csv ? [CSV_TYPE] : [];
  return [...new Set([...documented, ...csv])] as [string, ...string[]];
}

function documentNegotiation(route: RouteOptions): void {
  const representations = representationsOf(route);
  route.config = { ...(route.config as object), representations } as typeof route.config;
  const schema = route.schema as Schema | undefined;
  if (representations && schema && !schema.hide) schema.response = { ...schema.response, ...problemResponses(406) };
  // On the route itself, its media types at hand: nothing looked up per request, and no hook
  // at all where there is nothing to choose (the docs UI).
  if (representations) route.preValidation = [negotiator(representations), ...[route.preValidation ?? []].flat()];
}

function negotiator(offered: readonly [string, ...string[]]) {
  const vary = offered.length > 1;
  return (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    if (vary) reply.header('vary', 'accept');
    const chosen = negotiate(request.headers.accept, offered);
    if (chosen === null) {
      return done(
        new ProblemError(
          problem(
            'not-acceptable',
            `this answer comes as ${offered.join(' or ')}; the Accept header allows none of them`,
          ),
        ),
      );
    }
    request.representation = chosen;
    done();
  };
}

/**
 * Every route answers in the media types it documents and no other: an Accept header that
 * allows none of them is 406 problem+json (errors are problem+json whatever was asked). It is
 * decided after authentication and the rate limit, before the request is validated. A route
 * with several representations says so to caches (`Vary: Accept`).
 */
export function registerNegotiation(app: FastifyInstance): void {
  app.decorateRequest('representation', JSON_TYPE);
  app.addHook('onRoute', documentNegotiation);
}
