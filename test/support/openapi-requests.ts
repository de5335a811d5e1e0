import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Action } from '../../src/domain/vocabulary.js';
import { PROJECT_ROOT } from '../../src/paths.js';

/*
 * Requests for every operation of openapi/openapi.json, generated from its schemas: mostly
 * valid (so that the ledger grows and later requests meet exchanges in every status), and
 * mutated (wrong types, missing and extra fields, unicode edge cases, huge numbers, malformed
 * JSON, odd headers). A value that names something the ledger holds (an exchange, a stage, a
 * key) is a Ref, resolved when the request is sent against what earlier answers created, so
 * that a run replays exactly from its seed.
 */

type Schema = Record<string, any>;
export const doc = JSON.parse(readFileSync(join(PROJECT_ROOT, 'openapi', 'openapi.json'), 'utf8')) as {
  paths: Record<
    string,
    Record<
      string,
      { operationId: string; parameters?: Schema[]; requestBody?: { content: Record<string, { schema: Schema }> } }
    >
  >;
  components: { schemas: Record<string, Schema> };
};

const resolve = (s: Schema): Schema =>
  s.$ref ? resolve(doc.components.schemas[String(s.$ref).split('/').pop()!]!) : s;

export interface Operation {
  id: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** As the document writes it: /v1/exchanges/{id}/stages. */
  path: string;
  pathParams: string[];
  query: { name: string; schema: Schema }[];
  headers: string[];
  body: Schema | null;
}

/** An answer that never ends (the live feed): tested by its own tests, not sent here. */
const endless = (op: { responses?: Record<string, { content?: Record<string, unknown> }> }) =>
  Object.values(op.responses ?? {}).some((r) => r.content?.['text/event-stream'] !== undefined);

export const operations: Operation[] = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods)
    .filter(([, op]) => !endless(op as never))
    .map(([method, op]) => {
      const params = op.parameters ?? [];
      return {
        id: op.operationId,
        method: method.toUpperCase() as Operation['method'],
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name as string),
        query: params
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name as string, schema: resolve(p.schema) })),
        headers: params.filter((p) => p.in === 'header').map((p) => p.name as string),
        body: op.requestBody ? resolve(op.requestBody.content['application/json']!.schema) : null,
      };
    }),
);

/** What the ledger holds, picked by index when the request is sent (and made up when there is none). */
export type RefKind = 'exchange' | 'stage' | 'key' | 'cursor' | 'time' | 'idempotency-key' | 'by';
export class Ref {
  /** `action`: for an exchange, the action the request will ask of it (a Ref prefers one that allows it). */
  constructor(
    readonly kind: RefKind,
    readonly pick: number,
    readonly action?: Action,
  ) {}
}

/** The action each operation on an exchange asks for. */
const ACTION_OF: Record<string, Action> = {
  counterExchange: 'counter',
  agreeExchange: 'agree',
  rejectExchange: 'reject',
  withdrawExchange: 'withdraw',
  cancelExchange: 'cancel',
  completeExchange: 'complete',
  recordStage: 'recordStage',
  voidStage: 'voidStage',
};
/** A number JSON can write but JavaScript cannot hold (1e400), or one it holds only approximately. */
export class RawNumber {
  constructor(readonly text: string) {}
}
export type Value = null | boolean | number | string | Ref | RawNumber | Value[] | { [key: string]: Value };

/** Strings that break things that assume text is simple. */
export const EDGE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\t',
  '\n',
  '\u001b[31m',
  '\u007f',
  '\u0085',
  '\ud800',
  'x\udbff',
  '\udc00y',
  '\u{1F600}',
  '\u{1F1FA}\u{1F1E6}',
  '\u200f\u202eabc',
  'e\u0301',
  '\ufeff',
  '\uffff',
  '\u2028',
  'Україна',
  'الهلال',
  '<script>alert(1)</script>',
  "'; DROP TABLE events; --",
  '../../etc/passwd',
  '%00',
  '%zz',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection, on purpose
  '${7*7}',
  '__proto__',
  'constructor',
  'x'.repeat(501),
  'é'.repeat(2001),
  '\\',
  '"',
  'null',
  '1e400',
];

