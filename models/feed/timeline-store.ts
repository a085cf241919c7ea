/**
 * The timelines of one feed-service node's users: for each, the ids of the
 * posts pushed into its feed, oldest to newest (ids sort by time, see
 * post-store.ts), at most `length` of them: a write into a full timeline
 * drops its oldest entry, and a write older than everything a full timeline
 * holds is dropped itself (it would not be among the newest `length`).
 *
 * Memory follows what the timelines hold, not users × length: a timeline
 * starts with no room, gets 4 entries at its first write and doubles (up to
 * `length`) when full, in one shared Float64Array carved into regions, with a
 * free list per region size for regions given up when growing. Each
 * timeline is a ring inside its region (a start, a head and a count per
 * user, in typed arrays: no object per user). Writes arrive mostly in id
 * order; one that arrives late is slid into place from the newest end, and
 * an id the timeline already holds is not stored twice.
 */
/** What TimelineStore.write returns for an id the timeline already holds. */
export const DUPLICATE = -1;

export class TimelineStore {
  /** Entries held in all timelines. */
  entries = 0;
  private slab = new Float64Array(1024);
  /** Slots of the slab handed out so far (regions are carved from the top). */
  private used = 0;
  /** Each user's region: its first slot (-1: none), its size class, the ring's head and count. */
  private readonly start: Int32Array;
  private readonly sizeClass: Int8Array;
  private readonly head: Int32Array;
  private readonly count: Int32Array;
  /** Capacity of each size class: 4, 8, 16, … then `length`. */
  private readonly classCapacity: number[] = [];
  /** First free region of each size class (-1: none); a free region's first slot holds the next. */
  private readonly freeHead: number[] = [];

  constructor(
    users: number,
    readonly length: number,
  ) {
    if (!(Number.isInteger(length) && length >= 1)) throw new RangeError(`timeline length must be >= 1, got ${length}`);
    this.start = new Int32Array(users).fill(-1);
    this.sizeClass = new Int8Array(users);
    this.head = new Int32Array(users);
    this.count = new Int32Array(users);
    for (let capacity = Math.min(4, length); ; capacity = Math.min(capacity * 2, length)) {
      this.classCapacity.push(capacity);
      this.freeHead.push(-1);
      if (capacity === length) break;
    }
  }

  /** Entries user `u` (a local index) holds. */
  countOf(u: number): number {
    return this.count[u];
  }

  /**
   * Writes post `id` into user `u`'s timeline; returns the change in entries
   * held (1, or 0 when it was full), or DUPLICATE when the timeline already
   * held the id (a write sent again, or a post a rebuild brought in).
   */
  write(u: number, id: number): number {
    let n = this.count[u];
    if (this.start[u] < 0) this.allocate(u, 0);
    else if (n === this.classCapacity[this.sizeClass[u]] && n < this.length) this.regrow(u);
    const base = this.start[u];
    const capacity = this.classCapacity[this.sizeClass[u]];
    const slab = this.slab;
    let head = this.head[u];
    // Find where id goes from the newest end: after the first entry not above it.
    let k = n;
    while (k > 0) {
      const v = slab[base + ((head + k - 1) % capacity)];
      if (v === id) return DUPLICATE;
      if (v < id) break;
      k--;
    }
    let added = 1;
    if (n === this.length) {
      // Full: the oldest goes, unless the new one would be the oldest itself.
      if (k === 0) return 0;
      head = (head + 1) % capacity;
      this.head[u] = head;
      n--;
      k--;
      added = 0;
    }
    for (let j = n; j > k; j--) slab[base + ((head + j) % capacity)] = slab[base + ((head + j - 1) % capacity)];
    slab[base + ((head + k) % capacity)] = id;
    this.count[u] = n + 1;
    this.entries += added;
    return added;
  }

  /** Writes user `u`'s newest entries, newest first, at most `limit`, into `out`; returns how many. */
  newest(u: number, limit: number, out: Float64Array): number {
    const n = Math.min(this.count[u], limit);
    if (n === 0) return 0;
    const base = this.start[u];
    const capacity = this.classCapacity[this.sizeClass[u]];
    const head = this.head[u];
    const last = this.count[u] - 1;
    for (let i = 0; i < n; i++) out[i] = this.slab[base + ((head + last - i) % capacity)];
    return n;
  }

  /** Replaces user `u`'s timeline by `ids[0 .. n)`, newest first (a rebuild); returns the change in entries held. */
  replace(u: number, ids: Float64Array, n: number): number {
    const kept = Math.min(n, this.length);
    const before = this.count[u];
    if (kept > 0) {
      let c = 0;
      while (this.classCapacity[c] < kept) c++;
      if (this.start[u] < 0) this.allocate(u, c);
      else if (this.sizeClass[u] < c) {
        this.release(u);
        this.allocate(u, c);
      }
      const base = this.start[u];
      for (let i = 0; i < kept; i++) this.slab[base + i] = ids[kept - 1 - i];
    }
    this.head[u] = 0;
    this.count[u] = kept;
    this.entries += kept - before;
    return kept - before;
  }

  /** Slots the slab holds (for inspection: the storage the timelines take). */
  get slots(): number {
    return this.used;
  }

  private allocate(u: number, c: number): void {
    const capacity = this.classCapacity[c];
    let at = this.freeHead[c];
    if (at >= 0) this.freeHead[c] = this.slab[at];
    else {
      if (this.used + capacity > this.slab.length) {
        const slab = new Float64Array(Math.max(this.slab.length * 2, this.used + capacity));
        slab.set(this.slab);
        this.slab = slab;
      }
      at = this.used;
      this.used += capacity;
    }
    this.start[u] = at;
    this.sizeClass[u] = c;
    this.head[u] = 0;
  }

  private release(u: number): void {
    const c = this.sizeClass[u];
    const at = this.start[u];
    this.slab[at] = this.freeHead[c];
    this.freeHead[c] = at;
    this.start[u] = -1;
  }

  /** Moves a full timeline into a region of the next size, oldest entry first, and frees the old region. */
  private regrow(u: number): void {
    const oldBase = this.start[u];
    const oldClass = this.sizeClass[u];
    const oldCapacity = this.classCapacity[oldClass];
    const head = this.head[u];
    const n = this.count[u];
    this.allocate(u, oldClass + 1);
    // allocate may have moved the slab; offsets into it stay valid.
    const base = this.start[u];
    const slab = this.slab;
    for (let i = 0; i < n; i++) slab[base + i] = slab[oldBase + ((head + i) % oldCapacity)];
    slab[oldBase] = this.freeHead[oldClass];
    this.freeHead[oldClass] = oldBase;
  }
}
