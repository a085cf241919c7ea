import { describe, expect, it } from 'vitest';
import type { CdnPop } from '../models/cdn/cdn-tier.js';
import { ObjectSizes } from '../models/caches/object-sizes.js';
import type { CacheRecord } from '../models/measure/cache-log.js';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { runScenario, type CompletedRun } from '../scenarios/harness/run-scenario.js';

/**
 * CDN tiers through whole runs: clients resolve `cdn` through a DNS server
 * answering the nearest healthy edge PoP; edges fill from a shield (or a
 * regional tier) in front of a kv-store origin.
 */

const run = async (yaml: string): Promise<CompletedRun> =>
  runScenario(parseScenarioText(yaml, 'cdn-test.yaml').scenario);
const record = (r: CompletedRun, component: string): CacheRecord =>
  r.built.caches.caches.find((c) => c.component === component)!;
const total = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0);
const popLookups = (r: CompletedRun, node: string): number | null => {
  const pop = r.built.sim.process(r.built.sim.lookup(node)) as CdnPop | null;
  return pop === null ? null : (pop.inspect().lookups as number);
};
const detail = (r: CompletedRun, component: string, name: string) => record(r, component).details.get(name) ?? 0;

/** Three regions: a is 20 ms from b and 60 ms from c. Clients only in a. */
const ROUTING = `
name: cdn-routing
description: nearest PoP and failover
seed: 1
duration: 6s
warmup: 0s
slo: { window: 500ms }
topology:
  regions: [a, b, c]
  rtt:
    sameRegion: 1ms
    between:
      - { regions: [a, b], rtt: 20ms }
      - { regions: [a, c], rtt: 60ms }
      - { regions: [b, c], rtt: 50ms }
  nodes:
    resolver: { count: 1, region: a }
    edge-pop: { count: 3, region: [a, b, c] }
    shield-pop: { count: 1, region: b }
    origin-host: { count: 1, region: b }
    client: { count: 5, region: a }
components:
  dns:
    type: dns
    nodes: resolver
    records: { cdn: [edge] }
    policy: nearest
    ttl: 500ms
    healthCheck: { interval: 100ms, timeout: 50ms, unhealthyAfter: 2, healthyAfter: 2, kind: request }
  edge: { type: cdn-tier, tier: edge, nodes: edge-pop, parent: shield, capacity: 100 }
  shield: { type: cdn-tier, tier: shield, nodes: shield-pop, parent: origin, capacity: 1000 }
  origin: { type: kv-store, nodes: origin-host, keys: { count: 500 } }
workloads:
  users: { type: poisson, nodes: client, dns: dns, target: cdn, rate: 50/s, timeout: 300ms, keys: { count: 500, zipf: 1 } }
faults:
  timeline:
    - { at: 3s, action: crash, nodes: edge-pop-1 }
`;

/** One client, one edge, a regional and a shield in front of the origin, all in one region. */
const chain = (extra = '', workload = 'rate: 20/s, keys: { count: 1 }') => `
name: cdn-chain
description: edge, regional, shield, origin
seed: 2
duration: 3s
warmup: 0s
slo: { window: 100ms }
topology:
  regions: [dc]
  rtt: { sameRegion: 2ms }
  nodes:
    edge-pop: { count: 1 }
    regional-pop: { count: 1 }
    shield-pop: { count: 1 }
    origin-host: { count: 1 }
    client: { count: 1 }
components:
  edge: { type: cdn-tier, tier: edge, nodes: edge-pop, parent: regional, capacity: 1000 }
  regional: { type: cdn-tier, tier: regional, nodes: regional-pop, parent: shield, capacity: 1000 }
  shield: { type: cdn-tier, tier: shield, nodes: shield-pop, parent: origin, capacity: 1000${extra} }
  origin: { type: kv-store, nodes: origin-host, keys: { count: 1000 }, objectSizes: { type: lognormal, median: 10KB, sigma: 1 } }
workloads:
  users: { type: poisson, nodes: client, target: edge, timeout: 1s, ${workload} }
`;

