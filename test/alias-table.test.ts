import { describe, expect, it } from 'vitest';
import { RandomStream } from '../engine/index.js';
import { AliasTable } from '../models/parts/alias-table.js';

describe('AliasTable', () => {
  it('picks each index in proportion to its weight', () => {
    const weights = [5, 0, 1, 3, 1];
    const table = new AliasTable(weights);
    const rng = new RandomStream('alias');
    const counts = new Float64Array(weights.length);
    const draws = 200_000;
    for (let i = 0; i < draws; i++) counts[table.pick(rng)]++;
    weights.forEach((w, i) => {
      const p = w / 10;
      // Four standard deviations of a binomial count.
      expect(Math.abs(counts[i] / draws - p), `index ${i}`).toBeLessThanOrEqual(
        4 * Math.sqrt((p * (1 - p)) / draws) + 1e-12,
      );
    });
  });

  it('refuses weights that cannot be drawn from', () => {
    expect(() => new AliasTable([])).toThrow(/at least one weight/);
    expect(() => new AliasTable([0, 0])).toThrow(/at least one weight/);
    expect(() => new AliasTable([1, -1])).toThrow(/weight 1 is -1/);
    expect(() => new AliasTable([1, Number.NaN])).toThrow(/weight 1 is NaN/);
  });
});
