import type { SocialGraph } from '../parts/social-graph.js';
import { LatencyHistogram } from './latency-histogram.js';
import { WindowIntegral } from './window-series.js';

/**
 * What a run's feed services saw, for the report's feed section
 * (reports/feed/): per feed-service component, the posts made and the
 * timeline writes their fan-out cost (write amplification), the feed reads
 * and the followee post lists each fetched (fan-out on read), how long a post
 * took to become visible in each follower's feed, the fan-out backlog, the
 * timeline storage held, and for celebrities' posts when the last follower
 * could see them. The graph itself is kept, so the report can draw its degree
 * distribution and compute each strategy's analytic cost from the same edges
 * and rates the run used.
 *
 * Totals count from the warm-up's end (measureFromUs); the per-window arrays
 * cover the whole run. Memory grows with windows and celebrity posts, never
 * with edges or requests. Measurement only: nothing here changes what a
 * service does.
 */
export class FeedLog {
  readonly services: FeedRecord[] = [];
  private readonly byName = new Map<string, FeedRecord>();

  constructor(
    readonly windowUs: number,
    readonly windows: number,
    readonly measureFromUs: number,
  ) {}

  /** The record of feed-service component `component` (shared by its nodes), created on first use. */
  service(component: string, setup: FeedSetup): FeedRecord {
    let record = this.byName.get(component);
    if (record === undefined) {
      record = new FeedRecord(component, setup, this.windowUs, this.windows, this.measureFromUs);
      this.byName.set(component, record);
      this.services.push(record);
    }
    return record;
  }

  /** Every service's counts, for the trace hash; empty without a feed service, so other runs keep their hashes. */
  results(): Record<string, unknown> {
    if (this.services.length === 0) return {};
    return {
      feeds: this.services.map((s) => [
        s.component,
        s.posts,
        s.timelineWrites,
        s.reads,
        s.fetches,
        s.writesToInactive,
        s.visibility.summary(),
        s.peakTimelineEntries,
        s.celebrityPosts.map((p) => [p.author, p.followers, p.postedUs, p.lastVisibleUs]),
        Array.from(s.timelineWritesPerWindow),
        Array.from(s.fetchesPerWindow),
        s.itemsReturned,
        s.rebuilds,
        s.partialReads,
      ]),
    };
  }
}

/** The fan-out strategies, as the feed service names them. */
export type FeedStrategy = 'push' | 'pull' | 'hybrid' | 'selective' | 'active-push';

/** What the report needs to know about a service beside what it counted: its graph, strategy and cost model. */
export interface FeedSetup {
  readonly graph: SocialGraph;
  readonly strategy: FeedStrategy;
  /** Hybrid: producers with at least this many followers are pulled at read time. */
  readonly celebrityThreshold: number;
  /** Active-push: push only to users who read their feed within this long. */
  readonly activeWindowUs: number;
  /** The cost of one timeline write and of one followee fetch at read time, in the scenario's cost units. */
  readonly costPerWrite: number;
  readonly costPerFetch: number;
  /** Entries each user's timeline keeps (the length cap). */
  readonly timelineLength: number;
  /** Bytes one timeline entry takes (a post reference), for the storage figure. */
  readonly timelineEntryBytes: number;
}

/**
 * A celebrity's post: posted at `postedUs` (true time) to `followers`
 * followers; the last of them could see it at `lastVisibleUs` (NaN until
 * then). Under active-push, the last of those it was written to: the
 * followers it skipped see it at their next read, if any.
 */
export interface CelebrityPost {
  readonly author: number;
  readonly followers: number;
  readonly postedUs: number;
  lastVisibleUs: number;
}

