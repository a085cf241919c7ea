import { z } from 'zod';
import {
  distribution,
  type Distribution,
  type NodeContext,
  type NodeId,
  type RandomStream,
} from '../../engine/index.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { durationDistribution } from '../kit/distribution-schema.js';
import { durationUs, fraction, positiveDurationUs, positiveInt } from '../kit/units.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { StreamRecord } from '../measure/delivery-log.js';
import type { MetadataReply, MetadataRequest } from './broker-messages.js';
import type {
  CommitReply,
  CommitRequest,
  FetchReply,
  FetchRequest,
  FindCoordinatorReply,
  FindCoordinatorRequest,
  HeartbeatReply,
  HeartbeatRequest,
  JoinGroupReply,
  JoinGroupRequest,
  LeaveGroupRequest,
  LogRecord,
  OffsetFetchReply,
  OffsetFetchRequest,
} from './log-messages.js';
import { ASSIGNORS, type Assignor } from './partition-assignors.js';
import { DedupStore } from './dedup-store.js';
import { inHashedShare } from '../parts/hash.js';
import { IntMap } from '../parts/int-map.js';

/**
 * When a consumer commits, and so what a crash does (Kafka's choices):
 * - `auto`: every autoCommitInterval, the position after what it has fetched
 *   (enable.auto.commit), whether processed or not: a crash can both lose
 *   fetched records (committed, not processed) and repeat processed ones
 *   (processed since the last commit);
 * - `before-processing`: each batch's offsets before its records are
 *   processed: at-most-once (a crash mid-batch loses the rest, never repeats);
 * - `after-processing`: after the whole batch is processed: at-least-once (a
 *   crash mid-batch repeats the processed part, never loses);
 * - `transactional`: the batch's effects are held back and committed with its
 *   offsets in one step by the coordinator (read-process-write
 *   transactions): effectively-once (a crash before the commit applies
 *   nothing, after it both are durable).
 */
export const COMMIT_MODES = ['auto', 'before-processing', 'after-processing', 'transactional'] as const;
export type CommitMode = (typeof COMMIT_MODES)[number];

export interface LogConsumerOptions {
  /** The log component's name: its brokers' nodes and its topic in the delivery log. */
  readonly topic: string;
  readonly brokers: readonly string[];
  readonly group: string;
  readonly workers: number;
  readonly batch: number;
  readonly processing: Distribution;
  readonly heartbeatIntervalUs: number;
  readonly sessionTimeoutUs: number;
  readonly rebalanceTimeoutUs: number;
  readonly commit: CommitMode;
  readonly autoCommitIntervalUs: number;
  readonly autoOffsetReset: 'earliest' | 'latest';
  readonly assignor: Assignor;
  readonly fetchWaitUs: number;
  readonly requestTimeoutUs: number;
  /** The share of keys whose processing always fails (poison messages); 0 for none. */
  readonly poison: number;
  /** Attempts at a failing record before it is dead-lettered and skipped. */
  readonly maxAttempts: number;
  /**
   * Simulated times to join the group first and to leave it for good (a clean
   * shutdown), timed from the node's start on its own clock; absent: from the
   * start, never.
   */
  readonly joinAtUs?: number;
  readonly leaveAtUs?: number;
  readonly stream: StreamRecord;
  /** The group's deduplication store when the consumer is idempotent; null otherwise. */
  readonly dedup: DedupStore | null;
  readonly metrics: ComponentMetrics | null;
  /** This node's index among the workload's nodes, for the metrics. */
  readonly nodeIndex: number;
}

const HEARTBEAT = 1;
const PROCESSED = 2;
const REQUEST_TIMEOUT = 3;
const AUTO_COMMIT = 4;
const JOIN_AT = 5;
const LEAVE_AT = 6;
const RETRY = 7;

const RETRY_BACKOFF_US = 100_000;
const REQUEST_BYTES = 64;
/** Asks the broker where the log ends: an offset past any log's end comes back out of range with `resetTo` its end. */
const LOG_END = Number.MAX_SAFE_INTEGER;

type Phase = 'waiting' | 'finding' | 'joining' | 'fetching-offsets' | 'running' | 'draining' | 'left';

