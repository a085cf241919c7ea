import { Bench } from 'tinybench';
import { JsonlTrace } from '../engine/index.js';
import { buildScenario } from '../scenarios/harness/build-scenario.js';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { CheckpointRecorder } from '../scenarios/harness/trace-checkpoints.js';
import { BALANCED_PATH } from './simulations.js';

const BATCH = 200_000;

export interface TracingFigure {
  name: string;
  eventsPerSec: number;
  /** Trace lines written per second, when a trace is on. */
  linesPerSec?: number;
}

/**
 * The cost of tracing on the load-balanced request path, each case its own
 * copy of the run continued batch by batch: no observer (tracing off, what
 * every run without --trace does), the trace-hash checkpoints every run
 * takes, an observer that does nothing (the price of being observed at
 * all), a trace whose filter keeps nothing, and a full JSONL trace into a
 * sink that drops the lines (formatting, not disk).
 */
export async function tracingBenchmarks(): Promise<TracingFigure[]> {
  const build = () => buildScenario(parseScenarioText(BALANCED_PATH, 'balanced-path.yaml').scenario);
  const off = build();
  const checkpointed = build();
  const recorder = new CheckpointRecorder();
  const observed = build();
  observed.sim.addObserver({ onEvent() {} });
  const filtered = build();
  new JsonlTrace(filtered.sim, () => {}, { filter: { kinds: ['fault'] } }).attach();
  const traced = build();
  let lines = 0;
  new JsonlTrace(traced.sim, () => lines++).attach();
  const bench = new Bench({ time: 3_000, warmupTime: 500, iterations: 5 });
  bench.add('trace off', () => {
    off.sim.run({ maxEvents: BATCH });
  });
  bench.add('trace off, with the trace-hash checkpoints', () => {
    recorder.run(checkpointed.sim, Infinity, BATCH);
  });
  bench.add('an observer that does nothing', () => {
    observed.sim.run({ maxEvents: BATCH });
  });
  bench.add('a trace whose filter keeps no line', () => {
    filtered.sim.run({ maxEvents: BATCH });
  });
  let linesAtStart = 0;
  let eventsAtStart = 0;
  bench.add(
    'full JSONL trace (lines formatted, then dropped)',
    () => {
      traced.sim.run({ maxEvents: BATCH });
    },
    {
      beforeAll() {
        linesAtStart = lines;
        eventsAtStart = traced.sim.events;
      },
    },
  );
  await bench.run();
  return bench.tasks.map((task) => {
    const r = task.result;
    if (!('period' in r)) throw new Error(`benchmark "${task.name}" did not complete: ${r.state}`);
    const eventsPerSec = BATCH / (r.period / 1000);
    const figure: TracingFigure = { name: task.name, eventsPerSec };
    if (task.name.startsWith('full'))
      figure.linesPerSec = eventsPerSec * ((lines - linesAtStart) / (traced.sim.events - eventsAtStart));
    return figure;
  });
}
