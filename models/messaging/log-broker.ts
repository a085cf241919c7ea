/**
 * A Kafka-style replicated log: the component's nodes are brokers hosting one
 * topic of `partitions` partitions, each replicated on `replicationFactor`
 * brokers (partition p on brokers p, p+1, … mod N, the first its preferred
 * leader). Producers send each record to its partition's leader; followers
 * pull from the leader (Kafka's replica fetch, long-polled), and a fetch tells
 * the leader how much the follower holds. The in-sync replicas (ISR) are those
 * that caught up with the leader's log end within `replicaLagTime`; the high
 * watermark is the least log end among them, and consumers read up to it.
 * acks=1 is answered on append, acks=all once the high watermark passes the
 * record, and refused when fewer than `minInsyncReplicas` are in sync. Leaders
 * change the ISR through the controller (log-controller.ts), which also fences
 * silent brokers and elects leaders; a follower of a new leader truncates the
 * suffix of its log that diverged (found through leader epochs). Idempotent
 * producers' sequences are kept per partition with the records, so a new
 * leader has them. Consumer groups are coordinated by the leader of the
 * partition their name hashes to (group-coordinator.ts), and their commits are
 * replicated in that partition's offset log.
 *
 * Disks are durable and synchronous: a crashed broker restarts with every
 * record it appended (Kafka flushes asynchronously and recovers from its
 * replicas instead). Processing takes no time; the network carries the cost.
 */
import { z } from 'zod';
import type { NodeContext, NodeId, TimerHandle } from '../../engine/index.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { durationUs, positiveDurationUs, positiveInt } from '../kit/units.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { DeliveryLog, TopicRecord } from '../measure/delivery-log.js';
import { Deque } from '../parts/deque.js';
import type { MetadataReply, MetadataRequest, ProduceError, ProduceReply, ProduceRequest } from './broker-messages.js';
import {
  COORDINATOR_TIMER_TAGS_FROM,
  GroupCoordinator,
  isGroupMessage,
  type CoordinatorHost,
} from './group-coordinator.js';
import type {
  AlterPartition,
  AlterPartitionReply,
  BrokerHeartbeat,
  ClusterMetadata,
  MetadataUpdate,
  ReplicaFetch,
  ReplicaFetchReply,
} from './log-cluster-messages.js';
import { LogClusterView, type BrokerDisk } from './log-cluster-view.js';
import { initialMetadata, LogController } from './log-controller.js';
import type { FetchReply, FetchRequest, LogRecord } from './log-messages.js';
import { PartitionReplica, type OffsetCommit } from './log-partition.js';

const TAG_HEARTBEAT = 1;
const TAG_CONTROLLER_TICK = 2;
const TAG_ISR_CHECK = 3;
const TAG_RETENTION = 4;
const TAG_FETCH_TIMEOUT = 5;
const TAG_HELD_REPLICA_FETCH = 6;
const TAG_HELD_CONSUMER_FETCH = 7;
const TAG_FETCH_BACKOFF = 8;

/** A follower told its leader is fenced or behind waits this long before fetching again (Kafka's replica.fetch.backoff.ms is 1 s). */
const FETCH_BACKOFF_US = 100_000;
const REQUEST_OVERHEAD_BYTES = 64;

/**
 * Partition p's replicas: the data brokers p, p+1, … mod their count (every
 * broker but a dedicated controller's); the first is its preferred leader.
 */
export function replicaPlacement(
  partitions: number,
  replicationFactor: number,
  brokers: number,
  dedicatedController: number,
): number[][] {
  const data = Array.from({ length: brokers }, (_, b) => b).filter((b) => b !== dedicatedController);
  return Array.from({ length: partitions }, (_, p) =>
    Array.from({ length: replicationFactor }, (_, k) => data[(p + k) % data.length]),
  );
}

/** The partition whose leader coordinates `group` (FNV-1a of its name, mod partitions), as Kafka hashes a group onto __consumer_offsets. */
export function groupPartition(group: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < group.length; i++) h = Math.imul(h ^ group.charCodeAt(i), 0x01000193) >>> 0;
  return h % partitions;
}

/** A consumer's fetch held until records pass the high watermark or its wait ends. */
interface HeldFetch {
  readonly from: NodeId;
  readonly request: FetchRequest;
  timer: TimerHandle | null;
}

/** What a partition's leader tracks (volatile: a restarted leader starts again from its disk). */
class Leadership {
  /** The in-sync set the controller last published, and a change asked of it and not yet answered. */
  isr: readonly number[];
  pendingIsr: readonly number[] | null = null;
  /** The partition epoch the pending change was asked against: metadata past it settles the change. */
  pendingBasis = -1;
  /** The id of the last change asked: only its refusal drops the pending change. */
  pendingId = -1;
  /** Per broker: its log end as its last fetch said (-1 unknown), when it was last caught up, and what it fetched then. */
  readonly followerEnd: Float64Array;
  readonly caughtUpLocalUs: Float64Array;
  readonly lastFetchLeaderEnd: Float64Array;
  readonly lastFetchLocalUs: Float64Array;
  readonly followerCommitsFrom: Float64Array;
  readonly heldReplicaFetch: (ReplicaFetch | null)[];
  readonly heldReplicaTimer: (TimerHandle | null)[];
  /** acks=all produces waiting for the high watermark, in offset order. */
  readonly waiting = new Deque<ProduceRequest>();
  readonly waitingFrom = new Deque<NodeId>();
  /** The offset the high watermark must pass, and the offset to reply with (-1 for an older repeat). */
  readonly waitingOffset = new Deque<number>();
  readonly waitingReplyOffset = new Deque<number>();
  readonly waitingArrivedUs = new Deque<number>();
  readonly heldFetches: HeldFetch[] = [];
  /** Group commits waiting for every in-sync replica to hold them: offset-log index and callback. */
  readonly commitWaits: { index: number; done: (ok: boolean) => void }[] = [];

