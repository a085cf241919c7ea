import { distribution, type Distribution, type DistributionSpec } from './distribution.js';
import type { Cut } from './partition.js';
import type { RandomStream } from './random-stream.js';
import type { NodeId } from './ids.js';
import { MILLISECOND, type DurationUs, type TimeUs } from './time.js';

/**
 * How one direction of a link behaves. Every field is optional and falls back
 * to the network's defaults. Latency draws below zero (a normal tail) count as 0.
 */
export interface LinkSpec {
  /** One-way propagation delay. Region pairs default to half a round trip drawn from the RTT matrix. */
  latencyUs?: DistributionSpec;
  /** Extra delay drawn uniformly from [0, jitterUs) per message. */
  jitterUs?: number;
  lossProbability?: number;
  /** Chance that a message is delivered twice (the copy gets its own delay). */
  duplicateProbability?: number;
  /** Chance that a message is held back by `reorderDelayUs` and overtaken, even on a FIFO link. */
  reorderProbability?: number;
  reorderDelayUs?: DurationUs;
  /** Serialization rate; messages queue behind each other on the link. Infinity means no limit. */
  bandwidthBitsPerSec?: number;
  /** Deliver in send order (as TCP does); without it independent delays reorder messages. */
  fifo?: boolean;
}

export interface RegionRtt {
  between: readonly [string, string];
  rttUs: DistributionSpec;
}

export interface NetworkConfig {
  /** Round trip inside one region (the guide's same-datacenter 0.5–1 ms). */
  sameRegionRttUs?: DistributionSpec;
  /** Round trip between regions with no entry in `regionRtts` (the guide's 50–100 ms). */
  crossRegionRttUs?: DistributionSpec;
  /** The region RTT matrix: symmetric entries for particular pairs. */
  regionRtts?: readonly RegionRtt[];
  /** Defaults for every link (loss, duplication, bandwidth...). */
  link?: Omit<LinkSpec, 'latencyUs'>;
}

export const DEFAULT_SAME_REGION_RTT: DistributionSpec = { type: 'uniform', min: 500, max: 1_000 };
export const DEFAULT_CROSS_REGION_RTT: DistributionSpec = { type: 'uniform', min: 50_000, max: 100_000 };
const DEFAULT_REORDER_DELAY_US = MILLISECOND;

/** A link spec resolved and compiled once; shared by every node pair that uses it. */
interface LinkProfile {
  readonly latency: Distribution;
  /** 0.5 when `latency` is a round trip, 1 when it is one-way. */
  readonly latencyScale: number;
  readonly minLatencyUs: number;
  readonly jitterUs: number;
  readonly loss: number;
  readonly duplicate: number;
  readonly reorder: number;
  readonly reorderDelayUs: number;
  readonly bitsPerSecond: number;
  readonly fifo: boolean;
}

/** Per-direction state, created only for links that need it (FIFO or bandwidth) and only once used. */
interface LinkState {
  /** When the transmitter finishes the last queued message (fractional µs, not rounded). */
  busyUntilUs: number;
  lastArrivalUs: number;
}

/** A fault's degradation of links matching `from` × `to` (null means every node). */
export interface Degradation {
  readonly id: string;
  readonly from: ReadonlySet<NodeId> | null;
  readonly to: ReadonlySet<NodeId> | null;
  readonly latencyFactor: number;
  readonly extraLatencyUs: number;
  readonly lossProbability: number;
}

export const DROP_PARTITION = -1;
export const DROP_LOSS = -2;

/** Node ids stay below this so a (from, to) pair packs exactly into one number. */
export const NODE_LIMIT = 2 ** 26;

/**
 * Decides for each message whether it arrives and when. Links are never
 * materialised for all pairs: a pair costs memory only if it has an explicit
 * override or stateful behaviour (FIFO, bandwidth) and has carried traffic.
 */
export class Network {
  private readonly regionIndex = new Map<string, number>();
  private readonly regionNames: string[] = [];
  private readonly regionProfiles: (LinkProfile | undefined)[][] = [];
  /** Region index per node, in a typed array: read twice a message, for nodes anywhere in memory. */
  private nodeRegion = new Int32Array(16);
  private readonly overrides = new Map<number, LinkProfile>();
  private readonly states = new Map<number, LinkState>();
  private readonly sameRegionRtt: DistributionSpec;
  private readonly crossRegionRtt: DistributionSpec;
  private readonly regionRtts: readonly RegionRtt[];
  private readonly linkDefaults: Omit<LinkSpec, 'latencyUs'>;
  private degradations: Degradation[] = [];
  cut: Cut | null = null;

