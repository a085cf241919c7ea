import { z } from 'zod';
import type { NodeContext, NodeId } from '../../engine/index.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { FeedSetup, FeedStrategy } from '../measure/feed-log.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { responseTo, type Request } from '../kit/request-messages.js';
import { durationUs, positiveDurationUs, positiveInt, sizeBytes } from '../kit/units.js';
import { Deque } from '../parts/deque.js';
import { followerCount, type SocialGraph } from '../parts/social-graph.js';
import { FanoutPolicy } from './fanout-policy.js';
import {
  digestFeedMessage,
  type FeedFetch,
  type FeedFetchReply,
  type FeedPeerMessage,
  type TimelineWrites,
  type TimelineWritesAck,
} from './feed-messages.js';
import { FeedTally } from './feed-tally.js';
import { mergeNewest } from './newest-merge.js';
import { PostStore, postTimeUs } from './post-store.js';
import { socialGraphOf } from './shared-social-graph.js';
import { checkSocialGraphParams, socialGraphParams } from './social-graph-params.js';
import { DUPLICATE, TimelineStore } from './timeline-store.js';

/** The operations the service answers: a request's `key` is the user posting or reading. */
export const POST = 'post';
export const READ = 'read';

export const FEED_STRATEGIES = [
  'push',
  'pull',
  'hybrid',
  'selective',
  'active-push',
] as const satisfies readonly FeedStrategy[];

export interface FeedServiceOptions {
  graph: SocialGraph;
  policy: FanoutPolicy;
  tally: FeedTally;
  metrics: ComponentMetrics;
  nodeNames: readonly string[];
  timelineLength: number;
  timelineEntryBytes: number;
  pageSize: number;
  workers: number;
  writeTimeUs: number;
  batchSize: number;
  readTimeUs: number;
  fetchTimeUs: number;
  fetchTimeoutUs: number;
  resendAfterUs: number;
  storedPosts: number;
}

/** Timeline writes sent to another node and not yet acknowledged. */
class SentWrites {
  constructor(
    public message: TimelineWrites,
    /** The receiving node (an index into the service's nodes). */
    readonly to: number,
    /** When they were last sent, on the sending node's clock. */
    public sentLocalUs: number,
  ) {}
}

/**
 * The fan-out queue of one node, kept durably (a log, as a real fan-out
 * queue is): the posts whose fan-out is not over, oldest first, with where
 * the head post's fan-out has got to, the batches the workers had taken, so
 * that a restarted node does those again instead of losing them, and the
 * writes sent to other nodes that they have not acknowledged, sent again
 * until they are: a partition or a crashed node delays timeline writes, it
 * does not lose them.
 */
class FanoutQueue {
  /** Posts waiting for fan-out, by sequence number (post-store.ts), and their authors; the head is being handed out. */
  readonly posts = new Deque<number>();
  readonly authors = new Deque<number>();
  /** The head post's next follower (an index into graph.followers); -1 before its first batch. */
  headCursor = -1;
  /** Batches to do again after a restart: (post, author, from, to) quadruples. */
  readonly redo = new Deque<number>();
  /** Each worker's batch: its post (-1: idle), author, follower range and the backlog it took. */
  readonly slotPost: Int32Array;
  readonly slotAuthor: Int32Array;
  readonly slotFrom: Int32Array;
  readonly slotTo: Int32Array;
  readonly slotQueued: Float64Array;
  /** The next batch number for writes sent to another node. */
  nextBatch = 0;
  /** Writes sent and not acknowledged, by batch number, in the order they were (last) sent. */
  readonly unacked = new Map<number, SentWrites>();

  constructor(workers: number) {
    this.slotPost = new Int32Array(workers).fill(-1);
    this.slotAuthor = new Int32Array(workers);
    this.slotFrom = new Int32Array(workers);
    this.slotTo = new Int32Array(workers);
    this.slotQueued = new Float64Array(workers);
  }
}

/** What survives a crash: the posts (the database) and the fan-out queue; the timelines are a cache and are lost. */
interface FeedDurable {
  posts?: PostStore;
  fanout?: FanoutQueue;
  incarnation?: number;
}

/** A feed read waiting for its fetches (pooled: reused once answered). */
class PendingRead {
  request!: Request;
  client: NodeId = 0;
  reader = 0;
  arrivedUs = 0;
  startedLocalUs = 0;
  /** Active-push: the reader's read before this one (local µs; -Infinity: none known). */
  previousReadLocalUs = -Infinity;
  /** Fetch replies still to come. */
  awaiting = 0;
  /** Followees fetched (the read's fetch count). */
  fetches = 0;
  rebuild = false;
  partial = false;
  /** The newest posts fetched so far, newest first: `count` of them. */
  readonly newest: Float64Array;
  count = 0;
  items = 0;

