import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';
import { buildReport } from '../reports/build-report.js';
import { erlangB, erlangC, mg1, mmc, mmck } from '../reports/queueing-theory.js';

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

describe('the formulas, against textbook values and each other', () => {
  it('Erlang B: B(5, 3) = 0.11005 and B(1, a) = a / (1 + a)', () => {
    expect(erlangB(5, 3)).toBeCloseTo(0.110054, 6);
    expect(erlangB(1, 0.7)).toBeCloseTo(0.7 / 1.7, 12);
  });

  it('Erlang C matches the direct sum, and M/M/1 gives W = 1/(μ − λ)', () => {
    const c = 4;
    const a = 3.2;
    const top = (a ** c / factorial(c)) * (c / (c - a));
    let bottom = top;
    for (let k = 0; k < c; k++) bottom += a ** k / factorial(k);
    expect(erlangC(c, a)).toBeCloseTo(top / bottom, 12);
    expect(mmc(800, 0.001, 1)!.meanSojourn).toBeCloseTo(1 / (1000 - 800), 12);
    expect(mg1(800, 0.001, 0.001 ** 2)!.meanSojourn).toBeCloseTo(1 / (1000 - 800), 12);
  });

  it('M/D/1 waits half as long as M/M/1 (Pollaczek–Khinchine)', () => {
    const md1 = mg1(800, 0.001, 0)!;
    const mm1 = mg1(800, 0.001, 0.001 ** 2)!;
    expect(md1.meanSojourn - 0.001).toBeCloseTo((mm1.meanSojourn - 0.001) / 2, 12);
  });

  it('M/M/c/K tends to M/M/c as K grows, and to Erlang B at K = c', () => {
    expect(mmck(3000, 0.001, 4, 4).blocking).toBeCloseTo(erlangB(4, 3), 12);
    const big = mmck(3200, 0.001, 4, 2000);
    const open = mmc(3200, 0.001, 4)!;
    expect(big.meanSojourn).toBeCloseTo(open.meanSojourn, 9);
    expect(big.probabilityOfWaiting).toBeCloseTo(open.probabilityOfWaiting, 9);
  });

  it('unstable open queues have no steady state', () => {
    expect(mg1(1000, 0.001, 0)).toBeNull();
    expect(mmc(4000, 0.001, 4)).toBeNull();
  });
});

/** One station fed by Poisson clients; service in ms. */
function station(options: {
  ratePerSec: number;
  service: string;
  workers?: number;
  queueCapacity?: number;
  duration: string;
}): string {
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

async function theoryOf(text: string) {
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

/**
 * Long fixed-seed runs: the customer counts are chosen so the standard error
 * of the mean time at the server is about 1% or less (it grows like
 * 1/(1 − ρ) near saturation), and every row must be within 3% of theory.
 */
describe('simulation against theory, within 3%', () => {
  const cases: [string, Parameters<typeof station>[0], string][] = [
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
  for (const [name, options, model] of cases) {
    it(name, async () => {
      const check = await theoryOf(station(options));
      expect(check.model).toBe(model);
      for (const row of check.rows) {
        if (row.relativeDifference === null) expect(row.simulated).toBe(0);
        else
          expect(
            Math.abs(row.relativeDifference),
            `${row.label}: theory ${row.theory}, simulated ${row.simulated}`,
          ).toBeLessThan(0.03);
      }
    });
  }

  it('no theory for a station under faults, or with no closed form', async () => {
    const faulty = `${station({ ratePerSec: 500, service: '1ms', duration: '30s' })}faults:\n  timeline: [{ at: 10s, action: crash, nodes: server-1, for: 1s }]\n`;
    const { scenario } = parseScenarioText(faulty, 'faulty.yaml');
    const run = await runScenario(scenario);
    expect(
      buildReport({
        faultlineVersion: 'test',
        file: null,
        scenario,
        runs: [{ name: 'base', overrides: {}, run }],
        wallSeconds: 1,
      }).theory,
    ).toBeUndefined();
  });
});