  constructor(
    readonly epoch: number,
    isr: readonly number[],
    brokers: number,
    nowLocalUs: number,
  ) {
    this.isr = isr;
    this.followerEnd = new Float64Array(brokers).fill(-1);
    this.caughtUpLocalUs = new Float64Array(brokers).fill(nowLocalUs);
    this.lastFetchLeaderEnd = new Float64Array(brokers);
    this.lastFetchLocalUs = new Float64Array(brokers);
    this.followerCommitsFrom = new Float64Array(brokers);
    this.heldReplicaFetch = new Array<ReplicaFetch | null>(brokers).fill(null);
    this.heldReplicaTimer = new Array<TimerHandle | null>(brokers).fill(null);
  }
}

/** A follower's fetch loop toward its leader. */
class Following {
  inFlight = -1;
  timer: TimerHandle | null = null;
  /** The offset log is taken whole from a new leader on the first fetch. */
  resyncCommits = true;
  constructor(
    readonly leader: number,
    readonly epoch: number,
  ) {}
}

export interface LogShared {
  readonly topicName: string;
  readonly brokerNames: readonly string[];
  readonly replicas: readonly (readonly number[])[];
  readonly topic: TopicRecord;
  readonly deliveries: DeliveryLog;
  readonly view: LogClusterView;
  readonly metrics: ComponentMetrics | null;
}

export class LogBroker implements InspectableProcess<unknown> {
  private readonly disk: BrokerDisk;
  private readonly replicas: (PartitionReplica | null)[];
  private metadata: ClusterMetadata;
  private readonly leaderships: (Leadership | null)[];
  private readonly followings: (Following | null)[];
  private readonly controller: LogController | null;
  private readonly coordinator: GroupCoordinator;
  private readonly groupsSeen = new Set<string>();
  private brokerIds: NodeId[] = [];
  private readonly brokerCount: number;

  constructor(
    private readonly ctx: NodeContext<BrokerDisk>,
    private readonly settings: LogSettings,
    private readonly shared: LogShared,
    private readonly self: number,
  ) {
    this.disk = ctx.durable;
    this.brokerCount = shared.brokerNames.length;
    const partitions = shared.replicas.length;
    this.replicas = this.disk.replicas ??= shared.replicas.map((r, p) =>
      r.includes(self) ? new PartitionReplica(p, partitions) : null,
    );
    this.metadata = this.disk.metadata ??= initialMetadata(shared.replicas);
    shared.view.disks[self] = this.disk;
    this.leaderships = new Array<Leadership | null>(partitions).fill(null);
    this.followings = new Array<Following | null>(partitions).fill(null);
    this.controller =
      self === settings.controllerBroker - 1
        ? new LogController(
            {
              localTimeUs: () => ctx.localTimeUs(),
              nowUs: () => ctx.nowUs,
              sendTo: (b, m, size) => ctx.send(this.brokerIds[b], m, size),
              disk: this.disk,
              metrics: shared.metrics,
            },
            {
              sessionTimeoutUs: settings.sessionTimeout,
              uncleanLeaderElection: settings.uncleanLeaderElection,
            },
            shared.replicas,
            this.brokerCount,
            self,
          )
        : null;
    this.coordinator = new GroupCoordinator(ctx as NodeContext, this.coordinatorHost());
  }

  onStart(): void {
    this.brokerIds = this.shared.brokerNames.map((name) => this.ctx.lookup(name));
    this.takeRoles();
    this.heartbeat();
    if (this.controller !== null) {
      this.controller.start();
      this.ctx.setTimer(this.controllerTickUs(), TAG_CONTROLLER_TICK);
    }
    this.ctx.setTimer(this.settings.replicaLagTime / 2, TAG_ISR_CHECK);
    if (this.settings.retention !== undefined) this.ctx.setTimer(this.retentionCheckUs(), TAG_RETENTION);
  }

  inspect(): InspectedState {
    let leading = 0;
    let following = 0;
    let records = 0;
    let behindHighWatermark = 0;
    for (let p = 0; p < this.replicas.length; p++) {
      const replica = this.replicas[p];
      if (replica === null) continue;
      if (this.leaderships[p] !== null) leading++;
      if (this.followings[p] !== null) following++;
      records += replica.endOffset - replica.startOffset;
      behindHighWatermark += replica.endOffset - replica.highWatermark;
    }
    return {
      metadataVersion: this.metadata.version,
      partitionsLed: leading,
      partitionsFollowed: following,
      recordsHeld: records,
      recordsAboveHighWatermark: behindHighWatermark,
      controller: this.controller !== null,
      fencedBrokers: this.controller?.fencedBrokers() ?? null,
      offlinePartitions: this.controller?.offlinePartitions() ?? null,
      coordinator: this.coordinator.inspect(),
    };
  }