/** A fetched run of one partition's records, processed before the partition is fetched again. */
interface Batch {
  readonly owned: Owned;
  readonly records: readonly LogRecord[];
  readonly fetchedUs: number;
  started: number;
  done: number;
  /** Transactional mode: the effects held back until the commit. */
  readonly effects: { partition: number; offset: number; message: number }[];
}

/** A partition this member owns in its generation. */
interface Owned {
  readonly partition: number;
  /** The next offset to fetch; LOG_END when autoOffsetReset=latest found no commit. */
  position: number;
  /** The position last committed (or found committed). */
  committed: number;
  fetching: boolean;
  batch: Batch | null;
  committing: boolean;
}

interface Pending {
  readonly id: number;
  readonly kind: 'find' | 'metadata' | 'join' | 'offsets' | 'fetch' | 'commit' | 'heartbeat';
  /** The assignment it was sent for: replies about an earlier one are ignored. */
  readonly epoch: number;
  readonly owned: Owned | null;
  readonly batch: Batch | null;
}

/**
 * One member of a consumer group reading a `log` (a Kafka consumer): finds
 * its group's coordinator, joins, is given partitions, reads their
 * committed offsets, then fetches each partition from its leader (long
 * polling), processes the records on `workers` workers and commits as its
 * `commit` mode says. A heartbeat answered `rebalance` makes it finish the
 * batches it has, commit and rejoin (an eager rebalance); a coordinator that
 * stops answering for the session timeout is looked for again. A crash loses
 * everything but the group's committed offsets (at the coordinator) and, for
 * an idempotent consumer, the group's deduplication store; after a restart
 * it joins again under the same member name (its node name).
 */
export class LogConsumer implements InspectableProcess {
  private phase: Phase = 'waiting';
  private epoch = 0;
  private generation = -1;
  private coordinator: NodeId = -1;
  private coordinatorName: string | null = null;
  private leaders: NodeId[] = [];
  private metadataPending = false;
  private owned: Owned[] = [];
  private readonly pending = new IntMap<Pending>();
  private brokerCursor: number;
  private readonly processingTimes: RandomStream;
  private busy = 0;
  /** Batches with records not yet started, oldest first. */
  private readonly runnable: Batch[] = [];
  private heartbeatArmed = false;
  private lastHeartbeatOkLocalUs = 0;
  private leaving = false;
  /** While draining: look for the coordinator again before rejoining (it moved or stopped answering). */
  private findAgain = false;
  /** While draining in auto mode: the last commit of positions was sent. */
  private drainCommitted = false;
  /** The offsets of the auto-commit in flight. */
  private autoCommitted: { partition: number; offset: number }[] = [];
  private delivered = 0;
  private processed = 0;
  private commitsFailed = 0;
  private joins = 0;

  constructor(
    private readonly ctx: NodeContext<{ nextRequestId?: number }>,
    private readonly options: LogConsumerOptions,
  ) {
    this.processingTimes = ctx.random('processing');
    this.brokerCursor = ctx.random('brokers').int(options.brokers.length);
  }

  inspect(): InspectedState {
    let queued = 0;
    for (const batch of this.runnable) queued += batch.records.length - batch.started;
    return {
      phase: this.phase,
      generation: this.generation,
      coordinator: this.coordinatorName,
      partitions: this.owned.map((o) => o.partition),
      positions: this.owned.map((o) => (o.position === LOG_END ? -1 : o.position)),
      busyWorkers: this.busy,
      queuedRecords: queued,
      delivered: this.delivered,
      processed: this.processed,
      commitsFailed: this.commitsFailed,
      joins: this.joins,
    };
  }

  onStart(): void {
    const now = this.ctx.nowUs;
    const { joinAtUs, leaveAtUs } = this.options;
    if (leaveAtUs !== undefined && now >= leaveAtUs) {
      this.phase = 'left';
      return;
    }
    if (leaveAtUs !== undefined) this.ctx.setTimer(leaveAtUs - now, LEAVE_AT);
    if (joinAtUs !== undefined && now < joinAtUs) this.ctx.setTimer(joinAtUs - now, JOIN_AT);
    else this.findCoordinator();
    if (this.options.commit === 'auto') this.ctx.setTimer(this.options.autoCommitIntervalUs, AUTO_COMMIT);
  }

