import { z } from 'zod';
import type { NodeContext, NodeId, Process, RandomStream, TimerHandle } from '../../engine/index.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { durationUs, positiveInt } from '../kit/units.js';
import type { InspectableReplica } from '../measure/inspectable-replica.js';
import type {
  Append,
  AppendAck,
  Fetch,
  FetchReply,
  Forward,
  Poll,
  PollReply,
  Promote,
  ReplicaMessage,
} from './leader-follower-messages.js';
import { LeadershipTally } from './leadership-tally.js';
import { NO_ENTRIES, NO_KEY, ReplicationLog, type LogEntries } from './replication-log.js';
import { RequestCopies } from './request-copies.js';
import type { StoreRequest, StoreResponse } from './store-messages.js';

export const REPLICATION_MODES = ['async', 'semi-sync', 'sync'] as const;
export type ReplicationMode = (typeof REPLICATION_MODES)[number];
export const READ_ROUTES = ['leader', 'any', 'read-your-writes'] as const;
export type ReadRoute = (typeof READ_ROUTES)[number];

export interface LeaderFollowerParams {
  /** Every replica's node name, in order: the first starts as leader, and order breaks ties between equally up-to-date replicas. */
  replicas: readonly string[];
  /** This replica's position in `replicas`. */
  index: number;
  replication: ReplicationMode;
  /** semi-sync: follower acknowledgements a write waits for. */
  acks: number;
  reads: ReadRoute;
  /** Followers pass writes (and leader-only reads) on to the leader instead of refusing them with a hint. */
  forwarding: boolean;
  /** Only replicas before this position may be promoted; the rest are copies that never lead. */
  promotable: number;
  heartbeatIntervalUs: number;
  failureTimeoutUs: number;
  /** With fencing: how long a leader keeps taking requests after the appends a majority answered were sent, on its clock (see `leaseUs`). */
  leaseUs: number;
  electionWaitUs: number;
  ackTimeoutUs: number;
  fencing: boolean;
  metrics: ComponentMetrics;
  tally: LeadershipTally;
}

/** What survives a crash: the log, and the epochs this replica has joined and promised. */
interface ReplicaDisk {
  log: ReplicationLog;
  epoch: number;
  /** With fencing: the highest promotion round it voted in; it votes in no other round at or below it, and refuses leaders of older epochs. */
  promised: number;
  /** The candidate it voted for in round `promised`. */
  votedFor: NodeId;
}

interface PendingWrite {
  index: number;
  client: NodeId;
  id: number;
  arrivedUs: number;
  timer: TimerHandle | -1;
}

const FOLLOWER = 0;
const CANDIDATE = 1;
const LEADER = 2;
/** Promoted, but first taking the log of a voter that is ahead and may not lead. */
const CATCHING_UP = 3;

const HEARTBEAT = 1;
const SUSPECT = 2;
const ROUND_OVER = 3;
const ACK_TIMEOUT = 4;
const FETCH_OVER = 5;

/** Entries per append, so a follower that was away for long catches up in pieces. */
const MAX_BATCH = 1000;
const HEADER_BYTES = 64;
const ENTRY_BYTES = 24;

/**
 * One replica of a leader-follower store. The leader orders writes in its
 * log (a version is a log index) and ships it to every follower, one batch
 * in flight per follower, as a follower fetching the log would see it:
 * what is written meanwhile goes in the next batch. It answers a write at
 * once (async), after `acks` followers have it (semi-sync) or after every
 * follower in sync has it (sync); one it applied but could not get
 * acknowledged in time is answered `unknown`, never `failed`.
 *
 * Versions name entries by epoch and index (`ReplicationLog.versionOf`).
 *
 * Followers apply in log order and watch the leader's heartbeats on their
 * own clock (one back from a crash too, before it takes part in a
 * promotion). One that hears nothing for `failureTimeout` polls the others;
 * if none still sees a leader, the most up-to-date replica that answered and
 * may lead (newest last epoch, then longest log, then replica order) is
 * promoted in a new epoch and announces itself with heartbeats. If a voter
 * that may not lead is further ahead, the promoted replica first takes its
 * log, so no write acknowledged with that voter's copy is lost. Messages
 * from an older epoch are refused, and a leader that learns of a newer one
 * steps down; where two logs disagree, the newer epoch's wins and the other
 * is cut back.
 * A new leader does not know whether what it inherited was acknowledged, so
 * its reads show it only once its own first entry is replicated as the mode
 * requires (at once under async).
 *
 * With fencing a promotion needs a majority, and a leader whose lease ran out
 * (a majority answered no append it sent within `leaseUs`, on its clock)
 * stops taking requests and steps down. A replica votes only after
 * `failureTimeout` without the leader on its own clock, and the lease is
 * shorter by the clock-drift bound, so it has ended by then: two leaders
 * never take requests at once. Without it, any replica that loses the
 * leader promotes the best one it can reach, and a leader cut off by a
 * partition keeps taking writes: split brain, whose losing side's writes are
 * discarded at heal.
 */
export class LeaderFollowerReplica implements Process<StoreRequest | ReplicaMessage>, InspectableReplica {
  private readonly disk: ReplicaDisk;
  private readonly copies: RequestCopies;
  private readonly ids: NodeId[] = [];
  private readonly indexOf = new Map<NodeId, number>();
  private readonly n: number;
  private readonly majority: number;
  private readonly electing: RandomStream;
  private role = FOLLOWER;
  /** The leader it follows (itself when leading); -1 when it knows none. */
  private leader: NodeId | -1 = -1;
  /** A follower heard from its leader within the failure timeout. */
  private leaderSeen = false;
  private suspectTimer: TimerHandle | -1 = -1;
  private heartbeatTimer: TimerHandle | -1 = -1;
  private readonly values = new Map<number, number>();
  private readonly versions = new Map<number, number>();