  onMessage(from: NodeId, message: { readonly kind: string }): void {
    switch (message.kind) {
      case 'produce':
        return this.onProduce(from, message as ProduceRequest);
      case 'fetch':
        return this.onFetch(from, message as FetchRequest);
      case 'metadata':
        return this.onMetadataRequest(from, message as MetadataRequest);
      case 'log-replica-fetch':
        return this.onReplicaFetch(from, message as ReplicaFetch);
      case 'log-replica-fetch-reply':
        return this.onReplicaFetchReply(message as ReplicaFetchReply);
      case 'log-metadata':
        return this.applyMetadata((message as MetadataUpdate).metadata);
      case 'log-heartbeat':
        this.controller?.onHeartbeat(message as BrokerHeartbeat);
        return;
      case 'log-alter-partition':
        this.controller?.onAlterPartition(message as AlterPartition);
        return;
      case 'log-alter-partition-reply':
        return this.onAlterPartitionReply(message as AlterPartitionReply);
    }
    if (isGroupMessage(message)) {
      const group = message.group;
      if (!this.groupsSeen.has(group)) {
        this.groupsSeen.add(group);
        this.shared.topic.stream(group, 'partition').pendingAtEnd = this.shared.view.pendingFor(group);
      }
      this.coordinator.onMessage(from, message);
    }
  }

  onTimer(tag: number, data: unknown): void {
    if (tag >= COORDINATOR_TIMER_TAGS_FROM) return this.coordinator.onTimer(tag, data);
    switch (tag) {
      case TAG_HEARTBEAT:
        return this.heartbeat();
      case TAG_CONTROLLER_TICK:
        this.controller!.tick();
        this.ctx.setTimer(this.controllerTickUs(), TAG_CONTROLLER_TICK);
        return;
      case TAG_ISR_CHECK:
        this.checkIsr();
        this.ctx.setTimer(this.settings.replicaLagTime / 2, TAG_ISR_CHECK);
        return;
      case TAG_RETENTION:
        this.expire();
        this.ctx.setTimer(this.retentionCheckUs(), TAG_RETENTION);
        return;
      case TAG_FETCH_TIMEOUT:
      case TAG_FETCH_BACKOFF: {
        const f = this.followings[data as number];
        if (f !== null) {
          f.timer = null;
          this.sendReplicaFetch(data as number);
        }
        return;
      }
      case TAG_HELD_REPLICA_FETCH: {
        const p = Math.floor((data as number) / this.brokerCount);
        const b = (data as number) % this.brokerCount;
        const l = this.leaderships[p];
        if (l === null) return;
        l.heldReplicaTimer[b] = null;
        const held = l.heldReplicaFetch[b];
        if (held !== null) {
          l.heldReplicaFetch[b] = null;
          this.answerReplicaFetch(p, l, held);
        }
        return;
      }
      case TAG_HELD_CONSUMER_FETCH: {
        const held = data as HeldFetch;
        held.timer = null;
        const l = this.leaderships[held.request.partition];
        if (l === null) return;
        const i = l.heldFetches.indexOf(held);
        if (i >= 0) {
          l.heldFetches.splice(i, 1);
          this.answerFetch(held.from, held.request);
        }
        return;
      }
    }
  }

  // ---- metadata and the controller ----

  private heartbeat(): void {
    const heartbeat: BrokerHeartbeat = {
      kind: 'log-heartbeat',
      broker: this.self,
      metadataVersion: this.metadata.version,
    };
    this.ctx.send(this.brokerIds[this.settings.controllerBroker - 1], heartbeat, 32);
    this.ctx.setTimer(this.settings.heartbeatInterval, TAG_HEARTBEAT);
  }

  private controllerTickUs(): number {
    return Math.max(1, Math.min(this.settings.heartbeatInterval, this.settings.sessionTimeout / 4));
  }

  private onMetadataRequest(from: NodeId, request: MetadataRequest): void {
    const leaders = this.metadata.leaders.map((b) => (b < 0 ? null : this.shared.brokerNames[b]));
    this.ctx.send(
      from,
      { kind: 'metadata-reply', id: request.id, leaders } satisfies MetadataReply,
      REQUEST_OVERHEAD_BYTES + 16 * leaders.length,
    );
  }

  /** Takes a newer version of the controller's decisions. */
  private applyMetadata(metadata: ClusterMetadata): void {
    if (metadata.version <= this.metadata.version) return;
    this.metadata = this.disk.metadata = metadata;
    this.takeRoles();
  }

  /** Leads, follows or steps down where the metadata says so (at start, every role is new). */
  private takeRoles(): void {
    const metadata = this.metadata;
    for (let p = 0; p < this.replicas.length; p++) {
      if (this.replicas[p] === null) continue;
      const leader = metadata.leaders[p];
      const epoch = metadata.leaderEpochs[p];
      const led = this.leaderships[p];
      if (leader === this.self) {
        if (led !== null && led.epoch === epoch) {
          led.isr = metadata.isr[p];
          if (led.pendingIsr !== null && metadata.partitionEpochs[p] > led.pendingBasis) led.pendingIsr = null;
          this.advanceHighWatermark(p, led);
          continue;
        }
        if (led !== null) this.stepDown(p, led);
        this.stopFollowing(p);
        this.lead(p, epoch, metadata.isr[p]);
      } else {
        if (led !== null) this.stepDown(p, led);
        const f = this.followings[p];
        if (leader < 0) this.stopFollowing(p);
        else if (f === null || f.leader !== leader || f.epoch !== epoch) {
          this.stopFollowing(p);
          this.followings[p] = new Following(leader, epoch);
          this.sendReplicaFetch(p);
        }
      }
    }
  }