  constructor(limit: number) {
    this.newest = new Float64Array(limit);
  }
}

const EMPTY_BATCH = new Int32Array(0);

/** Timer tags. */
const BATCH_DONE = 1;
const READ_DONE = 2;
const FETCH_SWEEP = 3;
const RESEND = 4;

/** Read ids count up to this and start again (small integers: cheap Map keys). */
const READ_ID_WRAP = 2 ** 30;

/**
 * One node of the feed service. Users are spread over the nodes by id (user
 * u lives on node u mod nodes): its posts are stored here, its timeline is
 * kept here, and its reads are answered here.
 *
 * A post is stored (post-store.ts) and answered at once; followers who pull
 * it can see it from then on. If the strategy pushes any of its edges, the
 * post joins the fan-out queue. `workers` workers take batches from the head
 * post: up to `batchSize` followers that get a write (fanout-policy.ts
 * decides each edge, active-push when the batch is taken); a batch keeps its
 * worker busy for writeTime per write. The i-th write of a batch lands at
 * start + i × writeTime for followers held here; the writes for followers
 * held by other nodes go out when the batch ends, one message per node, and
 * land when it arrives; until that node acknowledges them they are sent
 * again every resendAfter (a partition or a crash delays them, it does not
 * lose them). So fan-out takes time, and falls behind (a backlog) when posts
 * need more writes per second than the workers make.
 *
 * A read merges the reader's timeline with the newest posts of the
 * followees it pulls, fetched in parallel from the nodes holding them (one
 * request per node; the reader's own node's without a message): the newest
 * `pageSize` distinct posts come back, after readTime + fetchTime × the
 * followees fetched, once the last fetch is in. A reader whose timeline was
 * not kept (active-push's reader who has not read within activeWindow, or
 * any reader after this node crashed and lost its timelines) has it rebuilt:
 * every followee is fetched, and the newest `timelineLength` posts become
 * its timeline. Fetches still out after fetchTimeout are given up: the read
 * is answered with what came back (a partial read).
 */
export class FeedServiceNode implements InspectableProcess<Request | FeedPeerMessage> {
  private readonly graph: SocialGraph;
  private readonly policy: FanoutPolicy;
  private readonly nodes: number;
  private readonly posts: PostStore;
  private readonly fanout: FanoutQueue;
  private readonly timelines: TimelineStore | null;
  /** Whether each local user's timeline holds everything pushed to it (0: rebuild it at the next read). */
  private readonly kept: Uint8Array;
  private peers: NodeId[] = [];
  private readonly incarnation: number;
  private nextReadId: number;
  private readonly awaiting = new Map<number, PendingRead>();
  private readonly freeReads: PendingRead[] = [];
  private sweepArmed = false;
  private resendArmed = false;
  /** Each worker's batch: the followers written, in order (grown to the biggest batch it took), and when it started (true µs). */
  private readonly slotFollowers: Int32Array[] = [];
  private readonly slotWrites: Int32Array;
  private readonly slotStartUs: Float64Array;
  private busy = 0;
  // Scratch space, reused by every read and batch.
  private readonly perNode: Int32Array;
  private readonly fillAt: Int32Array;
  private readonly listA: Float64Array;
  private readonly listB: Float64Array;
  private readonly listC: Float64Array;
  /** Per node, the users of a read's fetch or a batch's writes sent to it (reset after each). */
  private readonly lists: (number[] | null)[] = [];
  private readonly rebuildLimit: number;

  constructor(
    private readonly ctx: NodeContext<FeedDurable>,
    private readonly node: number,
    private readonly options: FeedServiceOptions,
  ) {
    this.graph = options.graph;
    this.policy = options.policy;
    this.nodes = options.nodeNames.length;
    const localUsers = Math.max(0, Math.ceil((this.graph.users - node) / this.nodes));
    const disk = ctx.durable;
    disk.incarnation = (disk.incarnation ?? 0) + 1;
    this.incarnation = disk.incarnation;
    this.nextReadId = 0;
    this.posts = disk.posts ??= new PostStore(node, this.nodes, localUsers, options.storedPosts);
    this.fanout = disk.fanout ??= new FanoutQueue(options.workers);
    const pulling = this.policy.strategy === 'pull';
    this.timelines = pulling ? null : new TimelineStore(localUsers, options.timelineLength);
    // A first start has every (empty) timeline complete; after a crash every one is lost.
    this.kept = new Uint8Array(localUsers).fill(this.incarnation === 1 ? 1 : 0);
    for (let w = 0; w < options.workers; w++) this.slotFollowers.push(EMPTY_BATCH);
    this.slotWrites = new Int32Array(options.workers);
    this.slotStartUs = new Float64Array(options.workers);
    this.perNode = new Int32Array(this.nodes);
    this.fillAt = new Int32Array(this.nodes);
    this.rebuildLimit = Math.max(options.pageSize, options.timelineLength);
    this.listA = new Float64Array(this.rebuildLimit);
    this.listB = new Float64Array(this.rebuildLimit);
    this.listC = new Float64Array(this.rebuildLimit);
    for (let at = 0; at < this.nodes; at++) this.lists.push(null);
  }

