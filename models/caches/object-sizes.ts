import { distribution, RandomStream, type Distribution, type DistributionSpec } from '../../engine/index.js';
import { sizeDistribution } from '../kit/distribution-schema.js';

/**
 * Every key's object size, stable per key: the size of key k depends on k and
 * the distribution only, never on the run seed, the variant or the order keys
 * are asked for, so a kv-store, the caches in front of it and a CDN agree on
 * it without messages. Sizes are whole bytes, at least 1 (libCacheSim's
 * reader skips size 0), drawn as round(max(1, x)).
 *
 * How: one random stream is reloaded per key with four words hashed from the
 * key (RandomStream.readFrom), then the distribution samples from it, so any
 * distribution form works and a lookup allocates nothing.
 */
export class ObjectSizes {
  private readonly sizes: Distribution;
  private readonly stream = new RandomStream('faultline object sizes');
  private readonly state = new Float64Array(4);

  constructor(readonly spec: DistributionSpec) {
    this.sizes = distribution(spec);
  }

  /** The mean of the distribution before rounding and the 1-byte floor. */
  get meanBytes(): number {
    return this.sizes.mean;
  }

  /** The size of `key` in bytes (any finite number as a key; keys are usually 1..count). */
  sizeOf(key: number): number {
    if (!Number.isFinite(key)) throw new RangeError(`object size of key ${key}: keys are finite numbers`);
    const low = key >>> 0;
    const high = Math.floor(key / 0x1_0000_0000) | 0;
    const first = mix32(low ^ mix32(high ^ SALT));
    const second = mix32(first ^ GOLDEN);
    this.state[0] = 1;
    this.state[1] = first;
    this.state[2] = second;
    this.state[3] = mix32(second ^ GOLDEN);
    this.stream.readFrom(this.state, 0);
    return Math.max(1, Math.round(this.sizes.sample(this.stream)));
  }
}

const SALT = 0x0b1ec7;
const GOLDEN = 0x9e3779b9 | 0;

/** A 32-bit avalanche mix (Wang/Mueller's lowbias32): each input bit flips about half the output bits. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x | 0;
}

/** The `objectSizes` knob: each key's size as a size distribution (a plain size for all-equal objects). */
export const objectSizesParam = sizeDistribution
  .default({ type: 'constant', value: 1000 })
  .describe(
    "Size of each key's object, drawn once per key and the same in every run and variant: a size like 4KB (all equal; default 1KB), " +
      'or a distribution such as { type: lognormal, median: 2KB, sigma: 1 } or { type: pareto, scale: 1KB, shape: 1.2 }. Whole bytes, at least 1B.',
  );