  /**
   * A refused change is dropped at once; an accepted one stays pending until
   * the metadata carrying it arrives (the reply may overtake it), so a member
   * being added counts for the high watermark until the leader sees it in the
   * published set.
   */
  private onAlterPartitionReply(reply: AlterPartitionReply): void {
    const l = this.leaderships[reply.partition];
    if (l !== null && !reply.accepted && reply.id === l.pendingId) l.pendingIsr = null;
  }

  // ---- leading ----

  private lead(p: number, epoch: number, isr: readonly number[]): void {
    this.replicas[p]!.beginEpoch(epoch);
    this.leaderships[p] = new Leadership(epoch, isr, this.brokerCount, this.ctx.localTimeUs());
  }

  /** No longer the leader: whatever waits on this leadership is answered not-leader. */
  private stepDown(p: number, l: Leadership): void {
    this.leaderships[p] = null;
    const hint = this.leaderName(p);
    while (l.waiting.length > 0) {
      const request = l.waiting.shift();
      const from = l.waitingFrom.shift();
      l.waitingOffset.shift();
      l.waitingReplyOffset.shift();
      const arrivedUs = l.waitingArrivedUs.shift();
      this.replyProduce(from, request, 'not-leader', -1, arrivedUs, hint);
    }
    for (const held of l.heldFetches) {
      if (held.timer !== null) this.ctx.cancelTimer(held.timer);
      this.replyFetchError(held.from, held.request, 'not-leader');
    }
    for (let b = 0; b < this.brokerCount; b++) {
      const timer = l.heldReplicaTimer[b];
      if (timer !== null) this.ctx.cancelTimer(timer);
      const held = l.heldReplicaFetch[b];
      if (held !== null) this.replyFenced(p, held);
    }
    for (const wait of l.commitWaits) wait.done(false);
  }

  /** Ids run on across leaderships and crashes (on the disk), so a late reply to an earlier request never matches. */
  private nextRequestId(): number {
    return (this.disk.requestIds = (this.disk.requestIds ?? 0) + 1);
  }

  private leaderName(p: number): string | undefined {
    const b = this.metadata.leaders[p];
    return b === undefined || b < 0 ? undefined : this.shared.brokerNames[b];
  }

  private onProduce(from: NodeId, request: ProduceRequest): void {
    const now = this.ctx.nowUs;
    const metrics = this.shared.metrics;
    metrics?.recordArrival(false, now);
    const p = request.partition;
    const l = p >= 0 && p < this.leaderships.length ? this.leaderships[p] : null;
    if (l === null) {
      metrics?.countDetail('notLeaderReplies', now);
      return this.replyProduce(from, request, 'not-leader', -1, now, this.leaderName(p));
    }
    const replica = this.replicas[p]!;
    if (request.acks === -1 && l.isr.length < this.settings.minInsyncReplicas) {
      metrics?.countDetail('notEnoughReplicas', now);
      return this.replyProduce(from, request, 'not-enough-replicas', -1, now);
    }
    if (request.producerId >= 0) {
      const last = replica.producerSequence(request.producerId);
      if (request.sequence <= last) {
        // A repeat: acknowledged without appending, once the copy it repeats is as safe as `acks` asks.
        metrics?.countDetail('duplicateProducesDropped', now);
        const offset = replica.producerSequenceOffset(request.producerId);
        return this.acknowledge(from, request, l, request.sequence === last ? offset : -1, offset, now);
      }
      if (request.sequence > last + 1) {
        metrics?.countDetail('outOfOrderSequences', now);
        return this.replyProduce(from, request, 'out-of-order-sequence', -1, now);
      }
    }
    const offset = replica.append(
      request.message,
      request.key,
      request.sizeBytes,
      l.epoch,
      request.producerId,
      request.sequence,
      this.ctx.localTimeUs(),
    );
    this.shared.topic.stored(request.message, now);
    this.shared.view.hold(request.message);
    this.wakeReplicaFetches(p, l);
    this.acknowledge(from, request, l, offset, offset, now);
    this.advanceHighWatermark(p, l);
  }

  /** Answers as `acks` asks for a record at `offset`: at once (1), never (0), or once the high watermark passes `safeOffset` (all). */
  private acknowledge(
    from: NodeId,
    request: ProduceRequest,
    l: Leadership,
    offset: number,
    safeOffset: number,
    arrivedUs: number,
  ): void {
    if (request.acks === 0) return;
    const replica = this.replicas[request.partition]!;
    if (request.acks === 1 || safeOffset < replica.highWatermark) {
      this.replyProduce(from, request, undefined, offset, arrivedUs);
      return;
    }
    l.waiting.push(request);
    l.waitingFrom.push(from);
    l.waitingOffset.push(safeOffset);
    l.waitingReplyOffset.push(offset);
    l.waitingArrivedUs.push(arrivedUs);
  }

  private replyProduce(
    to: NodeId,
    request: ProduceRequest,
    error: ProduceError | undefined,
    offset: number,
    arrivedUs: number,
    leader?: string,
  ): void {
    if (request.acks === 0) return;
    const metrics = this.shared.metrics;
    if (error === undefined) metrics?.recordServed(arrivedUs, this.ctx.nowUs);
    else metrics?.recordRejected(this.ctx.nowUs);
    const reply: ProduceReply =
      error === undefined
        ? { kind: 'produce-reply', id: request.id, message: request.message, offset }
        : leader === undefined
          ? { kind: 'produce-reply', id: request.id, message: request.message, offset, error }
          : { kind: 'produce-reply', id: request.id, message: request.message, offset, error, leader };
    this.ctx.send(to, reply, REQUEST_OVERHEAD_BYTES);
  }

