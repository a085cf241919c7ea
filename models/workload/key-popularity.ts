import { type RandomStream, type TimeUs, Zipf } from '../../engine/index.js';

export interface KeyPopularitySpec {
  /** Distinct keys, 1..count. */
  count: number;
  /** Zipf exponent s (rank r weighs 1/r^s); uniform when absent. */
  zipf?: number;
  /** The hot set moves: from `atUs` on, rank r names key ((r - 1 + by) mod count) + 1, and `by` more after each `everyUs`. */
  shift?: { atUs: TimeUs; by: number; everyUs?: number };
}

/**
 * Which key a request is about. Popularity is drawn as a rank (1 the
 * hottest) and mapped to a key by an offset that shifts over time, so the
 * same skew lands on other keys: what a trending item or a new day's data
 * does to whatever is partitioned by key.
 */
export class KeyPopularity {
  private readonly zipf: Zipf | null;
  private readonly count: number;
  private shiftsApplied = 0;
  private offset = 0;

  constructor(
    private readonly spec: KeyPopularitySpec,
    private readonly rng: RandomStream,
  ) {
    if (!(Number.isSafeInteger(spec.count) && spec.count >= 1))
      throw new RangeError(`keys.count must be a whole number >= 1, got ${spec.count}`);
    this.count = spec.count;
    this.zipf = spec.zipf === undefined ? null : new Zipf(spec.count, spec.zipf);
  }

  /** The key of a request made at true time `nowUs`. */
  pick(nowUs: TimeUs): number {
    const rank = this.zipf === null ? 1 + this.rng.int(this.count) : this.zipf.sample(this.rng);
    const offset = this.offsetAt(nowUs);
    return offset === 0 ? rank : ((rank - 1 + offset) % this.count) + 1;
  }

  /** How far ranks are moved at `nowUs` (0 before the first shift); time only moves forwards. */
  offsetAt(nowUs: TimeUs): number {
    const shift = this.spec.shift;
    if (shift === undefined || nowUs < shift.atUs) return 0;
    const shifts = shift.everyUs === undefined ? 1 : 1 + Math.floor((nowUs - shift.atUs) / shift.everyUs);
    // Added up one shift at a time, so the offset stays exact for any key count.
    for (; this.shiftsApplied < shifts; this.shiftsApplied++)
      this.offset = (this.offset + (shift.by % this.count)) % this.count;
    return this.offset;
  }
}
