export type Row = unknown[];

/**
 * One read-model table's rows (arrays, the exchange id first), exchange by exchange, read in
 * exchange-id order: a merge join with the events in stream order. A query per exchange would
 * cost a statement execution each (and exchange_parties has no index leading with the
 * exchange, so each would scan the table). Asked for ids in ascending order, it hands over
 * exactly the rows whose key equals the id, as `WHERE key = id` would; rows of ids never asked
 * for are passed over.
 */
export class RowsByExchange {
  private page: Row[];
  private index = 0;
  /**
   * Rows handed over to be compared. Rows of ids never asked for (orphans, with no events
   * behind them) are passed over here; verify finds them by comparing the sum of this count
   * over all streams with the table's row count.
   */
  taken = 0;

  constructor(private readonly rows: { next: () => Row[]; close: () => void }) {
    this.page = rows.next();
  }

  take(id: unknown): Row[] {
    const found: Row[] = [];
    while (this.index < this.page.length) {
      const row = this.page[this.index]!;
      const order = compareWithId(row[0], id);
      if (order > 0) break;
      if (order === 0) {
        found.push(row);
        this.taken += 1;
      }
      if (++this.index === this.page.length) {
        this.page = this.rows.next();
        this.index = 0;
      }
    }
    return found;
  }

  close(): void {
    this.rows.close();
  }
}

/**
 * SQLite's order (BINARY collation): NULL, then numbers, then text by its UTF-8 bytes, then
 * blobs by their bytes. JavaScript compares strings by UTF-16 units, which order the same
 * except where a surrogate (half of a character above U+FFFF) meets a unit from U+E000 on.
 */
function compareWithId(key: unknown, id: unknown): number {
  if (key === id) return 0;
  const kind = typeRank(key) - typeRank(id);
  if (kind !== 0) return kind;
  if (typeof key === 'string') return compareText(key, id as string);
  if (key instanceof Uint8Array) return Buffer.compare(key, id as Uint8Array);
  return key === null ? 0 : (key as number) < (id as number) ? -1 : (key as number) > (id as number) ? 1 : 0;
}

const typeRank = (v: unknown) => (v === null ? 0 : typeof v === 'string' ? 2 : v instanceof Uint8Array ? 3 : 1);

function compareText(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) - codePointRank(y);
  }
  return a.length - b.length;
}

const codePointRank = (unit: number) => (unit >= 0xd800 && unit < 0xe000 ? unit + 0x10000 : unit);
