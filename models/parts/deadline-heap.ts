/**
 * A binary min-heap of (deadline, item, tag) entries: push in O(log n), the
 * earliest deadline in O(1), pop it in O(log n). Deadlines sit in a typed
 * array beside the items, so a push allocates nothing once the arrays have
 * grown. Entries are never removed from the middle: a caller whose item's
 * deadline changed pushes a new entry and, when an entry comes out, checks it
 * still matches the item (its deadline and `tag`) before acting on it.
 */
export class DeadlineHeap<T> {
  private deadlines = new Float64Array(16);
  private tags = new Float64Array(16);
  private items: (T | undefined)[] = new Array(16);
  length = 0;

  push(deadline: number, item: T, tag = 0): void {
    if (this.length === this.deadlines.length) this.grow();
    let i = this.length++;
    // Sift up: move parents down until the new entry's place is found.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.deadlines[parent] <= deadline) break;
      this.place(i, parent);
      i = parent;
    }
    this.deadlines[i] = deadline;
    this.tags[i] = tag;
    this.items[i] = item;
  }

  /** The earliest deadline; Infinity when empty. */
  get earliest(): number {
    return this.length === 0 ? Infinity : this.deadlines[0];
  }

  /** The earliest entry's item and tag; the heap must not be empty. */
  get topItem(): T {
    return this.items[0]!;
  }

  get topTag(): number {
    return this.tags[0];
  }

  /** Removes the earliest entry; the heap must not be empty. */
  pop(): void {
    const last = --this.length;
    const deadline = this.deadlines[last];
    const tag = this.tags[last];
    const item = this.items[last];
    this.items[last] = undefined;
    if (last === 0) return;
    let i = 0;
    // Sift down: move the smaller child up until the last entry's place is found.
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && this.deadlines[child + 1] < this.deadlines[child]) child++;
      if (this.deadlines[child] >= deadline) break;
      this.place(i, child);
      i = child;
    }
    this.deadlines[i] = deadline;
    this.tags[i] = tag;
    this.items[i] = item;
  }

  clear(): void {
    this.items.fill(undefined, 0, this.length);
    this.length = 0;
  }

  private place(to: number, from: number): void {
    this.deadlines[to] = this.deadlines[from];
    this.tags[to] = this.tags[from];
    this.items[to] = this.items[from];
  }

  private grow(): void {
    const size = this.deadlines.length * 2;
    const deadlines = new Float64Array(size);
    deadlines.set(this.deadlines);
    const tags = new Float64Array(size);
    tags.set(this.tags);
    this.deadlines = deadlines;
    this.tags = tags;
    this.items.length = size;
  }
}
