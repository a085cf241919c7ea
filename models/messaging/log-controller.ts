/**
 * The `log` cluster's controller (Kafka's KRaft controller, reduced to one
 * node): it runs on one designated broker (`controllerBroker`), keeps every
 * partition's leader, leader epoch and in-sync replicas on that broker's disk,
 * and publishes them to every broker as versioned metadata. Brokers send it a
 * heartbeat every heartbeat interval; one silent for the session timeout (on
 * the controller's clock) is fenced: it leaves every in-sync set, and each
 * partition it led gets a new leader, the first live member of its in-sync
 * set in replica order (a clean election), else, with uncleanLeaderElection,
 * the first live replica at all (which may lack acknowledged writes), else
 * none (the partition is offline until an in-sync member returns). A fenced
 * broker that heartbeats again is unfenced and offline partitions are tried
 * again. Leaders change their in-sync sets by asking it (AlterPartition),
 * which it refuses when the request carries a stale leader or partition
 * epoch, so two brokers never disagree with it about who is in sync.
 *
 * One controller instead of a Raft quorum of them is the simplification:
 * while its broker is down, no broker is fenced and no leader elected (every
 * partition keeps the leader it had); it resumes from its disk when the
 * broker restarts, giving every broker a fresh session timeout, and elects
 * only brokers it has heard from since (a partition left offline is retried
 * at every tick).
 */
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { AlterPartition, AlterPartitionReply, BrokerHeartbeat, ClusterMetadata } from './log-cluster-messages.js';

export interface ControllerSettings {
  readonly sessionTimeoutUs: number;
  readonly uncleanLeaderElection: boolean;
}

/** What the controller needs of the broker hosting it. */
export interface ControllerHost {
  localTimeUs(): number;
  nowUs(): number;
  /** Sends to broker `broker` (an index into the component's nodes). */
  sendTo(broker: number, message: unknown, sizeBytes: number): void;
  /** Where the controller's state survives a crash of its broker. */
  readonly disk: { controllerMetadata?: ClusterMetadata };
  readonly metrics: ComponentMetrics | null;
}

/** The metadata every broker starts from: each partition led by its first (preferred) replica, all replicas in sync. */
export function initialMetadata(replicas: readonly (readonly number[])[]): ClusterMetadata {
  return {
    version: 1,
    leaders: replicas.map((r) => r[0]),
    leaderEpochs: replicas.map(() => 0),
    partitionEpochs: replicas.map(() => 0),
    isr: replicas.map((r) => r.slice()),
  };
}

export class LogController {
  private metadata: ClusterMetadata;
  private readonly lastHeardLocalUs: Float64Array;
  private readonly fenced: Uint8Array;
  /** Brokers heard from since this controller started: only they may be elected. */
  private readonly heard: Uint8Array;

  constructor(
    private readonly host: ControllerHost,
    private readonly settings: ControllerSettings,
    /** Per partition, its replicas' broker indices, the preferred leader first. */
    private readonly replicas: readonly (readonly number[])[],
    private readonly brokers: number,
    private readonly self: number,
  ) {
    this.metadata = host.disk.controllerMetadata ??= initialMetadata(replicas);
    this.lastHeardLocalUs = new Float64Array(brokers).fill(host.localTimeUs());
    this.fenced = new Uint8Array(brokers);
    this.heard = new Uint8Array(brokers);
    this.heard[self] = 1;
  }

  get version(): number {
    return this.metadata.version;
  }

  fencedBrokers(): number {
    let n = 0;
    for (let b = 0; b < this.brokers; b++) n += this.fenced[b];
    return n;
  }

  offlinePartitions(): number {
    let n = 0;
    for (const leader of this.metadata.leaders) if (leader < 0) n++;
    return n;
  }

  /** The broker hosting the controller has (re)started: tell every broker where things stand. */
  start(): void {
    this.broadcast();
  }

  onHeartbeat(heartbeat: BrokerHeartbeat): void {
    const b = heartbeat.broker;
    this.lastHeardLocalUs[b] = this.host.localTimeUs();
    if (this.fenced[b] === 1 || this.heard[b] === 0) {
      this.fenced[b] = 0;
      this.heard[b] = 1;
      this.electOffline();
    }
    if (heartbeat.metadataVersion < this.metadata.version) this.sendMetadata(b);
  }

  /** Every so often: fence the brokers silent for the session timeout. */
  tick(): void {
    const now = this.host.localTimeUs();
    for (let b = 0; b < this.brokers; b++) {
      if (b === this.self || this.fenced[b] === 1) continue;
      if (now - this.lastHeardLocalUs[b] > this.settings.sessionTimeoutUs) this.fence(b);
    }
    if (this.offlinePartitions() > 0) this.electOffline();
  }

