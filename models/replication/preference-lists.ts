import { ConsistentHashRing } from '../parts/consistent-hash-ring.js';

/**
 * Where each key lives: every store member in the order met walking the
 * ring clockwise from the key. The first N are its replicas (its preference
 * list); the rest, in order, are the fallbacks a sloppy quorum borrows.
 */
export class PreferenceLists {
  private readonly ring: ConsistentHashRing;
  private readonly orders = new Map<number, Int32Array>();

  constructor(
    readonly members: number,
    virtualNodes: number,
  ) {
    this.ring = new ConsistentHashRing(new Array<number>(members).fill(1), virtualNodes);
  }

  /** Every member in ring order from `key` (computed once per key). */
  order(key: number): Int32Array {
    let order = this.orders.get(key);
    if (order === undefined) {
      order = new Int32Array(this.members);
      const taken = new Uint8Array(this.members);
      for (let i = 0; i < this.members; i++) {
        const member = this.ring.lookup(key, (m) => taken[m] === 0);
        order[i] = member;
        taken[member] = 1;
      }
      this.orders.set(key, order);
    }
    return order;
  }

  /** Whether `member` is one of the first `replicas` members for `key`. */
  isReplica(key: number, member: number, replicas: number): boolean {
    const order = this.order(key);
    for (let i = 0; i < replicas; i++) if (order[i] === member) return true;
    return false;
  }
}
