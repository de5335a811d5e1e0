import { describe, expect, it } from 'vitest';
import { ReadCache } from '../../../src/store/sqlite/read-cache.js';

/** A cache over a version the test moves by hand, counting how often the database is read. */
function cacheOver(options: { maxBytes?: number } = {}) {
  let version = 1;
  let writing = false;
  let loads = 0;
  const cache = new ReadCache({ version: () => String(version), writing: () => writing }, options);
  const read = (key: string, value: unknown = { key }) => cache.read(key, () => {
    loads += 1;
    return structuredClone(value);
  });
  return {
    cache, read, loads: () => loads,
    write: () => (version += 1),
    openWrite: (open: boolean) => (writing = open),
  };
}

describe('the read cache', () => {
  it('keeps an answer from its second read on, and answers from memory while the database version stays the same', () => {
    const c = cacheOver();
    const first = c.read('exchange:1');
    const second = c.read('exchange:1');
    expect(second).not.toBe(first);
    expect(c.read('exchange:1')).toBe(second);
    expect(c.read('exchange:1')).toBe(second);
    expect(c.loads()).toBe(2);
    c.read('exchange:2');
    expect(c.loads()).toBe(3);
  });

  it('keeps what its second read loaded, after a write in between: never the first read’s older answer', () => {
    const c = cacheOver();
    c.read('exchange:1', { delivered: 10 });
    c.write();
    expect(c.read('exchange:1', { delivered: 17 })).toEqual({ delivered: 17 });
    expect(c.read('exchange:1', { delivered: 99 })).toEqual({ delivered: 17 });
    expect(c.loads()).toBe(2);
  });

  it('keeps nothing of a scan: answers read once each pass through', () => {
    const c = cacheOver();
    for (let i = 0; i < 10_000; i += 1) c.read(`exchange:${i}`);
    expect(c.cache.held.answers).toBe(0);
    // A key read again soon after is kept; one read again only after thousands of others is not.
    c.read('exchange:9999');
    c.read('exchange:0');
    expect(c.cache.held.answers).toBe(1);
  });

  it('reads the database again for every key once the version has moved', () => {
    const c = cacheOver();
    c.read('exchange:1');
    c.read('totals:{}');
    c.write();
    c.read('exchange:1');
    c.read('totals:{}');
    expect(c.loads()).toBe(4);
    expect(c.cache.held.answers).toBe(2);
  });

  it('neither answers from nor keeps anything while a write transaction is open (a rollback would not move the version)', () => {
    const c = cacheOver();
    c.read('exchange:1', { delivered: 10 });
    const committed = c.read('exchange:1', { delivered: 10 });
    c.openWrite(true);
    // Inside the transaction the read sees the uncommitted row, and it is not kept.
    expect(c.read('exchange:1', { delivered: 17 })).toEqual({ delivered: 17 });
    c.openWrite(false);
    // Rolled back: the version has not moved, and the committed answer is what comes back.
    expect(c.read('exchange:1', { delivered: 10 })).toBe(committed);
    expect(c.loads()).toBe(3);
  });

  it('freezes what it holds, so no caller can change a later answer', () => {
    const c = cacheOver();
    c.read('exchange:1', { sides: [{ party: 'UA', delivered: 5 }] });
    const value = c.read('exchange:1', { sides: [{ party: 'UA', delivered: 5 }] }) as { sides: { delivered: number }[] };
    expect(() => { value.sides[0]!.delivered = 6; }).toThrow(TypeError);
    expect(() => { value.sides.push({ delivered: 1 }); }).toThrow(TypeError);
    expect((c.read('exchange:1') as typeof value).sides[0]!.delivered).toBe(5);
  });

  it('holds no more JSON than its room, and never one answer larger than a quarter of it', () => {
    const answer = { title: 'x'.repeat(88) }; // 100 bytes of JSON
    const c = cacheOver({ maxBytes: 1000 });
    for (let i = 0; i < 20; i += 1) for (const _ of [1, 2]) c.read(`exchange:${i}`, answer);
    expect(c.cache.held).toEqual({ answers: 10, bytes: 1000 });
    const big = { title: 'x'.repeat(300) };
    c.read('exchange:big', big);
    const second = c.read('exchange:big', big);
    expect(c.read('exchange:big', big)).not.toBe(second);
    expect(Object.isFrozen(second)).toBe(false);
    expect(c.loads()).toBe(43);
  });

  it('with no room reads the database every time', () => {
    const c = cacheOver({ maxBytes: 0 });
    c.read('exchange:1');
    c.read('exchange:1');
    expect(c.loads()).toBe(2);
    expect(c.cache.held.answers).toBe(0);
  });
});
