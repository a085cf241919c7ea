import { hash32 } from './hash.js';

/**
 * A consistent-hash ring: each member owns `virtualNodes × weight` points, and
 * a key belongs to the first point clockwise from its hash. Removing a member
 * moves only the keys it owned. Lookups skip members the caller marks down.
 */
export class ConsistentHashRing {
  private readonly points: Uint32Array;
  private readonly owners: Int32Array;

  constructor(weights: readonly number[], virtualNodes: number) {
    const entries: [number, number][] = [];
    weights.forEach((weight, member) => {
      const count = Math.max(1, Math.round(virtualNodes * weight));
      for (let v = 0; v < count; v++) entries.push([hash32(v, hash32(member + 1, 0x5bd1e995)), member]);
    });
    // Ties between equal points break by member, so the ring never depends on sort stability.
    entries.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    this.points = Uint32Array.from(entries, (e) => e[0]);
    this.owners = Int32Array.from(entries, (e) => e[1]);
  }

  /** The member owning `key`, skipping those for which `up` is false; -1 when none is up. */
  lookup(key: number, up: (member: number) => boolean): number {
    const points = this.points;
    const h = hash32(key);
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid] < h) lo = mid + 1;
      else hi = mid;
    }
    for (let i = 0; i < points.length; i++) {
      const member = this.owners[(lo + i) % points.length];
      if (up(member)) return member;
    }
    return -1;
  }
}
