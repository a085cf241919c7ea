import type { EventObserver, RunOptions, RunResult, Simulation } from './simulation.js';
import { describeEvent, type TraceEntry } from './trace.js';
import type { TimeUs } from './time.js';

/** Two runs of one seed disagreed; names the first event where they did. */
export class DeterminismError extends Error {
  constructor(
    readonly eventIndex: number,
    readonly first: TraceEntry | undefined,
    readonly second: TraceEntry | undefined,
  ) {
    super(
      `nondeterminism: runs with the same seed diverged at event #${eventIndex}` +
        `\n  first run:  ${show(first)}\n  second run: ${show(second)}` +
        '\n  look for unseeded randomness, wall-clock reads or iteration over unordered state in the code that handled these events',
    );
    this.name = 'DeterminismError';
  }
}

function show(e: TraceEntry | undefined): string {
  if (e === undefined) return '(no such event: the run had ended)';
  const parts = [`t=${e.timeUs}us`, e.kind];
  if (e.node !== undefined) parts.push(`node=${e.node}`);
  if (e.from !== undefined) parts.push(`from=${e.from}`);
  if (e.tag !== undefined) parts.push(`tag=${e.tag}`);
  return parts.join(' ');
}

const CHUNK = 1 << 16;

/** Compact per-event fingerprints of a run, 25 bytes an event. */
class Recording implements EventObserver {
  readonly time: Float64Array[] = [];
  readonly a: Float64Array[] = [];
  readonly b: Float64Array[] = [];
  readonly target: Int32Array[] = [];
  readonly hash: Int32Array[] = [];
  readonly kind: Uint8Array[] = [];
  count = 0;

  onEvent(index: number, timeUs: TimeUs, kind: number, target: number, a: number, b: number, hashLow: number): void {
    const c = index >>> 16;
    if (c === this.time.length) {
      this.time.push(new Float64Array(CHUNK));
      this.a.push(new Float64Array(CHUNK));
      this.b.push(new Float64Array(CHUNK));
      this.target.push(new Int32Array(CHUNK));
      this.hash.push(new Int32Array(CHUNK));
      this.kind.push(new Uint8Array(CHUNK));
    }
    const i = index & (CHUNK - 1);
    this.time[c][i] = timeUs;
    this.a[c][i] = a;
    this.b[c][i] = b;
    this.target[c][i] = target;
    this.hash[c][i] = hashLow;
    this.kind[c][i] = kind;
    this.count = index + 1;
  }

  entry(sim: Simulation, index: number): TraceEntry | undefined {
    if (index >= this.count) return undefined;
    const c = index >>> 16;
    const i = index & (CHUNK - 1);
    return describeEvent(sim, index, this.time[c][i], this.kind[c][i], this.target[c][i], this.a[c][i], this.b[c][i]);
  }
}

/**
 * Builds and runs the same simulation twice in this process and throws a
 * DeterminismError at the first event where the second run departs from the
 * first (its time, kind, node, or the trace hash after it).
 */
export function checkDeterminism(build: () => Simulation, options: RunOptions = {}): RunResult {
  const firstSim = build();
  const recording = new Recording();
  firstSim.addObserver(recording);
  const first = firstSim.run(options);

  const secondSim = build();
  secondSim.addObserver({
    onEvent(index, timeUs, kind, target, a, b, hashLow) {
      const c = index >>> 16;
      const i = index & (CHUNK - 1);
      if (
        index >= recording.count ||
        recording.hash[c][i] !== hashLow ||
        recording.time[c][i] !== timeUs ||
        recording.kind[c][i] !== kind ||
        recording.target[c][i] !== target ||
        recording.a[c][i] !== a ||
        recording.b[c][i] !== b
      ) {
        throw new DeterminismError(
          index,
          recording.entry(firstSim, index),
          describeEvent(secondSim, index, timeUs, kind, target, a, b),
        );
      }
    },
  });
  const second = secondSim.run(options);
  if (second.events !== first.events) {
    throw new DeterminismError(second.events, recording.entry(firstSim, second.events), undefined);
  }
  if (second.traceHash !== first.traceHash) {
    throw new DeterminismError(second.events, undefined, undefined);
  }
  return first;
}