  // Leading: per follower, by replica index.
  private readonly next: Int32Array;
  private readonly match: Int32Array;
  private readonly inFlight: Uint8Array;
  private readonly inFlightSinceLocalUs: Float64Array;
  private readonly lastAckLocalUs: Float64Array;
  /** Send time (leader's clock) of the latest append each follower acknowledged in this epoch: the lease. */
  private readonly ackedSentLocalUs: Float64Array;
  private readonly inSync: Uint8Array;
  private ledSinceLocalUs = 0;
  /**
   * Highest index known replicated as the mode requires (every write answered
   * `ok` is): what the leader's reads see, and what a follower back from
   * silence must have to be in sync again. Reads never see a write that may
   * yet be lost (lossless semi-sync).
   */
  private committedIndex = 0;
  /** This leader's first entry (0 for the first leader): once it is replicated, so is everything it inherited. */
  private epochStartIndex = 0;
  private pending: PendingWrite[] = [];
  private pendingHead = 0;
  /** Requests a new leader holds: all until a majority confirms it (fencing), reads and cas until its first entry is replicated. */
  private held: { client: NodeId; request: StoreRequest }[] = [];

  // A promotion round this replica runs.
  private roundEpoch = 0;
  private roundReplies = 0;
  private roundMaxEpoch = 0;
  private highestEpochSeen = 0;
  private readonly replied: Uint8Array;
  private readonly voted: Uint8Array;
  private readonly theirLastEpoch: Int32Array;
  private readonly theirLength: Int32Array;

  // Catching up before leading: the epoch it won, whom the round heard from, the voter it fetches from, and the fetch in flight.
  private catchUpEpoch = 0;
  private catchUpReachable: readonly number[] = [];
  private catchUpSource = 0;
  private fetchPrevIndex = 0;
  private fetchTimer: TimerHandle | -1 = -1;

  constructor(
    private readonly ctx: NodeContext,
    private readonly p: LeaderFollowerParams,
  ) {
    this.n = p.replicas.length;
    this.majority = Math.floor(this.n / 2) + 1;
    this.electing = ctx.random('election');
    const disk = ctx.durable as Partial<ReplicaDisk>;
    disk.log ??= new ReplicationLog();
    disk.epoch ??= 0;
    disk.promised ??= 0;
    disk.votedFor ??= -1;
    this.disk = disk as ReplicaDisk;
    this.copies = new RequestCopies(ctx.durable);
    this.next = new Int32Array(this.n);
    this.match = new Int32Array(this.n);
    this.inFlight = new Uint8Array(this.n);
    this.inFlightSinceLocalUs = new Float64Array(this.n);
    this.lastAckLocalUs = new Float64Array(this.n);
    this.ackedSentLocalUs = new Float64Array(this.n);
    this.inSync = new Uint8Array(this.n);
    this.replied = new Uint8Array(this.n);
    this.voted = new Uint8Array(this.n);
    this.theirLastEpoch = new Int32Array(this.n);
    this.theirLength = new Int32Array(this.n);
  }

  onStart(): void {
    this.p.replicas.forEach((name, i) => {
      const id = this.ctx.lookup(name);
      this.ids.push(id);
      this.indexOf.set(id, i);
    });
    for (let i = 1; i <= this.disk.log.length; i++) this.apply(i);
    if (this.disk.epoch === 0) {
      // First start: everyone knows the first replica leads epoch 1.
      this.disk.epoch = this.disk.promised = 1;
      if (this.p.index === 0) {
        this.becomeLeader(1, null);
        return;
      }
      this.leader = this.ids[0];
    }
    // Back from a crash it knows no leader, but one may well be alive: like a follower that just heard one, it waits a whole failure
    // timeout before taking part in a promotion, or its vote could depose a healthy leader whose lease still counts on it.
    this.leaderSeen = true;
    this.watchLeader();
  }