const PARTIES = ['UA', 'RU', 'PL', 'AM', 'XX'];
const party = fc.oneof(
  { arbitrary: fc.constantFrom('UA', 'RU'), weight: 8 },
  { arbitrary: fc.constantFrom(...PARTIES), weight: 2 },
);
/** A day before the world's clock starts (test/http/fuzz.test.ts): a command dated so may be back-filled history, or refused. */
const day = fc.integer({ min: 1, max: 28 }).map((d) => `2025-04-${String(d).padStart(2, '0')}`);
const worldTime: fc.Arbitrary<string | Ref> = fc.oneof(
  // A time after every one sent before (a ledger's history mostly moves forward): the time rules hold.
  { arbitrary: fc.nat().map((n) => new Ref('time', n)), weight: 30 },
  { arbitrary: day, weight: 5 },
  {
    arbitrary: fc
      .tuple(day, fc.integer({ min: 0, max: 23 }))
      .map(([d, h]) => `${d}T${String(h).padStart(2, '0')}:00:00Z`),
    weight: 10,
  },
  {
    arbitrary: fc.constantFrom('2999-01-01', '2025-02-30', '2025-05-16T25:00:00Z', 'yesterday', '2025-05-16T10:00:00'),
    weight: 1,
  },
);
const url = fc.oneof(
  {
    arbitrary: fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true, withFragments: true }),
    weight: 6,
  },
  {
    arbitrary: fc
      .tuple(fc.webUrl({ validSchemes: ['https'] }), fc.constantFrom(...EDGE_STRINGS))
      .map(([u, e]) => `${u}/${e}`),
    weight: 3,
  },
  {
    arbitrary: fc.constantFrom(
      'https://<script>',
      'javascript:alert(1)',
      'https://u:p@example.org/',
      'ftp://x.org/',
      'https://a{b}/',
    ),
    weight: 1,
  },
);
const edge = fc.constantFrom(...EDGE_STRINGS);
/** `arb` one time in `every`, else null (fc.option's freq is the other way round: one null in freq). */
const sometimes = <T>(arb: fc.Arbitrary<T>, every: number) =>
  fc.oneof({ arbitrary: fc.constant(null), weight: every - 1 }, { arbitrary: arb, weight: 1 });

/** Text: mostly words, often any script (emoji and combining marks included), now and then an edge case. */
function text(s: Schema): fc.Arbitrary<string> {
  const max = Math.max(Math.min(s.maxLength ?? 40, 40), 1);
  return fc.oneof(
    {
      arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ,.'()-]{0,38}[A-Za-z0-9.]$/).map((x) => x.slice(0, max)),
      weight: 6,
    },
    { arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: Math.min(max, 10) }), weight: 3 },
    { arbitrary: edge, weight: 1 },
  );
}

/** A string for a field, by what its name says it holds (`action`: what the operation asks of an exchange). */
function stringFor(name: string, s: Schema, action?: Action): fc.Arbitrary<string | Ref> {
  if (s.enum) return fc.constantFrom(...(s.enum as string[]));
  // Mostly the party that may take the action on the exchange the request names.
  if (name === 'by')
    return fc.oneof(
      { arbitrary: fc.nat().map((n) => new Ref('by', n, action)), weight: 3 },
      { arbitrary: party, weight: 1 },
    );
  if (['party', 'proposedBy', 'reportedBy', 'according'].includes(name) || (s.pattern && name === 'id')) return party;
  if (['occurredAt', 'publishedAt', 'from', 'to', 'asOf'].includes(name)) return worldTime;
  if (name === 'url') return url;
  return text(s);
}

function integerFor(s: Schema): fc.Arbitrary<number> {
  const min = s.minimum ?? -1000;
  const max = Math.min(s.maximum ?? 1000, 1200);
  return fc.oneof(
    { arbitrary: fc.integer({ min, max: Math.max(min, max) }), weight: 9 },
    { arbitrary: fc.constantFrom(min, s.maximum ?? max), weight: 1 },
  );
}

/**
 * Optional fields that make a command say more than the old form could (accounts, their
 * estimates and breakdowns): sent one time in five, so that most commands still get through
 * and take exchanges through their lives, while these are exercised too.
 */
const SELDOM_SENT = new Set(['accounts', 'termsAccounts', 'reportedBy', 'approximate', 'breakdown']);
const keepOptional = (name: string): fc.Arbitrary<boolean> =>
  SELDOM_SENT.has(name) ? fc.integer({ min: 0, max: 4 }).map((n) => n === 0) : fc.boolean();

