import { EVENT_KIND_NAMES, EV_DELIVER, EV_TIMER, type EventKindName } from './event-kinds.js';
import type { EventObserver, Simulation } from './simulation.js';
import type { TimeUs } from './time.js';

/** One processed event, as recorders and the determinism check describe it. */
export interface TraceEntry {
  index: number;
  timeUs: TimeUs;
  kind: EventKindName;
  /** The node the event is for; absent for engine-level calls (faults, harness callbacks). */
  node?: string;
  /** Sender of a delivered message. */
  from?: string;
  sizeBytes?: number;
  /** Tag of a timer. */
  tag?: number;
}

export function describeEvent(
  sim: Simulation,
  index: number,
  timeUs: TimeUs,
  kind: number,
  target: number,
  a: number,
  b: number,
): TraceEntry {
  const entry: TraceEntry = { index, timeUs, kind: EVENT_KIND_NAMES[kind] };
  if (target >= 0) entry.node = sim.nodeName(target);
  if (kind === EV_DELIVER) {
    entry.from = sim.nodeName(a);
    entry.sizeBytes = b;
  } else if (kind === EV_TIMER) {
    entry.tag = a;
  }
  return entry;
}

/** Keeps the last `capacity` events in typed arrays: bounded memory however long the run. */
export class RingTrace implements EventObserver {
  private readonly index: Float64Array;
  private readonly time: Float64Array;
  private readonly kind: Uint8Array;
  private readonly target: Int32Array;
  private readonly a: Float64Array;
  private readonly b: Float64Array;
  private count = 0;

  constructor(
    private readonly sim: Simulation,
    readonly capacity: number,
  ) {
    if (!(capacity >= 1)) throw new RangeError(`trace capacity must be >= 1, got ${capacity}`);
    this.index = new Float64Array(capacity);
    this.time = new Float64Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.target = new Int32Array(capacity);
    this.a = new Float64Array(capacity);
    this.b = new Float64Array(capacity);
  }

  onEvent(index: number, timeUs: TimeUs, kind: number, target: number, a: number, b: number): void {
    const i = this.count % this.capacity;
    this.index[i] = index;
    this.time[i] = timeUs;
    this.kind[i] = kind;
    this.target[i] = target;
    this.a[i] = a;
    this.b[i] = b;
    this.count++;
  }

  /** The recorded events, oldest first. */
  entries(): TraceEntry[] {
    const n = Math.min(this.count, this.capacity);
    const first = this.count - n;
    const out: TraceEntry[] = [];
    for (let k = first; k < this.count; k++) {
      const i = k % this.capacity;
      out.push(
        describeEvent(this.sim, this.index[i], this.time[i], this.kind[i], this.target[i], this.a[i], this.b[i]),
      );
    }
    return out;
  }
}

/** Streams every event as one JSON line to `write` (a file stream, say). */
export class JsonlTrace implements EventObserver {
  constructor(
    private readonly sim: Simulation,
    private readonly write: (line: string) => void,
  ) {}

  onEvent(index: number, timeUs: TimeUs, kind: number, target: number, a: number, b: number): void {
    this.write(JSON.stringify(describeEvent(this.sim, index, timeUs, kind, target, a, b)) + '\n');
  }
}

/** Fans one event stream out to several observers. */
export function observers(...list: EventObserver[]): EventObserver {
  return {
    onEvent(index, timeUs, kind, target, a, b, hashLow) {
      for (const o of list) o.onEvent(index, timeUs, kind, target, a, b, hashLow);
    },
  };
}
