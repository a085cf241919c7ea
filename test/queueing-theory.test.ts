import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';
import { buildReport } from '../reports/build-report.js';
import { erlangB, erlangC, mg1, mmc, mmck } from '../reports/queueing-theory.js';
import { THEORY_CASES, expectWithinTheory, station } from './support/queueing-station.js';

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

/**
 * Short fixed-seed runs, a tenth of the long suite's: the standard error of
 * the mean time at the server is about 3% (it grows like 1/(1 − ρ) near
 * saturation), so every row must be within 10%. `npm run test:long` holds the
 * full runs to 3%.
 */
describe('simulation against theory, short runs within 10%', () => {
  for (const [name, options, model] of THEORY_CASES) {
    const seconds = Number.parseInt(options.duration, 10) / 10;
    it(name, () => expectWithinTheory({ ...options, duration: `${seconds}s` }, model, 0.1));
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