/** A value the schema describes (or near it: fields named as the ledger's vocabulary get its words). */
export function arbitraryOf(schema: Schema, name = '', action?: Action): fc.Arbitrary<Value> {
  const s = resolve(schema);
  if (s.anyOf) return fc.oneof(...(s.anyOf as Schema[]).map((x) => arbitraryOf(x, name, action)));
  if (s.type === 'null') return fc.constant(null);
  if (s.type === 'boolean') return fc.boolean();
  if (s.type === 'integer' || s.type === 'number') return integerFor(s);
  if (s.type === 'string') return stringFor(name, s, action);
  if (s.type === 'array') {
    const item = arbitraryOf(s.items ?? {}, name, action);
    const bounds = { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 3, 3) };
    // Sides of an exchange or a stage name each party once (the mutations break that too).
    if (resolve(s.items ?? {}).properties?.party)
      return fc.uniqueArray(item, { ...bounds, selector: (x) => (x as { party: Value }).party });
    return fc.array(item, bounds);
  }
  if (s.type === 'object') {
    const props = Object.entries((s.properties ?? {}) as Record<string, Schema>);
    const required = new Set((s.required ?? []) as string[]);
    const entries = props.map(([k, p]) => arbitraryOf(p, k, action).map((v) => [k, v] as const));
    return fc.tuple(...entries, fc.tuple(...props.map(([k]) => keepOptional(k)))).map((all) => {
      const keep = all.at(-1) as boolean[];
      const pairs = all.slice(0, -1) as (readonly [string, Value])[];
      return Object.fromEntries(pairs.filter(([k], i) => required.has(k) || keep[i]));
    });
  }
  return fc.constant('x');
}

/** The paths to every leaf and object of a value, to mutate one of them. */
function places(v: Value, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return [at, ...v.flatMap((x, i) => places(x, [...at, i]))];
  if (v !== null && typeof v === 'object' && !(v instanceof Ref) && !(v instanceof RawNumber))
    return [at, ...Object.entries(v).flatMap(([k, x]) => places(x, [...at, k]))];
  return [at];
}

function update(v: Value, at: (string | number)[], f: (old: Value) => Value | undefined): Value {
  if (at.length === 0) return f(v) ?? null;
  const [head, ...rest] = at;
  if (Array.isArray(v))
    return v.flatMap((x, i) =>
      i === head ? (rest.length === 0 && f(x) === undefined ? [] : [update(x, rest, f)]) : [x],
    );
  const o = { ...(v as Record<string, Value>) };
  if (rest.length === 0 && f(o[head as string]!) === undefined) delete o[head as string];
  else o[head as string] = update(o[head as string]!, rest, f);
  return o;
}

const OTHER_TYPES: Value[] = [null, true, 0, -1, 1.5, '', 'UA', [], {}, [1, 2], { a: 1 }];
const HUGE: Value[] = [
  new RawNumber('1e400'),
  new RawNumber('-1e400'),
  1e308,
  2 ** 53 + 1,
  -0,
  9_999_999,
  10_000_000,
  new RawNumber('1.0'),
  new RawNumber('12345678901234567890123456789'),
];

export type Mutation = 'none' | 'drop' | 'extra' | 'retype' | 'unicode' | 'huge';

/** A value mutated at one place: a field left out or added, another type, an edge-case string, a huge number. */
export function mutate(value: Value, mutation: Mutation, pick: number, replacement: number): Value {
  if (mutation === 'none') return value;
  const all = places(value);
  const at = all[pick % all.length]!;
  switch (mutation) {
    case 'drop':
      return at.length === 0 ? value : update(value, at, () => undefined);
    case 'extra':
      return update(value, at, (old) =>
        old !== null && typeof old === 'object' && !Array.isArray(old)
          ? { ...(old as Record<string, Value>), [['extra', 'constructor', 'hash', 'sequence'][replacement % 4]!]: 1 }
          : old,
      );
    case 'retype':
      return update(value, at, () => OTHER_TYPES[replacement % OTHER_TYPES.length]!);
    case 'unicode':
      return update(value, at, (old) =>
        typeof old === 'string'
          ? `${old}${EDGE_STRINGS[replacement % EDGE_STRINGS.length]}`
          : EDGE_STRINGS[replacement % EDGE_STRINGS.length]!,
      );
    case 'huge':
      return update(value, at, () => HUGE[replacement % HUGE.length]!);
  }
}

/** JSON text of a value whose Refs are resolved; RawNumbers are written as they are. */
export function jsonOf(v: Value, ref: (r: Ref) => string): string {
  if (v instanceof Ref) return JSON.stringify(ref(v));
  if (v instanceof RawNumber) return v.text;
  if (Array.isArray(v)) return `[${v.map((x) => jsonOf(x, ref)).join(',')}]`;
  if (v !== null && typeof v === 'object')
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${jsonOf(x, ref)}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** How the body is sent: as JSON, or broken on the way. */
export type Framing = 'json' | 'truncated' | 'trailing' | 'bad-escape' | 'bad-utf8' | 'empty' | 'not-object';
export const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'none',
  'application/json; charset=latin1',
];

