import type { SocialGraph } from '../parts/social-graph.js';

/**
 * Compressed sparse rows for follower graphs: `items[start[u] .. start[u+1])`
 * is row u. Built by counting sort, so tens of millions of edges cost a few
 * typed arrays and two passes, never an object per edge.
 */
export interface Rows {
  readonly start: Int32Array;
  readonly items: Int32Array;
}

/** Sorts every row ascending in place. Short rows by insertion sort: a subarray object per row costs more than the sort. */
export function sortRows({ start, items }: Rows): void {
  const rows = start.length - 1;
  for (let u = 0; u < rows; u++) {
    const from = start[u];
    const to = start[u + 1];
    if (to - from > 32) {
      items.subarray(from, to).sort();
      continue;
    }
    for (let i = from + 1; i < to; i++) {
      const value = items[i];
      let j = i - 1;
      while (j >= from && items[j] > value) {
        items[j + 1] = items[j];
        j--;
      }
      items[j + 1] = value;
    }
  }
}

/**
 * The same edges the other way round: row v of the result lists every u
 * whose row holds v. Filling in ascending u leaves each new row sorted.
 */
export function transposeRows(columns: number, { start, items }: Rows): Rows {
  const transposedStart = new Int32Array(columns + 1);
  for (let i = 0; i < items.length; i++) transposedStart[items[i] + 1]++;
  for (let v = 0; v < columns; v++) transposedStart[v + 1] += transposedStart[v];
  const cursor = transposedStart.slice(0, columns);
  const transposed = new Int32Array(items.length);
  const rows = start.length - 1;
  for (let u = 0; u < rows; u++) {
    for (let i = start[u]; i < start[u + 1]; i++) transposed[cursor[items[i]]++] = u;
  }
  return { start: transposedStart, items: transposed };
}

/** Row starts from row lengths: start[u + 1] = start[u] + lengths[u]. */
export function rowStarts(lengths: Int32Array): Int32Array {
  const start = new Int32Array(lengths.length + 1);
  for (let u = 0; u < lengths.length; u++) start[u + 1] = start[u] + lengths[u];
  return start;
}

/** A graph's row arrays from its follower rows (row u: who follows u) and its followee rows (row u: whom u follows). */
export function graphRows(
  followers: Rows,
  followees: Rows,
): Pick<SocialGraph, 'followerStart' | 'followers' | 'followeeStart' | 'followees'> {
  return {
    followerStart: followers.start,
    followers: followers.items,
    followeeStart: followees.start,
    followees: followees.items,
  };
}