  /** The in-sync set the high watermark waits for: the published one, plus any member a pending expansion adds (Kafka's maximal ISR). */
  private advanceHighWatermark(p: number, l: Leadership): void {
    const replica = this.replicas[p]!;
    let hw = replica.endOffset;
    for (const b of l.isr) if (b !== this.self) hw = Math.min(hw, l.followerEnd[b]);
    if (l.pendingIsr !== null) for (const b of l.pendingIsr) if (b !== this.self) hw = Math.min(hw, l.followerEnd[b]);
    if (hw > replica.highWatermark) {
      replica.highWatermark = hw;
      this.completeWaiting(l, hw);
      if (l.heldFetches.length > 0) this.wakeFetches(l);
    }
    this.completeCommits(p, l);
  }

  private completeWaiting(l: Leadership, hw: number): void {
    const tooFew = l.isr.length < this.settings.minInsyncReplicas;
    while (l.waiting.length > 0 && l.waitingOffset.front() < hw) {
      const request = l.waiting.shift();
      const from = l.waitingFrom.shift();
      l.waitingOffset.shift();
      const offset = l.waitingReplyOffset.shift();
      const arrivedUs = l.waitingArrivedUs.shift();
      if (tooFew) {
        // Kafka's NOT_ENOUGH_REPLICAS_AFTER_APPEND: stored, but not on as many replicas as asked; a retry stores it again.
        this.shared.metrics?.countDetail('notEnoughReplicas', this.ctx.nowUs);
        this.replyProduce(from, request, 'not-enough-replicas', -1, arrivedUs);
      } else this.replyProduce(from, request, undefined, offset, arrivedUs);
    }
  }

  /** Every so often: propose dropping the followers that have not caught up within replicaLagTime. */
  private checkIsr(): void {
    const now = this.ctx.localTimeUs();
    for (let p = 0; p < this.leaderships.length; p++) {
      const l = this.leaderships[p];
      if (l === null) continue;
      if (l.pendingIsr !== null) {
        this.proposeIsr(p, l, l.pendingIsr);
        continue;
      }
      const keep = l.isr.filter((b) => b === this.self || now - l.caughtUpLocalUs[b] <= this.settings.replicaLagTime);
      if (keep.length < l.isr.length) this.proposeIsr(p, l, keep);
    }
  }

  private proposeIsr(p: number, l: Leadership, isr: readonly number[]): void {
    l.pendingIsr = isr;
    l.pendingBasis = this.metadata.partitionEpochs[p];
    const request: AlterPartition = {
      kind: 'log-alter-partition',
      id: (l.pendingId = this.nextRequestId()),
      broker: this.self,
      partition: p,
      leaderEpoch: l.epoch,
      partitionEpoch: this.metadata.partitionEpochs[p],
      isr,
    };
    this.ctx.send(this.brokerIds[this.settings.controllerBroker - 1], request, 32 + 4 * isr.length);
  }

  private onReplicaFetch(from: NodeId, request: ReplicaFetch): void {
    const p = request.partition;
    const l = this.leaderships[p];
    if (l === null || l.epoch !== request.leaderEpoch) return this.replyFenced(p, request, from);
    const replica = this.replicas[p]!;
    const b = request.broker;
    // Does the follower's log agree with this one up to its fetch offset? (KIP-320's check through leader epochs.)
    let diverging: { epoch: number; endOffset: number } | null = null;
    if (request.lastFetchedEpoch >= 0) {
      const end = replica.endOfEpoch(request.lastFetchedEpoch);
      if (end.epoch < request.lastFetchedEpoch || end.endOffset < request.fetchOffset) diverging = end;
    } else if (request.fetchOffset > replica.endOffset) diverging = { epoch: -1, endOffset: replica.endOffset };
    if (diverging !== null) {
      this.sendReplicaReply(from, {
        kind: 'log-replica-fetch-reply',
        id: request.id,
        partition: p,
        leaderEpoch: l.epoch,
        diverging,
        logStartOffset: replica.startOffset,
        highWatermark: replica.highWatermark,
        records: null,
        commits: [],
      });
      return;
    }
    // What this fetch says about the follower: its log end, and whether it has caught up (Kafka's lastCaughtUpTimeMs).
    const now = this.ctx.localTimeUs();
    if (request.fetchOffset >= replica.endOffset) l.caughtUpLocalUs[b] = now;
    else if (request.fetchOffset >= l.lastFetchLeaderEnd[b])
      l.caughtUpLocalUs[b] = Math.max(l.caughtUpLocalUs[b], l.lastFetchLocalUs[b]);
    l.lastFetchLeaderEnd[b] = replica.endOffset;
    l.lastFetchLocalUs[b] = now;
    l.followerEnd[b] = request.fetchOffset;
    l.followerCommitsFrom[b] = request.commitsFrom;
    if (
      l.pendingIsr === null &&
      !l.isr.includes(b) &&
      request.fetchOffset >= replica.highWatermark &&
      request.fetchOffset >= replica.latestEpochStart()
    ) {
      this.proposeIsr(p, l, l.isr.concat(b));
    }
    this.advanceHighWatermark(p, l);
    const timer = l.heldReplicaTimer[b];
    if (timer !== null) {
      this.ctx.cancelTimer(timer);
      l.heldReplicaTimer[b] = null;
    }
    if (
      request.fetchOffset < replica.endOffset ||
      request.commitsFrom < replica.offsetLog.length ||
      request.fetchOffset < replica.startOffset
    )
      return this.answerReplicaFetch(p, l, request);
    l.heldReplicaFetch[b] = request;
    l.heldReplicaTimer[b] = this.ctx.setTimer(
      this.settings.replicaFetchWait,
      TAG_HELD_REPLICA_FETCH,
      p * this.brokerCount + b,
    );
  }

