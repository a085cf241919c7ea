import type { RandomStream } from '../../engine/index.js';

/** Picks an index with probability proportional to its weight; one weight draws nothing, so adding choices later changes no stream. */
export class WeightedChoice {
  private readonly cumulative: number[];

  constructor(weights: readonly number[]) {
    if (weights.length === 0 || !weights.every((w) => w > 0))
      throw new RangeError('a weighted choice needs at least one weight, all above zero');
    let sum = 0;
    this.cumulative = weights.map((w) => (sum += w));
  }

  pick(rng: RandomStream): number {
    const c = this.cumulative;
    if (c.length === 1) return 0;
    const u = rng.nextDouble() * c[c.length - 1];
    let i = 0;
    while (u >= c[i] && i < c.length - 1) i++;
    return i;
  }
}
