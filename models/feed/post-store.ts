/**
 * One feed-service node's post storage: the posts of the users it holds
 * (users u with u mod nodes = node), kept durably, the newest
 * `capacity` of them, in a ring with a link from each post to its author's
 * previous one. Reads fetch an author's newest posts by following those
 * links from the author's latest, so a pull costs the posts it returns, not
 * a scan. A post is named by its absolute sequence number on the node
 * (0, 1, 2, … in storing order) and lives at `seq mod capacity`; once
 * `capacity` newer posts are stored it is gone (archived, not modelled).
 *
 * Post ids sort by time across nodes, as Twitter's Snowflake ids do: an id
 * is (tick × nodes + node) where tick is the node's clock in µs when the post
 * was stored, bumped past the node's previous tick so ids from one node
 * always grow; two posts from different nodes compare by their clocks. The
 * ids stay exact doubles for 2^53 / nodes µs of simulated time: 71 years on
 * 4 nodes, 100 days on 1,024.
 */
export class PostStore {
  /** Posts stored so far: the next post's sequence number. */
  total = 0;
  private size = 0;
  private ids = new Float64Array(0);
  /** The sequence number of the same author's previous post (-1: none). */
  private previous = new Int32Array(0);
  /** True time the post was stored: measurement only (visibility delays). */
  private storedAtUs = new Float64Array(0);
  /** Each local author's newest post (-1: none yet), by local index u div nodes. */
  private readonly newestOf: Int32Array;
  private lastTick = 0;
  private readonly maxTick: number;

  constructor(
    readonly node: number,
    readonly nodes: number,
    localUsers: number,
    readonly capacity: number,
  ) {
    this.newestOf = new Int32Array(localUsers).fill(-1);
    this.maxTick = Math.floor(Number.MAX_SAFE_INTEGER / nodes);
  }

  /** Stores a post by `author` (a user this node holds) at local time `localUs`; returns its sequence number. */
  add(author: number, localUs: number, nowUs: number): number {
    const tick = Math.max(this.lastTick + 1, Math.floor(localUs));
    if (tick >= this.maxTick)
      throw new RangeError(
        `post ids on ${this.nodes} nodes run out after ${this.maxTick} µs of simulated time; run for less, or on fewer nodes`,
      );
    this.lastTick = tick;
    const seq = this.total++;
    if (seq >= this.size && this.size < this.capacity) this.grow();
    const at = seq % this.capacity;
    const local = (author - this.node) / this.nodes;
    this.ids[at] = tick * this.nodes + this.node;
    this.previous[at] = this.newestOf[local];
    this.storedAtUs[at] = nowUs;
    this.newestOf[local] = seq;
    return seq;
  }

  /** Whether post `seq` is still held (not yet overwritten by newer ones). */
  holds(seq: number): boolean {
    return seq >= 0 && seq < this.total && seq >= this.total - this.capacity;
  }

  idOf(seq: number): number {
    return this.ids[seq % this.capacity];
  }

  storedAtUsOf(seq: number): number {
    return this.storedAtUs[seq % this.capacity];
  }

  /**
   * Writes `author`'s newest posts still held, newest first, at most `limit`,
   * into `out` from index `at`; returns how many.
   */
  newest(author: number, limit: number, out: Float64Array, at: number): number {
    let seq = this.newestOf[(author - this.node) / this.nodes];
    let n = 0;
    const oldest = this.total - this.capacity;
    while (n < limit && seq >= 0 && seq >= oldest) {
      const slot = seq % this.capacity;
      out[at + n++] = this.ids[slot];
      seq = this.previous[slot];
    }
    return n;
  }

  /** Posts held now. */
  get held(): number {
    return Math.min(this.total, this.capacity);
  }

  private grow(): void {
    const size = Math.min(this.capacity, Math.max(1024, this.size * 2));
    const ids = new Float64Array(size);
    ids.set(this.ids);
    this.ids = ids;
    const previous = new Int32Array(size);
    previous.set(this.previous);
    this.previous = previous;
    const storedAtUs = new Float64Array(size);
    storedAtUs.set(this.storedAtUs);
    this.storedAtUs = storedAtUs;
    this.size = size;
  }
}

/** When post `id` of a service on `nodes` nodes was stored, on its node's clock (µs): its tick. */
export function postTimeUs(id: number, nodes: number): number {
  return Math.floor(id / nodes);
}
