import type { Exchange, ExchangeListed, Head, LedgerEvent, Party, Totals } from './types.js';

/** An answer other than 2xx, with the API's problem detail when it gave one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly retryAfter: string | null,
  ) {
    super(`${status}: ${detail}`);
  }
}

export type Query = Record<string, string | number | undefined>;

/** The public API, read with the reader's key (or none, in development mode). Same origin only. */
export class Api {
  constructor(private readonly key: () => string | null) {}

  async get<T>(path: string, query: Query = {}): Promise<T> {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
    const url = params.size > 0 ? `${path}?${params}` : path;
    const key = this.key();
    const res = await fetch(url, {
      headers: { accept: 'application/json', ...(key !== null && { authorization: `Bearer ${key}` }) },
      credentials: 'omit',
      cache: 'no-store',
    });
    if (!res.ok) {
      let detail = res.statusText;
      try {
        detail = ((await res.json()) as { detail?: string }).detail ?? detail;
      } catch {
        // not a problem document: the status text says enough
      }
      throw new ApiError(res.status, detail, res.headers.get('retry-after'));
    }
    return (await res.json()) as T;
  }

  totals = (query: Query = {}) => this.get<{ data: Totals[] }>('/v1/totals', query).then((r) => r.data);
  head = () => this.get<Head>('/v1/ledger/head');
  parties = () => this.get<{ data: Party[] }>('/v1/parties').then((r) => r.data);
  exchanges = (query: Query) => this.get<{ data: ExchangeListed[]; nextCursor: string | null }>('/v1/exchanges', query);
  exchange = (id: string) => this.get<Exchange>(`/v1/exchanges/${encodeURIComponent(id)}`);
  history = (id: string) =>
    this.get<{ data: LedgerEvent[] }>(`/v1/exchanges/${encodeURIComponent(id)}/events`).then((r) => r.data);
}

/** fn over items, at most `limit` at a time (the service's rate limit and two cores are shared with everyone). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
