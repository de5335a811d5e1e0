import fastJson from 'fast-json-stringify';
import { z } from 'zod';

/**
 * Response serialisation compiled once per route from the zod schema (zod → JSON Schema →
 * fast-json-stringify): only the documented fields leave the service, without paying zod's
 * encode on every response. The tests check every response against the OpenAPI document.
 */
export function fastSerializerCompiler({ schema }: { schema: unknown }): (data: unknown) => string {
  // Compiled at the first response that needs it, not at start: most routes have several error
  // answers that are rarely sent, and compiling them all would add a fifth to the start-up time.
  let compiled: ((data: unknown) => string) | null = null;
  const ensure = () => (compiled ??= compile(schema));
  notYetCompiled.add(ensure);
  let serialise = (data: unknown): string => {
    notYetCompiled.delete(ensure);
    serialise = ensure();
    return serialise(data);
  };
  return (data) => serialise(data);
}

const notYetCompiled = new Set<() => unknown>();

/** Compiles every serialiser not yet used: the tests call it to prove that each one compiles. */
export function compileAllSerialisers(): number {
  const n = notYetCompiled.size;
  for (const ensure of notYetCompiled) ensure();
  notYetCompiled.clear();
  return n;
}

function compile(schema: unknown): (data: unknown) => string {
  const zodSchema = (
    schema instanceof z.ZodType ? schema : (schema as { properties: z.ZodType }).properties
  ) as z.ZodType;
  // A fresh registry: no ids, so every schema is inlined (no $refs to resolve).
  const json = z.toJSONSchema(zodSchema, {
    io: 'output',
    target: 'draft-7',
    metadata: z.registry(),
    unrepresentable: 'any',
  });
  return fastJson(json as Parameters<typeof fastJson>[0]);
}
