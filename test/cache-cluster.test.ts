import { describe, expect, it } from 'vitest';
import type { CacheNode } from '../models/caches/cache-node.js';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';

/**
 * Three cache nodes behind a consistent-hash load balancer with health
 * checks, in front of a two-shard kv-store; Zipf reads of 2,000 keys, all of
 * which fit in the tier. Cache node 2 crashes at 5 s and stays down.
 */
const CLUSTER = `
name: cache-cluster
description: a cache tier keyed by a consistent-hash ring losing a node
seed: 3
duration: 10s
warmup: 0s
slo: { window: 1s }
topology:
  regions: [dc]
  rtt: { sameRegion: 1ms }
  nodes:
    lb-host: { count: 1 }
    cache-host: { count: 3 }
    db-host: { count: 2 }
    client: { count: 4 }
components:
  lb:
    type: load-balancer
    nodes: lb-host
    backends: [cache]
    algorithm: consistent-hash
    healthCheck: { interval: 200ms, timeout: 100ms, unhealthyAfter: 2, kind: ping }
  cache: { type: cache, nodes: cache-host, backend: db, capacity: 2000 }
  db: { type: kv-store, nodes: db-host, keys: { count: 2000 }, read: 1ms, workers: 16 }
workloads:
  users: { type: poisson, nodes: client, target: lb, rate: 500/s, timeout: 1s, keys: { count: 2000, zipf: 0.9 } }
faults:
  timeline:
    - { at: 5s, action: crash, nodes: cache-host-2 }
`;

async function run(algorithm: string, overrides: string[] = []) {
  const loaded = parseScenarioText(CLUSTER, 'cache-cluster.yaml', {
    overrides: [`components.lb.algorithm=${algorithm}`, ...overrides],
  });
  const { built } = await runScenario(loaded.scenario);
  const record = built.caches.caches[0];
  return { built, record, missRatio: (w: number) => 1 - record.hits[w] / record.lookups[w] };
}

/** Each balancer's run, once for the tests that read it. */
const runs = new Map<string, ReturnType<typeof run>>();
const runOnce = (algorithm: string) => runs.get(algorithm) ?? runs.set(algorithm, run(algorithm)).get(algorithm)!;

describe('a cache cluster behind a consistent-hash balancer', () => {
  it("a node's crash moves its keys to the others, whose misses land on the database; memory drops by what it held", async () => {
    const { built, record, missRatio } = await runOnce('consistent-hash');
    const db = built.caches.databases[0];
    // Warm by 4 s: few misses, little database load.
    expect(missRatio(4)).toBeLessThan(0.1);
    // The crashed node's keys miss on the survivors and load the database.
    expect(missRatio(5)).toBeGreaterThan(missRatio(4) * 2);
    expect(db.reads[5]).toBeGreaterThan(db.reads[4] * 1.8);
    // Only its keys move (a ring): the others' keys still hit right after the crash.
    expect(missRatio(5)).toBeLessThan(0.3);
    // The survivors warm up again.
    expect(missRatio(9)).toBeLessThan(missRatio(5));
    // Memory counts the live nodes only.
    const cacheIds = built.components.find((c) => c.metrics.name === 'cache')!.nodeIds;
    const held = cacheIds.map((id) => (built.sim.process(id) as CacheNode | null)?.inspect().entries ?? 0);
    expect(held[1]).toBe(0);
    expect(record.entries).toBe(Number(held[0]) + Number(held[2]));
    // The balancer took the dead node out: requests fail only until its health checks noticed.
    const errors = built.requests.windows[8].errors;
    expect(errors.timeout + errors.rejected + errors.unavailable + errors.dropped).toBe(0);
    expect(built.requests.windows[5].errors.timeout).toBeGreaterThan(0);
  });

  it('behind a key-hash (modulo) balancer the same crash moves most keys, so far more reads miss', async () => {
    const ring = await runOnce('consistent-hash');
    const modulo = await runOnce('key-hash');
    expect(modulo.missRatio(4)).toBeLessThan(0.1);
    expect(modulo.missRatio(5)).toBeGreaterThan(ring.missRatio(5) * 1.5);
  });

  it("with a replica on each key's ring successor the survivors already hold the crashed node's keys", async () => {
    const ring = await runOnce('consistent-hash');
    const replicated = await run('consistent-hash', ['components.cache.replicas.virtualNodes=100']);
    expect(replicated.record.details.get('replicaSets')).toBeGreaterThan(1000);
    expect(replicated.missRatio(5)).toBeLessThan(ring.missRatio(5) / 2);
    expect(replicated.missRatio(5)).toBeLessThan(replicated.missRatio(4) * 1.5);
  });
});
