import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ObjectSizes, objectSizesParam } from '../models/caches/object-sizes.js';

const sizesOf = (spec: unknown) => new ObjectSizes(objectSizesParam.parse(spec));

describe('object sizes', () => {
  it('gives each key the same size whatever the order keys are asked in, and in every instance', () => {
    const spec = { type: 'lognormal', median: '2KB', sigma: 1.5 };
    const first = sizesOf(spec);
    const forward = Array.from({ length: 500 }, (_, i) => first.sizeOf(i + 1));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 500 }), { minLength: 1, maxLength: 200 }), (keys) => {
        const other = sizesOf(spec);
        for (const key of keys) expect(other.sizeOf(key)).toBe(forward[key - 1]);
        for (const key of keys) expect(first.sizeOf(key)).toBe(forward[key - 1]);
      }),
    );
  });

  it('gives whole bytes, at least 1, and different sizes to different keys', () => {
    const sizes = sizesOf({ type: 'exponential', mean: '3B' });
    const all = Array.from({ length: 10_000 }, (_, i) => sizes.sizeOf(i + 1));
    expect(all.filter((size) => !(Number.isInteger(size) && size >= 1))).toEqual([]);
    expect(new Set(all).size).toBeGreaterThan(10);
  });

  it.each([
    [{ type: 'exponential', mean: '4KB' }, 4000],
    [{ type: 'lognormal', median: '2KB', sigma: 1 }, 2000 * Math.exp(0.5)],
    [{ type: 'uniform', min: '100B', max: '10KB' }, 5050],
    [{ type: 'pareto', scale: '1KB', shape: 3 }, 1500],
  ])('match the distribution %j on average over many keys', (spec, meanBytes) => {
    const sizes = sizesOf(spec);
    expect(sizes.meanBytes).toBeCloseTo(meanBytes, 6);
    const keys = 200_000;
    let sum = 0;
    for (let key = 1; key <= keys; key++) sum += sizes.sizeOf(key);
    // Five standard errors or so for these shapes (coefficient of variation at most ~1.3).
    expect(Math.abs(sum / keys / meanBytes - 1)).toBeLessThan(0.015);
  });

  it('reads a plain size as a constant and defaults to 1KB', () => {
    expect(sizesOf('4KB').sizeOf(17)).toBe(4000);
    expect(sizesOf(undefined).sizeOf(3)).toBe(1000);
    expect(objectSizesParam.safeParse({ type: 'exponential', mean: '0B' }).success).toBe(false);
    expect(objectSizesParam.safeParse({ type: 'uniform', min: '2KB', max: '1KB' }).success).toBe(false);
    expect(objectSizesParam.safeParse('4 apples').success).toBe(false);
  });
});
