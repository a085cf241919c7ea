import { sameValue, type ReplicaValue } from '../../models/measure/replica-sampler.js';

/** One replica's sampled values: for each key, the samples where its value changed and the values it took. */
export interface ReplicaTimeline {
  name: string;
  /** Replicas are compared with the others of their component only. */
  component: string;
  /** Sample indices where it went down and came back up, alternating, starting with down. */
  upDown: readonly number[];
  keys: ReadonlyMap<number, { samples: readonly number[]; values: readonly ReplicaValue[] }>;
}

export interface ReplicaSamples {
  sampleTimesUs: readonly number[];
  replicas: readonly ReplicaTimeline[];
}

/** Per sample: keys whose live replicas disagree, and keys at least one live replica held. */
export interface Divergence {
  divergent: number[];
  held: number[];
}

/**
 * Replays the samples in order and counts, at each one, the keys on which
 * the live replicas that hold them disagree (two holding different values,
 * siblings compared as a whole). A replica that is down, or does not hold a
 * key (it is not one of the key's replicas, or lost it in a crash), is not
 * compared for it.
 */
export function divergence(samples: ReplicaSamples): Divergence {
  const n = samples.sampleTimesUs.length;
  const changes: { replica: number; key: number; value: ReplicaValue }[][] = Array.from({ length: n }, () => []);
  const flips: number[][] = Array.from({ length: n }, () => []);
  samples.replicas.forEach((r, replica) => {
    for (const [key, { samples: at, values }] of r.keys)
      at.forEach((i, j) => changes[i].push({ replica, key, value: values[j] }));
    for (const i of r.upDown) flips[i].push(replica);
  });
  const components = [...new Set(samples.replicas.map((r) => r.component))];
  const members = components.map((c) => samples.replicas.flatMap((r, i) => (r.component === c ? [i] : [])));
  const componentOf = samples.replicas.map((r) => components.indexOf(r.component));
  const up = samples.replicas.map(() => true);
  const values = samples.replicas.map(() => new Map<number, ReplicaValue>());
  const keysOf = components.map(() => new Set<number>());
  const divergentOf = components.map(() => new Set<number>());
  const heldOf = components.map(() => new Set<number>());
  const result: Divergence = { divergent: [], held: [] };

  for (let i = 0; i < n; i++) {
    const touched = components.map(() => new Set<number>());
    for (const { replica, key, value } of changes[i]) {
      values[replica].set(key, value);
      keysOf[componentOf[replica]].add(key);
      touched[componentOf[replica]].add(key);
    }
    for (const replica of flips[i]) {
      up[replica] = !up[replica];
      for (const key of keysOf[componentOf[replica]]) touched[componentOf[replica]].add(key);
    }
    touched.forEach((keys, c) => {
      for (const key of keys) {
        let first: ReplicaValue = undefined;
        let holders = 0;
        let differ = false;
        for (const replica of members[c]) {
          const value = up[replica] ? values[replica].get(key) : undefined;
          if (value === undefined) continue;
          if (holders++ === 0) first = value;
          else if (!sameValue(first, value)) differ = true;
        }
        setMember(divergentOf[c], key, differ);
        setMember(heldOf[c], key, holders > 0);
      }
    });
    result.divergent.push(divergentOf.reduce((sum, s) => sum + s.size, 0));
    result.held.push(heldOf.reduce((sum, s) => sum + s.size, 0));
  }
  return result;
}

/**
 * The first sample at or after `afterUs` from which no key diverges to the
 * end; null when the last sample still diverges, or was taken before
 * `afterUs` (convergence not observed by the end).
 */
export function convergedSample(samples: ReplicaSamples, divergent: readonly number[], afterUs: number): number | null {
  const n = divergent.length;
  if (n === 0 || divergent[n - 1] > 0 || samples.sampleTimesUs[n - 1] < afterUs) return null;
  let i = n - 1;
  while (i > 0 && divergent[i - 1] === 0 && samples.sampleTimesUs[i - 1] >= afterUs) i--;
  return i;
}

/**
 * What the live replicas hold for each key at the last sample, one entry
 * per replica that has ever held the key; keys in ascending order. A
 * replica that held a key and no longer does (it rebuilt its state from a
 * new leader's log, or restarted empty) holds the empty value: its copy is
 * gone.
 */
export function finalHoldings(samples: ReplicaSamples): Map<number, ReplicaValue[]> {
  const out = new Map<number, ReplicaValue[]>();
  for (const r of samples.replicas) {
    if (r.upDown.length % 2 === 1) continue; // down at the end
    for (const [key, { values }] of r.keys) {
      const value = values[values.length - 1] ?? null;
      let list = out.get(key);
      if (list === undefined) out.set(key, (list = []));
      list.push(value);
    }
  }
  return new Map([...out].sort((a, b) => a[0] - b[0]));
}

function setMember(set: Set<number>, key: number, member: boolean): void {
  if (member) set.add(key);
  else set.delete(key);
}
