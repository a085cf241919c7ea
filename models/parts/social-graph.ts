/**
 * A follower graph over users 0..users−1 in compressed sparse rows, both
 * ways: who follows each user (the consumers its posts fan out to) and whom
 * each user follows (the producers a pulled feed merges). No object per edge:
 * a million users and tens of millions of edges are a few typed arrays.
 *
 * Each user's rows are sorted ascending and hold no duplicate and no
 * self-follow. Rates are per user: how often the user posts and reads its
 * feed; an inactive user has both at zero.
 */
export interface SocialGraph {
  readonly users: number;
  /** `followers[followerStart[u] .. followerStart[u + 1])` are the users following u (length users + 1). */
  readonly followerStart: Int32Array;
  readonly followers: Int32Array;
  /** `followees[followeeStart[u] .. followeeStart[u + 1])` are the users u follows (length users + 1). */
  readonly followeeStart: Int32Array;
  readonly followees: Int32Array;
  /** Posts per second each user makes (0 when inactive). */
  readonly postRatePerSec: Float64Array;
  /** Feed reads per second each user makes (0 when inactive). */
  readonly readRatePerSec: Float64Array;
  /** The users named as celebrities, in the order the scenario lists them (empty without any). */
  readonly celebrities: Int32Array;
  /** The in-degree exponent the graph was generated with (the α of P(k) ∝ k^−α); NaN for a graph loaded from a file. */
  readonly requestedExponent: number;
}

/** How many users follow `user`. */
export function followerCount(graph: SocialGraph, user: number): number {
  return graph.followerStart[user + 1] - graph.followerStart[user];
}

/** How many users `user` follows. */
export function followeeCount(graph: SocialGraph, user: number): number {
  return graph.followeeStart[user + 1] - graph.followeeStart[user];
}

/** Edges in the graph. */
export function edgeCount(graph: SocialGraph): number {
  return graph.followers.length;
}
