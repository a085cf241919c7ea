import type { NodeId } from '../../engine/index.js';
import { hash32 } from '../parts/hash.js';

/** Seeds the key hash that spreads keys over equally near parents, apart from the other key hashes. */
const PARENT_SEED = 0x9a7e_17a1;

/**
 * Which parent PoP a PoP fetches a key from: the nearest by mean round trip
 * (the topology's RTTs), and among equally near parents (a parent site's
 * nodes in one region) the one the key hashes to, so they share the keys
 * rather than each holding them all. A parent that did not answer in time is
 * skipped for `retryAfterUs` (as nginx's max_fails/fail_timeout does), and
 * the key goes to the next one in the same site, then to the next nearest
 * site; when every parent is down the preferred one is tried anyway.
 */
export class ParentSelection {
  /** Parents in order of distance, and where each group of equally near ones starts (groupStart[g]..groupStart[g+1]). */
  private readonly order: NodeId[];
  private readonly groupStart: number[] = [];
  /** Local time until which each parent (by position in `order`) is skipped. */
  private readonly downUntilUs: Float64Array;

  constructor(
    parents: readonly NodeId[],
    rttUs: (parent: NodeId) => number,
    private readonly retryAfterUs: number,
  ) {
    if (parents.length === 0) throw new RangeError('a CDN tier needs at least one parent node');
    const rtts = parents.map(rttUs);
    const positions = parents.map((_, i) => i).sort((a, b) => rtts[a] - rtts[b] || a - b);
    this.order = positions.map((i) => parents[i]);
    positions.forEach((p, i) => {
      if (i === 0 || rtts[p] !== rtts[positions[i - 1]]) this.groupStart.push(i);
    });
    this.groupStart.push(parents.length);
    this.downUntilUs = new Float64Array(parents.length);
  }

  get count(): number {
    return this.order.length;
  }

  /** The parent to ask for `key` at local time `localUs`. */
  pick(key: number, localUs: number): NodeId {
    const h = hash32(key, PARENT_SEED);
    const starts = this.groupStart;
    for (let g = 0; g + 1 < starts.length; g++) {
      const from = starts[g];
      const size = starts[g + 1] - from;
      const first = h % size;
      for (let j = 0; j < size; j++) {
        const at = from + ((first + j) % size);
        if (this.downUntilUs[at] <= localUs) return this.order[at];
      }
    }
    return this.order[starts[0] + (h % (starts[1] - starts[0]))];
  }

  /** `parent` did not answer in time: skip it until `retryAfterUs` from `localUs`. */
  markDown(parent: NodeId, localUs: number): void {
    const at = this.order.indexOf(parent);
    if (at >= 0) this.downUntilUs[at] = localUs + this.retryAfterUs;
  }

  /** Parents being skipped at `localUs`. */
  downAt(localUs: number): number {
    let down = 0;
    for (let i = 0; i < this.downUntilUs.length; i++) if (this.downUntilUs[i] > localUs) down++;
    return down;
  }

  /** Parents in order of distance (for inspection and tests). */
  get byDistance(): readonly NodeId[] {
    return this.order;
  }
}
