import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, operations, paths } from './schema.js';

export type { components, operations, paths };

type Schemas = components['schemas'];
export type Party = Schemas['Party'];
export type Exchange = Schemas['Exchange'];
export type ExchangeSummary = Schemas['ExchangeSummary'];
export type Stage = Schemas['Stage'];
export type LedgerEvent = Schemas['Event'];
export type TotalsRow = Schemas['TotalsRow'];
export type LedgerHead = Schemas['LedgerHead'];
export type Problem = Schemas['Problem'];

/**
 * Answers are typed as their JSON: the NDJSON export and the event stream, which a few routes
 * also serve, are read with `parseAs: 'stream'` (see the README).
 */
type Json = 'application/json' | 'application/problem+json';
export type LedgerClient = Client<paths, Json>;

export interface LedgerClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /** Where the service answers, e.g. `http://127.0.0.1:3000` (no trailing `/v1`). */
  baseUrl: string;
  /** An API key (`lgr_…`) or the master key; leave it out for a service in development mode. */
  key?: string;
}

/**
 * A client of the ledger's HTTP API, typed from its OpenAPI document: every path, parameter,
 * body and answer (including the problem+json of every refusal) is checked by the compiler.
 * Each call resolves to `{ data }` on success or `{ error }` (a Problem) on a refusal; `must`
 * turns the second into a thrown LedgerProblem.
 */
export function createLedgerClient({ baseUrl, key, headers, ...rest }: LedgerClientOptions): LedgerClient {
  const auth = key === undefined ? {} : { authorization: `Bearer ${key}` };
  return createClient<paths, Json>({
    ...rest,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { ...auth, ...(headers as Record<string, string> | undefined) },
  });
}

/** A refusal by the service, with its RFC 9457 problem (type, detail, every failing field). */
export class LedgerProblem extends Error {
  constructor(
    readonly problem: Problem,
    readonly status: number,
  ) {
    const fields = problem.errors?.map((e) => `${e.path || '(body)'}: ${e.message}`).join('; ');
    const more = fields && !problem.detail.includes(fields) ? ` (${fields})` : '';
    super(`${status} ${problem.title}: ${problem.detail}${more}`);
    this.name = 'LedgerProblem';
  }
}

type Answer = { data?: unknown; error?: unknown; response: Response };

/** The answer's data, or a LedgerProblem thrown for a refusal. */
export async function must<A extends Answer>(call: Promise<A>): Promise<NonNullable<A['data']>> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) throw new LedgerProblem(error as Problem, response.status);
  return data as NonNullable<A['data']>;
}
