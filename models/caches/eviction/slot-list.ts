/**
 * An intrusive doubly linked list over integer slots: the links live in two
 * Int32Arrays indexed by slot, so pushing, unlinking and moving an entry
 * allocate nothing. The head is the newest end (most recently inserted or
 * used), the tail the oldest; -1 marks "none". A slot is in at most one
 * position of a list; the owner keeps track of which list a slot is in.
 */
export class SlotList {
  head = -1;
  tail = -1;
  length = 0;
  private towardHead: Int32Array;
  private towardTail: Int32Array;

  constructor(slotCount: number) {
    this.towardHead = new Int32Array(slotCount);
    this.towardTail = new Int32Array(slotCount);
  }

  /** Room for slots 0..slotCount-1; links already made are kept. */
  grow(slotCount: number): void {
    if (slotCount <= this.towardHead.length) return;
    const towardHead = new Int32Array(slotCount);
    const towardTail = new Int32Array(slotCount);
    towardHead.set(this.towardHead);
    towardTail.set(this.towardTail);
    this.towardHead = towardHead;
    this.towardTail = towardTail;
  }

  /** The neighbour on the newer side of `slot` (-1 at the head). */
  newerThan(slot: number): number {
    return this.towardHead[slot];
  }

  /** The neighbour on the older side of `slot` (-1 at the tail). */
  olderThan(slot: number): number {
    return this.towardTail[slot];
  }

  pushHead(slot: number): void {
    this.towardHead[slot] = -1;
    this.towardTail[slot] = this.head;
    if (this.head === -1) this.tail = slot;
    else this.towardHead[this.head] = slot;
    this.head = slot;
    this.length++;
  }

  remove(slot: number): void {
    const newer = this.towardHead[slot];
    const older = this.towardTail[slot];
    if (newer === -1) this.head = older;
    else this.towardTail[newer] = older;
    if (older === -1) this.tail = newer;
    else this.towardHead[older] = newer;
    this.length--;
  }

  moveToHead(slot: number): void {
    if (this.head === slot) return;
    this.remove(slot);
    this.pushHead(slot);
  }
}