/** The bytes of a body in a framing (`cut` picks where a truncation falls). */
export function frame(json: string, framing: Framing, cut: number): string | Buffer {
  switch (framing) {
    case 'json':
      return json;
    case 'truncated':
      return json.slice(0, cut % Math.max(json.length, 1));
    case 'trailing':
      return `${json} ]`;
    case 'bad-escape':
      return json.replace(/"$|"(?=[,}\]])/, '\\x"');
    case 'bad-utf8':
      return Buffer.concat([
        Buffer.from(json.slice(0, -1)),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from(json.slice(-1)),
      ]);
    case 'empty':
      return '';
    case 'not-object':
      return ['[]', '"text"', '42', 'null', 'true'][cut % 5]!;
  }
}

const IDEMPOTENCY_KEYS = ['k1', 'k2', 'k3', '', 'a b', 'x'.repeat(300), 'ключ'];
const IF_MATCH = ['"1"', '"2"', '"3"', '"5"', '*', 'W/"2"', 'garbage', '"1", "2"'];
const ACCEPT = [
  'application/json',
  'application/x-ndjson',
  'text/csv',
  '*/*',
  'application/json, application/x-ndjson',
  'text/html',
];
/** Path parameters that name nothing, or no id at all. */
const JUNK_IDS = [
  'nope',
  '0',
  'x'.repeat(65),
  '%zz',
  '%00',
  encodeURIComponent('\u{1F600}'),
  encodeURIComponent('../../x'),
  '%2F',
  '%ED%A0%80',
];

export type Credential = 'master' | 'none' | 'garbage' | { key: number };

export interface PlannedRequest {
  op: Operation;
  /** What it breaks on purpose ('none': a request the document describes). */
  breakage?: Breakage;
  credential: Credential;
  /** Per path parameter: a Ref, a party id, or junk as it goes into the URL. */
  pathValues: (Ref | string)[];
  query: [string, string | Ref][];
  headers: Record<string, string | Ref>;
  body: { value: Value; mutation: Mutation; framing: Framing; contentType: string; cut: number } | null;
}

function pathValue(op: Operation, name: string): fc.Arbitrary<Ref | string> {
  const kind: RefKind | 'party' = op.path.startsWith('/v1/parties')
    ? 'party'
    : op.path.startsWith('/v1/keys')
      ? 'key'
      : name === 'stageId'
        ? 'stage'
        : 'exchange';
  const known = kind === 'party' ? party : fc.nat().map((n) => new Ref(kind, n, ACTION_OF[op.id]));
  return fc.oneof({ arbitrary: known, weight: 9 }, { arbitrary: fc.constantFrom(...JUNK_IDS), weight: 1 });
}

function queryOf(op: Operation): fc.Arbitrary<[string, string | Ref][]> {
  const params = op.query.map(({ name, schema }) => {
    const value: fc.Arbitrary<string | Ref> =
      name === 'cursor'
        ? fc.oneof(
            fc.nat().map((n) => new Ref('cursor', n)),
            fc.constantFrom('garbage', 'W1siMjAyNSIsMV0', ''),
          )
        : arbitraryOf(schema, name).map((v) => String(v));
    return sometimes(
      value.map((v) => [name, v] as [string, string | Ref]),
      3,
    );
  });
  return fc.tuple(...params).map((ps) => ps.filter((p) => p !== null) as [string, string | Ref][]);
}

/**
 * What a request breaks, if anything: one thing at a time, so that most requests are valid
 * (and the ledger grows) and a refusal says which thing it refused.
 */
export type Breakage =
  | 'none'
  | 'body'
  | 'framing'
  | 'content-type'
  | 'idempotency-key'
  | 'if-match'
  | 'path'
  | 'query'
  | 'credential'
  | 'accept'
  | 'retry';

const BREAKAGES = fc.oneof(
  { arbitrary: fc.constant<Breakage>('none'), weight: 14 },
  { arbitrary: fc.constant<Breakage>('body'), weight: 4 },
  {
    arbitrary: fc.constantFrom<Breakage>(
      'framing',
      'content-type',
      'idempotency-key',
      'if-match',
      'path',
      'query',
      'credential',
      'accept',
      'retry',
    ),
    weight: 6,
  },
);

