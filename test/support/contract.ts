import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/paths.js';

type Operation = { responses: Record<string, { content?: Record<string, { schema: object }> }> };
const doc = JSON.parse(readFileSync(join(PROJECT_ROOT, 'openapi', 'openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
};

const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addSchema(doc, 'openapi.json');

/** Compiled once per response schema: compiling is what a check costs most. */
const validators = new Map<string, ReturnType<typeof ajv.compile>>();

/** What the published document does not cover (the UI, the document itself, problem-type pages, the page at / and its assets). */
const UNDOCUMENTED = [/^\/docs/, /^\/openapi\.json$/, /^\/problems\//, /^\/$/, /^\/assets\//];

/**
 * Checks every response the service sends in a test against the committed OpenAPI
 * document: the status must be documented for the operation, and a JSON body must match
 * the schema of its media type. Violations are collected, and the test harness fails on any.
 */
export function checkResponsesAgainstOpenApi(app: FastifyInstance, violations: string[]): void {
  app.addHook('onSend', async (request, reply, payload) => {
    const route = request.routeOptions.url;
    const where = `${request.method} ${request.url} → ${reply.statusCode}`;
    if (!route) {
      // No route matched: the not-found handler must still answer with a problem, 404 for an
      // unknown path, 405 with Allow for a known one asked with another method.
      if (reply.statusCode === 405) {
        if (!reply.getHeader('allow')) violations.push(`${where}: 405 without an Allow header`);
      } else if (reply.statusCode !== 404) violations.push(`${where}: unrouted answer that is not 404`);
      return payload;
    }
    if (UNDOCUMENTED.some((r) => r.test(route))) return payload;
    const path = route.replace(/:(\w+)/g, '{$1}');
    const op = doc.paths[path]?.[request.method.toLowerCase()];
    if (!op) {
      violations.push(`${where}: operation not in openapi.json`);
      return payload;
    }
    const documented = op.responses[String(reply.statusCode)];
    if (!documented) {
      violations.push(`${where}: status not documented`);
      return payload;
    }
    const mediaType = String(reply.getHeader('content-type') ?? '')
      .split(';')[0]!
      .trim();
    const media = documented.content?.[mediaType];
    if (!media) {
      violations.push(`${where}: media type ${mediaType} not documented`);
      return payload;
    }
    // JSON bodies are checked against their schema. Other media types (CSV, NDJSON, both
    // streamed) only for being documented: the CSV tests read their rows back themselves.
    if (!/^application\/([\w.-]+\+)?json$/.test(mediaType)) return payload;
    const text = typeof payload === 'string' ? payload : Buffer.isBuffer(payload) ? payload.toString('utf8') : null;
    if (text === null) {
      violations.push(`${where}: a JSON answer that is not a string or a buffer`);
      return payload;
    }
    const ref = `openapi.json#/paths/${path.replaceAll('~', '~0').replaceAll('/', '~1')}/${request.method.toLowerCase()}/responses/${reply.statusCode}/content/${mediaType.replace('/', '~1')}/schema`;
    const validate = validators.get(ref) ?? validators.set(ref, ajv.compile({ $ref: ref })).get(ref)!;
    const body = JSON.parse(text);
    if (!validate(body)) violations.push(`${where}: body does not match: ${ajv.errorsText(validate.errors)}`);
    return payload;
  });
}