  inspect(): InspectedState {
    return {
      incarnation: this.incarnation,
      postsStored: this.posts.total,
      postsHeld: this.posts.held,
      timelineEntries: this.timelines === null ? 0 : this.timelines.entries,
      timelineSlots: this.timelines === null ? 0 : this.timelines.slots,
      fanoutQueuePosts: this.fanout.posts.length,
      fanoutRedoBatches: this.fanout.redo.length / 4,
      unacknowledgedWriteBatches: this.fanout.unacked.size,
      busyWorkers: this.busy,
      readsAwaitingFetches: this.awaiting.size,
    };
  }

  onStart(): void {
    this.peers = this.options.nodeNames.map((name) => this.ctx.lookup(name));
    const f = this.fanout;
    const now = this.ctx.nowUs;
    // A restart: the batches the workers held are done again, and the queue counts again (the crash zeroed the metrics').
    for (let w = 0; w < f.slotPost.length; w++) {
      if (f.slotPost[w] < 0) continue;
      f.redo.push(f.slotPost[w]);
      f.redo.push(f.slotAuthor[w]);
      f.redo.push(f.slotFrom[w]);
      f.redo.push(f.slotTo[w]);
      this.options.tally.record.backlogChanged(f.slotQueued[w], now);
      f.slotPost[w] = -1;
    }
    if (f.posts.length > 0) this.options.metrics.queueChanged(this.node, f.posts.length, now);
    // Writes the other nodes had not acknowledged before the crash go again now.
    if (f.unacked.size > 0) this.armResend(0);
    this.pump();
  }