const ODD_QUERY = ['', 'abc', '-1', '1e400', '0x10', '1.5', '\u{1F600}', '%00'];
const ODD_PARAMS = ['unknown', 'limit', '__proto__', 'after', 'party'];

/** A request of one operation, planned. */
export function requestOf(op: Operation): fc.Arbitrary<PlannedRequest> {
  return fc
    .record({
      breakage: BREAKAGES,
      credential: fc.oneof(
        fc.nat().map((key): Credential => ({ key })),
        fc.constantFrom<Credential>('none', 'garbage'),
      ),
      pathValues: fc.tuple(...op.pathParams.map((name) => pathValue(op, name))),
      junkPath: fc.tuple(fc.nat(), fc.constantFrom(...JUNK_IDS)),
      query: queryOf(op),
      // A fresh key, or (one time in five) the one sent last: a replay, or a reuse with another body.
      idempotencyKey: sometimes(
        fc.nat().map((n) => new Ref('idempotency-key', n)),
        3,
      ),
      oddKey: fc.constantFrom(...IDEMPOTENCY_KEYS),
      ifMatch: fc.constantFrom(...IF_MATCH),
      accept: fc.constantFrom(...ACCEPT),
      body: op.body === null ? fc.constant(null) : arbitraryOf(op.body, '', ACTION_OF[op.id]),
      mutation: fc.constantFrom<Mutation>('drop', 'extra', 'retype', 'unicode', 'huge'),
      framing: fc.constantFrom<Framing>('truncated', 'trailing', 'bad-escape', 'bad-utf8', 'empty', 'not-object'),
      contentType: fc.constantFrom(...CONTENT_TYPES.slice(1)),
      pick: fc.nat(),
      replacement: fc.nat(),
    })
    .map((g): PlannedRequest => {
      const b = g.breakage;
      const headers: Record<string, string | Ref> = {};
      if (op.method === 'POST' && g.idempotencyKey !== null) headers['idempotency-key'] = g.idempotencyKey;
      // A key's answer holds its secret: that route refuses any Idempotency-Key (a breakage of its own).
      if (op.id === 'createApiKey') delete headers['idempotency-key'];
      if (b === 'idempotency-key') headers['idempotency-key'] = g.oddKey;
      if (b === 'if-match') headers['if-match'] = g.ifMatch;
      // The NDJSON export is a read of its own: asked for now and then without breaking anything.
      if (op.id === 'listEvents' && g.pick % 5 === 0) headers.accept = 'application/x-ndjson';
      if (b === 'accept') headers.accept = g.accept;
      const pathValues = [...g.pathValues];
      if (b === 'path' && pathValues.length > 0) pathValues[g.junkPath[0] % pathValues.length] = g.junkPath[1];
      const query: [string, string | Ref][] =
        b === 'query'
          ? [...g.query, [ODD_PARAMS[g.pick % ODD_PARAMS.length]!, ODD_QUERY[g.replacement % ODD_QUERY.length]!]]
          : g.query;
      const planned: PlannedRequest = {
        op,
        breakage: b,
        credential: b === 'credential' ? g.credential : 'master',
        pathValues,
        query,
        headers,
        body:
          g.body === null
            ? null
            : {
                value: b === 'body' ? mutate(g.body, g.mutation, g.pick, g.replacement) : g.body,
                mutation: b === 'body' ? g.mutation : 'none',
                framing: b === 'framing' ? g.framing : 'json',
                contentType: b === 'content-type' ? g.contentType : CONTENT_TYPES[0]!,
                cut: g.pick,
              },
      };
      // A counterexample reads as the operations it asks for (its seed and path replay it exactly).
      Object.defineProperty(planned, fc.toStringMethod, { value: () => `${op.id} (breaks: ${b})` });
      return planned;
    });
}

/** How often each operation is asked for: the writes that move an exchange on most (every read is also made after each run). */
const WEIGHTS: Record<string, number> = {
  proposeExchange: 6,
  agreeExchange: 6,
  recordStage: 8,
  completeExchange: 3,
  voidStage: 3,
  registerParty: 2,
  createApiKey: 1,
  revokeApiKey: 1,
};

/** Requests of every operation. */
export const anyRequest: fc.Arbitrary<PlannedRequest> = fc.oneof(
  ...operations.map((op) => ({ arbitrary: requestOf(op), weight: WEIGHTS[op.id] ?? (op.method === 'POST' ? 3 : 1) })),
);