  private answerReplicaFetch(p: number, l: Leadership, request: ReplicaFetch): void {
    const replica = this.replicas[p]!;
    const from = Math.max(request.fetchOffset, replica.startOffset);
    const count = Math.max(0, Math.min(replica.endOffset - from, this.settings.replicaFetchMaxMessages));
    let bytes = REQUEST_OVERHEAD_BYTES;
    for (let o = from; o < from + count; o++) bytes += replica.size(o);
    const commits = request.commitsFrom < replica.offsetLog.length ? replica.offsetLog.slice(request.commitsFrom) : [];
    this.sendReplicaReply(
      this.brokerIds[request.broker],
      {
        kind: 'log-replica-fetch-reply',
        id: request.id,
        partition: p,
        leaderEpoch: l.epoch,
        logStartOffset: replica.startOffset,
        highWatermark: replica.highWatermark,
        records: count > 0 && request.fetchOffset >= replica.startOffset ? replica.batch(from, count) : null,
        commits,
      },
      bytes + 32 * commits.length,
    );
  }

  private wakeReplicaFetches(p: number, l: Leadership): void {
    for (let b = 0; b < this.brokerCount; b++) {
      const held = l.heldReplicaFetch[b];
      if (held === null) continue;
      l.heldReplicaFetch[b] = null;
      const timer = l.heldReplicaTimer[b];
      if (timer !== null) this.ctx.cancelTimer(timer);
      l.heldReplicaTimer[b] = null;
      this.answerReplicaFetch(p, l, held);
    }
  }

  private replyFenced(p: number, request: ReplicaFetch, to = this.brokerIds[request.broker]): void {
    this.sendReplicaReply(to, {
      kind: 'log-replica-fetch-reply',
      id: request.id,
      partition: p,
      leaderEpoch: this.metadata.leaderEpochs[p],
      error: 'fenced',
      logStartOffset: 0,
      highWatermark: 0,
      records: null,
      commits: [],
    });
  }

  private sendReplicaReply(to: NodeId, reply: ReplicaFetchReply, sizeBytes = REQUEST_OVERHEAD_BYTES): void {
    this.ctx.send(to, reply, sizeBytes);
  }

  // ---- following ----

  private stopFollowing(p: number): void {
    const f = this.followings[p];
    if (f === null) return;
    if (f.timer !== null) this.ctx.cancelTimer(f.timer);
    this.followings[p] = null;
  }

  private sendReplicaFetch(p: number): void {
    const f = this.followings[p]!;
    const replica = this.replicas[p]!;
    f.inFlight = this.nextRequestId();
    const request: ReplicaFetch = {
      kind: 'log-replica-fetch',
      id: f.inFlight,
      broker: this.self,
      partition: p,
      leaderEpoch: f.epoch,
      fetchOffset: replica.endOffset,
      lastFetchedEpoch: replica.lastEpoch(),
      commitsFrom: f.resyncCommits ? 0 : replica.offsetLog.length,
    };
    this.ctx.send(this.brokerIds[f.leader], request, REQUEST_OVERHEAD_BYTES);
    // A reply lost to a partition or a crash: ask again once the leader's hold and a round trip have surely passed.
    if (f.timer !== null) this.ctx.cancelTimer(f.timer);
    f.timer = this.ctx.setTimer(2 * this.settings.replicaFetchWait + FETCH_BACKOFF_US, TAG_FETCH_TIMEOUT, p);
  }

  private onReplicaFetchReply(reply: ReplicaFetchReply): void {
    const p = reply.partition;
    const f = this.followings[p];
    if (f === null || reply.id !== f.inFlight) return;
    f.inFlight = -1;
    if (f.timer !== null) this.ctx.cancelTimer(f.timer);
    f.timer = null;
    if (reply.error === 'fenced') {
      f.timer = this.ctx.setTimer(FETCH_BACKOFF_US, TAG_FETCH_BACKOFF, p);
      return;
    }
    const replica = this.replicas[p]!;
    if (reply.diverging !== undefined) {
      // Each round cuts the log strictly shorter, so this ends where the two logs agree.
      const target = Math.min(reply.diverging.endOffset, replica.endOfEpoch(reply.diverging.epoch).endOffset);
      if (target <= replica.startOffset) {
        this.truncate(replica, replica.startOffset);
        replica.resetTo(target, this.dropped);
      } else this.truncate(replica, target);
      return this.sendReplicaFetch(p);
    }
    if (replica.endOffset < reply.logStartOffset) {
      this.truncate(replica, replica.startOffset);
      replica.resetTo(reply.logStartOffset, this.dropped);
    }
    if (reply.records !== null) {
      replica.appendBatch(reply.records);
      for (let i = 0; i < reply.records.count; i++) this.shared.view.hold(reply.records.data[i]);
    }
    if (f.resyncCommits) {
      replica.resetCommits();
      f.resyncCommits = false;
    }
    for (const commit of reply.commits) replica.applyCommit(commit);
    replica.highWatermark = Math.max(replica.highWatermark, Math.min(reply.highWatermark, replica.endOffset));
    this.sendReplicaFetch(p);
  }

