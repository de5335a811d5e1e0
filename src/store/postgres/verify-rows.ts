/**
 * One read model's rows, exchange by exchange, fetched in pages from a cursor ordered by
 * exchange id: a merge join with the events in stream order, instead of a query per
 * exchange. Asked for ids in ascending order, it hands over exactly the rows whose exchange
 * id equals the id; rows of ids never asked for (orphans, with no events behind them) are
 * passed over, and verify finds them by comparing `taken` with the table's row count.
 */
export class RowsByExchange<R extends { exchangeId: string }> {
  private page: R[] = [];
  private index = 0;
  private done = false;
  taken = 0;

  constructor(private readonly fetch: () => Promise<R[]>) {}

  async take(id: string): Promise<R[]> {
    const found: R[] = [];
    for (;;) {
      if (this.index === this.page.length) {
        if (this.done) break;
        this.page = await this.fetch();
        this.index = 0;
        if (this.page.length === 0) {
          this.done = true;
          break;
        }
      }
      const row = this.page[this.index]!;
      const order = compareCodePoints(row.exchangeId, id);
      if (order > 0) break;
      if (order === 0) {
        found.push(row);
        this.taken += 1;
      }
      this.index += 1;
    }
    return found;
  }
}

/**
 * The order of COLLATE "C" on UTF-8 text (the schema's): by bytes, which is by code point.
 * JavaScript compares strings by UTF-16 units, which order the same except where a surrogate
 * (half of a character above U+FFFF) meets a unit from U+E000 on.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

const rank = (unit: number) => (unit >= 0xd800 && unit < 0xe000 ? unit + 0x10000 : unit);