  onMessage(from: NodeId, message: StoreRequest | ReplicaMessage): void {
    switch (message.kind) {
      case 'store-request':
        return this.copies.isCopy(from, message.id) ? undefined : this.onRequest(from, message, false);
      case 'lf-forward':
        return this.onForward(message);
      case 'lf-append':
        return this.onAppend(from, message);
      case 'lf-ack':
        return this.onAck(from, message);
      case 'lf-poll':
        return this.onPoll(from, message);
      case 'lf-poll-reply':
        return this.onPollReply(from, message);
      case 'lf-promote':
        return this.onPromote(message);
      case 'lf-fetch':
        return this.onFetch(from, message);
      case 'lf-fetch-reply':
        return this.onFetchReply(message);
    }
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === HEARTBEAT) this.heartbeat();
    else if (tag === SUSPECT) {
      this.suspectTimer = -1;
      this.startRound();
    } else if (tag === ROUND_OVER) {
      if (this.role === CANDIDATE && data === this.roundEpoch) this.decideRound();
    } else if (tag === ACK_TIMEOUT) this.ackTimedOut(data as PendingWrite);
    else if (tag === FETCH_OVER) {
      this.fetchTimer = -1;
      // The voter it was taking the log from fell silent: the promotion fails, and another round will find who is up.
      if (this.role === CATCHING_UP) this.abandonRound(false);
    }
  }

  /** For measurement: each key's value as a read served here would return it. */
  localValues(): ReadonlyMap<number, number> {
    return this.values;
  }

  /** For measurement: every value in this replica's log, in log order (InspectableReplica). */
  retainedWrites(): number[] {
    const log = this.disk.log;
    const out: number[] = [];
    for (let i = 1; i <= log.length; i++) if (log.keyAt(i) !== NO_KEY) out.push(log.valueAt(i));
    return out;
  }

  get isLeader(): boolean {
    return this.role === LEADER;
  }

  get epoch(): number {
    return this.disk.epoch;
  }

  get logLength(): number {
    return this.disk.log.length;
  }

  // ---- client requests ----------------------------------------------------

  private onRequest(client: NodeId, request: StoreRequest, forwarded: boolean): void {
    const op = request.op;
    if (op === 'read' && !forwarded && this.role !== LEADER && this.servesLocally(request))
      return this.read(client, request);
    if (op !== 'read' && op !== 'write' && op !== 'cas') return this.refuse(client, request, 'unsupported');
    if (this.role === LEADER) {
      if (this.leaseHeld()) {
        // What it inherited is not known committed until its first entry is: reads and compare-and-sets, which read, wait for that.
        if (op === 'write' || this.committedIndex >= this.epochStartIndex)
          return op === 'read' ? this.read(client, request) : this.write(client, request);
        if (this.p.replication === 'semi-sync' && this.liveFollowers() < this.p.acks)
          return this.refuse(client, request, 'no-quorum');
      }
      // Just promoted: held until a majority has answered its heartbeats (or, as above, its first entry is replicated). Otherwise it
      // has stepped down and answers as a follower.
      if (this.role === LEADER) {
        this.held.push({ client, request });
        return;
      }
    }
    const passOn = this.p.forwarding || (op === 'read' && this.p.reads === 'read-your-writes');
    if (passOn && !forwarded && this.leader !== -1) {
      const forward: Forward = { kind: 'lf-forward', epoch: this.disk.epoch, client, request };
      this.ctx.send(this.leader, forward, HEADER_BYTES);
      return;
    }
    this.refuse(client, request, 'not-leader');
  }

  private onForward(message: Forward): void {
    if (message.epoch > this.disk.epoch && this.role === LEADER) this.stepDown(message.epoch, -1);
    if (!this.copies.isCopy(message.client, message.request.id)) this.onRequest(message.client, message.request, true);
  }

  private servesLocally(request: StoreRequest): boolean {
    if (this.p.reads === 'any') return true;
    // A longer log is not enough: one on another epoch's branch may lack the session's entry however long it is.
    return this.p.reads === 'read-your-writes' && this.disk.log.holds(request.sessionVersion ?? 0);
  }

  /** A follower reads its own copy; the leader reads only what it has acknowledged, skipping writes still waiting for followers. */
  private read(client: NodeId, request: StoreRequest): void {
    const now = this.ctx.nowUs;
    const log = this.disk.log;
    this.p.metrics.recordArrival(false, now);
    let version = this.versions.get(request.key) ?? 0;
    if (this.role === LEADER) while (version > this.committedIndex) version = log.previousOfKeyAt(version);
    const response: StoreResponse = {
      kind: 'store-response',
      id: request.id,
      status: 'ok',
      value: version === 0 ? null : log.valueAt(version),
      version: log.versionOf(version),
    };
    this.ctx.send(client, response, HEADER_BYTES);
    this.p.metrics.recordServed(now, now);
  }

  private write(client: NodeId, request: StoreRequest): void {
    const now = this.ctx.nowUs;
    const log = this.disk.log;
    if (this.p.replication === 'semi-sync' && this.liveFollowers() < this.p.acks)
      return this.refuse(client, request, 'no-quorum');
    if (request.op === 'cas' && (this.values.get(request.key) ?? null) !== (request.expected ?? null))
      return this.refuse(client, request, 'cas-mismatch');
    this.p.metrics.recordArrival(false, now);
    const index = log.append(this.disk.epoch, request.key, request.value, now, this.versions.get(request.key) ?? 0);
    this.apply(index);
    if (this.p.replication === 'async') {
      log.markAcknowledged(index);
      this.committedIndex = index;
      this.acknowledge(client, request.id, index);
      this.p.metrics.recordServed(now, now);
    } else {
      const write: PendingWrite = { index, client, id: request.id, arrivedUs: now, timer: -1 };
      write.timer = this.ctx.setTimer(this.p.ackTimeoutUs, ACK_TIMEOUT, write);
      this.pending.push(write);
    }
    for (let f = 0; f < this.n; f++)
      if (f !== this.p.index && this.inFlight[f] === 0 && this.live(f)) this.sendBatch(f);
    this.commit();
  }

  private refuse(client: NodeId, request: StoreRequest, reason: string): void {
    this.p.metrics.recordRejected(this.ctx.nowUs);
    const response: StoreResponse =
      reason === 'not-leader' && this.leader !== -1 && this.leader !== this.ctx.id
        ? { kind: 'store-response', id: request.id, status: 'failed', reason, leaderHint: this.leader }
        : { kind: 'store-response', id: request.id, status: 'failed', reason };
    this.ctx.send(client, response, HEADER_BYTES);
  }

  private acknowledge(client: NodeId, id: number, index: number): void {
    const response: StoreResponse = {
      kind: 'store-response',
      id,
      status: 'ok',
      version: this.disk.log.versionOf(index),
    };
    this.ctx.send(client, response, HEADER_BYTES);
  }

  /** A write in the log that may survive or not: `timeout` (too few acknowledgements in time) or `deposed` (it stepped down). */
  private answerUnknown(write: PendingWrite, reason: 'timeout' | 'deposed'): void {
    const response: StoreResponse = { kind: 'store-response', id: write.id, status: 'unknown', reason };
    this.ctx.send(write.client, response, HEADER_BYTES);
    this.p.metrics.countDetail('writesUnknown', this.ctx.nowUs);
  }

  /** Answers, in log order, the waiting writes enough followers now have. */
  private commit(): void {
    const log = this.disk.log;
    if (this.committedIndex < this.epochStartIndex && this.replicated(this.epochStartIndex))
      this.committedIndex = this.epochStartIndex;
    while (this.pendingHead < this.pending.length) {
      const write = this.pending[this.pendingHead];
      if (!this.replicated(write.index)) break;
      this.pendingHead++;
      this.ctx.cancelTimer(write.timer as TimerHandle);
      log.markAcknowledged(write.index);
      this.committedIndex = write.index;
      this.acknowledge(write.client, write.id, write.index);
      this.p.metrics.recordServed(write.arrivedUs, this.ctx.nowUs);
    }
    this.compactPending();
  }

  private replicated(index: number): boolean {
    let have = 0;
    for (let f = 0; f < this.n; f++) {
      if (f === this.p.index) continue;
      if (this.p.replication === 'sync') {
        if (this.inSync[f] === 1 && this.match[f] < index) return false;
      } else if (this.match[f] >= index) have++;
    }
    return this.p.replication === 'sync' || have >= this.p.acks;
  }

  private ackTimedOut(write: PendingWrite): void {
    if (this.pending[this.pendingHead] !== write) return;
    // Timeouts fall due in log order, so the one that fires is always the oldest waiting.
    this.pendingHead++;
    write.timer = -1;
    this.answerUnknown(write, 'timeout');
    this.compactPending();
  }

  private compactPending(): void {
    if (this.pendingHead === this.pending.length) {
      this.pending.length = 0;
      this.pendingHead = 0;
    } else if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.pendingHead);
      this.pendingHead = 0;
    }
  }

  // ---- leading ------------------------------------------------------------

  private becomeLeader(epoch: number, reachable: readonly number[] | null): void {
    this.cancelSuspect();
    this.disk.epoch = epoch;
    if (this.disk.promised < epoch) this.disk.promised = epoch;
    this.role = LEADER;
    this.leader = this.ctx.id;
    this.leaderSeen = false;
    const local = this.ctx.localTimeUs();
    this.ledSinceLocalUs = local;
    const length = this.disk.log.length;
    for (let f = 0; f < this.n; f++) {
      this.next[f] = length + 1;
      this.match[f] = -1;
      this.inFlight[f] = 0;
      this.lastAckLocalUs[f] = local;
      this.ackedSentLocalUs[f] = -Infinity;
      // Replicas the promotion round did not hear from are out of sync until they catch up.
      this.inSync[f] = reachable === null || reachable.includes(f) ? 1 : 0;
    }
    this.p.tally.leads(this.ctx.id, this.ctx.nowUs);
    if (epoch > 1) {
      this.p.metrics.countDetail('promotions', this.ctx.nowUs);
      // An entry of its own epoch, as Raft's leaders begin with: a follower holding a longer tail from an older
      // epoch disagrees with it and is cut back, even if no client writes again.
      this.disk.log.append(epoch, NO_KEY, 0, this.ctx.nowUs, 0);
    }
    this.epochStartIndex = epoch > 1 ? this.disk.log.length : 0;
    // Whether the previous leader got what it left here acknowledged is unknown: under semi-sync and sync it is committed only with the
    // first entry of this epoch (see commit).
    this.committedIndex = this.p.replication === 'async' ? this.disk.log.length : 0;
    this.heartbeat();
  }

  private heartbeat(): void {
    this.heartbeatTimer = -1;
    // A fenced leader whose lease ran out steps down here.
    if (this.role === LEADER) this.leaseHeld();
    if (this.role !== LEADER) return;
    const local = this.ctx.localTimeUs();
    const length = this.disk.log.length;
    for (let f = 0; f < this.n; f++) {
      if (f === this.p.index) continue;
      // A batch lost on the way (or to a node that went down) is sent again.
      if (this.inFlight[f] === 1 && local - this.inFlightSinceLocalUs[f] >= this.p.failureTimeoutUs) {
        this.inFlight[f] = 0;
        if (this.match[f] >= 0) this.next[f] = this.match[f] + 1;
      }
      const live = this.live(f);
      if (!live) this.inSync[f] = 0;
      if (live && this.inFlight[f] === 0 && this.next[f] <= length) this.sendBatch(f);
      else this.sendAppend(f, this.match[f] >= 0 ? this.match[f] : this.next[f] - 1, false);
    }
    // A follower that dropped out of sync no longer holds up sync writes.
    this.commit();
    this.heartbeatTimer = this.ctx.setTimer(this.p.heartbeatIntervalUs, HEARTBEAT);
    // Held reads whose followers are now counted down get their refusal.
    this.releaseHeld();
  }

  private sendBatch(f: number): void {
    if (this.next[f] > this.disk.log.length) return;
    this.sendAppend(f, this.next[f] - 1, true);
  }

  private sendAppend(f: number, prevIndex: number, withEntries: boolean): void {
    const log = this.disk.log;
    const last = withEntries ? Math.min(log.length, prevIndex + MAX_BATCH) : prevIndex;
    const entries = withEntries ? log.slice(prevIndex + 1, last) : NO_ENTRIES;
    const local = this.ctx.localTimeUs();
    const append: Append = {
      kind: 'lf-append',
      epoch: this.disk.epoch,
      prevIndex,
      prevEpoch: log.epochAt(prevIndex),
      entries,
      sentLocalUs: local,
    };
    this.ctx.send(this.ids[f], append, HEADER_BYTES + ENTRY_BYTES * (last - prevIndex));
    if (withEntries) {
      this.next[f] = last + 1;
      this.inFlight[f] = 1;
      this.inFlightSinceLocalUs[f] = local;
    }
  }

  private onAck(from: NodeId, ack: AppendAck): void {
    if (this.role !== LEADER) return;
    if (ack.result === 'stale') {
      if (ack.epoch > this.disk.epoch) this.stepDown(ack.epoch, ack.leader);
      return;
    }
    if (ack.epoch !== this.disk.epoch) return;
    const f = this.indexOf.get(from)!;
    this.lastAckLocalUs[f] = this.ctx.localTimeUs();
    if (ack.echoLocalUs > this.ackedSentLocalUs[f]) this.ackedSentLocalUs[f] = ack.echoLocalUs;
    if (ack.batch) this.inFlight[f] = 0;
    const length = this.disk.log.length;
    if (ack.result === 'ok') {
      if (ack.match > this.match[f]) this.match[f] = ack.match;
      if (this.next[f] <= this.match[f]) this.next[f] = this.match[f] + 1;
      if (this.inSync[f] === 0 && this.match[f] >= Math.max(this.committedIndex, this.epochStartIndex))
        this.inSync[f] = 1;
      const lagVersions = length - this.match[f];
      const now = this.ctx.nowUs;
      this.p.metrics.noteWindowMax('maxLagVersions', lagVersions, now);
      this.p.metrics.noteWindowMax(
        'maxLagUs',
        lagVersions > 0 ? now - this.disk.log.writtenAt(this.match[f] + 1) : 0,
        now,
      );
    } else {
      // Where both logs hold entries of the conflicting epoch they agree up to the leader's last one (one leader per epoch).
      let from = Math.max(ack.match, this.match[f]) + 1;
      const log = this.disk.log;
      const last = ack.conflictEpoch > 0 ? log.lastIndexUpToEpoch(ack.conflictEpoch) : 0;
      if (last > 0 && log.epochAt(last) === ack.conflictEpoch && last + 1 > from && last + 1 < this.next[f])
        from = last + 1;
      // Each retry moves strictly back, so a disagreement is settled in finitely many round trips.
      if (from < this.next[f]) this.next[f] = from;
    }
    if (this.inFlight[f] === 0) this.sendBatch(f);
    this.commit();
    this.releaseHeld();
  }

  /** Hands what a new leader held back to `onRequest`, which serves it, holds it again or refuses it. */
  private releaseHeld(): void {
    if (this.held.length === 0 || !this.leaseHeld()) return;
    const held = this.held;
    this.held = [];
    for (const h of held) this.onRequest(h.client, h.request, true);
  }

  private live(f: number): boolean {
    return this.ctx.localTimeUs() - this.lastAckLocalUs[f] < this.p.failureTimeoutUs;
  }

  private liveFollowers(): number {
    let live = 0;
    for (let f = 0; f < this.n; f++) if (f !== this.p.index && this.live(f)) live++;
    return live;
  }

  /**
   * Fencing: whether a majority (itself included) acknowledged appends sent
   * within the lease. A leader whose lease ran out steps down, except in its
   * first failure timeout, while its first heartbeats are still being answered.
   */
  private leaseHeld(): boolean {
    if (!this.p.fencing) return true;
    const local = this.ctx.localTimeUs();
    let holders = 1;
    for (let f = 0; f < this.n; f++)
      if (f !== this.p.index && this.ackedSentLocalUs[f] > local - this.p.leaseUs) holders++;
    if (holders >= this.majority) return true;
    if (local - this.ledSinceLocalUs >= this.p.failureTimeoutUs) this.stepDown(this.disk.epoch, -1);
    return false;
  }

  private stepDown(epoch: number, leader: NodeId | -1): void {
    if (this.role === LEADER) {
      this.p.tally.stopped(this.ctx.id, this.ctx.nowUs);
      this.p.metrics.countDetail('stepDowns', this.ctx.nowUs);
      if (this.heartbeatTimer !== -1) this.ctx.cancelTimer(this.heartbeatTimer);
      this.heartbeatTimer = -1;
      // Applied here but not acknowledged: they may survive or not.
      for (let i = this.pendingHead; i < this.pending.length; i++) {
        const write = this.pending[i];
        this.ctx.cancelTimer(write.timer as TimerHandle);
        this.answerUnknown(write, 'deposed');
      }
      this.pending.length = 0;
      this.pendingHead = 0;
    }
    this.role = FOLLOWER;
    if (epoch > this.disk.epoch) this.disk.epoch = epoch;
    if (this.disk.promised < this.disk.epoch) this.disk.promised = this.disk.epoch;
    this.leader = leader;
    this.leaderSeen = false;
    this.watchLeader();
    if (this.held.length > 0) {
      for (const h of this.held) this.refuse(h.client, h.request, 'not-leader');
      this.held = [];
    }
  }

  // ---- following ----------------------------------------------------------

  private onAppend(from: NodeId, m: Append): void {
    const log = this.disk.log;
    if (!this.current(m.epoch)) return this.reply(from, m, 'stale', -1, 0);
    if (this.role === LEADER) this.stepDown(m.epoch, from);
    this.role = FOLLOWER;
    this.disk.epoch = m.epoch;
    if (this.disk.promised < m.epoch) this.disk.promised = m.epoch;
    this.leader = from;
    this.leaderSeen = true;
    this.watchLeader();
    if (m.prevIndex > log.length) return this.reply(from, m, 'retry', log.length, 0);
    const conflict = log.epochAt(m.prevIndex);
    if (conflict !== m.prevEpoch) return this.reply(from, m, 'retry', log.firstOfEpochRun(m.prevIndex) - 1, conflict);
    this.accept(m.prevIndex, m.entries);
    this.reply(from, m, 'ok', m.prevIndex + m.entries.epochs.length, 0);
  }

  /** Entries that follow `prevIndex`, where the sender's log agrees with this one: where they disagree after it, the sender's win. */
  private accept(prevIndex: number, entries: LogEntries): void {
    const log = this.disk.log;
    const count = entries.epochs.length;
    for (let k = 0; k < count; k++) {
      const index = prevIndex + 1 + k;
      if (index <= log.length) {
        if (log.epochAt(index) === entries.epochs[k]) continue;
        this.discardFrom(index);
      }
      log.append(
        entries.epochs[k],
        entries.keys[k],
        entries.values[k],
        entries.writtenUs[k],
        this.versions.get(entries.keys[k]) ?? 0,
      );
      this.apply(index);
    }
  }

  /**
   * Whether a leader of `epoch` is one to follow: an epoch has one leader, so
   * any not older than its own. With fencing, a promotion round it joined
   * fences off every older epoch: their leaders may get nothing more
   * acknowledged here.
   */
  private current(epoch: number): boolean {
    return epoch >= (this.p.fencing ? this.disk.promised : this.disk.epoch);
  }

  private reply(to: NodeId, m: Append, result: AppendAck['result'], match: number, conflictEpoch: number): void {
    // A stale leader learns the newest epoch this replica knows of, promised or joined.
    const fence = this.p.fencing ? this.disk.promised : this.disk.epoch;
    const ack: AppendAck = {
      kind: 'lf-ack',
      epoch: result === 'stale' ? fence : this.disk.epoch,
      leader: result === 'stale' && fence > this.disk.epoch ? -1 : this.leader,
      result,
      match,
      conflictEpoch,
      batch: m.entries.epochs.length > 0,
      echoLocalUs: m.sentLocalUs,
    };
    this.ctx.send(to, ack, HEADER_BYTES);
  }

  /** Reconciliation: this log disagrees with the leader's from `index` on, and the leader's wins. */
  private discardFrom(index: number): void {
    const log = this.disk.log;
    const now = this.ctx.nowUs;
    for (let i = index; i <= log.length; i++) this.p.metrics.countDetail('entriesDiscarded', now);
    const acknowledged = log.truncate(index - 1);
    for (let i = 0; i < acknowledged; i++) this.p.metrics.countDetail('acknowledgedWritesDiscarded', now);
    this.values.clear();
    this.versions.clear();
    for (let i = 1; i <= log.length; i++) this.apply(i);
  }

  private apply(index: number): void {
    const key = this.disk.log.keyAt(index);
    if (key === NO_KEY) return;
    this.values.set(key, this.disk.log.valueAt(index));
    this.versions.set(key, index);
  }

  // ---- failure detection and promotion --------------------------------------

  /** (Re)starts the wait for the leader's next message. */
  private watchLeader(delayUs = this.p.failureTimeoutUs): void {
    this.cancelSuspect();
    this.suspectTimer = this.ctx.setTimer(delayUs, SUSPECT);
  }

  private cancelSuspect(): void {
    if (this.suspectTimer !== -1) this.ctx.cancelTimer(this.suspectTimer);
    this.suspectTimer = -1;
  }

  private startRound(): void {
    if (this.role === LEADER) return;
    this.leaderSeen = false;
    this.leader = -1;
    this.role = CANDIDATE;
    // It promises its own round only once the round has won: until then a live leader may still turn up.
    this.roundEpoch = Math.max(this.disk.epoch, this.disk.promised, this.highestEpochSeen) + 1;
    this.roundReplies = 0;
    this.roundMaxEpoch = this.disk.epoch;
    this.replied.fill(0);
    this.voted.fill(0);
    const poll: Poll = {
      kind: 'lf-poll',
      epoch: this.roundEpoch,
      lastEpoch: this.disk.log.lastEpoch(),
      length: this.disk.log.length,
    };
    for (let f = 0; f < this.n; f++) if (f !== this.p.index) this.ctx.send(this.ids[f], poll, HEADER_BYTES);
    if (this.n === 1) this.decideRound();
    else this.ctx.setTimer(this.p.electionWaitUs, ROUND_OVER, this.roundEpoch);
  }

  private onPoll(from: NodeId, m: Poll): void {
    if (this.role === LEADER) this.leaseHeld();
    // One catching up to lead counts as a leader: a promotion has just been decided.
    const leaderAlive =
      this.role === LEADER || this.role === CATCHING_UP || (this.role === FOLLOWER && this.leaderSeen);
    let vote = false;
    if (!leaderAlive) {
      const f = this.indexOf.get(from)!;
      if (!this.p.fencing) vote = true;
      else if (this.role === CANDIDATE && m.epoch <= this.roundEpoch) {
        // Two rounds of one epoch: the earlier replica's goes on (either picks the most up-to-date among its voters).
        vote = m.epoch === this.roundEpoch && f < this.p.index;
      } else vote = m.epoch > this.disk.promised || (m.epoch === this.disk.promised && this.disk.votedFor === from);
      if (vote) {
        if (this.p.fencing) {
          this.disk.promised = m.epoch;
          this.disk.votedFor = from;
          if (this.role === CANDIDATE) this.role = FOLLOWER;
        }
        this.watchLeader();
      }
    }
    const reply: PollReply = {
      kind: 'lf-poll-reply',
      epoch: m.epoch,
      vote,
      leaderAlive,
      currentEpoch: this.disk.epoch,
      promised: this.disk.promised,
      lastEpoch: this.disk.log.lastEpoch(),
      length: this.disk.log.length,
    };
    this.ctx.send(from, reply, HEADER_BYTES);
  }

  private onPollReply(from: NodeId, m: PollReply): void {
    if (this.role !== CANDIDATE || m.epoch !== this.roundEpoch) return;
    const f = this.indexOf.get(from)!;
    if (this.replied[f] === 1) return;
    if (m.leaderAlive) return this.abandonRound(true);
    this.replied[f] = 1;
    this.voted[f] = m.vote ? 1 : 0;
    this.theirLastEpoch[f] = m.lastEpoch;
    this.theirLength[f] = m.length;
    if (m.currentEpoch > this.roundMaxEpoch) this.roundMaxEpoch = m.currentEpoch;
    // The next round, if this one fails, starts above every promise it met.
    if (m.promised > this.highestEpochSeen) this.highestEpochSeen = m.promised;
    if (++this.roundReplies === this.n - 1) this.decideRound();
  }

  private decideRound(): void {
    const log = this.disk.log;
    let votes = 1;
    const promotable = this.p.promotable;
    let best = this.p.index < promotable ? this.p.index : -1;
    let bestLastEpoch = best === -1 ? -1 : log.lastEpoch();
    let bestLength = log.length;
    // The most up-to-date voter, whether or not it may lead: a write it acknowledged may be on no replica that may.
    let newest = this.p.index;
    let newestLastEpoch = log.lastEpoch();
    let newestLength = log.length;
    const reachable = [this.p.index];
    for (let f = 0; f < this.n; f++) {
      if (this.replied[f] === 0) continue;
      reachable.push(f);
      if (this.p.fencing && this.voted[f] === 0) continue;
      votes++;
      const lastEpoch = this.theirLastEpoch[f];
      const length = this.theirLength[f];
      if (f < promotable && (best === -1 || this.better(lastEpoch, length, f, bestLastEpoch, bestLength, best))) {
        best = f;
        bestLastEpoch = lastEpoch;
        bestLength = length;
      }
      if (this.better(lastEpoch, length, f, newestLastEpoch, newestLength, newest)) {
        newest = f;
        newestLastEpoch = lastEpoch;
        newestLength = length;
      }
    }
    if ((this.p.fencing && votes < this.majority) || best === -1) return this.abandonRound(false);
    const source = newestLastEpoch === bestLastEpoch && newestLength === bestLength ? -1 : newest;
    const epoch = this.p.fencing
      ? this.roundEpoch
      : this.unvotedEpoch(Math.max(this.disk.epoch, this.roundMaxEpoch), best);
    if (this.p.fencing) {
      // Its own promise: no other round of this epoch gets its vote, and older leaders are fenced off.
      this.disk.promised = epoch;
      this.disk.votedFor = this.ids[best];
    }
    if (best === this.p.index) return this.takeOver(epoch, reachable, source);
    const promote: Promote = { kind: 'lf-promote', epoch, reachable, source };
    this.ctx.send(this.ids[best], promote, HEADER_BYTES);
    this.role = FOLLOWER;
    this.watchLeader();
  }

  /**
   * Without fencing no vote makes an epoch one leader's, so rounds on both
   * sides of a partition could pick the same number: the number itself names
   * the leader instead (epoch mod replicas), above every epoch seen.
   */
  private unvotedEpoch(above: number, leader: number): number {
    return (Math.floor(above / this.n) + 1) * this.n + leader;
  }

  /**
   * A replica that still hears a leader ends the round: wait a whole failure
   * timeout again. A round short of votes (a minority side, or candidates
   * splitting the votes) is tried again soon, at a random delay so that
   * colliding candidates stop colliding.
   */
  private abandonRound(leaderAlive: boolean): void {
    this.role = FOLLOWER;
    const wait = this.p.electionWaitUs;
    this.watchLeader((leaderAlive ? this.p.failureTimeoutUs : wait) + this.electing.int(wait + 1));
  }

  private onPromote(m: Promote): void {
    const fresh = m.epoch > this.disk.epoch && (!this.p.fencing || m.epoch >= this.disk.promised);
    if (fresh && this.role !== LEADER) this.takeOver(m.epoch, m.reachable, m.source);
  }

  /** Leads `epoch`, once it has the log of `source` (a voter ahead of it; -1: none). */
  private takeOver(epoch: number, reachable: readonly number[], source: number): void {
    if (source === -1) return this.becomeLeader(epoch, reachable);
    this.cancelSuspect();
    this.role = CATCHING_UP;
    this.leader = -1;
    this.catchUpEpoch = epoch;
    this.catchUpReachable = reachable;
    this.catchUpSource = source;
    this.fetch(this.disk.log.length);
  }

  /** Asks the source for its log after `prevIndex`; the promotion fails if no answer comes within the election wait. */
  private fetch(prevIndex: number): void {
    this.fetchPrevIndex = prevIndex;
    const m: Fetch = {
      kind: 'lf-fetch',
      epoch: this.catchUpEpoch,
      prevIndex,
      prevEpoch: this.disk.log.epochAt(prevIndex),
    };
    this.ctx.send(this.ids[this.catchUpSource], m, HEADER_BYTES);
    if (this.fetchTimer !== -1) this.ctx.cancelTimer(this.fetchTimer);
    this.fetchTimer = this.ctx.setTimer(this.p.electionWaitUs, FETCH_OVER);
  }

  /** Serves a promoted replica its log, unless this one has joined or promised a newer epoch since: those entries are not the asker's to lead. */
  private onFetch(from: NodeId, m: Fetch): void {
    if (this.disk.epoch > m.epoch || this.disk.promised > m.epoch) return;
    const log = this.disk.log;
    const agree = m.prevIndex <= log.length && log.epochAt(m.prevIndex) === m.prevEpoch;
    const last = agree ? Math.min(log.length, m.prevIndex + MAX_BATCH) : m.prevIndex;
    const reply: FetchReply = {
      kind: 'lf-fetch-reply',
      epoch: m.epoch,
      prevIndex: m.prevIndex,
      agree,
      entries: agree ? log.slice(m.prevIndex + 1, last) : NO_ENTRIES,
      more: agree && last < log.length,
    };
    this.ctx.send(from, reply, HEADER_BYTES + ENTRY_BYTES * (last - m.prevIndex));
  }

  private onFetchReply(m: FetchReply): void {
    if (this.role !== CATCHING_UP || m.epoch !== this.catchUpEpoch || m.prevIndex !== this.fetchPrevIndex) return;
    const log = this.disk.log;
    // Where the logs disagree, ask again from before this replica's run of that epoch (index 0 always agrees).
    if (!m.agree) return this.fetch(log.firstOfEpochRun(m.prevIndex) - 1);
    this.accept(m.prevIndex, m.entries);
    if (m.more) return this.fetch(m.prevIndex + m.entries.epochs.length);
    if (this.fetchTimer !== -1) this.ctx.cancelTimer(this.fetchTimer);
    this.fetchTimer = -1;
    this.becomeLeader(this.catchUpEpoch, this.catchUpReachable);
  }

  /** Most up-to-date first: newest last epoch, then longest log, then replica order. */
  private better(
    lastEpoch: number,
    length: number,
    index: number,
    otherLastEpoch: number,
    otherLength: number,
    otherIndex: number,
  ): boolean {
    if (lastEpoch !== otherLastEpoch) return lastEpoch > otherLastEpoch;
    if (length !== otherLength) return length > otherLength;
    return index < otherIndex;
  }
}

