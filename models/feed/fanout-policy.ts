import { SECOND, type RandomStream } from '../../engine/index.js';
import { followerCount, type SocialGraph } from '../parts/social-graph.js';
import type { FeedStrategy } from '../measure/feed-log.js';

/** What a post costs and what a read fetches, in the scenario's cost units. */
export interface FeedCosts {
  write: number;
  fetch: number;
}

/**
 * Which edges of the follower graph are pushed (a post is written into the
 * follower's timeline by the fan-out workers) and which are pulled (a read
 * fetches the followee's newest posts), by strategy:
 *
 * - push: every edge is pushed.
 * - pull: every edge is pulled; posts are never fanned out.
 * - hybrid: edges from producers with at least `celebrityThreshold`
 *   followers are pulled, all others pushed.
 * - selective (Silberstein et al., "Feeding Frenzy", SIGMOD 2010): edge
 *   p → c is pushed iff costs.write × postRate(p) ≤ costs.fetch × readRate(c)
 *   (ties push): a write per post against a fetch per read, whichever the
 *   edge makes less often at its price.
 * - active-push: a post is written only to followers who read their feed
 *   within `activeWindowUs` of the write (the activity table below); the
 *   others are rebuilt at their next read, by pulling every followee.
 *
 * The static decisions need only the graph; active-push's depends on when
 * each user last read, which the service's nodes note in `lastReadUs`: one
 * table for the whole service, as a replicated activity store would be (its
 * replication is not modelled), so a node fanning out a post knows whether
 * followers held by other nodes are active. It is not lost in a crash. It
 * starts as if the service had run for ever (startActivity): otherwise every
 * user's first read would rebuild, and a run shorter than the window (a day
 * by default) would never see active-push's steady state.
 */
export class FanoutPolicy {
  /** Each user's last feed read (on the reading node's clock, µs); -Infinity before the first. */
  readonly lastReadUs: Float64Array;
  /** Selective: followers each producer's posts are pushed to. */
  private readonly pushedFollowers: Int32Array | null;
  /**
   * The followees each reader pulls, in compressed sparse rows like the
   * graph's (`pulledFollowees[pulledStart[c] .. pulledStart[c + 1])`), so a
   * read visits only them: null when nothing is pulled (push, active-push).
   */
  readonly pulledStart: Int32Array | null;
  readonly pulledFollowees: Int32Array | null;

  constructor(
    readonly graph: SocialGraph,
    readonly strategy: FeedStrategy,
    readonly celebrityThreshold: number,
    readonly activeWindowUs: number,
    readonly costs: FeedCosts,
  ) {
    this.lastReadUs = new Float64Array(strategy === 'active-push' ? graph.users : 0).fill(-Infinity);
    this.pushedFollowers = strategy === 'selective' ? selectivePushCounts(graph, costs) : null;
    if (strategy === 'pull') {
      this.pulledStart = graph.followeeStart;
      this.pulledFollowees = graph.followees;
    } else if (strategy === 'hybrid' || strategy === 'selective') {
      const rows = this.pulledRows();
      this.pulledStart = rows.start;
      this.pulledFollowees = rows.followees;
    } else {
      this.pulledStart = null;
      this.pulledFollowees = null;
    }
  }

  /**
   * Draws each user's last read before the run from its steady-state law:
   * for a Poisson reader of rate μ the time since its last read is
   * exponential with rate μ (never, for a user who does not read). So from
   * the first post on, a follower is active with probability 1 − e^{−μW},
   * as the analytic cost assumes.
   */
  startActivity(rng: RandomStream): void {
    const read = this.graph.readRatePerSec;
    for (let u = 0; u < this.lastReadUs.length; u++)
      this.lastReadUs[u] = read[u] > 0 ? (Math.log(1 - rng.next()) / read[u]) * SECOND : -Infinity;
  }

