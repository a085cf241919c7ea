import type { RunResult } from '../../engine/simulation.js';
import { ERROR_KINDS } from '../../models/measure/request-metrics.js';
import { buildScenario, type BuiltScenario } from './build-scenario.js';
import type { Scenario } from './scenario-schema.js';

/** Events per slice between checks for progress, Ctrl-C and the stop condition. */
const SLICE_EVENTS = 250_000;

export interface RunControl {
  /** Called after every slice with how far the run has got. */
  onProgress?(simulatedUs: number, durationUs: number, events: number): void;
  /** Checked between slices; the run stops and `runScenario` throws RunInterrupted. */
  signal?: AbortSignal;
  queue?: 'typed' | 'heap';
}

export interface CompletedRun {
  built: BuiltScenario;
  result: RunResult;
}

export class RunInterrupted extends Error {
  constructor() {
    super('the run was interrupted; nothing was written');
    this.name = 'RunInterrupted';
  }
}

/**
 * Runs a scenario to its duration (or its stop condition, checked at window
 * boundaries so the end never depends on slicing). Slicing by event count
 * keeps the process responsive; it does not change the trace.
 */
export async function runScenario(scenario: Scenario, control: RunControl = {}): Promise<CompletedRun> {
  const built = buildScenario(scenario, { queue: control.queue });
  const { sim, requests } = built;
  const durationUs = scenario.duration;
  const windowUs = scenario.slo.window;
  const stopAfter = scenario.stop?.afterRequests;
  let boundaryUs = stopAfter === undefined ? durationUs : Math.min(windowUs, durationUs);
  for (;;) {
    sim.run({ untilUs: boundaryUs, maxEvents: SLICE_EVENTS });
    control.onProgress?.(sim.nowUs, durationUs, sim.events);
    if (control.signal?.aborted) throw new RunInterrupted();
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (sim.nowUs < boundaryUs) continue;
    if (boundaryUs >= durationUs) break;
    const finished = requests.windows.reduce(
      (sum, w) => sum + w.succeeded + ERROR_KINDS.reduce((s, k) => s + w.errors[k], 0),
      0,
    );
    if (stopAfter !== undefined && finished >= stopAfter) break;
    boundaryUs = Math.min(boundaryUs + windowUs, durationUs);
  }
  sim.foldIntoTraceHash(reportedResults(built));
  return { built, result: sim.result() };
}

/**
 * What the models reported, folded into the trace hash after the run so that
 * the hash also covers the measurements: request outcomes per window, each
 * component's counters and details, and every operation of the store history.
 */
function reportedResults({ requests, components, history }: BuiltScenario): unknown {
  return {
    requests: [requests.sent, requests.retries, requests.hedges, requests.succeeded, requests.good, requests.errors],
    latency: requests.latency.summary(),
    windows: requests.windows,
    components: components.map(({ metrics: m }) => [
      m.name,
      m.arrived,
      m.served,
      m.rejected,
      m.dropped,
      m.waited,
      m.sojournSumUs,
      m.details,
    ]),
    history: history.events,
  };
}