  onTimer(tag: number, data: unknown): void {
    switch (tag) {
      case PROCESSED:
        this.finishRecord(data as Batch);
        break;
      case REQUEST_TIMEOUT:
        this.timedOut(data as Pending);
        break;
      case HEARTBEAT:
        this.heartbeatArmed = false;
        this.heartbeat();
        break;
      case AUTO_COMMIT:
        this.ctx.setTimer(this.options.autoCommitIntervalUs, AUTO_COMMIT);
        if (this.phase === 'running') this.commitPositions();
        break;
      case JOIN_AT:
        if (this.phase === 'waiting') this.findCoordinator();
        break;
      case LEAVE_AT:
        this.leave();
        break;
      case RETRY:
        if (data === 'find' && this.phase === 'finding') this.findCoordinator();
        else if (data === 'metadata' && this.phase !== 'left') this.refreshMetadata();
        break;
    }
  }

  onMessage(
    _from: NodeId,
    message:
      | FindCoordinatorReply
      | MetadataReply
      | JoinGroupReply
      | OffsetFetchReply
      | FetchReply
      | CommitReply
      | HeartbeatReply,
  ): void {
    const pending = this.pending.get(message.id);
    if (pending === undefined) return;
    this.pending.delete(message.id);
    switch (message.kind) {
      case 'find-coordinator-reply':
        this.onCoordinator(message);
        break;
      case 'metadata-reply':
        this.onMetadata(message);
        break;
      case 'join-group-reply':
        this.onJoined(message);
        break;
      case 'offset-fetch-reply':
        this.onOffsets(pending, message);
        break;
      case 'fetch-reply':
        this.onFetched(pending, message);
        break;
      case 'commit-reply':
        this.onCommitted(pending, message);
        break;
      case 'heartbeat-reply':
        this.onHeartbeat(pending, message);
        break;
    }
  }

  // Finding the coordinator and joining.

  private findCoordinator(): void {
    this.phase = 'finding';
    this.coordinator = -1;
    this.coordinatorName = null;
    const broker = this.nextBroker();
    const id = this.track('find', this.options.requestTimeoutUs, null, null);
    this.ctx.send(broker, { kind: 'find-coordinator', id, group: this.options.group } satisfies FindCoordinatorRequest);
  }

  private onCoordinator(reply: FindCoordinatorReply): void {
    if (this.phase !== 'finding') return;
    if (reply.coordinator === null) {
      this.ctx.setTimer(RETRY_BACKOFF_US, RETRY, 'find');
      return;
    }
    this.coordinator = this.ctx.lookup(reply.coordinator);
    this.coordinatorName = reply.coordinator;
    this.join();
  }

  private join(): void {
    this.phase = 'joining';
    this.dropAssignment();
    const id = this.track('join', this.options.rebalanceTimeoutUs + this.options.requestTimeoutUs, null, null);
    this.send(this.coordinator, {
      kind: 'join-group',
      id,
      group: this.options.group,
      member: this.ctx.name,
      sessionTimeoutUs: this.options.sessionTimeoutUs,
      rebalanceTimeoutUs: this.options.rebalanceTimeoutUs,
      assignor: this.options.assignor,
    } satisfies JoinGroupRequest);
  }

  private onJoined(reply: JoinGroupReply): void {
    if (this.phase !== 'joining') return;
    if (reply.error !== undefined) {
      this.findCoordinator();
      return;
    }
    this.joins++;
    this.options.metrics?.countDetail('joins', this.ctx.nowUs);
    this.generation = reply.generation;
    this.epoch++;
    this.owned = reply.partitions.map((partition) => ({
      partition,
      position: 0,
      committed: -1,
      fetching: false,
      batch: null,
      committing: false,
    }));
    this.lastHeartbeatOkLocalUs = this.ctx.localTimeUs();
    this.armHeartbeat();
    if (this.owned.length === 0) {
      this.phase = 'running';
      return;
    }
    this.phase = 'fetching-offsets';
    const id = this.track('offsets', this.options.requestTimeoutUs, null, null);
    this.send(this.coordinator, {
      kind: 'offset-fetch',
      id,
      group: this.options.group,
      partitions: reply.partitions,
    } satisfies OffsetFetchRequest);
  }

