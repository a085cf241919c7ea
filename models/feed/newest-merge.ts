/**
 * Merges two lists of post ids, each newest first (descending), into `out`:
 * the newest `limit` distinct ids of both, newest first; returns how many.
 * A feed page is the merge of the pushed timeline with each pulled
 * followee's newest posts; ids sort by time, so the newest ids are the newest
 * posts. `out` must be neither input.
 */
export function mergeNewest(
  a: ArrayLike<number>,
  aCount: number,
  b: ArrayLike<number>,
  bCount: number,
  out: Float64Array,
  limit: number,
): number {
  let i = 0;
  let j = 0;
  let n = 0;
  let last = Infinity;
  while (n < limit && (i < aCount || j < bCount)) {
    let id: number;
    if (j >= bCount || (i < aCount && a[i] >= b[j])) id = a[i++];
    else id = b[j++];
    if (id === last) continue;
    out[n++] = id;
    last = id;
  }
  return n;
}
