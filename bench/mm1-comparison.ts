/**
 * The `mm1` scenario beside the same queue as a bare typed-array loop and as a SimPy-style loop (mm1-loops.ts),
 * in completed customers per second, with their ratios.
 */
import { Bench } from 'tinybench';
import { BareMm1, SimPyStyleMm1, type Mm1Loop } from './mm1-loops.js';
import { bundled } from './simulations.js';

export interface Mm1Figure {
  name: string;
  customersPerSec: number;
  /** Mean time in system (ms) for the two loops: a check that they simulate the queue (theory: 5 ms). */
  meanSojournMs?: number;
}

/** The scenario's parameters: Poisson arrivals at 800/s, exponential service with a 1 ms mean. */
const MM1 = { arrivalsPerSec: 800, servicesPerSec: 1000 };
const CUSTOMERS = 50_000;
const EVENTS = 200_000;

export async function mm1Comparison(): Promise<Mm1Figure[]> {
  const loops: [string, Mm1Loop][] = [
    ['bare typed-array event loop', new BareMm1(MM1)],
    ['SimPy-style loop (an object per event)', new SimPyStyleMm1(MM1)],
  ];
  const scenario = bundled('mm1');
  const completed = () => scenario.requests.windows.reduce((sum, w) => sum + w.succeeded, 0);
  let scenarioStart = { customers: 0, events: 0 };
  const bench = new Bench({ time: 2_000, warmupTime: 300, iterations: 5 });
  for (const [name, loop] of loops) bench.add(name, () => loop.run(CUSTOMERS));
  const faultline = 'faultline mm1 scenario, with metrics';
  bench.add(faultline, () => void scenario.sim.run({ maxEvents: EVENTS }), {
    beforeAll() {
      scenarioStart = { customers: completed(), events: scenario.sim.events };
    },
  });
  await bench.run();
  return bench.tasks.map((task) => {
    const r = task.result;
    if (!('period' in r)) throw new Error(`benchmark "${task.name}" did not complete: ${r.state}`);
    const loop = loops.find(([name]) => name === task.name)?.[1];
    if (loop !== undefined)
      return {
        name: task.name,
        customersPerSec: CUSTOMERS / (r.period / 1000),
        meanSojournMs: loop.meanSojournSec * 1000,
      };
    const customersPerEvent = (completed() - scenarioStart.customers) / (scenario.sim.events - scenarioStart.events);
    return { name: task.name, customersPerSec: (EVENTS / (r.period / 1000)) * customersPerEvent };
  });
}
