import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntMap } from '../models/parts/int-map.js';

type Operation = { op: 'set'; key: number; value: number } | { op: 'delete' | 'get'; key: number };

/** Keys from a small range collide often, so probing runs and the shifts of deletion get exercised. */
const key = fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2 ** 40 }), fc.constant(2 ** 53 - 1));
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), key, value: fc.integer() }),
  fc.record({ op: fc.constantFrom('delete' as const, 'get' as const), key }),
);

describe('IntMap', () => {
  it('answers every get, has, delete and size as a Map does, through growth and deletions', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 400 }), (operations) => {
        const map = new IntMap<number>(1);
        const reference = new Map<number, number>();
        for (const o of operations) {
          if (o.op === 'set') {
            map.set(o.key, o.value);
            reference.set(o.key, o.value);
          } else if (o.op === 'delete') expect(map.delete(o.key)).toBe(reference.delete(o.key));
          expect(map.get(o.key)).toBe(reference.get(o.key));
          expect(map.has(o.key)).toBe(reference.has(o.key));
          expect(map.size).toBe(reference.size);
        }
        for (const [k, v] of reference) expect(map.get(k)).toBe(v);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a sliding window of ids (set the newest, delete the oldest) at its size', () => {
    const map = new IntMap<string>();
    for (let id = 0; id < 100_000; id++) {
      map.set(id, `request ${id}`);
      if (id >= 50) expect(map.delete(id - 50)).toBe(true);
    }
    expect(map.size).toBe(50);
    expect(map.get(99_950)).toBe('request 99950');
    expect(map.get(99_949)).toBeUndefined();
  });

  it('clear empties it, and keys that are not whole numbers from 0 to 2^53 - 1 are refused', () => {
    const map = new IntMap<number>();
    map.set(7, 1);
    map.clear();
    expect(map.size).toBe(0);
    expect(map.get(7)).toBeUndefined();
    for (const bad of [-1, 1.5, NaN, 2 ** 53, Infinity])
      expect(() => map.set(bad, 1)).toThrow(/whole numbers from 0 to 2\^53 - 1/);
    expect(map.get(1.5)).toBeUndefined();
  });
});
