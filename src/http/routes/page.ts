import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { loadPage, type PageFile } from '../page/assets.js';
import { acceptsGzip, CACHE_ASSET, CACHE_INDEX, PAGE_HEADERS } from '../page/headers.js';
import { PROBLEM_CONTENT_TYPE, problem } from '../problem.js';

/** If-None-Match (RFC 9110 §13.1.2): `*` or a list of entity tags, weak ones compared weakly. */
const matches = (header: string | undefined, etag: string) =>
  header !== undefined &&
  (header.trim() === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag));

/**
 * The read-only page at `/` and its assets: public like /docs, outside the OpenAPI document.
 * The page holds no data: it reads the API in the browser, with the reader's own key.
 * Its files are read once, at start, from the folder scripts/build-page.ts writes.
 */
export const pageRoutes: FastifyPluginAsync<{ dir: string }> = async (app, { dir }) => {
  const page = loadPage(dir);
  const route = { config: { role: 'public' as const }, schema: { hide: true } };

  const send = (request: FastifyRequest, reply: FastifyReply, file: PageFile, cacheControl: string) => {
    reply
      .headers(PAGE_HEADERS)
      .header('cache-control', cacheControl)
      .header('etag', file.etag)
      .header('vary', 'accept-encoding');
    if (matches(request.headers['if-none-match'], file.etag)) return reply.code(304).send();
    reply.type(file.contentType);
    if (acceptsGzip(request.headers['accept-encoding']))
      return reply.header('content-encoding', 'gzip').send(file.gzipped);
    return reply.send(file.body);
  };

  if (page === null) {
    app.log.warn({ dir }, 'the page at / is not built: run npm run build');
    app.get('/', route, async (_request, reply) =>
      reply
        .code(503)
        .type(PROBLEM_CONTENT_TYPE)
        .send(problem('not-ready', 'the page is not built: run npm run build (or npm run build:page)')),
    );
    return;
  }

  app.get('/', route, async (request, reply) => send(request, reply, page.index, CACHE_INDEX));

  app.get('/assets/:name', route, async (request, reply) => {
    const file = page.assets.get((request.params as { name: string }).name);
    if (!file)
      return reply.code(404).type(PROBLEM_CONTENT_TYPE).send(problem('not-found', 'no such asset of the page'));
    return send(request, reply, file, CACHE_ASSET);
  });
};
