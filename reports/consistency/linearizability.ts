import type { Operation } from './history.js';
import type { SequentialSpec, SpecState } from './sequential-specs.js';

/** Where the search got furthest before it had to give up: the evidence that the history cannot be ordered. */
export interface Counterexample {
  /** The key, for maps checked per key. */
  key?: string;
  /** The state after the longest order found... */
  state: SpecState;
  /** ...whose last few operations were these (oldest first)... */
  lastOrdered: Operation[];
  /** ...when this operation returned without any order that could include it: */
  stuck: Operation;
  /** the operations that were open at that point (could have gone next), the stuck one included. */
  open: Operation[];
  /** How many open operations were left out of `open`. */
  openOmitted: number;
}

export interface LinearizabilityResult {
  linearizable: boolean;
  model: string;
  /** Operations checked (failed ones and reads with unknown outcome are left out: they changed nothing). */
  operations: number;
  /** Independent parts checked: keys for a map, 1 for a register. */
  partitions: number;
  /** Distinct (operations ordered, state) pairs the search visited. */
  statesExplored: number;
  /** 32-bit words the memo of those pairs holds: a few per pair, plus the operations open at its point of the search. */
  memoWords: number;
  counterexample?: Counterexample;
}

const LAST_ORDERED = 5;
const LONG_STATE = 64;
const MAX_OPEN = 20;

export interface CheckOptions {
  /** Search steps allowed over all keys; when they run out before a verdict, the verdict is null (unknown). */
  maxSteps?: number;
}

/** A verdict under a step budget: `linearizable` is null when the budget ran out first, and `unknown` says so. */
export interface BoundedLinearizabilityResult extends Omit<LinearizabilityResult, 'linearizable'> {
  linearizable: boolean | null;
  unknown?: string;
  /** Search steps taken, over all keys. */
  steps: number;
}

/**
 * Decides whether a history is linearizable: the Wing & Gong search over
 * orders consistent with real time, with Lowe's memoization of (set of
 * operations ordered, state) pairs already explored, as Porcupine does. The
 * pending operations sit in a doubly linked list of call and return entries
 * sorted by time; ordering an operation lifts its two entries out, and
 * reaching a return entry means its operation should already have been
 * ordered, so the search backtracks. Maps are checked one key at a time.
 * With `maxSteps`, the search gives up (verdict null) rather than run for
 * as long as a hard history needs: the search is exponential in the worst case.
 */
export function checkLinearizability(operations: readonly Operation[], spec: SequentialSpec): LinearizabilityResult;
export function checkLinearizability(
  operations: readonly Operation[],
  spec: SequentialSpec,
  options: CheckOptions,
): BoundedLinearizabilityResult;
export function checkLinearizability(
  operations: readonly Operation[],
  spec: SequentialSpec,
  options: CheckOptions = {},
): LinearizabilityResult | BoundedLinearizabilityResult {
  const partitions = spec.perKey ? partitionByKey(operations) : [operations];
  const searches = partitions.map((part) => new PartitionSearch(part, spec));
  const maxSteps = options.maxSteps ?? Infinity;
  let steps = 0;
  const result = (linearizable: boolean | null, counterexample?: Counterexample): BoundedLinearizabilityResult => ({
    linearizable,
    model: spec.name,
    operations: operations.length,
    partitions: partitions.length,
    statesExplored: searches.reduce((sum, s) => sum + s.statesExplored, 0),
    memoWords: searches.reduce((sum, s) => sum + s.memoWords, 0),
    ...(counterexample === undefined ? {} : { counterexample }),
    ...(linearizable === null ? { unknown: `budget exhausted: no verdict after ${steps} search steps` } : {}),
    steps,
  });
  // Keys are searched in turns with a doubling step budget, so one key that
  // fails fast is found before another's exhaustive search ends (as
  // Porcupine's parallel search does), yet the answer stays deterministic.
  let running = searches;
  for (let budget = 1024; running.length > 0; budget *= 2) {
    for (const search of running) {
      if (steps >= maxSteps) return result(null);
      const before = search.steps;
      const outcome = search.run(Math.min(budget, maxSteps - steps));
      steps += search.steps - before;
      if (outcome === 'violated') return result(false, search.counterexample);
    }
    running = running.filter((s) => !s.finished);
  }
  return result(true);
}

function partitionByKey(operations: readonly Operation[]): Operation[][] {
  const byKey = new Map<string, Operation[]>();
  for (const op of operations) {
    const key = op.key ?? '';
    let list = byKey.get(key);
    if (list === undefined) byKey.set(key, (list = []));
    list.push(op);
  }
  return [...byKey.values()];
}

