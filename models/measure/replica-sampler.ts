import type { EventObserver, NodeId, Simulation, TimeUs } from '../../engine/index.js';

/**
 * A replica's local view, for measurement only (divergence at heal,
 * convergence time): what a read served by this replica alone would return
 * for each key it holds. Values must compare with `===` or be arrays of
 * numbers (siblings, set elements), which the checkers compare element-wise.
 * Protocol logic must never call it. Models implement it as part of the kit's
 * `InspectableProcess`; it is declared here, below the kit, for the sampler.
 */
export interface ReplicaView {
  localValues(): ReadonlyMap<number, number | null | readonly number[]>;
  /**
   * For stores that keep a log: every write value the log still holds. An
   * acknowledged write in no live replica's log was lost, however many
   * writes came after it, which the final values alone cannot tell.
   */
  retainedWrites?(): Iterable<number>;
}

export function isReplicaView(process: unknown): process is ReplicaView {
  return typeof (process as Partial<ReplicaView> | null)?.localValues === 'function';
}

/** What a replica holds for a key; undefined when it does not hold the key (never had it, or lost it in a crash). */
export type ReplicaValue = number | null | readonly number[] | undefined;

/** One replica's values over the run, kept as changes: the value a key took at each sample where it differed from the previous one. */
export interface ReplicaTrack {
  node: NodeId;
  /** Sample indices where the node went down (its process gone) or came back up, alternating, starting with down. */
  upDown: number[];
  keys: Map<number, { samples: number[]; values: ReplicaValue[] }>;
  up: boolean;
  current: Map<number, ReplicaValue>;
}

/** A partition as the sampler saw it: the cut's groups (node ids), and the sample taken when it healed. */
export interface SampledPartition {
  startUs: TimeUs;
  /** When it healed or was replaced by another cut; null while it lasts. */
  endUs: TimeUs | null;
  groups: NodeId[][];
  /** The sample taken at the heal; null when it was replaced by another cut or outlasted the run. */
  healSample: number | null;
}

/**
 * Above this many replica entries read over the run, samples spread out: a
 * store with a huge key space is sampled less often rather than slowing the
 * run down.
 */
const ENTRY_BUDGET = 20_000_000;

/**
 * Samples what every replica holds (through ReplicaView) at a steady
 * interval and whenever a partition starts or heals, for the divergence and
 * convergence measurements. It is an engine observer: it reads state before
 * an event is processed and schedules nothing, so the run and its trace are
 * exactly what they would be without it. State between events is constant,
 * so a sample taken before the first event at or after its time is the
 * state at that time.
 */
export class ReplicaSampler implements EventObserver {
  readonly sampleTimesUs: TimeUs[] = [];
  /** By node id, in the order replicas were first seen. */
  readonly replicas = new Map<NodeId, ReplicaTrack>();
  readonly partitions: SampledPartition[] = [];
  private nextUs = 0;
  private faultsSeen = 0;
  private finished = false;

  constructor(
    private readonly sim: Simulation,
    /** The steady interval; it widens when a sample reads many entries (see ENTRY_BUDGET). */
    readonly everyUs: number,
    private readonly durationUs: number,
  ) {}

  onEvent(_index: number, timeUs: TimeUs): void {
    if (timeUs < this.nextUs && this.sim.faultLog.length === this.faultsSeen) return;
    this.catchUp(timeUs);
  }

  /** Takes the last sample, at the end of the run (and notes faults logged after the last event); once. */
  finish(endUs: TimeUs): void {
    if (this.finished) return;
    this.finished = true;
    this.catchUp(endUs, true);
  }

  private catchUp(timeUs: TimeUs, final = false): void {
    const log = this.sim.faultLog;
    let sampled = false;
    while (this.faultsSeen < log.length) {
      const fault = log[this.faultsSeen++];
      if (fault.kind !== 'partition' && fault.kind !== 'heal') continue;
      // The fault was the last event processed: the state now is the state right after it.
      this.sample(fault.timeUs);
      sampled = true;
      const at = this.sampleTimesUs.length - 1;
      const open = this.partitions[this.partitions.length - 1];
      if (open !== undefined && open.endUs === null) {
        open.endUs = fault.timeUs;
        if (fault.kind === 'heal') open.healSample = at;
      }
      const cut = this.sim.network.cut;
      if (fault.kind === 'partition' && cut !== null) {
        this.partitions.push({
          startUs: fault.timeUs,
          endUs: null,
          groups: cut.groups.map((g) => [...g]),
          healSample: null,
        });
      }
    }
    if (timeUs < this.nextUs && !final) return;
    // Just sampled at a fault: the state has not changed since.
    const examined = sampled && !final ? 0 : this.sample(timeUs);
    this.nextUs = timeUs + Math.max(this.everyUs, Math.ceil((examined * this.durationUs) / ENTRY_BUDGET));
  }

  /** Records every replica's values at `timeUs`; returns how many entries it read. */
  private sample(timeUs: TimeUs): number {
    const index = this.sampleTimesUs.length;
    this.sampleTimesUs.push(timeUs);
    const sim = this.sim;
    let examined = 0;
    for (let id = 0; id < sim.nodeCount; id++) {
      const process = sim.process(id);
      let track = this.replicas.get(id);
      if (process === null || !isReplicaView(process)) {
        if (track !== undefined && track.up) {
          track.up = false;
          track.upDown.push(index);
        }
        continue;
      }
      if (track === undefined) {
        track = { node: id, upDown: [], keys: new Map(), up: true, current: new Map() };
        this.replicas.set(id, track);
      } else if (!track.up) {
        track.up = true;
        track.upDown.push(index);
      }
      const values = process.localValues();
      examined += values.size + track.current.size;
      for (const [key, value] of values) record(track, key, value, index);
      for (const key of track.current.keys()) if (!values.has(key)) record(track, key, undefined, index);
    }
    return examined;
  }
}

function record(track: ReplicaTrack, key: number, value: ReplicaValue, index: number): void {
  const before = track.current.get(key);
  if (track.current.has(key) ? sameValue(before, value) : value === undefined) return;
  const copy = Array.isArray(value) ? [...value] : value;
  track.current.set(key, copy);
  let changes = track.keys.get(key);
  if (changes === undefined) track.keys.set(key, (changes = { samples: [], values: [] }));
  changes.samples.push(index);
  changes.values.push(copy);
}

/** Equal values: numbers and null by ===, arrays element by element. */
export function sameValue(a: ReplicaValue, b: ReplicaValue): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
