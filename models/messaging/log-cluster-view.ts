/**
 * What the run's measurements see of a `log` cluster across its brokers
 * (never read by protocol logic): how many replicas hold a copy of each
 * message, so the delivery log learns a message is gone only when the last
 * copy anywhere was truncated or expired, and which ids a consumer group
 * would still be delivered at the end of the run (its StreamRecord's
 * pendingAtEnd): those at or after the group's committed offset in each
 * partition's current leader's log.
 */
import type { TopicRecord } from '../measure/delivery-log.js';
import type { ClusterMetadata } from './log-cluster-messages.js';
import type { PartitionReplica } from './log-partition.js';

/** A broker's disk: its replicas (null for partitions it does not host), its metadata, the controller's when it hosts it, and its request ids. */
export interface BrokerDisk {
  replicas?: (PartitionReplica | null)[];
  metadata?: ClusterMetadata;
  controllerMetadata?: ClusterMetadata;
  /** The last id this broker gave a request of its own (a replica fetch, an ISR change). */
  requestIds?: number;
}

export class LogClusterView {
  private heldCopies = new Int32Array(1024);
  readonly disks: BrokerDisk[] = [];

  constructor(
    readonly topic: TopicRecord,
    readonly partitions: number,
    private readonly controllerBroker: number,
    /** The partition whose leader coordinates a group (and keeps its committed offsets). */
    private readonly coordinatorPartition: (group: string) => number,
  ) {}

  /** A replica appended a copy of `message`. */
  hold(message: number): void {
    if (message >= this.heldCopies.length) {
      const grown = new Int32Array(Math.max(message + 1, this.heldCopies.length * 2));
      grown.set(this.heldCopies);
      this.heldCopies = grown;
    }
    if (this.heldCopies[message]++ === 0 && !Number.isNaN(this.topic.removedUs[message])) this.topic.restored(message);
  }

  /** A replica no longer holds a copy; the last copy gone removes the message from the topic. */
  release(message: number, reason: 'truncated' | 'expired', nowUs: number): void {
    if (--this.heldCopies[message] === 0) this.topic.removed(message, reason, nowUs);
  }

  /** The ids `group` would still be delivered, read when the run ends. */
  pendingFor(group: string): () => readonly number[] {
    return () => {
      const ids: number[] = [];
      const metadata = this.disks[this.controllerBroker]?.controllerMetadata;
      const coordinator = this.replicaOf(this.coordinatorPartition(group), metadata);
      const committed = coordinator?.committed.get(group);
      for (let p = 0; p < this.partitions; p++) {
        const replica = this.replicaOf(p, metadata);
        if (replica === null) continue;
        const from = Math.max(replica.startOffset, committed === undefined ? -1 : committed[p]);
        for (let o = from; o < replica.endOffset; o++) ids.push(replica.message(o));
      }
      return ids;
    };
  }

  /** The current leader's replica of `p`; for an offline partition, the in-sync replica holding most (the likely next leader). */
  private replicaOf(p: number, metadata: ClusterMetadata | undefined): PartitionReplica | null {
    if (metadata === undefined) return null;
    const leader = metadata.leaders[p];
    if (leader >= 0) return this.disks[leader]?.replicas?.[p] ?? null;
    let best: PartitionReplica | null = null;
    for (const b of metadata.isr[p]) {
      const replica = this.disks[b]?.replicas?.[p] ?? null;
      if (replica !== null && (best === null || replica.endOffset > best.endOffset)) best = replica;
    }
    return best;
  }
}