  /**
   * The fan-out work a post by `author` queues: the timeline writes it will
   * make (push, hybrid, selective), or for active-push the followers to
   * examine (which of them get a write is decided when they are reached).
   */
  queuedWrites(author: number): number {
    switch (this.strategy) {
      case 'pull':
        return 0;
      case 'hybrid': {
        const followers = followerCount(this.graph, author);
        return followers >= this.celebrityThreshold ? 0 : followers;
      }
      case 'selective':
        return this.pushedFollowers![author];
      default:
        return followerCount(this.graph, author);
    }
  }

  /** Followers that see a post of `author` as soon as it is stored, since they pull it (active-push: none). */
  pulledFollowers(author: number): number {
    return this.strategy === 'active-push' ? 0 : followerCount(this.graph, author) - this.queuedWrites(author);
  }

  /** Whether the fan-out writes `author`'s post into `follower`'s timeline, deciding at local time `localUs`. */
  pushes(author: number, follower: number, localUs: number): boolean {
    switch (this.strategy) {
      case 'selective':
        return (
          this.costs.write * this.graph.postRatePerSec[author] <= this.costs.fetch * this.graph.readRatePerSec[follower]
        );
      case 'active-push':
        return localUs - this.lastReadUs[follower] <= this.activeWindowUs;
      case 'pull':
        return false;
      case 'hybrid':
        return followerCount(this.graph, author) < this.celebrityThreshold;
      default:
        return true;
    }
  }

  /** Whether `reader`'s feed reads fetch `followee`'s posts (outside a rebuild, which fetches them all): what `pulledFollowees` lists. */
  pulls(reader: number, followee: number): boolean {
    switch (this.strategy) {
      case 'pull':
        return true;
      case 'hybrid':
        return followerCount(this.graph, followee) >= this.celebrityThreshold;
      case 'selective':
        return !(
          this.costs.write * this.graph.postRatePerSec[followee] <=
          this.costs.fetch * this.graph.readRatePerSec[reader]
        );
      default:
        return false;
    }
  }

  /** Each reader's pulled followees, by `pulls`, in two passes over the followee rows. */
  private pulledRows(): { start: Int32Array; followees: Int32Array } {
    const { users, followeeStart, followees } = this.graph;
    // Hybrid's decision is the producer's alone: one flag per user, read in the passes instead of two follower rows.
    const celebrity = this.strategy === 'hybrid' ? new Uint8Array(users) : null;
    if (celebrity !== null) for (let u = 0; u < users; u++) celebrity[u] = this.pulls(0, u) ? 1 : 0;
    const pulled = (c: number, p: number) => (celebrity === null ? this.pulls(c, p) : celebrity[p] === 1);
    const start = new Int32Array(users + 1);
    for (let c = 0; c < users; c++) {
      let n = 0;
      for (let i = followeeStart[c]; i < followeeStart[c + 1]; i++) if (pulled(c, followees[i])) n++;
      start[c + 1] = start[c] + n;
    }
    const list = new Int32Array(start[users]);
    let at = 0;
    for (let c = 0; c < users; c++) {
      for (let i = followeeStart[c]; i < followeeStart[c + 1]; i++)
        if (pulled(c, followees[i])) list[at++] = followees[i];
    }
    return { start, followees: list };
  }
}

/** For each producer, the followers selective pushes its posts to (one pass over the edges). */
function selectivePushCounts(graph: SocialGraph, costs: FeedCosts): Int32Array {
  const counts = new Int32Array(graph.users);
  const { followerStart, followers, postRatePerSec, readRatePerSec } = graph;
  for (let p = 0; p < graph.users; p++) {
    const writeCost = costs.write * postRatePerSec[p];
    let n = 0;
    for (let i = followerStart[p]; i < followerStart[p + 1]; i++) {
      if (writeCost <= costs.fetch * readRatePerSec[followers[i]]) n++;
    }
    counts[p] = n;
  }
  return counts;
}