  private onOffsets(pending: Pending, reply: OffsetFetchReply): void {
    if (this.phase !== 'fetching-offsets' || pending.epoch !== this.epoch) return;
    if (reply.error !== undefined) {
      this.findCoordinator();
      return;
    }
    for (let i = 0; i < this.owned.length; i++) {
      const committed = reply.offsets[i];
      const o = this.owned[i];
      o.committed = committed;
      o.position = committed >= 0 ? committed : this.options.autoOffsetReset === 'earliest' ? 0 : LOG_END;
    }
    this.phase = 'running';
    if (this.leaders.length === 0) this.refreshMetadata();
    else for (const o of this.owned) this.fetch(o);
  }

  /** Forgets the partitions of the generation it had (after finishing its batches, or a crash of the coordinator). */
  private dropAssignment(): void {
    for (const o of this.owned) {
      if (o.batch !== null) this.abandon(o.batch);
      o.batch = null;
    }
    this.owned = [];
    this.generation = -1;
    this.epoch++;
  }

  // Heartbeats and rebalances.

  private armHeartbeat(): void {
    if (this.heartbeatArmed) return;
    this.heartbeatArmed = true;
    this.ctx.setTimer(this.options.heartbeatIntervalUs, HEARTBEAT);
  }

  private heartbeat(): void {
    if (this.phase !== 'running' && this.phase !== 'draining' && this.phase !== 'fetching-offsets') return;
    if (this.ctx.localTimeUs() - this.lastHeartbeatOkLocalUs > this.options.sessionTimeoutUs) {
      // The coordinator has not answered for a whole session: it has removed us, or is gone.
      this.rejoin(true);
      return;
    }
    const id = this.track('heartbeat', this.options.requestTimeoutUs, null, null);
    this.send(this.coordinator, {
      kind: 'heartbeat',
      id,
      group: this.options.group,
      member: this.ctx.name,
      generation: this.generation,
    } satisfies HeartbeatRequest);
    this.armHeartbeat();
  }

  private onHeartbeat(pending: Pending, reply: HeartbeatReply): void {
    if (pending.epoch !== this.epoch) return;
    if (reply.error === undefined) {
      this.lastHeartbeatOkLocalUs = this.ctx.localTimeUs();
      return;
    }
    if (reply.error === 'not-coordinator') this.rejoin(true);
    else if (this.phase === 'running' || this.phase === 'fetching-offsets') this.rejoin(false);
    else this.lastHeartbeatOkLocalUs = this.ctx.localTimeUs();
  }

  /**
   * Starts over in the group: finishes and commits the batches it has (an
   * eager rebalance's revocation), then joins again, at the coordinator it
   * knows or, with `findAgain`, after looking for it.
   */
  private rejoin(findAgain: boolean): void {
    if (this.phase === 'left' || this.phase === 'finding' || this.phase === 'joining') return;
    this.findAgain ||= findAgain;
    if (this.phase !== 'draining') this.drainCommitted = false;
    this.phase = 'draining';
    this.afterDrainStep();
  }

  private leave(): void {
    if (this.phase === 'left') return;
    this.leaving = true;
    if (this.phase === 'running' || this.phase === 'fetching-offsets' || this.phase === 'draining') {
      if (this.phase !== 'draining') this.drainCommitted = false;
      this.phase = 'draining';
      this.afterDrainStep();
    } else this.stop();
  }

  private stop(): void {
    if (this.coordinator >= 0)
      this.send(this.coordinator, {
        kind: 'leave-group',
        group: this.options.group,
        member: this.ctx.name,
      } satisfies LeaveGroupRequest);
    this.dropAssignment();
    this.phase = 'left';
  }

  /** While draining: once no batch is in progress and no commit in flight, the last commit (auto mode), then rejoin or leave. */
  private afterDrainStep(): void {
    if (this.phase !== 'draining') return;
    for (const o of this.owned) if (o.batch !== null || o.committing) return;
    if (this.options.commit === 'auto' && !this.drainCommitted) {
      this.drainCommitted = true;
      if (this.commitPositions()) return;
    }
    if (this.leaving) this.stop();
    else if (this.findAgain || this.coordinator < 0) {
      this.findAgain = false;
      this.findCoordinator();
    } else this.join();
  }

  // Metadata and fetching.

