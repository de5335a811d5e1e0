import type { SwaggerOptions } from '@fastify/swagger';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { csvDescription } from './csv.js';
import { CSV_TYPE, JSON_TYPE } from './negotiation.js';

type Doc = { components?: { schemas?: Record<string, unknown> } } & Record<string, unknown>;

/**
 * The zod type provider emits every named schema twice (as read: `Foo`, as written:
 * `FooInput`). Keep only the components the document uses, and give a request-only schema
 * its plain name, so the published document reads as the API does.
 */
export function tidyComponents(doc: Doc): Doc {
  let text = JSON.stringify(doc);
  const schemas = { ...(doc.components?.schemas ?? {}) };
  const refsTo = (name: string, within: string) => within.split(`"#/components/schemas/${name}"`).length - 1;
  // Drop unused components until none is left (a dropped one may be the last user of another).
  for (let changed = true; changed; ) {
    changed = false;
    const body = JSON.stringify({ ...doc, components: { ...doc.components, schemas } });
    for (const name of Object.keys(schemas)) {
      const own = refsTo(name, JSON.stringify(schemas[name]));
      if (refsTo(name, body) - own === 0) {
        delete schemas[name];
        changed = true;
      }
    }
  }
  text = JSON.stringify({ ...doc, components: { ...doc.components, schemas } });
  for (const name of Object.keys(schemas)) {
    const plain = name.replace(/Input$/, '');
    if (plain !== name && !(plain in schemas)) {
      text = text
        .replaceAll(`"#/components/schemas/${name}"`, `"#/components/schemas/${plain}"`)
        .replace(`"${name}":{`, `"${plain}":{`);
    }
  }
  return JSON.parse(text) as Doc;
}

type Transform = typeof jsonSchemaTransform;
type RouteSchema = { response?: Record<string, unknown> } & Record<string, unknown>;

/**
 * A route with a CSV table (`config.csv`) documents text/csv beside the media types of its
 * 200 answer. Only the document is changed: the route's own schema, which serialises its
 * JSON, is left as it is.
 */
const documentingCsv: Transform = (input) => {
  const csv = (input.route as { config?: { csv?: { headers: readonly string[] } } }).config?.csv;
  const schema = input.schema as RouteSchema | undefined;
  const ok = schema?.response?.[200];
  if (!csv || !schema || !ok) return jsonSchemaTransform(input);
  const asCsv = { schema: z.string().meta({ description: csvDescription(csv) }) };
  const content = (ok as { content?: Record<string, unknown> }).content;
  const withCsv = content
    ? { ...(ok as object), content: { ...content, [CSV_TYPE]: asCsv } }
    : {
        description: 'The answer as JSON, or as CSV with `Accept: text/csv`',
        content: { [JSON_TYPE]: { schema: ok }, [CSV_TYPE]: asCsv },
      };
  return jsonSchemaTransform({
    ...input,
    schema: { ...schema, response: { ...schema.response, 200: withCsv } } as typeof input.schema,
  });
};

export function swaggerOptions(version: string): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Exchange ledger',
        version,
        description:
          'A trustworthy, append-only ledger of humanitarian exchanges between parties to a conflict: what was proposed, agreed and carried out, with sources, and how many each side has handed over and received. Errors are RFC 9457 application/problem+json.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      // Relative: it resolves against wherever the document was fetched from (RFC 3986), so
      // the docs UI and generated clients reach the service that served it, on any host or port.
      servers: [{ url: '/', description: 'the service that serves this document' }],
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API key (`lgr_…`) or the master key. Not needed when the service runs in development mode.',
          },
        },
      },
      security: [{ bearerAuth: [] }],
      tags: [
        { name: 'parties', description: 'The sides to a conflict' },
        { name: 'observers', description: 'Reporters that are no side: the ICRC, a UN mission, the press' },
        { name: 'exchanges', description: 'Proposals, agreements, stages carried out' },
        { name: 'ledger', description: 'History, the whole ledger, totals' },
        {
          name: 'claims',
          description: 'Sourced statements about totals, checked against the ledger under each reading',
        },
        { name: 'keys', description: 'API keys and their roles' },
        { name: 'health', description: 'Liveness and readiness' },
      ],
    },
    transform: documentingCsv,
    transformObject: (input) =>
      tidyComponents(jsonSchemaTransformObject(input) as Doc) as ReturnType<typeof jsonSchemaTransformObject>,
  };
}
