/**
 * The classic hold model: keep N events pending; each operation pops the
 * earliest and pushes a successor at its time plus an Exp(mean 1000 µs) delay.
 * It measures a queue at a steady size, which is what a simulation's inner
 * loop does. The typed queue is one heap up to 2^15 pending events and
 * bucketed beyond, so the 1e5 and 1e6 rows time its bucketed mode.
 */
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { HeapEventQueue } from '../engine/heap-event-queue.js';
import { TypedEventQueue } from '../engine/typed-event-queue.js';

export interface Row {
  name: string;
  /** Hold operations (one pop plus one push) per second. */
  opsPerSec: number;
  note?: string;
  queue: 'heap' | 'typed';
  pending: number;
  /** Relative margin of error of the mean, in percent. */
  rmePercent: number;
  samples: number;
  /** Typed rows only: typed ops/s over heap-js ops/s at the same size. */
  vsHeap?: number;
}

export interface HoldOptions {
  sizes?: readonly number[];
  /** Time budget per task in milliseconds. */
  timeMs?: number;
}

export const HOLD_SIZES: readonly number[] = [1e3, 1e4, 1e5, 1e6];

/** Hold operations per timed sample, so timer resolution and call overhead vanish. */
const BATCH = 4096;
const DRAW_MASK = (1 << 20) - 1;

/**
 * Precomputed integer Exp(mean 1000) delays, cycled through, so the benchmark
 * times the queue rather than the random number generator.
 */
function exponentialDraws(seed: number): Float64Array {
  const draws = new Float64Array(DRAW_MASK + 1);
  let x = seed | 0 || 1;
  for (let i = 0; i < draws.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const u = ((x >>> 0) + 0.5) / 2 ** 32;
    draws[i] = Math.round(-1000 * Math.log(u));
  }
  return draws;
}

// Two copies of the loop rather than one over `EventQueue`, so each stays monomorphic.
function holdTyped(q: TypedEventQueue, draws: Float64Array, k: number): number {
  for (let i = 0; i < BATCH; i++) {
    q.pop();
    q.push(q.currentTimeUs + draws[k++ & DRAW_MASK], 0, 0, 0, 0, null);
  }
  return k;
}

function holdHeap(q: HeapEventQueue, draws: Float64Array, k: number): number {
  for (let i = 0; i < BATCH; i++) {
    q.pop();
    q.push(q.currentTimeUs + draws[k++ & DRAW_MASK], 0, 0, 0, 0, null);
  }
  return k;
}

function fill(q: TypedEventQueue | HeapEventQueue, pending: number, draws: Float64Array): number {
  let k = 0;
  for (let i = 0; i < pending; i++) q.push(draws[k++ & DRAW_MASK], 0, 0, 0, 0, null);
  return k;
}

interface Measured {
  opsPerSec: number;
  rmePercent: number;
  samples: number;
}

/** One bench per task, so only one filled queue is alive at a time. */
async function measure(name: string, timeMs: number, batch: () => void): Promise<Measured> {
  const bench = new Bench({ time: timeMs, warmupTime: 300, iterations: 8, warmupIterations: 4, throws: true });
  bench.add(name, batch);
  await bench.run();
  const result = bench.getTask(name)!.result;
  if (result.state !== 'completed') throw new Error(`hold ${name}: ${result.state}`);
  return {
    opsPerSec: (BATCH * 1000) / result.latency.mean,
    rmePercent: result.latency.rme,
    samples: result.latency.samplesCount,
  };
}

export async function holdBenchmarks(options: HoldOptions = {}): Promise<Row[]> {
  const sizes = options.sizes ?? HOLD_SIZES;
  const timeMs = options.timeMs ?? 1500;
  const draws = exponentialDraws(0x9e3779b9);
  const heapRows: Row[] = [];
  const typedRows: Row[] = [];
  for (const pending of sizes) {
    const label = pending.toExponential(0);

    const typed = new TypedEventQueue(pending + 1);
    let k = fill(typed, pending, draws);
    const t = await measure(`typed ${label}`, timeMs, () => void (k = holdTyped(typed, draws, k)));

    const heap = new HeapEventQueue();
    k = fill(heap, pending, draws);
    const h = await measure(`heap ${label}`, timeMs, () => void (k = holdHeap(heap, draws, k)));

    heapRows.push({ name: `hold heap N=${label}`, queue: 'heap', pending, ...h });
    const vsHeap = t.opsPerSec / h.opsPerSec;
    typedRows.push({
      name: `hold typed N=${label}`,
      queue: 'typed',
      pending,
      ...t,
      vsHeap,
      note: `${vsHeap.toFixed(2)}x heap-js`,
    });
  }
  return [...heapRows, ...typedRows];
}

export function formatHoldTable(rows: readonly Row[]): string {
  const lines = ['queue  pending    events/s      ±%  samples  vs heap-js'];
  for (const r of rows) {
    lines.push(
      [
        r.queue.padEnd(5),
        r.pending.toExponential(0).padStart(8),
        Math.round(r.opsPerSec).toLocaleString('en-US').padStart(11),
        r.rmePercent.toFixed(1).padStart(7),
        String(r.samples).padStart(8),
        r.vsHeap === undefined ? '' : `${r.vsHeap.toFixed(2)}x`.padStart(11),
      ].join(' '),
    );
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = performance.now();
  console.log(formatHoldTable(await holdBenchmarks()));
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