  private truncate(replica: PartitionReplica, offset: number): void {
    const removed = replica.truncateTo(offset, this.dropped);
    for (let i = 0; i < removed; i++) this.shared.metrics?.countDetail('truncatedRecords', this.ctx.nowUs);
  }

  private readonly dropped = (message: number, reason: 'truncated' | 'expired') =>
    this.shared.view.release(message, reason, this.ctx.nowUs);

  // ---- consumers ----

  private onFetch(from: NodeId, request: FetchRequest): void {
    const l = this.leaderships[request.partition] ?? null;
    if (l === null) return this.replyFetchError(from, request, 'not-leader');
    const replica = this.replicas[request.partition]!;
    if (request.offset < replica.startOffset)
      return this.replyFetchError(from, request, 'offset-out-of-range', replica.startOffset);
    if (request.offset > replica.endOffset)
      return this.replyFetchError(from, request, 'offset-out-of-range', replica.highWatermark);
    if (request.offset >= replica.highWatermark && request.waitUs > 0) {
      const held: HeldFetch = { from, request, timer: null };
      held.timer = this.ctx.setTimer(request.waitUs, TAG_HELD_CONSUMER_FETCH, held);
      l.heldFetches.push(held);
      return;
    }
    this.answerFetch(from, request);
  }

  private answerFetch(from: NodeId, request: FetchRequest): void {
    const replica = this.replicas[request.partition]!;
    const start = Math.max(request.offset, replica.startOffset);
    const end = Math.min(replica.highWatermark, start + request.maxMessages);
    const records: LogRecord[] = [];
    let bytes = REQUEST_OVERHEAD_BYTES;
    for (let o = start; o < end; o++) {
      records.push({ offset: o, message: replica.message(o), key: replica.key(o), sizeBytes: replica.size(o) });
      bytes += replica.size(o);
    }
    const reply: FetchReply = {
      kind: 'fetch-reply',
      id: request.id,
      partition: request.partition,
      records,
      highWatermark: replica.highWatermark,
    };
    this.ctx.send(from, reply, bytes);
  }

  private wakeFetches(l: Leadership): void {
    const held = l.heldFetches.splice(0, l.heldFetches.length);
    for (const h of held) {
      if (h.timer !== null) this.ctx.cancelTimer(h.timer);
      this.answerFetch(h.from, h.request);
    }
  }

  private replyFetchError(
    to: NodeId,
    request: FetchRequest,
    error: 'not-leader' | 'offset-out-of-range',
    resetTo?: number,
  ): void {
    const replica = this.replicas[request.partition] ?? null;
    const reply: FetchReply =
      resetTo === undefined
        ? {
            kind: 'fetch-reply',
            id: request.id,
            partition: request.partition,
            records: [],
            highWatermark: replica?.highWatermark ?? 0,
            error,
          }
        : {
            kind: 'fetch-reply',
            id: request.id,
            partition: request.partition,
            records: [],
            highWatermark: replica?.highWatermark ?? 0,
            error,
            resetTo,
          };
    this.ctx.send(to, reply, REQUEST_OVERHEAD_BYTES);
  }

  // ---- retention ----

  private retentionCheckUs(): number {
    return Math.max(1_000, Math.min(this.settings.retention! / 10, 1_000_000));
  }

  private expire(): void {
    const cutoff = this.ctx.localTimeUs() - this.settings.retention!;
    for (const replica of this.replicas) {
      if (replica === null) continue;
      const removed = replica.expireBefore(cutoff, this.dropped);
      for (let i = 0; i < removed; i++) this.shared.metrics?.countDetail('expiredRecords', this.ctx.nowUs);
    }
  }

  // ---- consumer groups ----

  private completeCommits(p: number, l: Leadership): void {
    if (l.commitWaits.length === 0) return;
    let held = this.replicas[p]!.offsetLog.length;
    for (const b of l.isr) if (b !== this.self) held = Math.min(held, l.followerCommitsFrom[b]);
    while (l.commitWaits.length > 0 && l.commitWaits[0].index < held) l.commitWaits.shift()!.done(true);
  }

  private coordinatorHost(): CoordinatorHost {
    const partitions = this.shared.replicas.length;
    return {
      topic: this.shared.topicName,
      partitions,
      brokers: this.shared.brokerNames,
      deliveries: this.shared.deliveries,
      coordinatorPartition: (group) => groupPartition(group, partitions),
      leaderOf: (p) => this.leaderName(p) ?? null,
      leads: (p) => this.leaderships[p] !== null,
      committedOffset: (group, partition) => {
        const replica = this.replicas[groupPartition(group, partitions)];
        return replica?.committed.get(group)?.[partition] ?? -1;
      },
      commitOffsets: (group, offsets, done) => {
        const p = groupPartition(group, partitions);
        const l = this.leaderships[p];
        if (l === null) return done(false);
        const replica = this.replicas[p]!;
        for (const { partition, offset } of offsets)
          replica.applyCommit({ group, partition, offset } satisfies OffsetCommit);
        l.commitWaits.push({ index: replica.offsetLog.length - 1, done });
        this.wakeReplicaFetches(p, l);
        this.completeCommits(p, l);
      },
      pendingAtEnd: (group) => this.shared.view.pendingFor(group),
    };
  }
}