/** One partition's search, resumable: `run` goes on for at most `budget` steps. */
class PartitionSearch {
  private readonly head: number;
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  private readonly zobrist: Int32Array;
  /** States by integer id, and each (state, operation) step taken so far, so each state is built and interned once. */
  private readonly stateIds = new Map<SpecState, number>();
  private readonly states: SpecState[] = [];
  private readonly transitions = new Map<number, number>();
  private readonly seen: VisitedSet;
  private readonly stackCall: Int32Array;
  private readonly stackState: Int32Array;
  private setHash = 0;
  private depth = 0;
  private state: number;
  private entry: number;
  private bestDepth = -1;
  statesExplored = 0;
  /** Steps taken over every call of `run`. */
  steps = 0;
  finished = false;
  counterexample: Counterexample | undefined;

  constructor(
    private readonly ops: readonly Operation[],
    private readonly spec: SequentialSpec,
  ) {
    const n = ops.length;
    // Entries 0..2n-1 (the call of op i is 2i, its return 2i+1); `head` is the list's sentinel.
    const head = (this.head = 2 * n);
    const order = Array.from({ length: 2 * n }, (_, e) => e);
    const time = (e: number) => (e & 1 ? ops[e >> 1].returnTime : ops[e >> 1].callTime);
    // Calls before returns at equal times: operations that touch count as concurrent.
    order.sort((a, b) => time(a) - time(b) || (a & 1) - (b & 1) || a - b);
    const next = (this.next = new Int32Array(2 * n + 1));
    const prev = (this.prev = new Int32Array(2 * n + 1));
    let last = head;
    for (const e of order) {
      next[last] = e;
      prev[e] = last;
      last = e;
    }
    next[last] = -1;
    prev[head] = -1;
    this.seen = new VisitedSet();
    this.zobrist = zobristKeys(n);
    this.stackCall = new Int32Array(n);
    this.stackState = new Int32Array(n);
    this.state = this.intern(spec.init);
    this.entry = next[head];
    this.finished = n === 0;
  }

  run(budget: number): 'linearizable' | 'violated' | 'unfinished' {
    const { next, head, ops } = this;
    let entry = this.entry;
    for (let steps = 0; next[head] !== -1; steps++, this.steps++) {
      if (steps === budget) {
        this.entry = entry;
        return 'unfinished';
      }
      if ((entry & 1) === 0) {
        const i = entry >> 1;
        const after = this.step(this.state, i);
        if (after !== -1) {
          this.toggle(i);
          this.lift(entry);
          if (this.remember(after)) {
            this.stackCall[this.depth] = entry;
            this.stackState[this.depth] = this.state;
            this.depth++;
            this.state = after;
            entry = next[head];
            continue;
          }
          this.unlift(entry);
          this.toggle(i);
        }
        entry = next[entry];
        continue;
      }
      // A return entry: its operation had to be ordered by now. Back up.
      if (this.depth > this.bestDepth) {
        this.bestDepth = this.depth;
        this.counterexample = counterexample(
          ops,
          next,
          head,
          entry,
          this.stackCall,
          this.depth,
          this.states[this.state],
        );
      }
      if (this.depth === 0) {
        this.finished = true;
        return 'violated';
      }
      this.depth--;
      const call = this.stackCall[this.depth];
      this.state = this.stackState[this.depth];
      this.toggle(call >> 1);
      this.unlift(call);
      entry = next[call];
    }
    this.finished = true;
    this.counterexample = undefined;
    return 'linearizable';
  }

  get memoWords(): number {
    return this.seen.words;
  }

  private toggle(i: number): void {
    this.setHash ^= this.zobrist[i];
  }

  /** The id of the state after operation `i` from state `from`; -1 if the operation could not have returned what it did. */
  private step(from: number, i: number): number {
    const key = from * this.ops.length + i;
    let to = this.transitions.get(key);
    if (to === undefined) {
      const after = this.spec.step(this.states[from], this.ops[i]);
      to = after === undefined ? -1 : this.intern(after);
      this.transitions.set(key, to);
    }
    return to;
  }

  /**
   * Equal states get equal ids, except long strings: hashing every one
   * costs more than it saves, since a map's values grow by appends and equal
   * long values come almost only from the same (state, operation) step,
   * which `transitions` already maps to one id. A missed equality costs
   * search time, never a wrong verdict.
   */
  private intern(state: SpecState): number {
    if (typeof state === 'string' && state.length > LONG_STATE) {
      this.states.push(state);
      return this.states.length - 1;
    }
    let id = this.stateIds.get(state);
    if (id === undefined) {
      this.stateIds.set(state, (id = this.states.length));
      this.states.push(state);
    }
    return id;
  }

  /** Records (operations ordered, state), the operation just ordered lifted out; false if it was explored before. */
  private remember(id: number): boolean {
    if (!this.seen.add(this.next, this.head, id, (this.setHash ^ Math.imul(id + 1, 0x9e3779b1)) | 0)) return false;
    this.statesExplored++;
    return true;
  }

  /** Takes an operation's call entry and its return entry out of the list... */
  private lift(call: number): void {
    const { next, prev } = this;
    next[prev[call]] = next[call];
    prev[next[call]] = prev[call];
    const ret = call + 1;
    next[prev[ret]] = next[ret];
    if (next[ret] !== -1) prev[next[ret]] = prev[ret];
  }

