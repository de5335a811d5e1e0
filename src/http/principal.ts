import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is writing: an API key id, `master`, or `dev` when the service runs without auth. */
    principal: string;
  }
}

/** Development mode: no authentication, and every event records the principal `dev`. */
export function registerDevPrincipal(app: FastifyInstance): void {
  app.decorateRequest('principal', 'dev');
}