  /** Set by `transmit`: when the duplicate copy arrives, or -1 when there is none. */
  duplicateArrivalUs = -1;

  constructor(config: NetworkConfig = {}) {
    this.sameRegionRtt = config.sameRegionRttUs ?? DEFAULT_SAME_REGION_RTT;
    this.crossRegionRtt = config.crossRegionRttUs ?? DEFAULT_CROSS_REGION_RTT;
    this.regionRtts = config.regionRtts ?? [];
    this.linkDefaults = config.link ?? {};
    for (const entry of this.regionRtts) {
      distribution(entry.rttUs);
      for (const r of entry.between) this.region(r);
    }
  }

  /** Index of a region, registering it on first use. */
  region(name: string): number {
    let index = this.regionIndex.get(name);
    if (index === undefined) {
      index = this.regionNames.length;
      this.regionIndex.set(name, index);
      this.regionNames.push(name);
      for (const row of this.regionProfiles) row.push(undefined);
      this.regionProfiles.push(new Array<LinkProfile | undefined>(this.regionNames.length).fill(undefined));
    }
    return index;
  }

  regionName(index: number): string {
    return this.regionNames[index];
  }

  addNode(id: NodeId, regionIndex: number): void {
    if (id >= NODE_LIMIT) throw new RangeError(`network: at most ${NODE_LIMIT} nodes are supported`);
    if (id >= this.nodeRegion.length) {
      const grown = new Int32Array(Math.max(2 * this.nodeRegion.length, id + 1));
      grown.set(this.nodeRegion);
      this.nodeRegion = grown;
    }
    this.nodeRegion[id] = regionIndex;
  }

  regionOf(id: NodeId): number {
    return this.nodeRegion[id];
  }

  /**
   * The mean round trip between two regions as the topology sets it (the RTT
   * matrix, or the same- and cross-region defaults), leaving aside per-link
   * overrides and degradations: the figure a latency-based router plans with.
   * Draws nothing, so asking changes no run.
   */
  meanRttUs(regionA: string, regionB: string): number {
    const a = this.regionIndex.get(regionA);
    const b = this.regionIndex.get(regionB);
    if (a === undefined || b === undefined)
      throw new RangeError(`network: no region "${a === undefined ? regionA : regionB}"`);
    return this.regionProfile(a, b).latency.mean;
  }

  /** Overrides one direction of one link; fields left out keep the region pair's behaviour. */
  setLink(from: NodeId, to: NodeId, spec: LinkSpec): void {
    const base = this.regionProfile(this.nodeRegion[from], this.nodeRegion[to]);
    this.overrides.set(from * NODE_LIMIT + to, compileProfile(spec, base));
    this.states.delete(from * NODE_LIMIT + to);
  }

  /** The smallest one-way delay a message from `from` to `to` can have (ignoring degradations). */
  minLatencyUs(from: NodeId, to: NodeId): number {
    return this.profile(from, to).minLatencyUs;
  }

  degrade(d: Degradation): void {
    this.degradations = [...this.degradations.filter((x) => x.id !== d.id), d];
  }

  /** Removes one degradation by id, or all of them. */
  restore(id?: string): void {
    this.degradations = id === undefined ? [] : this.degradations.filter((x) => x.id !== id);
  }

  /**
   * Arrival time of a message sent now, or DROP_PARTITION / DROP_LOSS.
   * Delays are rounded up to whole microseconds, so nothing arrives before
   * the link's minimum latency. `latencyUs` >= 0 replaces the link's latency
   * draw and jitter (the sender modelled the delay); everything else applies.
   */
  transmit(from: NodeId, to: NodeId, sizeBytes: number, nowUs: TimeUs, rng: RandomStream, latencyUs = -1): number {
    this.duplicateArrivalUs = -1;
    if (this.cut !== null && this.cut.blocks(from, to)) return DROP_PARTITION;
    const p = this.profile(from, to);

    let loss = p.loss;
    let factor = 1;
    let extra = 0;
    if (this.degradations.length > 0) {
      for (const d of this.degradations) {
        if ((d.from === null || d.from.has(from)) && (d.to === null || d.to.has(to))) {
          factor *= d.latencyFactor;
          extra += d.extraLatencyUs;
          loss = 1 - (1 - loss) * (1 - d.lossProbability);
        }
      }
    }
    if (loss > 0 && rng.next() < loss) return DROP_LOSS;

    const arrival = this.arrival(p, from, to, sizeBytes, nowUs, rng, factor, extra, latencyUs);
    if (p.duplicate > 0 && rng.next() < p.duplicate) {
      this.duplicateArrivalUs = this.arrival(p, from, to, sizeBytes, nowUs, rng, factor, extra, latencyUs);
    }
    return arrival;
  }

