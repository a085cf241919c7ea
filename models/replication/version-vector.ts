/**
 * Version vectors with one counter per store node (dense by the node's index
 * in its store). A vector is never changed once made: replicas share them
 * through messages, so every operation returns a new one.
 */
export type VersionVector = Readonly<Float64Array>;

/** How version `a` stands to version `b`: `before` means b has seen a. */
export type Causality = 'equal' | 'before' | 'after' | 'concurrent';

export function emptyVector(members: number): VersionVector {
  return new Float64Array(members);
}

export function compareVectors(a: VersionVector, b: VersionVector): Causality {
  let aAhead = false;
  let bAhead = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] > b[i]) aAhead = true;
    else if (a[i] < b[i]) bAhead = true;
  }
  if (aAhead) return bAhead ? 'concurrent' : 'after';
  return bAhead ? 'before' : 'equal';
}

/** The least vector that has seen both. */
export function mergeVectors(a: VersionVector, b: VersionVector): VersionVector {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] >= b[i] ? a[i] : b[i];
  return out;
}

/** `context` advanced by one event of `member`, numbered `counter` (above any of its events the context holds). */
export function advanceVector(context: VersionVector, member: number, counter: number): VersionVector {
  if (!(counter > context[member]))
    throw new RangeError(`event ${counter} of member ${member} is not after the context's ${context[member]}`);
  const out = Float64Array.from(context);
  out[member] = counter;
  return out;
}

/** Members a store can have: dots pack (member, counter) into one exact integer. */
export const MAX_MEMBERS = 4096;

/** One event's unique name: the `counter`-th event of `member` (a write it coordinated, a tag it added). */
export function dotOf(member: number, counter: number): number {
  return counter * MAX_MEMBERS + member;
}
