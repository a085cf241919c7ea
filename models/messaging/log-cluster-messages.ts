/**
 * What the brokers of a `log` say to each other (Kafka's inter-broker
 * protocol, reduced): heartbeats to the controller and the metadata it
 * publishes (each partition's leader, leader epoch and in-sync replicas), a
 * leader's request to change its partition's in-sync set (AlterPartition),
 * and followers' fetches from their leader. Brokers are named by their index
 * (0-based) in the component's node list.
 */
import type { OffsetCommit, RecordBatch } from './log-partition.js';

/** Every partition's state as the controller decided it; shared read-only by every broker that receives it. */
export interface ClusterMetadata {
  /** Grows with every change the controller makes. */
  readonly version: number;
  /** Per partition: the leading broker, -1 while it has none (offline). */
  readonly leaders: readonly number[];
  /** Per partition: the leader epoch, raised at every election. */
  readonly leaderEpochs: readonly number[];
  /** Per partition: raised at every change of leader or in-sync set, so a stale AlterPartition is refused. */
  readonly partitionEpochs: readonly number[];
  readonly isr: readonly (readonly number[])[];
}

/** Sent to the controller every heartbeat interval; the controller fences a broker silent for the session timeout. */
export interface BrokerHeartbeat {
  readonly kind: 'log-heartbeat';
  readonly broker: number;
  readonly metadataVersion: number;
}

export interface MetadataUpdate {
  readonly kind: 'log-metadata';
  readonly metadata: ClusterMetadata;
}

/** A leader asks the controller to make `isr` the partition's in-sync set (shrinking or growing it). */
export interface AlterPartition {
  readonly kind: 'log-alter-partition';
  /** Echoed by the reply, so a late answer to an earlier request is told apart. */
  readonly id: number;
  readonly broker: number;
  readonly partition: number;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
  readonly isr: readonly number[];
}

export interface AlterPartitionReply {
  readonly kind: 'log-alter-partition-reply';
  readonly id: number;
  readonly partition: number;
  readonly accepted: boolean;
}

/**
 * A follower's fetch: the records from `fetchOffset` on, given that its last
 * record has epoch `lastFetchedEpoch` (the leader checks that its own log
 * agrees, else answers where the two diverge), and the offset-log entries
 * from `commitsFrom` on. Its fetch offset tells the leader how much it holds.
 */
export interface ReplicaFetch {
  readonly kind: 'log-replica-fetch';
  readonly id: number;
  readonly broker: number;
  readonly partition: number;
  readonly leaderEpoch: number;
  readonly fetchOffset: number;
  readonly lastFetchedEpoch: number;
  readonly commitsFrom: number;
}

export interface ReplicaFetchReply {
  readonly kind: 'log-replica-fetch-reply';
  readonly id: number;
  readonly partition: number;
  readonly leaderEpoch: number;
  /** `fenced`: the two disagree about the leader epoch, or this node does not lead: wait for metadata. */
  readonly error?: 'fenced';
  /** When the logs diverge: truncate to the end of this epoch (as the follower's own log has it) and fetch again. */
  readonly diverging?: { readonly epoch: number; readonly endOffset: number };
  /** The leader's log start: a follower whose end is below it starts again there. */
  readonly logStartOffset: number;
  readonly highWatermark: number;
  readonly records: RecordBatch | null;
  readonly commits: readonly OffsetCommit[];
}

export type ClusterMessage =
  BrokerHeartbeat | MetadataUpdate | AlterPartition | AlterPartitionReply | ReplicaFetch | ReplicaFetchReply;
