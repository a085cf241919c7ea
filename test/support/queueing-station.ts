import { expect } from 'vitest';
import { parseScenarioText } from '../../scenarios/harness/load-scenario.js';
import { runScenario } from '../../scenarios/harness/run-scenario.js';
import { buildReport } from '../../reports/build-report.js';

/** One station fed by Poisson clients; service in ms. */
export interface StationOptions {
  ratePerSec: number;
  service: string;
  workers?: number;
  queueCapacity?: number;
  duration: string;
}

export function station(options: StationOptions): string {
  return `
name: station
duration: ${options.duration}
warmup: 20s
topology:
  nodes:
    server: { count: 1 }
    client: { count: 2 }
components:
  station:
    type: queue-server
    nodes: server
    serviceTime: ${options.service}
    workers: ${options.workers ?? 1}
${options.queueCapacity === undefined ? '' : `    queueCapacity: ${options.queueCapacity}`}
workloads:
  users: { type: poisson, nodes: client, target: station, rate: ${options.ratePerSec / 2}/s }
slo: { window: 100s }
`;
}

export async function theoryOf(text: string) {
  const { scenario } = parseScenarioText(text, 'station.yaml');
  const run = await runScenario(scenario);
  const report = buildReport({
    faultlineVersion: 'test',
    file: null,
    scenario,
    runs: [{ name: 'base', overrides: {}, run }],
    wallSeconds: 1,
  });
  expect(report.theory).toHaveLength(1);
  return report.theory![0];
}

/** The six stations checked against their closed forms, with the simulated time that gives a ~1% standard error. */
export const THEORY_CASES: [name: string, options: StationOptions, model: string][] = [
  ['M/M/1 at ρ = 0.5', { ratePerSec: 500, service: '{ type: exponential, mean: 1ms }', duration: '2000s' }, 'M/M/1'],
  ['M/M/1 at ρ = 0.8', { ratePerSec: 800, service: '{ type: exponential, mean: 1ms }', duration: '3000s' }, 'M/M/1'],
  [
    'M/M/1 at ρ = 0.95',
    { ratePerSec: 9500, service: '{ type: exponential, mean: 100us }', duration: '1200s' },
    'M/M/1',
  ],
  [
    'M/M/4 at ρ = 0.8',
    { ratePerSec: 3200, service: '{ type: exponential, mean: 1ms }', workers: 4, duration: '1500s' },
    'M/M/4',
  ],
  [
    'Erlang B, c = 5, a = 3, lognormal service',
    {
      ratePerSec: 3000,
      service: '{ type: lognormal, median: 800us, sigma: 0.668 }',
      workers: 5,
      queueCapacity: 0,
      duration: '1500s',
    },
    'M/G/5/5',
  ],
  ['M/D/1 at ρ = 0.8', { ratePerSec: 800, service: '1ms', duration: '3000s' }, 'M/D/1'],
];

/** Every row of the station's theory table within `tolerance` (relative) of its closed form. */
export async function expectWithinTheory(options: StationOptions, model: string, tolerance: number): Promise<void> {
  const check = await theoryOf(station(options));
  expect(check.model).toBe(model);
  for (const row of check.rows) {
    if (row.relativeDifference === null) expect(row.simulated).toBe(0);
    else
      expect(
        Math.abs(row.relativeDifference),
        `${row.label}: theory ${row.theory}, simulated ${row.simulated}`,
      ).toBeLessThan(tolerance);
  }
}
