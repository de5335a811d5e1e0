import { setTimeout as sleep } from 'node:timers/promises';

/** An answer of the API: status, headers, and the JSON body (problem+json on a refusal). */
export interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: a JSON answer of any route, narrowed where it is read
  body: any;
}

/**
 * The ledger the import talks to, always through the HTTP API, so that a row meets the same
 * validation and rules whether the ledger is a running service or a file opened here
 * (in-process-ledger.ts).
 */
export interface Ledger {
  /** For messages: the URL or the file. */
  readonly name: string;
  get(path: string): Promise<Answer>;
  post(path: string, body: unknown, idempotencyKey?: string): Promise<Answer>;
  close(): Promise<void>;
}

/** An answer that is about the ledger or the key, not about a row: nothing more can be sent. */
export class LedgerRefusal extends Error {}

/** The ledger's parties: the first request of every run, so that a wrong URL or key stops it before anything else. */
export async function partiesOf(ledger: Ledger): Promise<{ id: string; name: string }[]> {
  const answer = await ledger.get('/v1/parties');
  if (answer.status !== 200) {
    const detail = answer.body?.detail ?? 'is this the ledger’s URL?';
    throw new LedgerRefusal(`${ledger.name} answered GET /v1/parties with ${answer.status}: ${detail}`);
  }
  return answer.body.data;
}

/** Told when the service asks to wait (rate limit) or is out of reach for a moment. */
export type OnWait = (why: string, seconds: number) => void;

const REQUEST_TIMEOUT_MS = 30_000;
const RETRIES = 5;

/**
 * A running service at `baseUrl`, with an API key (or none, in development mode). A request
 * that may be sent again (a read, or a write with its Idempotency-Key, which the service
 * answers once) is retried when the connection fails or the service is briefly unavailable;
 * a 429 waits as long as Retry-After says, however often it comes.
 */
export function httpLedger(baseUrl: string, key: string | null, onWait: OnWait = () => {}): Ledger {
  const base = baseUrl.replace(/\/+$/, '');
  const send = async (
    method: 'GET' | 'POST',
    path: string,
    body?: unknown,
    idempotencyKey?: string,
  ): Promise<Answer> => {
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    };
    const repeatable = method === 'GET' || idempotencyKey !== undefined;
    for (let failures = 0; ; ) {
      let res: Response;
      try {
        res = await fetch(base + path, {
          method,
          headers,
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (e) {
        if (!repeatable || ++failures > RETRIES) throw new Error(`${method} ${base}${path} failed: ${causeOf(e)}`);
        onWait(`${base} unreachable (${causeOf(e)})`, 2 ** (failures - 1));
        await sleep(1000 * 2 ** (failures - 1));
        continue;
      }
      if (res.status === 429) {
        const seconds = Math.max(Number(res.headers.get('retry-after')) || 1, 1);
        await res.arrayBuffer();
        onWait('rate limited by the service', seconds);
        await sleep(seconds * 1000);
        continue;
      }
      if (res.status === 503 && repeatable && ++failures <= RETRIES) {
        await res.arrayBuffer();
        onWait('the service is not ready', 2 ** (failures - 1));
        await sleep(1000 * 2 ** (failures - 1));
        continue;
      }
      const text = await res.text();
      let parsed: unknown = null;
      try {
        parsed = text === '' ? null : JSON.parse(text);
      } catch {
        parsed = { detail: text.slice(0, 500) };
      }
      return { status: res.status, headers: Object.fromEntries(res.headers), body: parsed };
    }
  };
  return {
    name: base,
    get: (path) => send('GET', path),
    post: (path, body, idempotencyKey) => send('POST', path, body, idempotencyKey),
    close: async () => {},
  };
}

function causeOf(e: unknown): string {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause : e;
  return cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : String(cause);
}