export class FeedRecord {
  /** Post → visible in one follower's feed, one entry per (post, follower), posts made after the warm-up. */
  readonly visibility = new LatencyHistogram();
  posts = 0;
  timelineWrites = 0;
  /** Timeline writes into users that never read (read rate 0): the fan-out wasted on inactive users. */
  writesToInactive = 0;
  reads = 0;
  /** Followee post lists fetched at read time: one per pulled followee per read. */
  fetches = 0;
  /** Posts on the pages the reads returned (at most the page size each). */
  itemsReturned = 0;
  /** Reads that rebuilt the reader's timeline by fetching every followee (a timeline not kept: active-push's inactive readers, or lost in a crash). */
  rebuilds = 0;
  /** Reads answered before every fetch came back (a node holding followees did not answer in time). */
  partialReads = 0;
  /** Entries held in all timelines now, and the most held at once. */
  timelineEntries = 0;
  peakTimelineEntries = 0;
  readonly postsPerWindow: Float64Array;
  readonly timelineWritesPerWindow: Float64Array;
  readonly readsPerWindow: Float64Array;
  readonly fetchesPerWindow: Float64Array;
  /**
   * Timeline writes waiting in the fan-out queues, integrated per window
   * (mean and peak backlog). Active-push queues every follower and decides at
   * write time whether the follower is active, so its backlog counts followers
   * waiting for that check, most of which get no write.
   */
  readonly backlog: WindowIntegral;
  readonly celebrityPosts: CelebrityPost[] = [];

  constructor(
    readonly component: string,
    readonly setup: FeedSetup,
    private readonly windowUs: number,
    windows: number,
    private readonly measureFromUs: number,
  ) {
    this.postsPerWindow = new Float64Array(windows);
    this.timelineWritesPerWindow = new Float64Array(windows);
    this.readsPerWindow = new Float64Array(windows);
    this.fetchesPerWindow = new Float64Array(windows);
    this.backlog = new WindowIntegral(windowUs, windows);
  }

  private window(nowUs: number): number {
    return Math.min(Math.floor(nowUs / this.windowUs), this.postsPerWindow.length - 1);
  }

  /** A post was stored at true time `nowUs`. */
  posted(nowUs: number): void {
    this.postsPerWindow[this.window(nowUs)]++;
    if (nowUs >= this.measureFromUs) this.posts++;
  }

  /** `count` timeline writes were made at `nowUs`, `toInactive` of them into users that never read. */
  wroteTimelines(nowUs: number, count: number, toInactive: number): void {
    this.timelineWritesPerWindow[this.window(nowUs)] += count;
    if (nowUs >= this.measureFromUs) {
      this.timelineWrites += count;
      this.writesToInactive += toInactive;
    }
  }

  /** A post made at `postedUs` became visible in one follower's feed at `visibleUs`. */
  visible(postedUs: number, visibleUs: number): void {
    if (postedUs >= this.measureFromUs) this.visibility.record(visibleUs - postedUs);
  }

  /** A post made at `postedUs` became visible in `followers` followers' feeds at once at `visibleUs` (those pulling it). */
  visibleToMany(postedUs: number, visibleUs: number, followers: number): void {
    if (postedUs < this.measureFromUs) return;
    const delayUs = visibleUs - postedUs;
    for (let i = 0; i < followers; i++) this.visibility.record(delayUs);
  }

  /**
   * A feed read was answered at `nowUs` after fetching `fetches` followees' post lists, with `items` posts on its
   * page; `rebuilt` when it rebuilt the reader's timeline, `partial` when some fetches had not come back.
   */
  read(nowUs: number, fetches: number, items = 0, rebuilt = false, partial = false): void {
    const w = this.window(nowUs);
    this.readsPerWindow[w]++;
    this.fetchesPerWindow[w] += fetches;
    if (nowUs >= this.measureFromUs) {
      this.reads++;
      this.fetches += fetches;
      this.itemsReturned += items;
      if (rebuilt) this.rebuilds++;
      if (partial) this.partialReads++;
    }
  }

  /** The timelines' entries changed by `delta` (a write into a full timeline pushes one out: delta 0). */
  timelineEntriesChanged(delta: number): void {
    this.timelineEntries += delta;
    if (this.timelineEntries > this.peakTimelineEntries) this.peakTimelineEntries = this.timelineEntries;
  }

  /** The fan-out backlog (timeline writes queued, not yet made; active-push: followers queued for the activity check) changed by `delta` at `nowUs`. */
  backlogChanged(delta: number, nowUs: number): void {
    this.backlog.add(delta, nowUs);
  }

  /** A celebrity posted; the caller sets `lastVisibleUs` on the returned entry when its last follower can see it. */
  celebrityPosted(author: number, followers: number, postedUs: number): CelebrityPost {
    const post: CelebrityPost = { author, followers, postedUs, lastVisibleUs: Number.NaN };
    this.celebrityPosts.push(post);
    return post;
  }
}
