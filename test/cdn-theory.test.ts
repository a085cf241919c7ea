import { describe, expect, it } from 'vitest';
import { cachesReport } from '../reports/caches/cache-report.js';
import { runMetrics } from '../reports/run-metrics.js';
import { cdnTheory, cdnTheoryReport, CDN_THEORY_NOTE } from '../reports/caches/cdn-theory.js';
import { zipfPopularity, lruTheory, scaleRates } from '../reports/caches/cache-theory.js';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';

/** Two edges (regions a and b) in front of one shield and the origin; LRU by entries; Zipf(0.8) over 2,000 keys. */
const twoTier = (duration: string, warmup = '20s') => `
name: cdn-two-tier
description: two edge PoPs and a shield, against Che tier by tier
seed: 5
duration: ${duration}
warmup: ${warmup}
topology:
  regions: [a, b]
  rtt: { sameRegion: 1ms, crossRegion: 30ms }
  nodes:
    resolver: { count: 1, region: a }
    edge-pop: { count: 2, region: [a, b] }
    shield-pop: { count: 1, region: a }
    origin-host: { count: 1, region: a }
    client-a: { count: 4, region: a }
    client-b: { count: 4, region: b }
components:
  dns: { type: dns, nodes: resolver, records: { cdn: [edge] }, policy: nearest, ttl: 1h }
  edge: { type: cdn-tier, tier: edge, nodes: edge-pop, parent: shield, capacity: 100 }
  shield: { type: cdn-tier, tier: shield, nodes: shield-pop, parent: origin, capacity: 300 }
  origin: { type: kv-store, nodes: origin-host, keys: { count: 2000 }, workers: 64 }
workloads:
  users-a: { type: poisson, nodes: client-a, dns: dns, target: cdn, rate: 100/s, keys: { count: 2000, zipf: 0.8 } }
  users-b: { type: poisson, nodes: client-b, dns: dns, target: cdn, rate: 50/s, keys: { count: 2000, zipf: 0.8 } }
`;

describe('CDN theory: Che tier by tier', () => {
  it('a single tier is Che itself, and its misses feed the parent as λ_i(1 − h_i)', () => {
    const rates = scaleRates(zipfPopularity(500, 0.9), 100);
    const sizes = new Float64Array(500).fill(1000);
    const edge = { parentOf: () => 0 };
    const theory = cdnTheory({
      tiers: [
        {
          component: 'edge',
          tier: 'edge',
          policy: 'lru',
          capacity: 50,
          capacityInBytes: false,
          pushedKeys: 0,
          pops: [edge, edge],
          parentTier: 1,
        },
        {
          component: 'shield',
          tier: 'shield',
          policy: 'lru',
          capacity: 100,
          capacityInBytes: false,
          pushedKeys: 0,
          pops: [{ parentOf: () => -1 }],
          parentTier: -1,
        },
      ],
      clientRates: [[rates, rates], [new Float64Array(500)]],
      sizes,
    });
    const che = lruTheory(rates, 50);
    expect(theory.tiers[0].hitRatio).toBeCloseTo(che.hitRatio, 12);
    expect(theory.tiers[0].approximate).toBe(false);
    expect(theory.tiers[1].approximate).toBe(true);
    expect(theory.tiers[1].requestRatePerSec).toBeCloseTo(2 * 100 * (1 - che.hitRatio), 9);
    expect(theory.originRatePerSec).toBeCloseTo(theory.tiers[1].missRatePerSec, 9);
    expect(theory.originOffload).toBeCloseTo(1 - theory.originRatePerSec / 200, 12);
  });

  it('simulated hit ratios per tier and origin offload match the theory of a two-tier run', async () => {
    const completed = await runScenario(parseScenarioText(twoTier('120s'), 'cdn-two-tier.yaml').scenario);
    const { built, result } = completed;
    const caches = cachesReport(built.caches, runMetrics(built, result).timeline, built.scenario.warmup);
    const cdn = cdnTheoryReport(built, caches)!;
    expect(cdn.note).toBe(CDN_THEORY_NOTE);
    expect(cdn.note).toMatch(/approximation \(a miss stream is not Poisson\)/);
    const [edge, shield] = cdn.tiers;
    expect(edge.approximate).toBe(false);
    // The first tier sees Poisson requests: Che is as good as it is for one cache (0.2874 in theory, 0.2877 simulated).
    expect(Math.abs(edge.hitRatio.simulated! - edge.hitRatio.theory)).toBeLessThan(0.01);
    // Above it, the approximation shows: an LRU's miss stream is smoother than Poisson (a key just missed stays cached
    // below for about T, so it cannot miss again soon), and the shield hits less than Che on Poisson input says
    // (0.251 simulated, 0.296 in theory), as Martina, Garetto & Leonardi (2014) found for LRU networks.
    expect(shield.approximate).toBe(true);
    expect(shield.hitRatio.simulated!).toBeLessThan(shield.hitRatio.theory);
    expect(shield.hitRatio.theory - shield.hitRatio.simulated!).toBeLessThan(0.06);
    expect(Math.abs(cdn.originOffload.simulated! - cdn.originOffload.theory)).toBeLessThan(0.04);
  });

  it('gives no theory where it does not apply: a purge, a fault, a short TTL, requests it would not count', async () => {
    for (const change of [
      (y: string) => y.replace('capacity: 300 }', 'capacity: 300, purges: [{ at: 500ms, keys: [1, 10] }] }'),
      (y: string) => `${y}faults:\n  timeline:\n    - { at: 500ms, action: crash, nodes: edge-pop-1 }\n`,
      (y: string) => y.replace('capacity: 100 }', 'capacity: 100, ttl: 1s }'),
      // Each client sticks to the one PoP its answer names: not an even split.
      (y: string) => y.replace('policy: nearest', 'policy: round-robin'),
      // Keys the origin lacks are never cached.
      (y: string) => y.replace('keys: { count: 2000 }', 'keys: { count: 1000 }'),
      // A balancer in front of the edges adds requests no workload of the theory makes.
      (y: string) =>
        y
          .replace('  origin:', '  lb: { type: load-balancer, nodes: lb-host, backends: [edge] }\n  origin:')
          .replace(
            '    origin-host:',
            '    lb-host: { count: 1, region: a }\n    lb-client: { count: 1, region: a }\n    origin-host:',
          )
          .replace(
            'workloads:\n',
            'workloads:\n  via-lb: { type: poisson, nodes: lb-client, target: lb, rate: 10/s, keys: { count: 2000 } }\n',
          ),
    ]) {
      const completed = await runScenario(parseScenarioText(change(twoTier('1s', '0s')), 'cdn-two-tier.yaml').scenario);
      expect(cdnTheoryReport(completed.built, undefined)).toBeUndefined();
    }
  });
});
