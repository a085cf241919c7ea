import type { RandomStream } from '../../engine/index.js';
import type { SocialGraph } from '../parts/social-graph.js';
import { celebrityFollowerCount, totalFollows, type SocialGraphParams } from './social-graph-params.js';
import { drawUserRates } from './social-graph-rates.js';
import { FollowerCountLaw } from './social-graph-follower-law.js';
import { graphRows, rowStarts, sortRows, transposeRows, type Rows } from './social-graph-rows.js';

/**
 * A follower graph with a power-law in-degree. Each ordinary user's follower
 * count is drawn from a discrete power law P(k) ∝ k^−α
 * (social-graph-follower-law.ts), whose mean makes the graph hold
 * users × meanFollows follows in expectation, stratified so the total keeps
 * close to it (stratifiedLevels), and its followers are that many
 * distinct users chosen uniformly (Floyd's sampling: one draw per follow, no
 * retries). So the in-degrees follow the law exactly (a configuration-model
 * construction, where Chung–Lu's Poisson mixing would bend the law at small
 * k), and each user's out-degree, the number of rows it lands in, is
 * Poisson-like around meanFollows: the heavy tail is in the follower counts,
 * and a pulled read's fan-in stays near the mean.
 *
 * Celebrity i is user i, followed by exactly its requested number of
 * distinct users, chosen the same way; its followers count among the
 * users × meanFollows follows, and ordinary users share the rest. Rates are
 * drawn first (social-graph-rates.ts), so they do not depend on the graph's
 * size knobs. The follower rows are sorted, then transposed into the
 * followee rows (sorted as they are filled).
 *
 * Memory: the two edge arrays (4 bytes per edge each) and a few arrays per
 * user; no object per edge.
 */
export function generateSocialGraph(params: SocialGraphParams, rng: RandomStream): SocialGraph {
  const users = params.users;
  const { postRatePerSec, readRatePerSec } = drawUserRates(users, params, rng);
  const celebrityCount = Math.min(params.celebrities.length, users);
  const followerCounts = new Int32Array(users);
  let celebrityFollows = 0;
  for (let c = 0; c < celebrityCount; c++) {
    // check() refuses more followers than users − 1; the cap keeps an unchecked call in bounds.
    followerCounts[c] = Math.min(celebrityFollowerCount(params.celebrities[c], users), users - 1);
    celebrityFollows += followerCounts[c];
  }
  const ordinaryUsers = users - celebrityCount;
  if (ordinaryUsers > 0) {
    const ordinaryFollows = Math.max(0, totalFollows(params) - celebrityFollows);
    const law = new FollowerCountLaw(params.exponent, ordinaryFollows / ordinaryUsers, users - 1);
    const levels = stratifiedLevels(ordinaryUsers, rng);
    for (let i = 0; i < ordinaryUsers; i++) {
      const upperPart = rng.next() < law.upperShare;
      followerCounts[celebrityCount + i] = law.at(upperPart, 1 - (levels[i] + rng.next()) / ordinaryUsers);
    }
  }
  const start = rowStarts(followerCounts);
  const followerRows = { start, items: new Int32Array(start[users]) };
  const taken = new Uint8Array(users);
  for (let v = 0; v < users; v++) chooseFollowers(v, followerRows, taken, rng);
  sortRows(followerRows);
  const followeeRows = transposeRows(users, followerRows);

  return {
    users,
    ...graphRows(followerRows, followeeRows),
    postRatePerSec,
    readRatePerSec,
    celebrities: Int32Array.from({ length: celebrityCount }, (_, c) => c),
    requestedExponent: params.exponent,
  };
}

/**
 * Fills row v with distinct users other than v, uniformly, by Floyd's
 * algorithm: for j over the last `count` of the users−1 candidates, take a
 * uniform candidate in 0..j, or j itself when that one is taken. The uniform
 * index is ⌊U·(j+1)⌋ (one 32-bit draw: within (j+1)/2^32 of uniform,
 * 2·10^−4 at a million users, where an exact integer costs twice the time).
 */
function chooseFollowers(v: number, { start, items }: Rows, taken: Uint8Array, rng: RandomStream): void {
  const candidates = start.length - 2;
  const from = start[v];
  const to = start[v + 1];
  for (let j = candidates - (to - from), at = from; j < candidates; j++, at++) {
    const t = userOf(Math.floor(rng.next() * (j + 1)), v);
    const pick = taken[t] === 1 ? userOf(j, v) : t;
    taken[pick] = 1;
    items[at] = pick;
  }
  for (let i = from; i < to; i++) taken[items[i]] = 0;
}

/**
 * A random permutation of 0..n−1 (Fisher–Yates): user i's follower count is
 * drawn at a level within the i-th stratum of (0, 1], so each user's count
 * still follows the law while the n counts together cover it evenly. Drawn
 * independently, a heavy tail's sum swings by ±5% from seed to seed (50,000
 * users, α = 2.3); stratified, the total follows mostly stay within 1% of
 * users × meanFollows, a little more when the top stratum draws a huge hub.
 */
function stratifiedLevels(n: number, rng: RandomStream): Int32Array {
  const levels = new Int32Array(n);
  for (let i = 0; i < n; i++) levels[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const swap = levels[i];
    levels[i] = levels[j];
    levels[j] = swap;
  }
  return levels;
}

/** Candidates 0..users−2 stand for every user but v. */
function userOf(candidate: number, v: number): number {
  return candidate < v ? candidate : candidate + 1;
}