  private refreshMetadata(): void {
    if (this.metadataPending) return;
    this.metadataPending = true;
    const id = this.track('metadata', this.options.requestTimeoutUs, null, null);
    this.ctx.send(this.nextBroker(), { kind: 'metadata', id } satisfies MetadataRequest, REQUEST_BYTES);
  }

  private onMetadata(reply: MetadataReply): void {
    this.metadataPending = false;
    this.leaders = reply.leaders.map((name) => (name === null ? -1 : this.ctx.lookup(name)));
    let missing = false;
    for (const o of this.owned) {
      if (this.leaders[o.partition] === undefined || this.leaders[o.partition] < 0) missing = true;
      else this.fetch(o);
    }
    if (missing) this.ctx.setTimer(RETRY_BACKOFF_US, RETRY, 'metadata');
  }

  private fetch(o: Owned): void {
    if (this.phase !== 'running' || o.fetching || o.batch !== null || o.committing) return;
    const leader = this.leaders[o.partition];
    if (leader === undefined || leader < 0) {
      this.refreshMetadata();
      return;
    }
    o.fetching = true;
    const id = this.track('fetch', this.options.fetchWaitUs + this.options.requestTimeoutUs, o, null);
    this.send(leader, {
      kind: 'fetch',
      id,
      partition: o.partition,
      offset: o.position,
      maxMessages: this.options.batch,
      waitUs: o.position === LOG_END ? 0 : this.options.fetchWaitUs,
    } satisfies FetchRequest);
  }

  private onFetched(pending: Pending, reply: FetchReply): void {
    const o = pending.owned!;
    o.fetching = false;
    if (pending.epoch !== this.epoch) return;
    if (reply.error === 'not-leader') {
      // Asked again after a pause: brokers learn of a new leader a little after it is elected.
      this.leaders[o.partition] = -1;
      this.ctx.setTimer(RETRY_BACKOFF_US, RETRY, 'metadata');
      return;
    }
    if (reply.error === 'offset-out-of-range') {
      o.position = reply.resetTo ?? 0;
      this.fetch(o);
      return;
    }
    if (this.phase !== 'running') {
      this.afterDrainStep();
      return;
    }
    const now = this.ctx.nowUs;
    let records = reply.records;
    // A record below the position was fetched before (a reply that crossed a reset): skip it.
    if (records.length > 0 && records[0].offset < o.position) records = records.filter((r) => r.offset >= o.position);
    // Kafka's records-lag-max: how far behind the partition's high watermark this fetch leaves the member.
    const lastOffset = records.length === 0 ? o.position - 1 : records[records.length - 1].offset;
    this.options.metrics?.noteWindowMax('recordsLagMax', Math.max(0, reply.highWatermark - lastOffset - 1), now);
    if (records.length === 0) {
      this.fetch(o);
      return;
    }
    for (const r of records) this.options.stream.delivered(r.message, o.partition, r.offset, now);
    this.delivered += records.length;
    this.options.metrics?.queueChanged(this.options.nodeIndex, records.length, now);
    for (let i = 0; i < records.length; i++) this.options.metrics?.recordArrival(true, now);
    const batch: Batch = { owned: o, records, fetchedUs: now, started: 0, done: 0, effects: [] };
    o.batch = batch;
    o.position = records[records.length - 1].offset + 1;
    if (this.options.commit === 'before-processing') this.commit(o, o.position, batch);
    else this.schedule(batch);
  }

  // Processing.

  private schedule(batch: Batch): void {
    this.runnable.push(batch);
    this.dispatch();
  }

  private dispatch(): void {
    const now = this.ctx.nowUs;
    while (this.busy < this.options.workers && this.runnable.length > 0) {
      const batch = this.runnable[0];
      const record = batch.records[batch.started++];
      if (batch.started === batch.records.length) this.runnable.shift();
      this.busy++;
      this.options.metrics?.queueChanged(this.options.nodeIndex, -1, now);
      this.options.metrics?.busyChanged(this.options.nodeIndex, 1, now);
      // A poison record fails every attempt; the worker tries it maxAttempts times in a row.
      let durationUs = this.options.processing.sample(this.processingTimes);
      if (this.isPoison(record.key))
        for (let attempt = 1; attempt < this.options.maxAttempts; attempt++)
          durationUs += this.options.processing.sample(this.processingTimes);
      this.ctx.setTimer(durationUs, PROCESSED, batch);
    }
  }

