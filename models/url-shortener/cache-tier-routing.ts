import { ConsistentHashRing } from '../parts/consistent-hash-ring.js';
import { hash32 } from '../parts/hash.js';

/** How an app node picks the cache node of a key: a consistent-hash ring, or hash mod the nodes in service. */
export const CACHE_ROUTINGS = ['consistent-hash', 'modulo'] as const;
export type CacheRouting = (typeof CACHE_ROUTINGS)[number];

export interface CacheRoutingOptions {
  scheme: CacheRouting;
  /** consistent-hash: ring points per cache node. */
  virtualNodes: number;
  /** Consecutive requests with no answer (timeouts) after which a node is taken out of service. */
  ejectAfter: number;
  /** How long an ejected node stays out (on the app node's clock) before it is tried again. */
  ejectForUs: number;
}

/**
 * A cache client's view of a cache tier, as memcached clients keep it (ketama
 * with auto-ejection; twemproxy's server_failure_limit and
 * server_retry_timeout): each key has one cache node; a node that leaves
 * `ejectAfter` requests in a row unanswered is taken out for `ejectFor`, and its keys go to
 * others until it is tried again. With the ring, only the ejected node's keys
 * move (to the next points clockwise); with modulo, hash mod the nodes in
 * service changes for almost every key when one leaves or returns, so the
 * whole tier misses at once. Each app node keeps its own view.
 */
export class CacheTierRouter {
  private readonly ring: ConsistentHashRing | null;
  private readonly failuresInRow: Int32Array;
  private readonly ejectedUntilUs: Float64Array;
  /** Members in service, for modulo: rebuilt only when one leaves or returns. */
  private inService: Int32Array;
  private nextReturnUs = Infinity;
  private nowUs = 0;
  private readonly isInService = (member: number): boolean => this.ejectedUntilUs[member] <= this.nowUs;
  ejections = 0;

  constructor(
    readonly members: number,
    private readonly options: CacheRoutingOptions,
  ) {
    if (!(members >= 1)) throw new RangeError(`a cache tier needs at least one node, got ${members}`);
    this.ring =
      options.scheme === 'consistent-hash'
        ? new ConsistentHashRing(new Array(members).fill(1), options.virtualNodes)
        : null;
    this.failuresInRow = new Int32Array(members);
    this.ejectedUntilUs = new Float64Array(members);
    this.inService = Int32Array.from({ length: members }, (_, i) => i);
  }

  /** Cache nodes out of service at `nowUs`. */
  ejectedAt(nowUs: number): number {
    let out = 0;
    for (let m = 0; m < this.members; m++) if (this.ejectedUntilUs[m] > nowUs) out++;
    return out;
  }

  /** The member (0-based) that caches `key` at local time `nowUs`; -1 when every node is out of service. */
  memberOf(key: number, nowUs: number): number {
    this.nowUs = nowUs;
    if (nowUs >= this.nextReturnUs) this.rebuild();
    if (this.ring !== null) return this.ring.lookup(key, this.isInService);
    const live = this.inService;
    return live.length === 0 ? -1 : live[hash32(key) % live.length];
  }

  succeeded(member: number): void {
    this.failuresInRow[member] = 0;
  }

  /** A request to `member` got no answer by local time `nowUs`; true when this took it out of service. */
  failed(member: number, nowUs: number): boolean {
    if (this.ejectedUntilUs[member] > nowUs) return false;
    if (++this.failuresInRow[member] < this.options.ejectAfter) return false;
    this.failuresInRow[member] = 0;
    this.ejectedUntilUs[member] = nowUs + this.options.ejectForUs;
    this.ejections++;
    this.nowUs = nowUs;
    this.rebuild();
    return true;
  }

  private rebuild(): void {
    let live = 0;
    this.nextReturnUs = Infinity;
    for (let m = 0; m < this.members; m++) {
      const until = this.ejectedUntilUs[m];
      if (until <= this.nowUs) live++;
      else if (until < this.nextReturnUs) this.nextReturnUs = until;
    }
    if (live !== this.inService.length) this.inService = new Int32Array(live);
    let i = 0;
    for (let m = 0; m < this.members; m++) if (this.ejectedUntilUs[m] <= this.nowUs) this.inService[i++] = m;
  }
}
