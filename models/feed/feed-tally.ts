import type { CelebrityPost, FeedRecord } from '../measure/feed-log.js';
import type { SocialGraph } from '../parts/social-graph.js';

/** A celebrity's post whose fan-out is not over: writes still to land, and the latest landing so far (true µs). */
interface Spreading {
  readonly entry: CelebrityPost;
  pending: number;
  lastUs: number;
}

/**
 * What a feed service's nodes count together for its FeedRecord, beyond the
 * record's own counters: the timeline entries each node holds (so a crash
 * can take away the entries it lost), and each celebrity post's writes still
 * to land, so the record learns when its last follower could see it.
 * Measurement only: no node reads another's state through it.
 */
export class FeedTally {
  private readonly entriesByNode: Float64Array;
  private readonly celebrity: Uint8Array;
  private readonly spreading = new Map<number, Spreading>();

  constructor(
    readonly record: FeedRecord,
    nodes: number,
    graph: SocialGraph,
  ) {
    this.entriesByNode = new Float64Array(nodes);
    this.celebrity = new Uint8Array(graph.users);
    for (let i = 0; i < graph.celebrities.length; i++) this.celebrity[graph.celebrities[i]] = 1;
  }

  /** Node `node`'s timelines gained `delta` entries. */
  entriesChanged(node: number, delta: number): void {
    if (delta === 0) return;
    this.entriesByNode[node] += delta;
    this.record.timelineEntriesChanged(delta);
  }

  /** Node `node` crashed: its timelines are gone. */
  nodeCrashed(node: number): void {
    this.entriesChanged(node, -this.entriesByNode[node]);
  }

  isCelebrity(author: number): boolean {
    return this.celebrity[author] === 1;
  }

  /**
   * A celebrity's post was stored at `storedUs` (true time, when its pulling
   * followers can see it) with `writes` timeline writes (or, for active-push,
   * followers to examine) to come.
   */
  celebrityPosted(postId: number, author: number, followers: number, storedUs: number, writes: number): void {
    const entry = this.record.celebrityPosted(author, followers, storedUs);
    if (writes === 0) entry.lastVisibleUs = storedUs;
    else this.spreading.set(postId, { entry, pending: writes, lastUs: storedUs });
  }

  /** `count` writes of post `postId` landed, the last of them at `atUs`; or, with atUs NaN, were skipped (active-push). */
  landed(postId: number, count: number, atUs: number): void {
    const s = this.spreading.get(postId);
    if (s === undefined) return;
    if (atUs > s.lastUs) s.lastUs = atUs;
    s.pending -= count;
    if (s.pending <= 0) {
      s.entry.lastVisibleUs = s.lastUs;
      this.spreading.delete(postId);
    }
  }
}
