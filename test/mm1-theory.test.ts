import { describe, expect, it } from 'vitest';
import { Simulation, SECOND } from '../engine/index.js';
import { PoissonClient } from '../models/poisson-client.js';
import { QueueServer } from '../models/queue-server.js';
import { RequestMetrics } from '../models/metrics/request-metrics.js';

/** An M/M/1 station on the engine, with zero network delay so only queueing counts. */
function mm1(lambdaPerSec: number, muPerSec: number, seed: number, durationUs: number) {
  const sim = new Simulation({ seed });
  const stats = new RequestMetrics({ windowUs: SECOND, durationUs: durationUs, availabilityThresholdUs: SECOND, measureFromUs: 60 * SECOND });
  sim.addNode({
    name: 'server',
    process: (ctx) => new QueueServer(ctx, { serviceTimeUs: { type: 'exponential', mean: SECOND / muPerSec } }),
  });
  sim.addNode({
    name: 'client',
    process: (ctx) => new PoissonClient(ctx, { targets: ['server'], ratePerSec: lambdaPerSec, metrics: stats }),
  });
  sim.setLink('client', 'server', { latencyUs: { type: 'constant', value: 0 } }, true);
  const result = sim.run({ untilUs: durationUs });
  return { stats, result };
}

describe('the engine against queueing theory', () => {
  it('M/M/1 at rho = 0.8 has mean response time 1/(mu - lambda) within 2%', () => {
    const lambda = 800;
    const mu = 1000;
    const { stats } = mm1(lambda, mu, 7, 2_400 * SECOND);
    const theoryUs = SECOND / (mu - lambda);
    expect(stats.succeeded).toBeGreaterThan(1_500_000);
    const relativeError = Math.abs(stats.latency.summary().meanUs - theoryUs) / theoryUs;
    expect(relativeError).toBeLessThan(0.02);
  });
});
