import type { FastifyInstance } from 'fastify';

/** The methods the service routes (Fastify adds HEAD beside every GET). */
const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'] as const;

/**
 * The methods some route answers at this URL (its path, with the router's own decoding),
 * in alphabetical order: empty when no route has the path at all. It is asked only for
 * requests no route took, so its cost is off every routed request.
 */
export function methodsAt(app: FastifyInstance, url: string): string[] {
  return METHODS.filter((method) => app.findRoute({ method, url }) !== null);
}
