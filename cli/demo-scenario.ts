import { scheduleFaults } from '../engine/faults.js';
import { Simulation } from '../engine/simulation.js';
import { MILLISECOND, SECOND } from '../engine/time.js';
import { PoissonClient } from '../models/poisson-client.js';
import { QueueServer } from '../models/queue-server.js';
import { RequestStats } from '../models/request-stats.js';

export const DEMO_DURATION_US = 60 * SECOND;

/**
 * The built-in job: six clients in two regions call four servers spread over
 * both; at 20 s the regions are partitioned for 15 s, and at 30 s server-1
 * crashes for 10 s. Requests across the cut time out; the crash adds more.
 */
export function buildDemo(seed: number | string, queue: 'typed' | 'heap' = 'typed') {
  const sim = new Simulation({ seed, queue });
  const stats = new RequestStats();
  const regions = ['us-east', 'eu-west'];
  const servers = ['server-1', 'server-2', 'server-3', 'server-4'];
  servers.forEach((name, i) => {
    sim.addNode({
      name,
      region: regions[i < 2 ? 0 : 1],
      group: 'server',
      process: (ctx) =>
        new QueueServer(ctx, { serviceTimeUs: { type: 'exponential', mean: 2 * MILLISECOND }, workers: 4, queueCapacity: 100 }),
    });
  });
  for (let i = 1; i <= 6; i++) {
    sim.addNode({
      name: `client-${i}`,
      region: regions[i <= 3 ? 0 : 1],
      group: 'client',
      process: (ctx) =>
        new PoissonClient(ctx, { targets: servers, ratePerSec: 200, timeoutUs: 500 * MILLISECOND, requestSizeBytes: 512, stats }),
    });
  }
  scheduleFaults(sim, [
    {
      atUs: 20 * SECOND,
      action: {
        kind: 'partition',
        shape: { type: 'groups', groups: [['server-1', 'server-2', 'client-1', 'client-2', 'client-3'], ['server-3', 'server-4', 'client-4', 'client-5', 'client-6']] },
        forUs: 15 * SECOND,
      },
    },
    { atUs: 30 * SECOND, action: { kind: 'crash', nodes: 'server-1', forUs: 10 * SECOND } },
  ]);
  return { sim, stats };
}