  /**
   * A worker finished one of the batch's records. With several workers they
   * finish in any order; the k-th to finish is taken as the k-th record, which
   * changes no count (how many were applied before a crash) and allocates
   * nothing per record.
   */
  private finishRecord(batch: Batch): void {
    const now = this.ctx.nowUs;
    const record = batch.records[batch.done++];
    this.busy--;
    this.options.metrics?.busyChanged(this.options.nodeIndex, -1, now);
    this.options.metrics?.recordServed(batch.fetchedUs, now);
    this.processed++;
    if (this.isPoison(record.key)) {
      // Given up on: sent to a dead-letter topic (Spring Kafka's DeadLetterPublishingRecoverer) and skipped.
      this.options.stream.deadLettered(record.message, now);
      this.options.metrics?.countDetail('deadLettered', now);
    } else if (this.options.commit === 'transactional')
      batch.effects.push({ partition: batch.owned.partition, offset: record.offset, message: record.message });
    else this.apply(record.message, now);
    if (batch.done === batch.records.length) this.finishBatch(batch);
    this.dispatch();
  }

  /** Whether processing a record of `key` always fails: the same keys for every consumer of the run. */
  private isPoison(key: number): boolean {
    return inHashedShare(key, 0x5eed, this.options.poison);
  }

  /** Applies a message's effect, once per group when the consumer is idempotent. */
  private apply(message: number, nowUs: number): void {
    const dedup = this.options.dedup;
    if (dedup !== null && !dedup.firstTime(message)) return;
    this.options.stream.processed(message, nowUs);
  }

  private finishBatch(batch: Batch): void {
    const o = batch.owned;
    const end = batch.records[batch.records.length - 1].offset + 1;
    if (this.options.commit === 'after-processing' || this.options.commit === 'transactional')
      this.commit(o, end, batch);
    else {
      o.batch = null;
      this.next(o);
    }
  }

  /** A batch dropped unprocessed (its partition was taken away before it could start). */
  private abandon(batch: Batch): void {
    const i = this.runnable.indexOf(batch);
    if (i >= 0) {
      const left = batch.records.length - batch.started;
      this.runnable.splice(i, 1);
      this.options.metrics?.queueChanged(this.options.nodeIndex, -left, this.ctx.nowUs);
    }
  }

  private next(o: Owned): void {
    if (this.phase === 'running') this.fetch(o);
    else this.afterDrainStep();
  }

  // Committing.

  private commit(o: Owned, offset: number, batch: Batch): void {
    o.committing = true;
    const id = this.track('commit', this.options.requestTimeoutUs, o, batch);
    const transactional = this.options.commit === 'transactional';
    this.send(this.coordinator, {
      kind: 'commit',
      id,
      group: this.options.group,
      member: this.ctx.name,
      generation: this.generation,
      offsets: [{ partition: o.partition, offset }],
      effects: transactional ? batch.effects : undefined,
    } satisfies CommitRequest);
  }

  /** Auto-commit: every owned partition's position (what was fetched), where it moved; false when there was nothing to commit. */
  private commitPositions(): boolean {
    const offsets: { partition: number; offset: number }[] = [];
    for (const o of this.owned)
      if (o.position !== LOG_END && o.position > o.committed)
        offsets.push({ partition: o.partition, offset: o.position });
    if (offsets.length === 0) return false;
    for (const o of this.owned) o.committing = o.committing || (o.position !== LOG_END && o.position > o.committed);
    const id = this.track('commit', this.options.requestTimeoutUs, null, null);
    this.send(this.coordinator, {
      kind: 'commit',
      id,
      group: this.options.group,
      member: this.ctx.name,
      generation: this.generation,
      offsets,
    } satisfies CommitRequest);
    this.autoCommitted = offsets;
    return true;
  }