describe('cdn tiers', () => {
  it('clients reach the nearest PoP, and after its failure the next nearest, never a farther one', async () => {
    const r = await run(ROUTING);
    // After the crash (3 s) and detection plus one TTL, region a's clients are all on edge-pop-2 (20 ms away).
    expect(popLookups(r, 'edge-pop-1')).toBeNull();
    expect(popLookups(r, 'edge-pop-2')!).toBeGreaterThan(500);
    expect(popLookups(r, 'edge-pop-3')).toBe(0);
    const windows = r.built.requests.windows;
    expect(windows[4].errors.timeout).toBe(0); // 2.0–2.5 s: all on edge-pop-1
    expect(windows[6].errors.timeout).toBeGreaterThan(0); // 3.0–3.5 s: edge-pop-1 is down, clients still hold it
    expect(windows[10].errors.timeout + windows[11].errors.timeout).toBe(0); // moved by 5 s
  });

  it('pull: a miss fills through every tier once, then hits at the edge', async () => {
    const r = await run(chain());
    const edge = record(r, 'edge');
    expect(total(edge.lookups)).toBeGreaterThan(30);
    expect(total(edge.lookups) - total(edge.hits)).toBe(1);
    for (const tier of ['regional', 'shield']) {
      expect(total(record(r, tier).lookups)).toBe(1);
      expect(total(record(r, tier).hits)).toBe(0);
    }
    expect(total(r.built.caches.databases[0].reads)).toBe(1);
  });

  it('push places the top keys on every PoP, counts the bytes as placement cost, and they always hit', async () => {
    const r = await run(chain(', push: { keys: 50 }', 'rate: 50/s, keys: { count: 50, zipf: 1 }'));
    const sizes = new ObjectSizes({ type: 'lognormal', median: 10_000, sigma: 1 });
    let bytes = 0;
    for (let k = 1; k <= 50; k++) bytes += sizes.sizeOf(k);
    expect(detail(r, 'shield', 'pushedObjects')).toBe(50);
    expect(detail(r, 'shield', 'pushedBytes')).toBe(bytes);
    // Only the shield pushes; what the edge misses the shield serves without the origin.
    expect(total(record(r, 'shield').hits)).toBe(total(record(r, 'shield').lookups));
    expect(total(r.built.caches.databases[0].reads)).toBe(0);
  });

  it('TTL classes: a short-lived type expires and refills, a type without TTL is fetched once', async () => {
    const types = `, contentTypes: [{ name: short, keys: [1, 1], ttl: 200ms }, { name: long, keys: [2, 2] }]`;
    const r = await run(chain(types, 'rate: 40/s, keys: { count: 2 }'));
    const edge = record(r, 'edge');
    expect(edge.keyClasses).toEqual(['short', 'long', 'other']);
    const misses = (c: number) => edge.classLookups[c] - edge.classHits[c];
    expect(misses(1)).toBe(1);
    expect(misses(0)).toBeGreaterThanOrEqual(8); // 3 s / 200 ms, less the gaps between requests
    expect(total(edge.expiriesPerWindow)).toBeGreaterThanOrEqual(7);
  });

  it('purge: stale copies are served only until every PoP on the path has applied it', async () => {
    // The edge applies after 300 ms; the shield, which the regional tier fills from, after 600 ms.
    const purge = `, purges: [{ at: 1s, keys: [1, 1] }], purgeDelay: 600ms`;
    const yaml = chain(purge, 'rate: 100/s, keys: { count: 1 }').replace(
      'parent: regional, capacity: 1000',
      'parent: regional, capacity: 1000, purgeDelay: 300ms',
    );
    const r = await run(yaml);
    const edge = record(r, 'edge');
    const staleWindows = [...edge.staleReadsPerWindow].flatMap((n, w) => (n > 0 ? [w] : []));
    expect(staleWindows.length).toBeGreaterThan(0);
    // Windows of 100 ms: from 1.0 s to 1.6 s (plus a round trip).
    expect(Math.min(...staleWindows)).toBe(10);
    expect(Math.max(...staleWindows)).toBeLessThanOrEqual(16);
    expect(detail(r, 'edge', 'staleServedAfterPurge')).toBe(total(edge.staleReadsPerWindow));
    expect(detail(r, 'edge', 'purgesApplied')).toBe(1);
    // Filled from the shield while it still held the old copy, the regional tier refused to keep it.
    expect(detail(r, 'regional', 'staleServedAfterPurge')).toBeGreaterThan(0);
    // Those copies reached clients through the edge, which counted them: a stale read is counted once, where a client got it.
    expect(total(record(r, 'regional').staleReadsPerWindow)).toBe(0);
    expect(total(record(r, 'shield').staleReadsPerWindow)).toBe(0);
  });

  it("per-tier counters add up: a tier's misses are its parent's lookups from it, down to the origin", async () => {
    const r = await run(
      chain('', 'rate: 400/s, stopAt: 2500ms, keys: { count: 1000, zipf: 0.8 }').replace(
        /capacity: 1000/g,
        'capacity: 100',
      ),
    );
    const misses = (c: CacheRecord) => total(c.lookups) - total(c.hits);
    const [edge, regional, shield] = ['edge', 'regional', 'shield'].map((n) => record(r, n));
    expect(misses(edge)).toBeGreaterThan(100);
    expect(total(edge.backendRequests)).toBe(misses(edge));
    expect(total(regional.lookups)).toBe(misses(edge));
    expect(total(shield.lookups)).toBe(misses(regional));
    expect(total(r.built.caches.databases[0].reads)).toBe(misses(shield));
  });
});
