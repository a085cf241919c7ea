import type { NodeId } from '../../engine/index.js';
import { ReplicationLog } from './replication-log.js';

/** What survives a crash: the log, and the epochs this replica has joined and promised. */
export interface ReplicaDisk {
  log: ReplicationLog;
  epoch: number;
  /** With fencing: the highest promotion round it voted in; it votes in no other round at or below it, and refuses leaders of older epochs. */
  promised: number;
  /** The candidate it voted for in round `promised`. */
  votedFor: NodeId;
}

/** The replica's state in the node's durable storage, blank on the node's first start. */
export function openReplicaDisk(durable: object): ReplicaDisk {
  const disk = durable as Partial<ReplicaDisk>;
  disk.log ??= new ReplicationLog();
  disk.epoch ??= 0;
  disk.promised ??= 0;
  disk.votedFor ??= -1;
  return disk as ReplicaDisk;
}