/**
 * The lease for a failure timeout, given that no clock drifts by more than
 * `maxDriftPpm`: a follower that answered an append may vote for another
 * leader once `failureTimeoutUs` has passed on its clock since it received
 * it, at least failureTimeout / (1 + d) of true time after it was sent; a
 * lease of failureTimeout × (1 − d) / (1 + d) on the leader's clock has
 * ended by then, however fast that follower's clock and slow the leader's.
 */
export function leaseUs(failureTimeoutUs: number, maxDriftPpm: number): number {
  return Math.floor((failureTimeoutUs * (1_000_000 - maxDriftPpm)) / (1_000_000 + maxDriftPpm));
}

const leaderFollowerParams = z.strictObject({
  replication: z
    .enum(REPLICATION_MODES)
    .default('async')
    .describe(
      'When the leader answers a write. The leader ships its log to each follower one batch at a time (what is written while a batch travels goes in the next). async: at once, before any follower has it (a crash loses what was not yet shipped); semi-sync: once `acks` followers have it; sync: once every follower in sync has it (one silent for failureTimeout drops out of sync until it has caught up, as in Kafka’s in-sync replicas).',
    ),
  acks: positiveInt.default(1).describe('semi-sync: follower acknowledgements a write waits for.'),
  reads: z
    .enum(READ_ROUTES)
    .default('leader')
    .describe(
      'leader: only the leader serves reads; any: every replica serves them from its own copy (stale reads possible); read-your-writes: a replica serves a read only if it has the session’s version (the client’s readYourWrites), and passes it on to the leader otherwise.',
    ),
  forwarding: z
    .boolean()
    .default(false)
    .describe(
      'Followers pass writes (and reads only the leader serves) on to the leader, which answers the client; without it they refuse them (failed, not-leader) naming the leader, and the client goes there.',
    ),
  heartbeatInterval: durationUs
    .refine((us) => us > 0, 'must be above zero')
    .default(100_000)
    .describe('How often the leader sends heartbeats (default 100ms).'),
  failureTimeout: durationUs
    .refine((us) => us > 0, 'must be above zero')
    .default(1_000_000)
    .describe(
      'A follower that hears nothing from the leader for this long, on its own clock, starts a promotion (one back from a crash waits this long first); the leader counts a follower silent this long as down; with fencing, a leader whose lease (this, shortened by the maxClockDriftPpm margin) ran out with no majority answering stops taking requests and steps down (default 1s).',
    ),
  maxClockDriftPpm: z
    .number()
    .min(0, 'must be at least 0')
    .max(100_000, 'must be at most 100000 (10%)')
    .default(1_000)
    .describe(
      'Fencing: the most any replica’s clock may drift, in parts per million (as a node group’s clockDriftPpm). A leader’s lease lasts failureTimeout × (1 − d) / (1 + d) on its own clock, so that it has ended before any replica that renewed it may vote for another, however fast that replica’s clock runs and slow the leader’s; with drift beyond this bound (or clock jumps) two leaders can serve at once. Default 1000 ppm, far above NTP-disciplined clocks (tens of ppm).',
    ),
  electionWait: durationUs
    .refine((us) => us > 0, 'must be above zero')
    .default(200_000)
    .describe(
      'How long a replica that lost the leader waits for the others to report their logs before promoting the most up-to-date (default 200ms).',
    ),
  ackTimeout: durationUs
    .refine((us) => us > 0, 'must be above zero')
    .default(1_000_000)
    .describe(
      'semi-sync and sync: a write not acknowledged by enough followers within this is answered unknown: it is in the leader’s log and may survive or not (default 1s).',
    ),
  promotable: positiveInt
    .optional()
    .describe(
      'How many replicas, the first ones, may be promoted; the others replicate and serve reads but never lead (a disaster-recovery copy, like a MongoDB member of priority 0). A promoted replica first takes the rest of the log of any such copy that voted for it and is further ahead, so no write it acknowledged is lost. Default: all.',
    ),
  fencing: z
    .boolean()
    .default(true)
    .describe(
      'Promotion needs a majority, a replica that voted for a new epoch refuses older leaders, and a leader that has not heard from a majority within its lease (see maxClockDriftPpm) stops taking requests and steps down: never two leaders taking requests. With semi-sync acks that make a majority with the leader, no acknowledged write is then lost. false: any replica that loses the leader promotes the best one it can reach, and a leader cut off by a partition keeps taking writes (split brain); at heal the newer epoch’s log wins and the other side’s writes are discarded.',
    ),
});