  onMessage(from: NodeId, message: Request | FeedPeerMessage): void {
    switch (message.kind) {
      case 'request':
        this.request(from, message);
        return;
      case 'timeline-writes':
        this.writesArrived(from, message);
        return;
      case 'timeline-writes-ack':
        this.fanout.unacked.delete(message.batch);
        return;
      case 'feed-fetch':
        this.fetchAsked(from, message);
        return;
      case 'feed-fetch-reply':
        this.fetchAnswered(message);
        return;
    }
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === BATCH_DONE) this.batchDone(data as number);
    else if (tag === READ_DONE) this.answer(data as PendingRead);
    else if (tag === FETCH_SWEEP) this.sweep();
    else this.resend();
  }

  private request(client: NodeId, request: Request): void {
    const now = this.ctx.nowUs;
    this.options.metrics.recordArrival(false, now);
    const user = request.key;
    // Only a post or a read by a user this node holds (another workload aimed here may send anything).
    const operation = request.operation;
    const held = user !== undefined && user >= 0 && user < this.graph.users && user % this.nodes === this.node;
    if (held && operation === POST) this.post(client, request, user);
    else if (held && operation === READ) this.read(client, request, user);
    else {
      this.ctx.send(client, responseTo(request, 'rejected'), 0);
      this.options.metrics.recordRejected(now);
    }
  }

  private post(client: NodeId, request: Request, author: number): void {
    const now = this.ctx.nowUs;
    const { tally, metrics } = this.options;
    const record = tally.record;
    const seq = this.posts.add(author, this.ctx.localTimeUs(), now);
    record.posted(now);
    const pulled = this.policy.pulledFollowers(author);
    if (pulled > 0) record.visibleToMany(now, now, pulled);
    const queued = this.policy.queuedWrites(author);
    if (tally.isCelebrity(author))
      tally.celebrityPosted(this.posts.idOf(seq), author, followerCount(this.graph, author), now, queued);
    if (queued > 0) {
      this.fanout.posts.push(seq);
      this.fanout.authors.push(author);
      record.backlogChanged(queued, now);
      metrics.queueChanged(this.node, 1, now);
      this.pump();
    }
    this.ctx.send(client, responseTo(request), 0);
    metrics.recordServed(now, now);
  }

  /** Hands batches to idle workers while there is fan-out to do. */
  private pump(): void {
    const workers = this.options.workers;
    for (let slot = 0; slot < workers && this.busy < workers; slot++) {
      if (this.fanout.slotPost[slot] >= 0) continue;
      while (this.fanout.slotPost[slot] < 0 && this.takeBatch(slot));
    }
  }

  /**
   * Gives worker `slot` its next batch: from the batches to redo first, else
   * from the head post. Returns false when there is nothing to take; true when
   * it took a batch, which may have needed no write (then the worker is still
   * idle and takes another).
   */
  private takeBatch(slot: number): boolean {
    const f = this.fanout;
    let seq: number;
    let author: number;
    let from: number;
    let end: number;
    const redoing = f.redo.length > 0;
    if (redoing) {
      seq = f.redo.shift();
      author = f.redo.shift();
      from = f.redo.shift();
      end = f.redo.shift();
    } else if (f.posts.length > 0) {
      seq = f.posts.front();
      author = f.authors.front();
      if (f.headCursor < 0) f.headCursor = this.graph.followerStart[author];
      from = f.headCursor;
      end = this.graph.followerStart[author + 1];
    } else return false;
    const now = this.ctx.nowUs;
    const record = this.options.tally.record;
    if (!this.posts.holds(seq)) {
      // Overwritten by newer posts before its fan-out was reached: it is archived, and not fanned out.
      record.backlogChanged(-this.queuedIn(author, from, end), now);
      this.options.metrics.countDetail('fanoutDroppedPosts', now);
      if (!redoing) this.headDone(now);
      return true;
    }
    const followers = this.graph.followers;
    const limit = this.options.batchSize;
    let batch = this.slotFollowers[slot];
    if (batch.length < limit && batch.length < end - from) {
      batch = new Int32Array(Math.min(limit, Math.max(end - from, 2 * batch.length)));
      this.slotFollowers[slot] = batch;
    }
    const localUs = this.ctx.localTimeUs();
    let i = from;
    let writes = 0;
    while (i < end && writes < limit) {
      const follower = followers[i++];
      if (this.policy.pushes(author, follower, localUs)) batch[writes++] = follower;
    }
    if (redoing) {
      if (i < end) {
        f.redo.unshift(end);
        f.redo.unshift(i);
        f.redo.unshift(author);
        f.redo.unshift(seq);
      }
    } else {
      f.headCursor = i;
      if (i === end) this.headDone(now);
    }
    const activePush = this.policy.strategy === 'active-push';
    const queued = activePush ? i - from : writes;
    record.backlogChanged(-queued, now);
    if (activePush && writes < i - from && this.options.tally.isCelebrity(author))
      this.options.tally.landed(this.posts.idOf(seq), i - from - writes, Number.NaN);
    if (writes === 0) return true;
    f.slotPost[slot] = seq;
    f.slotAuthor[slot] = author;
    f.slotFrom[slot] = from;
    f.slotTo[slot] = i;
    f.slotQueued[slot] = queued;
    this.slotWrites[slot] = writes;
    this.slotStartUs[slot] = now;
    this.busy++;
    this.options.metrics.busyChanged(this.node, 1, now);
    this.ctx.setTimer(writes * this.options.writeTimeUs, BATCH_DONE, slot);
    return true;
  }

  /** The head post's fan-out is all handed out. */
  private headDone(nowUs: number): void {
    this.fanout.posts.shift();
    this.fanout.authors.shift();
    this.fanout.headCursor = -1;
    this.options.metrics.queueChanged(this.node, -1, nowUs);
  }

  /** The backlog a post's followers [from, end) stand for (a post dropped before its fan-out). */
  private queuedIn(author: number, from: number, end: number): number {
    if (this.policy.strategy === 'active-push') return end - from;
    let n = 0;
    for (let i = from; i < end; i++) if (this.policy.pushes(author, this.graph.followers[i], 0)) n++;
    return n;
  }

  /**
   * Worker `slot` has made its batch's writes: those into timelines held here
   * landed one writeTime apart from the batch's start; the others go to their
   * nodes, one message each.
   */
  private batchDone(slot: number): void {
    const f = this.fanout;
    const seq = f.slotPost[slot];
    f.slotPost[slot] = -1;
    this.busy--;
    const now = this.ctx.nowUs;
    const { tally, metrics, writeTimeUs, timelineEntryBytes } = this.options;
    metrics.busyChanged(this.node, -1, now);
    const record = tally.record;
    const postId = this.posts.idOf(seq);
    const author = f.slotAuthor[slot];
    const postedUs = this.posts.storedAtUsOf(seq);
    const batch = this.slotFollowers[slot];
    const writes = this.slotWrites[slot];
    const startUs = this.slotStartUs[slot];
    const readRate = this.graph.readRatePerSec;
    const nodes = this.nodes;
    const perNode = this.perNode;
    perNode.fill(0);
    let toInactive = 0;
    let added = 0;
    let local = 0;
    let lastLocalUs = 0;
    for (let j = 0; j < writes; j++) {
      const follower = batch[j];
      if (readRate[follower] === 0) toInactive++;
      const at = follower % nodes;
      if (at !== this.node) {
        perNode[at]++;
        continue;
      }
      const change = this.timelines!.write((follower - at) / nodes, postId);
      if (change !== DUPLICATE) added += change;
      lastLocalUs = startUs + (j + 1) * writeTimeUs;
      record.visible(postedUs, lastLocalUs);
      local++;
    }
    record.wroteTimelines(now, writes, toInactive);
    tally.entriesChanged(this.node, added);
    if (local > 0 && tally.isCelebrity(author)) tally.landed(postId, local, lastLocalUs);
    if (local < writes) this.sendWrites(batch, writes, postId, author, postedUs, timelineEntryBytes);
    this.pump();
  }

  /** Sends a batch's writes for other nodes' followers: one message per node, its followers in batch order. */
  private sendWrites(
    batch: Int32Array,
    writes: number,
    postId: number,
    author: number,
    postedUs: number,
    entryBytes: number,
  ): void {
    const nodes = this.nodes;
    const perNode = this.perNode;
    const lists = this.lists;
    for (let n = 0; n < nodes; n++) lists[n] = perNode[n] > 0 && n !== this.node ? new Array<number>(perNode[n]) : null;
    const fillAt = this.fillAt;
    fillAt.fill(0);
    for (let j = 0; j < writes; j++) {
      const follower = batch[j];
      const at = follower % nodes;
      if (at !== this.node) lists[at]![fillAt[at]++] = follower;
    }
    const f = this.fanout;
    const localUs = this.ctx.localTimeUs();
    for (let n = 0; n < nodes; n++) {
      const followers = lists[n];
      if (followers === null) continue;
      lists[n] = null;
      const batch = f.nextBatch++;
      const message: TimelineWrites = {
        kind: 'timeline-writes',
        batch,
        resent: false,
        postId,
        author,
        postedUs,
        followers,
      };
      f.unacked.set(batch, new SentWrites(message, n, localUs));
      this.ctx.send(this.peers[n], message, followers.length * entryBytes);
    }
    if (!this.resendArmed) this.armResend(this.options.resendAfterUs);
  }

  private armResend(delayUs: number): void {
    this.resendArmed = true;
    this.ctx.setTimer(delayUs, RESEND);
  }

  /** Sends again the writes not acknowledged within resendAfter, oldest first (each goes to the back of the line). */
  private resend(): void {
    this.resendArmed = false;
    const unacked = this.fanout.unacked;
    const localUs = this.ctx.localTimeUs();
    const afterUs = this.options.resendAfterUs;
    const now = this.ctx.nowUs;
    for (const [batch, sent] of unacked) {
      const waitedUs = localUs - sent.sentLocalUs;
      if (waitedUs < afterUs) {
        this.armResend(afterUs - waitedUs);
        return;
      }
      unacked.delete(batch);
      sent.sentLocalUs = localUs;
      unacked.set(batch, sent);
      if (!sent.message.resent) sent.message = { ...sent.message, resent: true };
      const message = sent.message;
      this.ctx.send(this.peers[sent.to], message, message.followers.length * this.options.timelineEntryBytes);
      this.options.metrics.countDetail('timelineWriteBatchesResent', now);
    }
  }

  /**
   * Another node's fan-out batch: its writes into timelines held here land
   * now, and are acknowledged. In writes sent again, those the timeline
   * already holds landed the first time (only the acknowledgement was lost)
   * and count no second time.
   */
  private writesArrived(from: NodeId, message: TimelineWrites): void {
    const ack: TimelineWritesAck = { kind: 'timeline-writes-ack', batch: message.batch };
    this.ctx.send(from, ack, 0);
    const timelines = this.timelines;
    if (timelines === null) return;
    const now = this.ctx.nowUs;
    const { tally } = this.options;
    const record = tally.record;
    const nodes = this.nodes;
    const followers = message.followers;
    let added = 0;
    let landed = 0;
    for (let j = 0; j < followers.length; j++) {
      const change = timelines.write((followers[j] - this.node) / nodes, message.postId);
      if (change !== DUPLICATE) added += change;
      else if (message.resent) continue;
      landed++;
      record.visible(message.postedUs, now);
    }
    tally.entriesChanged(this.node, added);
    if (landed > 0 && tally.isCelebrity(message.author)) tally.landed(message.postId, landed, now);
  }

  private read(client: NodeId, request: Request, reader: number): void {
    const localUs = this.ctx.localTimeUs();
    const local = (reader - this.node) / this.nodes;
    const policy = this.policy;
    const activePush = policy.strategy === 'active-push';
    const rebuild =
      this.timelines !== null &&
      (this.kept[local] === 0 || (activePush && localUs - policy.lastReadUs[reader] > policy.activeWindowUs));
    const p = this.freeReads.pop() ?? new PendingRead(this.rebuildLimit);
    if (activePush) {
      p.previousReadLocalUs = policy.lastReadUs[reader];
      policy.lastReadUs[reader] = localUs;
    }
    p.request = request;
    p.client = client;
    p.reader = reader;
    p.arrivedUs = this.ctx.nowUs;
    p.startedLocalUs = localUs;
    p.rebuild = rebuild;
    p.partial = false;
    p.count = 0;
    p.awaiting = 0;
    // A rebuild fetches every followee; otherwise those the strategy pulls.
    const graph = this.graph;
    const rows = rebuild ? graph.followeeStart : policy.pulledStart;
    const list = rebuild ? graph.followees : policy.pulledFollowees;
    const from = rows === null ? 0 : rows[reader];
    const to = rows === null ? 0 : rows[reader + 1];
    p.fetches = to - from;
    if (to > from) this.fetchFor(p, list!, from, to, rebuild ? this.rebuildLimit : this.options.pageSize);
    if (p.awaiting === 0) this.fetched(p);
  }

  /**
   * Fetches the newest posts of `authors[from .. to)`: those held here are
   * read at once; each other node holding some is asked, all in parallel.
   */
  private fetchFor(p: PendingRead, authors: Int32Array, from: number, to: number, limit: number): void {
    const nodes = this.nodes;
    const perNode = this.perNode;
    perNode.fill(0);
    for (let i = from; i < to; i++) {
      const author = authors[i];
      const at = author % nodes;
      if (at !== this.node) {
        perNode[at]++;
        continue;
      }
      const got = this.posts.newest(author, limit, this.listA, 0);
      p.count = this.mergeInto(p.newest, p.count, this.listA, got, limit);
    }
    const lists = this.lists;
    let remote = 0;
    for (let at = 0; at < nodes; at++) {
      const n = perNode[at];
      lists[at] = n > 0 ? new Array<number>(n) : null;
      if (n > 0) remote++;
    }
    if (remote === 0) return;
    const fillAt = this.fillAt;
    fillAt.fill(0);
    for (let i = from; i < to; i++) {
      const author = authors[i];
      const at = author % nodes;
      if (at !== this.node) lists[at]![fillAt[at]++] = author;
    }
    const readId = this.nextReadId;
    this.nextReadId = (readId + 1) % READ_ID_WRAP;
    const incarnation = this.incarnation;
    for (let at = 0; at < nodes; at++) {
      const list = lists[at];
      if (list === null) continue;
      lists[at] = null;
      const message: FeedFetch = { kind: 'feed-fetch', readId, incarnation, authors: list, limit };
      this.ctx.send(this.peers[at], message, list.length * 8);
    }
    p.awaiting = remote;
    this.awaiting.set(readId, p);
    if (!this.sweepArmed) {
      this.sweepArmed = true;
      this.ctx.setTimer(this.options.fetchTimeoutUs, FETCH_SWEEP);
    }
  }

  /** Merges `list[0 .. n)` into `into[0 .. count)` (both newest first), keeping the newest `limit`; returns the new count. */
  private mergeInto(into: Float64Array, count: number, list: ArrayLike<number>, n: number, limit: number): number {
    if (n === 0) return count;
    const listB = this.listB;
    const merged = mergeNewest(into, count, list, n, listB, limit);
    for (let i = 0; i < merged; i++) into[i] = listB[i];
    return merged;
  }

  /** Another node's read asks for the newest posts of authors held here: its top `limit` of them all. */
  private fetchAsked(from: NodeId, fetch: FeedFetch): void {
    const authors = fetch.authors;
    const limit = Math.min(fetch.limit, this.rebuildLimit);
    const merged = this.listA;
    const one = this.listC;
    let count = 0;
    for (let i = 0; i < authors.length; i++) {
      const got = this.posts.newest(authors[i], limit, one, 0);
      if (got === 0) continue;
      count = this.mergeInto(merged, count, one, got, limit);
    }
    const postIds = new Array<number>(count);
    for (let i = 0; i < count; i++) postIds[i] = merged[i];
    const reply: FeedFetchReply = {
      kind: 'feed-fetch-reply',
      readId: fetch.readId,
      incarnation: fetch.incarnation,
      postIds,
    };
    this.ctx.send(from, reply, count * this.options.timelineEntryBytes);
  }

  private fetchAnswered(reply: FeedFetchReply): void {
    if (reply.incarnation !== this.incarnation) return; // meant for a read lost in a crash
    const p = this.awaiting.get(reply.readId);
    if (p === undefined) return; // given up
    const limit = p.rebuild ? this.rebuildLimit : this.options.pageSize;
    p.count = this.mergeInto(p.newest, p.count, reply.postIds, reply.postIds.length, limit);
    if (--p.awaiting > 0) return;
    this.awaiting.delete(reply.readId);
    this.fetched(p);
  }

  /** Gives up fetches out for fetchTimeout or longer: those reads are answered with what came back. */
  private sweep(): void {
    this.sweepArmed = false;
    const localUs = this.ctx.localTimeUs();
    const timeoutUs = this.options.fetchTimeoutUs;
    for (const [readId, p] of this.awaiting) {
      const waitedUs = localUs - p.startedLocalUs;
      if (waitedUs < timeoutUs) {
        this.sweepArmed = true;
        this.ctx.setTimer(timeoutUs - waitedUs, FETCH_SWEEP);
        return;
      }
      this.awaiting.delete(readId);
      p.partial = true;
      this.fetched(p);
    }
  }

  /**
   * Every fetch is in (or given up): the page is the newest `pageSize` of the
   * timeline and the fetched posts; a rebuild first makes the fetched posts
   * the timeline. The answer leaves after the read's work time.
   */
  private fetched(p: PendingRead): void {
    const { pageSize, readTimeUs, fetchTimeUs } = this.options;
    const timelines = this.timelines;
    const local = (p.reader - this.node) / this.nodes;
    if (p.rebuild) {
      this.options.tally.entriesChanged(this.node, timelines!.replace(local, p.newest, p.count));
      this.kept[local] = 1;
      p.items = Math.min(pageSize, p.count);
      if (this.policy.strategy === 'active-push') this.seenAtRebuild(p);
    } else if (timelines !== null) {
      const own = timelines.newest(local, pageSize, this.listA);
      p.items = p.count === 0 ? own : mergeNewest(this.listA, own, p.newest, p.count, this.listB, pageSize);
    } else p.items = Math.min(pageSize, p.count);
    const workUs = readTimeUs + fetchTimeUs * p.fetches;
    if (workUs > 0) this.ctx.setTimer(workUs, READ_DONE, p);
    else this.answer(p);
  }

  /**
   * Active-push skipped this reader while it was inactive: the posts made
   * more than activeWindow after its previous read were not written to it, so
   * it sees them now, at this rebuild (those among the newest fetched). Their
   * time is read from their ids (the author's node's clock).
   */
  private seenAtRebuild(p: PendingRead): void {
    if (p.previousReadLocalUs === -Infinity) return;
    const skippedAfterUs = p.previousReadLocalUs + this.policy.activeWindowUs;
    const record = this.options.tally.record;
    const now = this.ctx.nowUs;
    for (let i = 0; i < p.count; i++) {
      const postedUs = postTimeUs(p.newest[i], this.nodes);
      if (postedUs <= skippedAfterUs) break;
      record.visible(postedUs, now);
    }
  }

  private answer(p: PendingRead): void {
    const now = this.ctx.nowUs;
    this.options.tally.record.read(now, p.fetches, p.items, p.rebuild, p.partial);
    this.ctx.send(p.client, responseTo(p.request), p.items * this.options.timelineEntryBytes);
    this.options.metrics.recordServed(p.arrivedUs, now);
    p.request = undefined!;
    this.freeReads.push(p);
  }
}

