import type { RandomStream } from '../../engine/index.js';
import { ConsistentHashRing } from '../parts/consistent-hash-ring.js';
import { hash32 } from '../parts/hash.js';

export const BALANCING_ALGORITHMS = [
  'round-robin',
  'weighted-round-robin',
  'random',
  'least-connections',
  'power-of-two',
  'least-response-time',
  'ip-hash',
  'key-hash',
  'consistent-hash',
  'resource-based',
] as const;
export type BalancingAlgorithm = (typeof BALANCING_ALGORITHMS)[number];

/**
 * What a balancer knows of its backends, and how it picks one. Every
 * algorithm skips backends that are not available (ejected); ties go to the
 * lowest index after the round-robin cursor, so no backend is favoured.
 */
export class Backends {
  readonly inFlight: Int32Array;
  /** Smoothed response time per backend (µs); 0 until the first response. */
  readonly ewmaUs: Float64Array;
  /** Ejected until this true time (µs) by passive checks; 0 when in rotation. */
  readonly ejectedUntilUs: Float64Array;
  /** 1 while active health checks call the backend unhealthy. */
  readonly unhealthy: Uint8Array;
  /** The load each backend last reported (busy workers plus waiting requests, over workers), for resource-based picks; 0 until it reports. */
  readonly reportedLoad: Float64Array;
  private readonly current: Float64Array;
  private readonly ring: ConsistentHashRing | null;
  private cursor = 0;
  nowUs = 0;

  constructor(
    readonly algorithm: BalancingAlgorithm,
    readonly weights: readonly number[],
    private readonly rng: RandomStream,
    private readonly ewmaWeight: number,
    virtualNodes: number,
  ) {
    const n = weights.length;
    this.inFlight = new Int32Array(n);
    this.ewmaUs = new Float64Array(n);
    this.ejectedUntilUs = new Float64Array(n);
    this.unhealthy = new Uint8Array(n);
    this.reportedLoad = new Float64Array(n);
    this.current = new Float64Array(n);
    this.ring = algorithm === 'consistent-hash' ? new ConsistentHashRing(weights, virtualNodes) : null;
  }

  get count(): number {
    return this.weights.length;
  }

  available(i: number): boolean {
    return this.unhealthy[i] === 0 && this.ejectedUntilUs[i] <= this.nowUs;
  }

  recordResponse(i: number, latencyUs: number): void {
    const e = this.ewmaUs[i];
    this.ewmaUs[i] = e === 0 ? latencyUs : e + this.ewmaWeight * (latencyUs - e);
  }

  /** The backend for a request from `client` with `key` (the client id when the request has none); -1 when every backend is out. */
  pick(client: number, key: number): number {
    const n = this.weights.length;
    switch (this.algorithm) {
      case 'round-robin':
        for (let k = 0; k < n; k++) {
          const i = (this.cursor + k) % n;
          if (this.available(i)) {
            this.cursor = (i + 1) % n;
            return i;
          }
        }
        return -1;
      case 'weighted-round-robin':
        return this.smoothWeighted();
      case 'random':
        return this.randomAvailable();
      case 'least-connections':
        return this.leastBy((i) => this.inFlight[i] / this.weights[i]);
      case 'power-of-two': {
        const a = this.randomAvailable();
        if (a < 0) return -1;
        const b = this.randomAvailable();
        return this.inFlight[b] / this.weights[b] < this.inFlight[a] / this.weights[a] ? b : a;
      }
      case 'least-response-time':
        // Expected wait: queue ahead times smoothed response time; untried backends first.
        return this.leastBy((i) => ((this.inFlight[i] + 1) * this.ewmaUs[i]) / this.weights[i]);
      case 'ip-hash':
        return this.modulo(hash32(client));
      case 'key-hash':
        return this.modulo(hash32(key));
      case 'consistent-hash':
        return this.ring!.lookup(key, (i) => this.available(i));
      case 'resource-based':
        // Acts on the last reports however old: between two, every pick goes where the load looked lowest.
        return this.leastBy((i) => this.reportedLoad[i] / this.weights[i]);
    }
  }

  /** nginx's smooth weighted round robin: exact shares over each cycle of total weight, interleaved. */
  private smoothWeighted(): number {
    let best = -1;
    let total = 0;
    for (let i = 0; i < this.weights.length; i++) {
      if (!this.available(i)) continue;
      this.current[i] += this.weights[i];
      total += this.weights[i];
      if (best < 0 || this.current[i] > this.current[best]) best = i;
    }
    if (best >= 0) this.current[best] -= total;
    return best;
  }

  private randomAvailable(): number {
    const n = this.weights.length;
    const start = this.rng.int(n);
    for (let k = 0; k < n; k++) {
      const i = (start + k) % n;
      if (this.available(i)) return i;
    }
    return -1;
  }

  private leastBy(score: (i: number) => number): number {
    const n = this.weights.length;
    let best = -1;
    let bestScore = Infinity;
    for (let k = 0; k < n; k++) {
      const i = (this.cursor + k) % n;
      if (!this.available(i)) continue;
      const s = score(i);
      if (s < bestScore) {
        best = i;
        bestScore = s;
      }
    }
    if (best >= 0) this.cursor = (best + 1) % n;
    return best;
  }

  /** Hash modulo the backends in rotation, as simple hashing does: an ejection remaps most keys. */
  private modulo(h: number): number {
    let up = 0;
    for (let i = 0; i < this.weights.length; i++) if (this.available(i)) up++;
    if (up === 0) return -1;
    let target = h % up;
    for (let i = 0; i < this.weights.length; i++) {
      if (!this.available(i)) continue;
      if (target-- === 0) return i;
    }
    return -1;
  }
}
