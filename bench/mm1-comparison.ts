/**
 * The `mm1` scenario beside the same queue as a bare typed-array loop and as a SimPy-style loop (mm1-loops.ts),
 * in completed customers per second, with their ratios; each in a process of its own (bench/in-fresh-process.ts).
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

/** The three ways, in the order they are printed. */
export const MM1_WAYS = [
  'bare typed-array event loop',
  'SimPy-style loop (an object per event)',
  'faultline mm1 scenario, with metrics',
] as const;

/** One way of running the queue; call it through `inFreshProcess`, one way a process. */
export async function mm1Way(name: (typeof MM1_WAYS)[number]): Promise<Mm1Figure> {
  const bench = new Bench({ time: 2_000, warmupTime: 300, iterations: 5 });
  const period = async () => {
    await bench.run();
    const r = bench.tasks[0].result;
    if (!('period' in r)) throw new Error(`benchmark "${name}" did not complete: ${r.state}`);
    return r.period / 1000;
  };
  if (name !== 'faultline mm1 scenario, with metrics') {
    const loop: Mm1Loop = name === 'bare typed-array event loop' ? new BareMm1(MM1) : new SimPyStyleMm1(MM1);
    bench.add(name, () => loop.run(CUSTOMERS));
    const seconds = await period();
    return { name, customersPerSec: CUSTOMERS / seconds, meanSojournMs: loop.meanSojournSec * 1000 };
  }
  const scenario = bundled('mm1');
  const completed = () => scenario.requests.windows.reduce((sum, w) => sum + w.succeeded, 0);
  let atStart = { customers: 0, events: 0 };
  bench.add(name, () => void scenario.sim.run({ maxEvents: EVENTS }), {
    beforeAll() {
      atStart = { customers: completed(), events: scenario.sim.events };
    },
  });
  const seconds = await period();
  const customersPerEvent = (completed() - atStart.customers) / (scenario.sim.events - atStart.events);
  return { name, customersPerSec: (EVENTS / seconds) * customersPerEvent };
}