  private arrival(
    p: LinkProfile,
    from: NodeId,
    to: NodeId,
    sizeBytes: number,
    nowUs: TimeUs,
    rng: RandomStream,
    factor: number,
    extraUs: number,
    latencyUs: number,
  ): TimeUs {
    let delay: number;
    if (latencyUs >= 0) delay = latencyUs * factor + extraUs;
    else {
      delay = p.latency.sample(rng) * p.latencyScale * factor + extraUs;
      if (p.jitterUs > 0) delay += rng.next() * p.jitterUs;
    }
    if (delay < 0) delay = 0;
    let departure = nowUs;
    let state: LinkState | undefined;
    if (p.fifo || p.bitsPerSecond !== Infinity) {
      const key = from * NODE_LIMIT + to;
      state = this.states.get(key);
      if (state === undefined) {
        state = { busyUntilUs: 0, lastArrivalUs: 0 };
        this.states.set(key, state);
      }
      if (p.bitsPerSecond !== Infinity) {
        const start = state.busyUntilUs > nowUs ? state.busyUntilUs : nowUs;
        state.busyUntilUs = start + (sizeBytes * 8 * 1e6) / p.bitsPerSecond;
        departure = state.busyUntilUs;
      }
    }
    let arrival = departure + delay;
    if (p.reorder > 0 && rng.next() < p.reorder) return Math.ceil(arrival + p.reorderDelayUs);
    arrival = Math.ceil(arrival);
    if (p.fifo && state !== undefined) {
      if (arrival < state.lastArrivalUs) arrival = state.lastArrivalUs;
      state.lastArrivalUs = arrival;
    }
    return arrival;
  }

  private profile(from: NodeId, to: NodeId): LinkProfile {
    if (this.overrides.size > 0) {
      const o = this.overrides.get(from * NODE_LIMIT + to);
      if (o !== undefined) return o;
    }
    return this.regionProfile(this.nodeRegion[from], this.nodeRegion[to]);
  }

  private regionProfile(a: number, b: number): LinkProfile {
    const cached = this.regionProfiles[a][b];
    if (cached !== undefined) return cached;
    const nameA = this.regionNames[a];
    const nameB = this.regionNames[b];
    const entry = this.regionRtts.find(
      (e) => (e.between[0] === nameA && e.between[1] === nameB) || (e.between[0] === nameB && e.between[1] === nameA),
    );
    const rtt = entry?.rttUs ?? (a === b ? this.sameRegionRtt : this.crossRegionRtt);
    const latency = distribution(rtt);
    const profile = compileProfile(this.linkDefaults, {
      latency,
      latencyScale: 0.5,
      minLatencyUs: latency.min * 0.5,
      jitterUs: 0,
      loss: 0,
      duplicate: 0,
      reorder: 0,
      reorderDelayUs: DEFAULT_REORDER_DELAY_US,
      bitsPerSecond: Infinity,
      fifo: false,
    });
    this.regionProfiles[a][b] = profile;
    return profile;
  }
}

function compileProfile(spec: LinkSpec, base: LinkProfile): LinkProfile {
  const latency = spec.latencyUs !== undefined ? distribution(spec.latencyUs) : base.latency;
  const latencyScale = spec.latencyUs !== undefined ? 1 : base.latencyScale;
  const profile: LinkProfile = {
    latency,
    latencyScale,
    minLatencyUs: Math.max(0, latency.min * latencyScale),
    jitterUs: spec.jitterUs ?? base.jitterUs,
    loss: spec.lossProbability ?? base.loss,
    duplicate: spec.duplicateProbability ?? base.duplicate,
    reorder: spec.reorderProbability ?? base.reorder,
    reorderDelayUs: spec.reorderDelayUs ?? base.reorderDelayUs,
    bitsPerSecond: spec.bandwidthBitsPerSec ?? base.bitsPerSecond,
    fifo: spec.fifo ?? base.fifo,
  };
  checkProbability('lossProbability', profile.loss);
  checkProbability('duplicateProbability', profile.duplicate);
  checkProbability('reorderProbability', profile.reorder);
  if (!(profile.jitterUs >= 0)) throw new RangeError(`link: jitterUs must be >= 0, got ${profile.jitterUs}`);
  if (!(profile.reorderDelayUs >= 0))
    throw new RangeError(`link: reorderDelayUs must be >= 0, got ${profile.reorderDelayUs}`);
  if (!(profile.bitsPerSecond > 0))
    throw new RangeError(`link: bandwidthBitsPerSec must be > 0, got ${profile.bitsPerSecond}`);
  return profile;
}

export function checkProbability(name: string, p: number): void {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${p}`);
}
