/** Which codes redirect reads go to: the most popular ranks on the oldest codes, or on the newest (fresh links are the ones being shared). */
export const REDIRECT_POPULARITY = ['oldest-first', 'newest-first'] as const;
export type RedirectPopularity = (typeof REDIRECT_POPULARITY)[number];

/**
 * The short links that exist, in the order they were created: what the
 * people clicking them know (links posted, mailed, printed), shared by every
 * app node because it is the world's knowledge, not any node's state. It
 * starts with the codes already in the store and gains each code whose put
 * the store acknowledged.
 *
 * A redirect's popularity rank r (the workload's key, Zipf-distributed) names
 * a code: with n codes, the ((r − 1) mod n)-th oldest (`oldest-first`) or
 * the ((r − 1) mod n)-th newest (`newest-first`). Ranks beyond n fold back,
 * so keep the workload's key count at or above the codes it should reach.
 */
export class LinkDirectory {
  private codes: Float64Array;
  private size = 0;

  constructor(
    private readonly popularity: RedirectPopularity,
    preloadedCodes: number,
  ) {
    this.codes = new Float64Array(Math.max(16, preloadedCodes * 2));
    for (let code = 1; code <= preloadedCodes; code++) this.codes[this.size++] = code;
  }

  /** Codes that exist. */
  get count(): number {
    return this.size;
  }

  /** The i-th code created (0 the oldest). */
  at(index: number): number {
    if (!(index >= 0 && index < this.size)) throw new RangeError(`link ${index} of ${this.size}`);
    return this.codes[index];
  }

  created(code: number): void {
    if (this.size === this.codes.length) {
      const grown = new Float64Array(this.codes.length * 2);
      grown.set(this.codes);
      this.codes = grown;
    }
    this.codes[this.size++] = code;
  }

  /** The code popularity rank `rank` (≥ 1) names now; -1 when no link exists yet. */
  codeOfRank(rank: number): number {
    if (this.size === 0) return -1;
    const i = (rank - 1) % this.size;
    return this.codes[this.popularity === 'oldest-first' ? i : this.size - 1 - i];
  }
}