  private onCommitted(pending: Pending, reply: CommitReply | null): void {
    if (pending.epoch !== this.epoch) return;
    const ok = reply !== null && reply.error === undefined;
    if (!ok) {
      this.commitsFailed++;
      this.options.metrics?.countDetail('commitsFailed', this.ctx.nowUs);
    }
    const batch = pending.batch;
    if (batch === null) {
      // An auto-commit of positions.
      for (const o of this.owned) {
        o.committing = false;
        if (ok) for (const c of this.autoCommitted) if (c.partition === o.partition) o.committed = c.offset;
      }
      this.afterCommitFailure(reply);
      for (const o of this.owned) this.next(o);
      return;
    }
    const o = batch.owned;
    o.committing = false;
    if (this.options.commit === 'before-processing') {
      if (ok) {
        o.committed = o.position;
        this.schedule(batch);
      } else {
        // Not committed, not processed: whoever owns the partition next reads it from the committed offset.
        o.batch = null;
        this.afterCommitFailure(reply);
        this.next(o);
      }
      return;
    }
    o.batch = null;
    if (ok) o.committed = batch.records[batch.records.length - 1].offset + 1;
    else if (this.options.commit === 'transactional') {
      // Nothing of it was applied: read it again (a commit that did apply makes the coordinator skip the repeats).
      o.position = batch.records[0].offset;
    }
    this.afterCommitFailure(reply);
    this.next(o);
  }

  private afterCommitFailure(reply: CommitReply | null): void {
    if (reply === null || reply.error === 'not-coordinator') this.rejoin(true);
    else if (reply.error !== undefined) this.rejoin(false);
  }

  // Requests.

  private track(kind: Pending['kind'], timeoutUs: number, owned: Owned | null, batch: Batch | null): number {
    // Ids run on across crashes, so a reply to the previous incarnation's request never matches a new one.
    const id = (this.ctx.durable.nextRequestId = (this.ctx.durable.nextRequestId ?? 0) + 1);
    const pending: Pending = { id, kind, epoch: this.epoch, owned, batch };
    this.pending.set(id, pending);
    this.ctx.setTimer(timeoutUs, REQUEST_TIMEOUT, pending);
    return id;
  }

  private timedOut(pending: Pending): void {
    if (this.pending.get(pending.id) !== pending) return;
    this.pending.delete(pending.id);
    switch (pending.kind) {
      case 'find':
        if (this.phase === 'finding') this.findCoordinator();
        break;
      case 'metadata':
        this.metadataPending = false;
        this.refreshMetadata();
        break;
      case 'join':
      case 'offsets':
        if (pending.epoch === this.epoch) this.findCoordinator();
        break;
      case 'fetch':
        pending.owned!.fetching = false;
        if (pending.epoch !== this.epoch) break;
        this.leaders[pending.owned!.partition] = -1;
        this.refreshMetadata();
        if (this.phase === 'draining') this.afterDrainStep();
        break;
      case 'commit':
        this.onCommitted(pending, null);
        break;
      case 'heartbeat':
        break;
    }
  }

  private send<M extends { readonly kind: string }>(to: NodeId, message: M): void {
    this.ctx.send(to, message, REQUEST_BYTES);
  }

  private nextBroker(): NodeId {
    const brokers = this.options.brokers;
    this.brokerCursor = (this.brokerCursor + 1) % brokers.length;
    return this.ctx.lookup(brokers[this.brokerCursor]);
  }
}

