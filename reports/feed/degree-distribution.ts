import type { SocialGraph } from '../../models/parts/social-graph.js';

/**
 * A degree distribution, compact: each distinct value once, ascending, with
 * how many users have it. A million users' in-degrees come to a few thousand
 * distinct values, so fits and charts work on these, never on the users.
 */
export interface DegreeCounts {
  /** Distinct values, ascending. */
  readonly values: Float64Array;
  /** users[i]: how many users have values[i]. */
  readonly users: Float64Array;
  /** Every user counted, zeros included. */
  readonly total: number;
}

/** How many users have each number of followers (zero included). Linear in users. */
export function inDegreeCounts(graph: SocialGraph): DegreeCounts {
  let largest = 0;
  for (let u = 0; u < graph.users; u++)
    largest = Math.max(largest, graph.followerStart[u + 1] - graph.followerStart[u]);
  const perDegree = new Float64Array(largest + 1);
  for (let u = 0; u < graph.users; u++) perDegree[graph.followerStart[u + 1] - graph.followerStart[u]]++;
  return fromTable(perDegree, graph.users);
}

/** The distribution of any non-negative integers (degrees, samples), zeros included. */
export function countValues(samples: ArrayLike<number>): DegreeCounts {
  const sorted = Float64Array.from(samples).sort();
  let distinct = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
  const values = new Float64Array(distinct);
  const users = new Float64Array(distinct);
  let at = -1;
  for (let i = 0; i < sorted.length; i++) {
    if (i === 0 || sorted[i] !== sorted[i - 1]) values[++at] = sorted[i];
    users[at]++;
  }
  return { values, users, total: sorted.length };
}

function fromTable(perValue: Float64Array, total: number): DegreeCounts {
  let distinct = 0;
  for (let k = 0; k < perValue.length; k++) if (perValue[k] > 0) distinct++;
  const values = new Float64Array(distinct);
  const users = new Float64Array(distinct);
  let at = 0;
  for (let k = 0; k < perValue.length; k++) {
    if (perValue[k] === 0) continue;
    values[at] = k;
    users[at++] = perValue[k];
  }
  return { values, users, total };
}

/**
 * The complementary CDF P(K ≥ k) over all users (zeros included in the
 * denominator), at k = 1 and then about `perDecade` points per decade on a
 * geometric grid, ending at the largest value: the points of a log-log chart,
 * where a power law with P(k) ∝ k^−α is a line of slope −(α − 1). Only k
 * where some user has at least k, so every share is above zero.
 */
export function complementaryCdfPoints(counts: DegreeCounts, perDecade = 10): [k: number, share: number][] {
  const { values, users, total } = counts;
  if (total === 0 || values.length === 0) return [];
  const largest = values[values.length - 1];
  if (largest < 1) return [];
  const points: [number, number][] = [];
  // atLeast: users with a value ≥ values[i]; i walks up as k grows.
  let atLeast = total;
  let i = 0;
  const step = Math.pow(10, 1 / perDecade);
  for (let grid = 1, k = 1; k <= largest; grid *= step) {
    k = Math.max(k, Math.ceil(grid - 1e-9));
    if (k > largest) break;
    while (values[i] < k) atLeast -= users[i++];
    if (points.length === 0 || points[points.length - 1][0] !== k) points.push([k, atLeast / total]);
    k++;
  }
  if (points[points.length - 1][0] !== largest) points.push([largest, users[values.length - 1] / total]);
  return points;
}
