import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NameIndex } from '../engine/name-index.js';

describe('NameIndex', () => {
  it('finds every name added, and no other, as a Map does', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.oneof(fc.string(), fc.string({ unit: 'binary' })), { maxLength: 300 }),
        fc.array(fc.string(), { maxLength: 20 }),
        (names, probes) => {
          const stored: string[] = [];
          const index = new NameIndex(stored);
          const reference = new Map<string, number>();
          for (const name of names) {
            stored.push(name);
            index.add(stored.length - 1);
            reference.set(name, stored.length - 1);
          }
          for (const name of [...names, ...probes]) expect(index.get(name)).toBe(reference.get(name));
        },
      ),
      { numRuns: 50 },
    );
  });
});