/**
 * Bounds on the knobs that size per-node buffers (a read's merge lists hold
 * max(pageSize, timelineLength) posts, each worker a batch): far above any
 * real timeline (Twitter kept 800 entries) or fan-out pool, low enough that
 * a typo cannot ask for gigabytes.
 */
const MAX_PAGE = 100_000;
const MAX_WORKERS = 10_000;
const MAX_BATCH = 1_000_000;

const feedServiceParams = z.strictObject({
  graph: socialGraphParams
    .prefault({})
    .describe('The follower graph and the users’ posting and reading rates (generated, or loaded from an edge list).'),
  strategy: z
    .enum(FEED_STRATEGIES)
    .default('hybrid')
    .describe(
      'push: fan-out on write into every follower’s timeline; pull: fan-out on read, fetching every followee’s newest posts; hybrid: push, except producers with at least celebrityThreshold followers, whose posts are pulled; selective: per edge, push iff costs.write × postRate(producer) ≤ costs.fetch × readRate(consumer) (Feeding Frenzy); active-push: push only to followers who read within activeWindow, and rebuild the others’ timelines when they read.',
    ),
  celebrityThreshold: positiveInt
    .default(10_000)
    .describe('hybrid: producers with at least this many followers are pulled at read time instead of pushed.'),
  activeWindow: positiveDurationUs
    .default(86_400_000_000)
    .describe(
      'active-push: a follower gets a post’s write only if it read its feed within this long (default 1d); a reader outside it has its timeline rebuilt.',
    ),
  timelineLength: positiveInt
    .max(MAX_PAGE)
    .default(200)
    .describe('Posts each user’s timeline keeps, newest first (the guide’s 200–500); older entries drop out.'),
  timelineEntrySize: sizeBytes
    .default(16)
    .describe('Bytes one timeline entry takes (a post reference): the timeline storage figure, and message sizes.'),
  fanout: z
    .strictObject({
      workers: positiveInt
        .max(MAX_WORKERS)
        .default(4)
        .describe('Fan-out workers per node, taking batches from the node’s fan-out queue.'),
      writeTime: positiveDurationUs
        .default(100)
        .describe('Worker time per timeline write (default 100µs): a batch of n writes keeps its worker n × this.'),
      batchSize: positiveInt
        .max(MAX_BATCH)
        .default(100)
        .describe('Followers written per batch; other nodes’ followers in a batch get one message per node.'),
      resendAfter: positiveDurationUs
        .default(1_000_000)
        .describe(
          'Send a batch’s writes to another node again when it has not acknowledged them after this long (default 1s): the fan-out queue keeps them until it does, so a partition, a lost message or a crashed node delays timeline writes instead of losing them.',
        ),
    })
    .prefault({})
    .describe(
      'The fan-out workers: how many, how fast, in what batches, and when writes to another node are sent again.',
    ),
  readTime: durationUs
    .default(1000)
    .describe('Work per feed read at the reader’s node, beside its fetches (default 1ms).'),
  fetchTime: durationUs
    .default(200)
    .describe(
      'Work per followee fetched at read time (default 200µs): a read pulling k followees takes readTime + k × this.',
    ),
  fetchTimeout: positiveDurationUs
    .default(1_000_000)
    .describe(
      'A read answers with what it has when a node holding followees has not answered its fetch after this long (default 1s).',
    ),
  pageSize: positiveInt
    .max(MAX_PAGE)
    .default(20)
    .describe('Posts a feed read returns: the newest of the timeline and the pulled posts.'),
  costs: z
    .strictObject({
      write: z.number().min(0).default(1).describe('Cost of one timeline write, in cost units.'),
      fetch: z
        .number()
        .min(0)
        .default(1)
        .describe('Cost of fetching one followee’s posts at read time, in cost units.'),
    })
    .prefault({})
    .describe('Prices of a timeline write and a read-time fetch: the cost figure, and selective’s per-edge decision.'),
  storedPosts: positiveInt
    .default(1_000_000)
    .describe(
      'Posts each node keeps for pulls and rebuilds (its newest; older ones are archived and no longer fetched).',
    ),
});