const logParams = z
  .strictObject({
    partitions: positiveInt
      .default(3)
      .describe('Partitions of the topic; producers hash each key onto one (default 3).'),
    replicationFactor: positiveInt
      .default(3)
      .describe('Replicas of each partition, on consecutive brokers; at most the number of brokers (default 3).'),
    minInsyncReplicas: positiveInt
      .default(1)
      .describe(
        "min.insync.replicas: an acks=all write is refused (not-enough-replicas) while fewer replicas are in sync, so it is never acknowledged by fewer than this many (default 1, Kafka's).",
      ),
    uncleanLeaderElection: z
      .boolean()
      .default(false)
      .describe(
        'unclean.leader.election.enable: when no in-sync replica is alive, elect any live replica (the partition stays available, but writes acknowledged by the lost in-sync replicas are gone) instead of keeping the partition offline until one returns.',
      ),
    replicaLagTime: positiveDurationUs
      .default(30_000_000)
      .describe(
        "replica.lag.time.max.ms: a follower that has not caught up with the leader's log end for this long, on the leader's clock, leaves the in-sync set (default 30s).",
      ),
    replicaFetchWait: positiveDurationUs
      .default(500_000)
      .describe(
        "replica.fetch.wait.max.ms: how long a leader holds a follower's fetch when it has nothing new; must be well under replicaLagTime (default 500ms).",
      ),
    replicaFetchMaxMessages: positiveInt
      .default(1000)
      .describe('Most records a leader sends a follower per fetch (default 1000).'),
    heartbeatInterval: positiveDurationUs
      .default(2_000_000)
      .describe('broker.heartbeat.interval.ms: how often each broker heartbeats the controller (default 2s).'),
    sessionTimeout: positiveDurationUs
      .default(9_000_000)
      .describe(
        'broker.session.timeout.ms: the controller fences a broker it has not heard from for this long on its clock, removes it from every in-sync set and elects new leaders for its partitions (default 9s).',
      ),
    controllerBroker: positiveInt
      .default(1)
      .describe(
        'Which broker (1-based) hosts the controller; while it is down no leader is elected (a simplification of KRaft’s controller quorum). Default 1.',
      ),
    dedicatedController: z
      .boolean()
      .default(false)
      .describe(
        'The controllerBroker node runs only the controller (KRaft process.roles=controller) and hosts no partition; replicas go on the other brokers. Default: it is a broker too.',
      ),
    retention: durationUs
      .optional()
      .describe(
        'retention.ms: records older than this by their leader-append time are deleted (never past the high watermark). Default: kept for the whole run.',
      ),
  })
  .superRefine((p, ctx) => {
    if (p.minInsyncReplicas > p.replicationFactor)
      ctx.addIssue({
        code: 'custom',
        path: ['minInsyncReplicas'],
        message: `must be at most replicationFactor (${p.replicationFactor}), or acks=all writes are always refused`,
      });
    if (p.replicaFetchWait >= p.replicaLagTime)
      ctx.addIssue({
        code: 'custom',
        path: ['replicaFetchWait'],
        message: 'must be shorter than replicaLagTime, or idle followers fall out of the in-sync set between fetches',
      });
    if (p.heartbeatInterval >= p.sessionTimeout)
      ctx.addIssue({
        code: 'custom',
        path: ['heartbeatInterval'],
        message: 'must be shorter than sessionTimeout, or the controller fences brokers between their heartbeats',
      });
  });

export type LogSettings = z.output<typeof logParams>;

export const logModel: ModelDefinition<typeof logParams> = {
  type: 'log',
  role: 'component',
  description:
    'A Kafka-style replicated log (its nodes are the brokers): one partitioned topic, leaders and in-sync replicas, acks 0/1/all with min.insync.replicas, a controller that fences failed brokers and elects leaders (unclean election optional), idempotent producers, consumer groups.',
  params: logParams,
  check(params, instance) {
    const problems: { path: (string | number)[]; message: string }[] = [];
    const dataBrokers = instance.nodeCount - (params.dedicatedController ? 1 : 0);
    if (params.replicationFactor > dataBrokers)
      problems.push({
        path: ['replicationFactor'],
        message: `is ${params.replicationFactor}, but the component has only ${dataBrokers} brokers to hold replicas${params.dedicatedController ? ' (besides its dedicated controller)' : ''}`,
      });
    if (params.controllerBroker > instance.nodeCount)
      problems.push({
        path: ['controllerBroker'],
        message: `is ${params.controllerBroker}, but the component has only ${instance.nodeCount} brokers`,
      });
    return problems;
  },
  instantiate(params, ctx) {
    const topic = ctx.deliveries.topic(ctx.name, 'log');
    const replicas = replicaPlacement(
      params.partitions,
      params.replicationFactor,
      ctx.nodeNames.length,
      params.dedicatedController ? params.controllerBroker - 1 : -1,
    );
    const shared: LogShared = {
      topicName: ctx.name,
      brokerNames: ctx.nodeNames,
      replicas,
      topic,
      deliveries: ctx.deliveries,
      view: new LogClusterView(topic, params.partitions, params.controllerBroker - 1, (g) =>
        groupPartition(g, params.partitions),
      ),
      metrics: ctx.componentMetrics(0),
    };
    return (node) => (nodeCtx) => new LogBroker(nodeCtx as NodeContext<BrokerDisk>, params, shared, node);
  },
};
