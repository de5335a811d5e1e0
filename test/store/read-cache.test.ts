import { describe, expect, it } from 'vitest';
import { ReadCache } from '../../src/store/read-cache.js';

/** A cache over a version the test moves by hand, counting how often the database is read. */
function cacheOver(options: { maxUnits?: number } = {}) {
  let version = 1;
  let loads = 0;
  const cache = new ReadCache(() => String(version), options);
  const read = (key: string, value: unknown = { key }, units = 1) => cache.read(key, () => units, () => {
    loads += 1;
    return structuredClone(value);
  });
  return { cache, read, loads: () => loads, write: () => (version += 1) };
}

describe('the read cache', () => {
  it('answers a repeated read from memory while the database version stays the same', () => {
    const c = cacheOver();
    const first = c.read('exchange:1');
    expect(c.read('exchange:1')).toBe(first);
    expect(c.loads()).toBe(1);
    c.read('exchange:2');
    expect(c.loads()).toBe(2);
  });

  it('reads the database again for every key once the version has moved', () => {
    const c = cacheOver();
    c.read('exchange:1');
    c.read('totals:{}');
    c.write();
    c.read('exchange:1');
    c.read('totals:{}');
    expect(c.loads()).toBe(4);
    expect(c.cache.size).toBe(2);
  });

  it('freezes what it holds, so no caller can change a later answer', () => {
    const c = cacheOver();
    const value = c.read('exchange:1', { sides: [{ party: 'UA', delivered: 5 }] }) as { sides: { delivered: number }[] };
    expect(() => { value.sides[0]!.delivered = 6; }).toThrow(TypeError);
    expect(() => { value.sides.push({ delivered: 1 }); }).toThrow(TypeError);
    expect((c.read('exchange:1') as typeof value).sides[0]!.delivered).toBe(5);
  });

  it('holds no more than its room, and never one answer larger than a quarter of it', () => {
    const c = cacheOver({ maxUnits: 8 });
    for (let i = 0; i < 20; i += 1) c.read(`exchange:${i}`);
    expect(c.cache.size).toBe(8);
    c.read('exchange:big', { stages: [] }, 3);
    c.read('exchange:big', { stages: [] }, 3);
    expect(c.loads()).toBe(22);
  });

  it('with no room reads the database every time', () => {
    const c = cacheOver({ maxUnits: 0 });
    c.read('exchange:1');
    c.read('exchange:1');
    expect(c.loads()).toBe(2);
    expect(c.cache.size).toBe(0);
  });
});
