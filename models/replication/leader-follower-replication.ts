import type { NodeContext, NodeId, TimerHandle } from '../../engine/index.js';
import type { LeaderFollowerSettings } from './leader-follower-settings.js';
import type { ReplicaDisk } from './leader-follower-disk.js';
import {
  ENTRY_BYTES,
  MAX_BATCH_ENTRIES,
  MESSAGE_HEADER_BYTES,
  type Append,
  type AppendAck,
} from './leader-follower-messages.js';
import { NO_ENTRIES } from './replication-log.js';
import type { StoreResponse } from './store-messages.js';

/** A write in the leader's log whose client waits for follower acknowledgements (semi-sync and sync). */
export interface PendingWrite {
  index: number;
  client: NodeId;
  id: number;
  arrivedUs: number;
  timer: TimerHandle | -1;
}

/**
 * The leader's side of replication. Owns, per follower (by replica index),
 * how far its log agrees with the leader's (`match`), where the next batch
 * starts, the one batch in flight, when it last answered (liveness, on the
 * leader's clock) and whether it is in sync; and the commit point with the
 * writes waiting on it. Promises: every write taken up is answered once, in
 * log order: `ok` once replicated as the mode requires, `unknown` when too
 * few followers acknowledged it within `ackTimeout` or when the leader steps
 * down (`abandonPending`); a lost batch is sent again after a failure
 * timeout.
 */
export class ReplicationTracker {
  /**
   * Highest index known replicated as the mode requires (every write answered
   * `ok` is): what the leader's reads see, and what a follower back from
   * silence must have to be in sync again. Reads never see a write that may
   * yet be lost (lossless semi-sync).
   */
  committedIndex = 0;
  /** This leader's first entry (0 for the first leader): once it is replicated, so is everything it inherited. */
  epochStartIndex = 0;
  private readonly n: number;
  private readonly next: Int32Array;
  private readonly match: Int32Array;
  private readonly inFlight: Uint8Array;
  private readonly inFlightSinceLocalUs: Float64Array;
  private readonly lastAckLocalUs: Float64Array;
  private readonly inSync: Uint8Array;
  private pending: PendingWrite[] = [];
  private pendingHead = 0;

  /** `ids`: the replicas' node ids by index, filled when the replica starts; `ackTimerTag`: the replica's timer tag for a write's deadline. */
  constructor(
    private readonly ctx: NodeContext,
    private readonly p: LeaderFollowerSettings,
    private readonly disk: ReplicaDisk,
    private readonly ids: readonly NodeId[],
    private readonly ackTimerTag: number,
  ) {
    this.n = p.replicas.length;
    this.next = new Int32Array(this.n);
    this.match = new Int32Array(this.n);
    this.inFlight = new Uint8Array(this.n);
    this.inFlightSinceLocalUs = new Float64Array(this.n);
    this.lastAckLocalUs = new Float64Array(this.n);
    this.inSync = new Uint8Array(this.n);
  }

  /** A new leader knows nothing of its followers' logs; it counts those the promotion round did not hear from (`reachable`) out of sync. */
  begin(localUs: number, reachable: readonly number[] | null): void {
    const length = this.disk.log.length;
    for (let f = 0; f < this.n; f++) {
      this.next[f] = length + 1;
      this.match[f] = -1;
      this.inFlight[f] = 0;
      this.lastAckLocalUs[f] = localUs;
      this.inSync[f] = reachable === null || reachable.includes(f) ? 1 : 0;
    }
  }

  /**
   * Whether the previous leader got what it left here acknowledged is unknown: under semi-sync and sync it is committed only with
   * `epochStartIndex`, the first entry of this epoch (see `commit`).
   */
  startEpoch(epochStartIndex: number): void {
    this.epochStartIndex = epochStartIndex;
    this.committedIndex = this.p.replication === 'async' ? this.disk.log.length : 0;
  }

