/**
 * A growable ring buffer (a double-ended queue): push at either end, take from
 * either end, in O(1). Its capacity doubles when full and never shrinks, so a
 * steady state allocates nothing.
 */
export class Deque<T> {
  private items: (T | undefined)[] = new Array(16);
  private mask = 15;
  private head = 0;
  length = 0;

  push(item: T): void {
    if (this.length === this.items.length) this.grow();
    this.items[(this.head + this.length) & this.mask] = item;
    this.length++;
  }

  /** Puts an item before the oldest (a retry that must go out first). */
  unshift(item: T): void {
    if (this.length === this.items.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.items[this.head] = item;
    this.length++;
  }

  /** The oldest item; the ring must not be empty. */
  front(): T {
    return this.items[this.head]!;
  }

  /** The newest item; the ring must not be empty. */
  back(): T {
    return this.items[(this.head + this.length - 1) & this.mask]!;
  }

  /** Removes and returns the oldest item; the ring must not be empty. */
  shift(): T {
    const item = this.items[this.head]!;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.length--;
    return item;
  }

  /** Removes and returns the newest item; the ring must not be empty. */
  pop(): T {
    const i = (this.head + this.length - 1) & this.mask;
    const item = this.items[i]!;
    this.items[i] = undefined;
    this.length--;
    return item;
  }

  private grow(): void {
    const old = this.items;
    const bigger = new Array<T | undefined>(old.length * 2);
    for (let k = 0; k < this.length; k++) bigger[k] = old[(this.head + k) & this.mask];
    this.items = bigger;
    this.mask = bigger.length - 1;
    this.head = 0;
  }
}