export const leaderFollowerModel: ModelDefinition<typeof leaderFollowerParams> = {
  type: 'leader-follower',
  role: 'component',
  description:
    'A leader-follower replicated store of registers (read, write, cas; one replica per node, the first leads): async, semi-sync or sync replication, read routing, heartbeat failure detection, promotion of the most up-to-date replica, fencing by epoch (or split brain without it).',
  params: leaderFollowerParams,
  check(params, { nodeCount }) {
    const problems: { path: (string | number)[]; message: string }[] = [];
    if (params.replication === 'semi-sync' && params.acks > nodeCount - 1) {
      problems.push({
        path: ['acks'],
        message: `${params.acks} follower acknowledgements asked of ${nodeCount - 1} follower${nodeCount === 2 ? '' : 's'}; at most ${nodeCount - 1}`,
      });
    }
    if (params.promotable !== undefined && params.promotable > nodeCount) {
      problems.push({
        path: ['promotable'],
        message: `${params.promotable} promotable replicas, but the store has ${nodeCount}`,
      });
    }
    if (params.failureTimeout <= params.heartbeatInterval) {
      problems.push({
        path: ['failureTimeout'],
        message: 'must be longer than heartbeatInterval, or every follower suspects a healthy leader',
      });
    } else if (params.fencing && leaseUs(params.failureTimeout, params.maxClockDriftPpm) <= params.heartbeatInterval) {
      problems.push({
        path: ['maxClockDriftPpm'],
        message: `leaves a lease of ${leaseUs(params.failureTimeout, params.maxClockDriftPpm) / 1000}ms, not longer than heartbeatInterval: a leader would lose it between heartbeats; lengthen failureTimeout`,
      });
    }
    return problems;
  },
  instantiate(params, ctx) {
    const metrics = ctx.componentMetrics(0);
    for (const detail of [
      'promotions',
      'stepDowns',
      'maxLagVersions',
      'maxLagUs',
      'writesUnknown',
      'entriesDiscarded',
      'acknowledgedWritesDiscarded',
    ])
      metrics.noteDetail(detail, 0);
    const tally = new LeadershipTally(metrics);
    let replicaIds: ReadonlySet<NodeId> | null = null;
    ctx.onCrash((id, atUs) => {
      replicaIds ??= new Set(ctx.nodeNames.map((name) => ctx.nodeId(name)));
      if (replicaIds.has(id)) tally.stopped(id, atUs);
    });
    return (index) => (nodeCtx) =>
      new LeaderFollowerReplica(nodeCtx, {
        replicas: ctx.nodeNames,
        index,
        replication: params.replication,
        acks: params.acks,
        reads: params.reads,
        forwarding: params.forwarding,
        promotable: params.promotable ?? ctx.nodeNames.length,
        heartbeatIntervalUs: params.heartbeatInterval,
        failureTimeoutUs: params.failureTimeout,
        leaseUs: leaseUs(params.failureTimeout, params.maxClockDriftPpm),
        electionWaitUs: params.electionWait,
        ackTimeoutUs: params.ackTimeout,
        fencing: params.fencing,
        metrics,
        tally,
      });
  },
};