export type FeedServiceParams = z.output<typeof feedServiceParams>;

export const feedServiceModel: ModelDefinition<typeof feedServiceParams> = {
  type: 'feed-service',
  role: 'component',
  description:
    'A news-feed service over a follower graph: posts fanned out to bounded timelines by queued workers (push, pull, hybrid, selective per edge, or push to active users), reads merging the timeline with pulled followees’ posts.',
  params: feedServiceParams,
  check: (params) => checkSocialGraphParams(params.graph).map((p) => ({ ...p, path: ['graph', ...p.path] })),
  instantiate(params, ctx) {
    const graph = socialGraphOf(ctx, ctx.name, params.graph);
    const costs = { write: params.costs.write, fetch: params.costs.fetch };
    const policy = new FanoutPolicy(graph, params.strategy, params.celebrityThreshold, params.activeWindow, costs);
    if (params.strategy === 'active-push') policy.startActivity(ctx.stream(ctx.name, 'activity'));
    const setup: FeedSetup = {
      graph,
      strategy: params.strategy,
      celebrityThreshold: params.celebrityThreshold,
      activeWindowUs: params.activeWindow,
      costPerWrite: costs.write,
      costPerFetch: costs.fetch,
      timelineLength: params.timelineLength,
      timelineEntryBytes: params.timelineEntrySize,
    };
    const tally = new FeedTally(ctx.feeds.service(ctx.name, setup), ctx.nodeNames.length, graph);
    const options: FeedServiceOptions = {
      graph,
      policy,
      tally,
      metrics: ctx.componentMetrics(params.fanout.workers),
      nodeNames: ctx.nodeNames,
      timelineLength: params.timelineLength,
      timelineEntryBytes: params.timelineEntrySize,
      pageSize: params.pageSize,
      workers: params.fanout.workers,
      writeTimeUs: params.fanout.writeTime,
      batchSize: params.fanout.batchSize,
      readTimeUs: params.readTime,
      fetchTimeUs: params.fetchTime,
      fetchTimeoutUs: params.fetchTimeout,
      resendAfterUs: params.fanout.resendAfter,
      storedPosts: params.storedPosts,
    };
    const nodeIndexById = new Map<NodeId, number>();
    ctx.onCrash((node) => {
      const index = nodeIndexById.get(node);
      if (index !== undefined) tally.nodeCrashed(index);
    });
    return (nodeIndex) => (nodeCtx) => {
      nodeIndexById.set(nodeCtx.id, nodeIndex);
      return new FeedServiceNode(nodeCtx, nodeIndex, options);
    };
  },
  digestMessage: digestFeedMessage,
};