  /** Appends to every follower: the next batch, or a heartbeat. */
  heartbeat(): void {
    const local = this.ctx.localTimeUs();
    const length = this.disk.log.length;
    for (let f = 0; f < this.n; f++) {
      if (f === this.p.index) continue;
      // A batch lost on the way (or to a node that went down) is sent again.
      if (this.inFlight[f] === 1 && local - this.inFlightSinceLocalUs[f] >= this.p.failureTimeout) {
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
  }

  /** A client's write the leader just appended at `index`: answered at once (async) or once replicated. */
  written(client: NodeId, id: number, index: number, arrivedUs: number): void {
    if (this.p.replication === 'async') {
      this.disk.log.markAcknowledged(index);
      this.committedIndex = index;
      this.acknowledge(client, id, index);
      this.p.metrics.recordServed(arrivedUs, arrivedUs);
    } else {
      const write: PendingWrite = { index, client, id, arrivedUs, timer: -1 };
      write.timer = this.ctx.setTimer(this.p.ackTimeout, this.ackTimerTag, write);
      this.pending.push(write);
    }
    for (let f = 0; f < this.n; f++)
      if (f !== this.p.index && this.inFlight[f] === 0 && this.live(f)) this.sendBatch(f);
    this.commit();
  }

  /** Follower `f`'s answer to an append of this epoch. */
  acknowledged(f: number, ack: AppendAck): void {
    this.lastAckLocalUs[f] = this.ctx.localTimeUs();
    if (ack.batch) this.inFlight[f] = 0;
    const log = this.disk.log;
    if (ack.result === 'ok') {
      if (ack.match > this.match[f]) this.match[f] = ack.match;
      if (this.next[f] <= this.match[f]) this.next[f] = this.match[f] + 1;
      if (this.inSync[f] === 0 && this.match[f] >= Math.max(this.committedIndex, this.epochStartIndex))
        this.inSync[f] = 1;
      const lagVersions = log.length - this.match[f];
      const now = this.ctx.nowUs;
      this.p.metrics.noteWindowMax('maxLagVersions', lagVersions, now);
      this.p.metrics.noteWindowMax('maxLagUs', lagVersions > 0 ? now - log.writtenAt(this.match[f] + 1) : 0, now);
    } else {
      // Where both logs hold entries of the conflicting epoch they agree up to the leader's last one (one leader per epoch).
      let from = Math.max(ack.match, this.match[f]) + 1;
      const last = ack.conflictEpoch > 0 ? log.lastIndexUpToEpoch(ack.conflictEpoch) : 0;
      if (last > 0 && log.epochAt(last) === ack.conflictEpoch && last + 1 > from && last + 1 < this.next[f])
        from = last + 1;
      // Each retry moves strictly back, so a disagreement is settled in finitely many round trips.
      if (from < this.next[f]) this.next[f] = from;
    }
    if (this.inFlight[f] === 0) this.sendBatch(f);
    this.commit();
  }

  /** A pending write's deadline fell due. */
  ackTimedOut(write: PendingWrite): void {
    if (this.pending[this.pendingHead] !== write) return;
    // Timeouts fall due in log order, so the one that fires is always the oldest waiting.
    this.pendingHead++;
    write.timer = -1;
    this.answerUnknown(write, 'timeout');
    this.compactPending();
  }

  /** The leader stepped down: its waiting writes are applied here but not acknowledged, so they may survive or not. */
  abandonPending(): void {
    for (let i = this.pendingHead; i < this.pending.length; i++) {
      const write = this.pending[i];
      this.ctx.cancelTimer(write.timer as TimerHandle);
      this.answerUnknown(write, 'deposed');
    }
    this.pending.length = 0;
    this.pendingHead = 0;
  }

  /** For inspection: how far follower `f`'s log is known to agree with this one (null until it answers), and whether it counts as in sync. */
  follower(f: number): { matchIndex: number | null; inSync: boolean } {
    return { matchIndex: this.match[f] < 0 ? null : this.match[f], inSync: this.inSync[f] === 1 };
  }

  /** Writes waiting for follower acknowledgements. */
  get pendingWrites(): number {
    return this.pending.length - this.pendingHead;
  }

  /** Follower `f` answered within the failure timeout. */
  live(f: number): boolean {
    return this.ctx.localTimeUs() - this.lastAckLocalUs[f] < this.p.failureTimeout;
  }

  liveFollowers(): number {
    let live = 0;
    for (let f = 0; f < this.n; f++) if (f !== this.p.index && this.live(f)) live++;
    return live;
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

  private compactPending(): void {
    if (this.pendingHead === this.pending.length) {
      this.pending.length = 0;
      this.pendingHead = 0;
    } else if (this.pendingHead > 1024 && this.pendingHead * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.pendingHead);
      this.pendingHead = 0;
    }
  }

  private sendBatch(f: number): void {
    if (this.next[f] > this.disk.log.length) return;
    this.sendAppend(f, this.next[f] - 1, true);
  }

  private sendAppend(f: number, prevIndex: number, withEntries: boolean): void {
    const log = this.disk.log;
    const last = withEntries ? Math.min(log.length, prevIndex + MAX_BATCH_ENTRIES) : prevIndex;
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
    this.ctx.send(this.ids[f], append, MESSAGE_HEADER_BYTES + ENTRY_BYTES * (last - prevIndex));
    if (withEntries) {
      this.next[f] = last + 1;
      this.inFlight[f] = 1;
      this.inFlightSinceLocalUs[f] = local;
    }
  }

  private acknowledge(client: NodeId, id: number, index: number): void {
    const response: StoreResponse = {
      kind: 'store-response',
      id,
      status: 'ok',
      version: this.disk.log.versionOf(index),
    };
    this.ctx.send(client, response, MESSAGE_HEADER_BYTES);
  }

  /** A write in the log that may survive or not: `timeout` (too few acknowledgements in time) or `deposed` (it stepped down). */
  private answerUnknown(write: PendingWrite, reason: 'timeout' | 'deposed'): void {
    const response: StoreResponse = { kind: 'store-response', id: write.id, status: 'unknown', reason };
    this.ctx.send(write.client, response, MESSAGE_HEADER_BYTES);
    this.p.metrics.countDetail('writesUnknown', this.ctx.nowUs);
  }
}
