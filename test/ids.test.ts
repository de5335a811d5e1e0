import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../src/ids.js';

describe('ids', () => {
  it('are RFC 9562 version-7 UUIDs, unique and strictly increasing, across many refills of the random pool', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7());
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i += 1) expect(ids[i]! > ids[i - 1]!).toBe(true);
    for (const id of ids.slice(0, 50))
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The random part differs from id to id (not a stuck or zeroed pool).
    expect(new Set(ids.map((id) => id.slice(-12))).size).toBe(ids.length);
  });
});
