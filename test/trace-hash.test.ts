import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TraceHash } from '../engine/trace-hash.js';

describe('TraceHash', () => {
  it('mixEvent is mixWide of the time then mix of each word (the reference)', () => {
    const word = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.double({ noNaN: true }));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.maxSafeNat(), fc.nat(3), fc.integer({ min: -1, max: 2 ** 26 }), word, word), {
          maxLength: 20,
        }),
        (events) => {
          const fast = new TraceHash();
          const reference = new TraceHash();
          for (const [t, kind, target, a, b] of events) {
            fast.mixEvent(t, kind, target, a, b);
            reference.mixWide(t);
            reference.mix(kind);
            reference.mix(target);
            reference.mix(a);
            reference.mix(b);
            expect(fast.low).toBe(reference.low);
          }
          expect(fast.digest()).toBe(reference.digest());
        },
      ),
      { numRuns: 200 },
    );
  });
});