  onAlterPartition(request: AlterPartition): void {
    const p = request.partition;
    const m = this.metadata;
    const accepted =
      m.leaders[p] === request.broker &&
      m.leaderEpochs[p] === request.leaderEpoch &&
      m.partitionEpochs[p] === request.partitionEpoch &&
      request.isr.includes(request.broker) &&
      request.isr.every((b) => this.fenced[b] === 0 && this.replicas[p].includes(b));
    if (accepted) {
      const isr = this.replicas[p].filter((b) => request.isr.includes(b));
      const now = this.host.nowUs();
      if (isr.length < m.isr[p].length) this.host.metrics?.countDetail('isrShrinks', now);
      else if (isr.length > m.isr[p].length) this.host.metrics?.countDetail('isrExpands', now);
      this.publish(this.change(p, m.leaders[p], m.leaderEpochs[p], isr));
    } else {
      this.sendMetadata(request.broker);
    }
    // A repeat of a change already made (a duplicated or retried request) is answered as accepted.
    const current =
      m.leaders[p] === request.broker &&
      m.leaderEpochs[p] === request.leaderEpoch &&
      m.isr[p].length === request.isr.length &&
      m.isr[p].every((b) => request.isr.includes(b));
    this.host.sendTo(
      request.broker,
      {
        kind: 'log-alter-partition-reply',
        id: request.id,
        partition: p,
        accepted: accepted || current,
      } satisfies AlterPartitionReply,
      16,
    );
  }

  private fence(broker: number): void {
    this.fenced[broker] = 1;
    this.host.metrics?.countDetail('brokersFenced', this.host.nowUs());
    let m = this.metadata;
    for (let p = 0; p < m.leaders.length; p++) {
      if (m.leaders[p] === broker) m = this.elect(m, p);
      else if (m.isr[p].includes(broker)) {
        this.host.metrics?.countDetail('isrShrinks', this.host.nowUs());
        m = this.with(
          m,
          p,
          m.leaders[p],
          m.leaderEpochs[p],
          m.isr[p].filter((b) => b !== broker),
        );
      }
    }
    if (m !== this.metadata) this.publish(m);
  }

  private electOffline(): void {
    let m = this.metadata;
    for (let p = 0; p < m.leaders.length; p++) if (m.leaders[p] < 0) m = this.elect(m, p);
    if (m !== this.metadata) this.publish(m);
  }

  /** Partition `p` needs a leader: clean from the live in-sync replicas, else unclean if allowed, else offline. */
  private elect(m: ClusterMetadata, p: number): ClusterMetadata {
    const now = this.host.nowUs();
    const live = (b: number) => this.fenced[b] === 0 && this.heard[b] === 1;
    const inSync = m.isr[p].filter(live);
    let leader = -1;
    let isr = m.isr[p];
    for (const b of this.replicas[p])
      if (inSync.includes(b)) {
        leader = b;
        isr = inSync;
        break;
      }
    if (leader < 0 && this.settings.uncleanLeaderElection) {
      for (const b of this.replicas[p])
        if (live(b)) {
          leader = b;
          isr = [b];
          this.host.metrics?.countDetail('uncleanElections', now);
          break;
        }
    }
    if (leader < 0) {
      // Keep the last in-sync set: the first of them to come back is the only clean choice.
      if (m.leaders[p] < 0) return m;
      return this.with(m, p, -1, m.leaderEpochs[p], isr);
    }
    this.host.metrics?.countDetail('leaderElections', now);
    return this.with(m, p, leader, m.leaderEpochs[p] + 1, isr);
  }

  private change(p: number, leader: number, leaderEpoch: number, isr: readonly number[]): ClusterMetadata {
    return this.with(this.metadata, p, leader, leaderEpoch, isr);
  }

  /** `m` with partition `p` changed, as a new version (built on `m` when several partitions change at once). */
  private with(
    m: ClusterMetadata,
    p: number,
    leader: number,
    leaderEpoch: number,
    isr: readonly number[],
  ): ClusterMetadata {
    const leaders = m.leaders.slice();
    const leaderEpochs = m.leaderEpochs.slice();
    const partitionEpochs = m.partitionEpochs.slice();
    const isrs = m.isr.slice();
    leaders[p] = leader;
    leaderEpochs[p] = leaderEpoch;
    partitionEpochs[p]++;
    isrs[p] = isr;
    return { version: this.metadata.version + 1, leaders, leaderEpochs, partitionEpochs, isr: isrs };
  }

  private publish(m: ClusterMetadata): void {
    this.metadata = this.host.disk.controllerMetadata = m;
    const now = this.host.nowUs();
    let underReplicated = 0;
    for (let p = 0; p < m.isr.length; p++) if (m.isr[p].length < this.replicas[p].length) underReplicated++;
    this.host.metrics?.noteWindowMax('underReplicatedPartitions', underReplicated, now);
    this.host.metrics?.noteWindowMax('offlinePartitions', this.offlinePartitions(), now);
    this.broadcast();
  }

  private broadcast(): void {
    for (let b = 0; b < this.brokers; b++) if (this.fenced[b] === 0) this.sendMetadata(b);
  }

  private sendMetadata(broker: number): void {
    this.host.sendTo(broker, { kind: 'log-metadata', metadata: this.metadata }, 64 + 16 * this.metadata.leaders.length);
  }
}