const logConsumerParams = z.strictObject({
  target: z.string().describe('The `log` component to read.'),
  group: z
    .string()
    .optional()
    .describe("The consumer group (group.id): the delivery log's stream; the workload's name when absent."),
  workers: positiveInt.default(1).describe('Records processed at once per consumer node.'),
  batch: positiveInt.default(100).describe('Most records per fetch (max.poll.records), processed before the next.'),
  processing: durationDistribution
    .default({ type: 'constant', value: 1000 })
    .describe("One record's processing time (its effect applies at the end)."),
  heartbeatInterval: positiveDurationUs
    .default(3_000_000)
    .describe('How often a member heartbeats to the coordinator (heartbeat.interval.ms; Kafka: 3s).'),
  sessionTimeout: positiveDurationUs
    .default(45_000_000)
    .describe(
      "A member silent this long is removed and the group rebalances (session.timeout.ms; Kafka: 45s), on the coordinator's clock.",
    ),
  rebalanceTimeout: positiveDurationUs
    .default(30_000_000)
    .describe('How long a rebalance waits for members to finish their batches and rejoin (max.poll.interval.ms).'),
  commit: z
    .enum(COMMIT_MODES)
    .default('auto')
    .describe(
      'auto: every autoCommitInterval, the position after what was fetched (processed or not); before-processing: at-most-once; after-processing: at-least-once; transactional: effects and offsets committed in one step, effectively-once.',
    ),
  autoCommitInterval: positiveDurationUs
    .default(5_000_000)
    .describe('With commit: auto, how often positions are committed (auto.commit.interval.ms; Kafka: 5s).'),
  idempotent: z
    .boolean()
    .default(false)
    .describe(
      "Apply each message's effect once per group: a deduplication store shared by the group's members, surviving their crashes.",
    ),
  autoOffsetReset: z
    .enum(['earliest', 'latest'])
    .default('earliest')
    .describe(
      'Where a partition without a committed offset is read from: its beginning, or its end (Kafka defaults to latest, which skips what was produced before the group first joined).',
    ),
  assignor: z
    .enum(ASSIGNORS)
    .default('range')
    .describe('How partitions are shared out among members (partition.assignment.strategy).'),
  fetchWait: durationUs
    .default(500_000)
    .describe('How long a fetch waits at the leader for records when there are none (fetch.max.wait.ms).'),
  requestTimeout: positiveDurationUs
    .default(1_000_000)
    .describe('A request unanswered this long is given up (its broker looked for again); fetches wait fetchWait more.'),
  poison: fraction
    .default(0)
    .describe(
      'The share of keys whose processing always fails (poison messages): each is tried maxAttempts times, then dead-lettered and skipped.',
    ),
  maxAttempts: positiveInt
    .default(3)
    .describe('Attempts at a failing record, back to back on one worker, before it is dead-lettered (default 3).'),
  joinAt: durationUs.optional().describe('Join the group first at this time (a consumer added during a run).'),
  leaveAt: durationUs
    .optional()
    .describe('Finish the batches in hand, commit and leave the group at this time (a clean shutdown).'),
});

export const logConsumerModel: ModelDefinition<typeof logConsumerParams> = {
  type: 'log-consumer',
  role: 'workload',
  description:
    'Kafka-style consumers in a group: join, are assigned partitions, fetch from leaders, process and commit (auto, before or after processing, or transactionally); rebalance when members join, leave or stop heartbeating.',
  params: logConsumerParams,
  references: (params) => [{ path: ['target'], component: params.target, type: 'log' }],
  check(params) {
    const problems: { path: (string | number)[]; message: string }[] = [];
    if (params.heartbeatInterval >= params.sessionTimeout)
      problems.push({
        path: ['heartbeatInterval'],
        message: 'must be shorter than sessionTimeout (Kafka advises a third of it), or every member is removed',
      });
    if (params.leaveAt !== undefined && params.joinAt !== undefined && params.leaveAt <= params.joinAt)
      problems.push({ path: ['leaveAt'], message: 'must be after joinAt' });
    return problems;
  },
  instantiate(params, ctx) {
    const group = params.group ?? ctx.name;
    const stream = ctx.deliveries.topic(params.target).stream(group, 'partition');
    const dedup = params.idempotent ? new DedupStore() : null;
    const metrics = ctx.componentMetrics(params.workers);
    const processing = distribution(params.processing);
    return (nodeIndex) => (nodeCtx) =>
      new LogConsumer(nodeCtx, {
        topic: params.target,
        brokers: ctx.nodesOf(params.target),
        group,
        workers: params.workers,
        batch: params.batch,
        processing,
        heartbeatIntervalUs: params.heartbeatInterval,
        sessionTimeoutUs: params.sessionTimeout,
        rebalanceTimeoutUs: params.rebalanceTimeout,
        commit: params.commit,
        autoCommitIntervalUs: params.autoCommitInterval,
        autoOffsetReset: params.autoOffsetReset,
        assignor: params.assignor,
        fetchWaitUs: params.fetchWait,
        requestTimeoutUs: params.requestTimeout,
        poison: params.poison,
        maxAttempts: params.maxAttempts,
        joinAtUs: params.joinAt,
        leaveAtUs: params.leaveAt,
        stream,
        dedup,
        metrics,
        nodeIndex,
      });
  },
};