  /** ...and puts them back, in the reverse order. */
  private unlift(call: number): void {
    const { next, prev } = this;
    const ret = call + 1;
    next[prev[ret]] = ret;
    if (next[ret] !== -1) prev[next[ret]] = ret;
    next[prev[call]] = call;
    prev[next[call]] = call;
  }
}

function counterexample(
  ops: readonly Operation[],
  next: Int32Array,
  head: number,
  stuckReturn: number,
  stackCall: Int32Array,
  depth: number,
  state: SpecState,
): Counterexample {
  const open: Operation[] = [];
  let omitted = 0;
  for (let e = next[head]; e !== stuckReturn; e = next[e]) {
    if ((e & 1) !== 0) continue;
    if (open.length < MAX_OPEN) open.push(ops[e >> 1]);
    else omitted++;
  }
  const lastOrdered: Operation[] = [];
  for (let d = Math.max(0, depth - LAST_ORDERED); d < depth; d++) lastOrdered.push(ops[stackCall[d] >> 1]);
  const stuck = ops[stuckReturn >> 1];
  return {
    ...(stuck.key === undefined ? {} : { key: stuck.key }),
    state,
    lastOrdered,
    stuck,
    open,
    openOmitted: omitted,
  };
}

/**
 * The (set of operations ordered, state) pairs already explored: a chained
 * hash table over flat typed arrays, since the search adds hundreds of
 * thousands and an object per entry would leave it to the garbage collector.
 *
 * A set is kept by what the pending list still holds before its first return
 * entry: that entry, and the call entries ahead of it. This names the set
 * exactly: an operation is ordered only when its call comes before the first
 * return in the list, and that first return only moves later as operations
 * are ordered, so every operation called before it is ordered unless its call
 * is still listed, and none called after it is. The entry takes as many words
 * as operations are open at that point (about the concurrency, plus unknown
 * outcomes left unordered), not one bit per operation of the history: a
 * bitset per entry made memory grow with the square of a long history.
 */
class VisitedSet {
  private stateId: Int32Array = new Int32Array(1024);
  private hash: Int32Array = new Int32Array(1024);
  private chain: Int32Array = new Int32Array(1024);
  /** Where each entry's frontier starts in `frontiers`; entry e ends where e + 1 starts. */
  private start: Int32Array = new Int32Array(1025);
  private frontiers: Int32Array = new Int32Array(4096);
  private buckets: Int32Array = new Int32Array(1024).fill(-1);
  private size = 0;

  /** Per pair: its state, hash, chain link and start, and its frontier. */
  get words(): number {
    return 4 * this.size + this.start[this.size];
  }

  /** False if (the set `next` from `head` leaves ordered, state) is in the set already. */
  add(next: Int32Array, head: number, state: number, hash: number): boolean {
    for (let e = this.buckets[hash & (this.buckets.length - 1)]; e !== -1; e = this.chain[e]) {
      if (this.hash[e] === hash && this.stateId[e] === state && this.sameFrontier(e, next, head)) return false;
    }
    if (this.size === this.stateId.length) this.grow();
    const e = this.size++;
    let end = this.start[e];
    for (let entry = next[head]; ; entry = next[entry]) {
      if (end === this.frontiers.length) this.frontiers = resized(this.frontiers, 2 * end);
      this.frontiers[end++] = entry;
      if (entry === -1 || (entry & 1) !== 0) break;
    }
    this.start[e + 1] = end;
    this.stateId[e] = state;
    this.hash[e] = hash;
    const b = hash & (this.buckets.length - 1);
    this.chain[e] = this.buckets[b];
    this.buckets[b] = e;
    return true;
  }

  private sameFrontier(e: number, next: Int32Array, head: number): boolean {
    const end = this.start[e + 1];
    let at = this.start[e];
    for (let entry = next[head]; ; entry = next[entry]) {
      if (at === end || this.frontiers[at++] !== entry) return false;
      if (entry === -1 || (entry & 1) !== 0) return at === end;
    }
  }

  private grow(): void {
    const capacity = this.stateId.length * 2;
    this.stateId = resized(this.stateId, capacity);
    this.hash = resized(this.hash, capacity);
    this.start = resized(this.start, capacity + 1);
    this.chain = new Int32Array(capacity);
    this.buckets = new Int32Array(capacity).fill(-1);
    for (let e = 0; e < this.size; e++) {
      const b = this.hash[e] & (capacity - 1);
      this.chain[e] = this.buckets[b];
      this.buckets[b] = e;
    }
  }
}

function resized(a: Int32Array, capacity: number): Int32Array {
  const b = new Int32Array(capacity);
  b.set(a);
  return b;
}

/** Fixed pseudo-random keys per operation, so the hash of a set updates by one xor (Zobrist hashing). */
function zobristKeys(n: number): Int32Array {
  const keys = new Int32Array(n);
  let x = 0x2545f491;
  for (let i = 0; i < n; i++) {
    x = (x + 0x6d2b79f5) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    keys[i] = z ^ (z >>> 14);
  }
  return keys;
}
