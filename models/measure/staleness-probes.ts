import type { NodeId, TimeUs } from '../../engine/index.js';
import { LatencyHistogram } from './latency-histogram.js';

/**
 * What a store tells the measurement about one client's requests: the
 * instant a write committed at its coordinator (its W-th acknowledgement) and
 * the instant a read started there (the coordinator sent it to the replicas).
 * Reported, never acted on by the store.
 */
export interface StoreMoments {
  committed(requestId: number, atUs: TimeUs): void;
  readStarted(requestId: number, atUs: TimeUs): void;
}

/**
 * The run's staleness probes: stores report commit and read-start moments of
 * the clients that listen (`listening` is false in runs without a probe, so a
 * store pays one branch), and each probe workload keeps its tally here for the
 * report.
 */
export class StalenessProbes {
  private readonly listeners = new Map<NodeId, StoreMoments>();
  readonly tallies: ProbeTally[] = [];

  get listening(): boolean {
    return this.listeners.size > 0;
  }

  listen(client: NodeId, moments: StoreMoments): void {
    this.listeners.set(client, moments);
  }

  committed(client: NodeId, requestId: number, atUs: TimeUs): void {
    this.listeners.get(client)?.committed(requestId, atUs);
  }

  readStarted(client: NodeId, requestId: number, atUs: TimeUs): void {
    this.listeners.get(client)?.readStarted(requestId, atUs);
  }

  /** A probe workload's tally, made once per workload when the scenario is built. */
  tally(workload: string, store: string, delaysUs: readonly number[], writesPerProbe: number): ProbeTally {
    const tally = new ProbeTally(workload, store, delaysUs, writesPerProbe);
    this.tallies.push(tally);
    return tally;
  }
}

/** Reads at one delay of one curve: how many counted, how many returned the probed write or newer. */
export interface CurvePoint {
  reads: number;
  consistent: number;
}

/** Which moment a curve's delays count from: the commit at the coordinator, or the client receiving the acknowledgement. */
export type ProbeOrigin = 'commit' | 'ack';

/**
 * One probe workload's counts. A read counts when it started at its
 * coordinator at or after the commit of the probed write; `behind` counts,
 * per delay from the commit, the reads by how many of the probe's committed
 * writes were newer than what they returned (0 … writesPerProbe).
 */
export class ProbeTally {
  readonly fromCommit: CurvePoint[];
  readonly fromAck: CurvePoint[];
  readonly behind: number[][];
  readonly readLatency = new LatencyHistogram();
  readonly writeLatency = new LatencyHistogram();
  /** Probes whose writes all committed, and those given up (a write failed or timed out). */
  probes = 0;
  abandoned = 0;
  /** Reads left out: started before the commit, or failed / timed out. */
  startedBeforeCommit = 0;
  failedReads = 0;
  /** Reads from the commit: how much later than commit + t they started at the coordinator (the client's hop). */
  hopUsSum = 0;
  hopReads = 0;

  constructor(
    readonly workload: string,
    readonly store: string,
    readonly delaysUs: readonly number[],
    readonly writesPerProbe: number,
  ) {
    const points = () => delaysUs.map(() => ({ reads: 0, consistent: 0 }));
    this.fromCommit = points();
    this.fromAck = points();
    this.behind = delaysUs.map(() => new Array<number>(writesPerProbe + 1).fill(0));
  }

  /**
   * One finished read at `delayIndex` of a curve: `startUs` when it started
   * at its coordinator, `commitUs` when the probed write committed, `behind`
   * how many committed probe writes were newer than the value it returned.
   */
  read(origin: ProbeOrigin, delayIndex: number, startUs: TimeUs, commitUs: TimeUs, behind: number): void {
    if (startUs < commitUs) {
      this.startedBeforeCommit++;
      return;
    }
    const point = (origin === 'commit' ? this.fromCommit : this.fromAck)[delayIndex];
    point.reads++;
    if (behind === 0) point.consistent++;
    if (origin !== 'commit') return;
    this.behind[delayIndex][behind]++;
    this.hopUsSum += startUs - commitUs - this.delaysUs[delayIndex];
    this.hopReads++;
  }
}
