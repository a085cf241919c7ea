import { lowerBound } from '../parts/sorted-numbers.js';
/**
 * State-based CRDTs: replicas merge whole states (or deltas, which are
 * states too), and the merge is commutative, associative and idempotent, so
 * replicas that have seen the same updates hold the same state whatever the
 * order, duplication or path. States are never changed once made: merges
 * return new ones.
 */

/** G-Counter: one count per member (dense by member index); each member only raises its own. */
export type GCounter = Readonly<Float64Array>;

/** The state in which `member`'s own count is `count` and every other is zero: what one increment sends. */
export function gCounterOf(members: number, member: number, count: number): GCounter {
  const out = new Float64Array(members);
  out[member] = count;
  return out;
}

export function mergeGCounters(a: GCounter, b: GCounter): GCounter {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] >= b[i] ? a[i] : b[i];
  return out;
}

export function gCounterValue(state: GCounter): number {
  let sum = 0;
  for (let i = 0; i < state.length; i++) sum += state[i];
  return sum;
}

/** PN-Counter: increments and decrements in two G-Counters; the value is their difference. */
export interface PNCounter {
  readonly p: GCounter;
  readonly n: GCounter;
}

export function mergePNCounters(a: PNCounter, b: PNCounter): PNCounter {
  return { p: mergeGCounters(a.p, b.p), n: mergeGCounters(a.n, b.n) };
}

export function pnCounterValue(state: PNCounter): number {
  return gCounterValue(state.p) - gCounterValue(state.n);
}

/**
 * Observed-remove set: each insert tags its element with a fresh dot; a
 * remove tombstones the tags it observed, so an insert concurrent with a
 * remove survives it (add wins). Tags in `removed` are dropped from `tags`,
 * which keeps entries small; both are kept in ascending order, so equal sets
 * have equal representations.
 */
export interface ORSet {
  /** element → its live tags, ascending, elements ascending. */
  readonly tags: ReadonlyMap<number, readonly number[]>;
  /** Tombstoned tags, ascending. */
  readonly removed: readonly number[];
}

export const EMPTY_OR_SET: ORSet = { tags: new Map(), removed: [] };

export function orSetInsert(element: number, dot: number): ORSet {
  return { tags: new Map([[element, [dot]]]), removed: [] };
}

/** What removing `element` sends: a tombstone for every tag of it `observed` holds. */
export function orSetRemove(observed: ORSet, element: number): ORSet {
  return { tags: new Map(), removed: observed.tags.get(element) ?? [] };
}

export function mergeORSets(a: ORSet, b: ORSet): ORSet {
  const removed = unionSorted(a.removed, b.removed);
  const elements = unionSorted([...a.tags.keys()], [...b.tags.keys()]);
  const tags = new Map<number, readonly number[]>();
  for (const element of elements) {
    const live = unionSorted(a.tags.get(element) ?? [], b.tags.get(element) ?? []).filter(
      (dot) => !containsSorted(removed, dot),
    );
    if (live.length > 0) tags.set(element, live);
  }
  return { tags, removed };
}

export function orSetElements(state: ORSet): number[] {
  return [...state.tags.keys()];
}

function unionSorted(a: readonly number[], b: readonly number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = i < a.length ? a[i] : Infinity;
    const y = j < b.length ? b[j] : Infinity;
    if (x <= y) {
      out.push(x);
      i++;
      if (x === y) j++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
}

function containsSorted(sorted: readonly number[], x: number): boolean {
  const at = lowerBound(sorted, x);
  return at < sorted.length && sorted[at] === x;
}
