import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { ScenarioError } from '../scenarios/harness/scenario-error.js';
import { deriveStream } from '../engine/random-stream.js';
import { KeyPopularity } from '../models/workload/key-popularity.js';
import { bundledReport } from './support/bundled-report.js';

describe('key popularity', () => {
  it('maps rank r to key ((r - 1 + by) mod count) + 1 from the shift on, and by `by` more after every interval', () => {
    const count = 1000;
    const plain = new KeyPopularity({ count, zipf: 1.1 }, deriveStream(7, 'client-1', 'keys'));
    const shifted = new KeyPopularity(
      { count, zipf: 1.1, shift: { atUs: 10, by: 600, everyUs: 10 } },
      deriveStream(7, 'client-1', 'keys'),
    );
    // Same stream, so the same ranks: before the shift the same keys, then moved by 600, 1200, ... (mod 1000).
    for (let t = 0; t < 50; t++) {
      const rank = plain.pick(t);
      const offset = t < 10 ? 0 : (600 * (1 + Math.floor((t - 10) / 10))) % count;
      expect(shifted.pick(t)).toBe(((rank - 1 + offset) % count) + 1);
    }
  });

  it('keeps the skew: after the shift the hottest key is rank 1 moved along', () => {
    const keys = new KeyPopularity(
      { count: 100, zipf: 1.5, shift: { atUs: 1_000, by: 40 } },
      deriveStream(1, 'client-1', 'keys'),
    );
    const counts = (t: number) => {
      const c = new Map<number, number>();
      for (let i = 0; i < 5000; i++) {
        const k = keys.pick(t);
        c.set(k, (c.get(k) ?? 0) + 1);
      }
      return [...c.entries()].sort((a, b) => b[1] - a[1])[0][0];
    };
    expect(counts(0)).toBe(1);
    expect(counts(1_000)).toBe(41);
  });

  it('a shift that moves no key is refused with a message', () => {
    const text = `
name: keys
duration: 1s
topology: { nodes: { server: {}, client: {} } }
components: { api: { type: queue-server, nodes: server, serviceTime: 1ms } }
workloads: { users: { type: poisson, nodes: client, target: api, rate: 10/s, keys: { count: 100, shift: { at: 1s, by: 200 } } } }
`;
    expect(() => parseScenarioText(text, 'keys.yaml')).toThrow(ScenarioError);
    expect(() => parseScenarioText(text, 'keys.yaml')).toThrow(/shift by a multiple of count moves no key/);
  });
});

describe('the hot-key-shift scenario', () => {
  it('the hotspot moves from shard-d to shard-b at 30 s: one idles, the other saturates; headroom everywhere absorbs it', async () => {
    const report = await bundledReport('hot-key-shift', ['duration=45s']);
    const metrics = (variant: string) => report.variants!.find((v) => v.name === variant)!.metrics;
    const shard = (variant: string, name: string) => metrics(variant).components.find((c) => c.name === name)!;
    // Mean utilization over whole 1 s windows well before and after the shift (after the warm-up, clear of the edge).
    const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
    const before = (variant: string, name: string) => mean(shard(variant, name).timeline.utilization.slice(6, 29));
    const after = (variant: string, name: string) => mean(shard(variant, name).timeline.utilization.slice(32, 44));

    // Zipf(1.2): shard-d holds the hottest key, 40% of traffic, on 8 workers (55%); shard-b 15% on 4 (41%).
    expect(before('hot-set-moves', 'shard-d')).toBeGreaterThan(0.5);
    expect(before('hot-set-moves', 'shard-b')).toBeLessThan(0.45);
    // The shift sends 41% of traffic to shard-b: more than its 4 workers can take. shard-d drops to about 16%.
    expect(after('hot-set-moves', 'shard-d')).toBeLessThan(0.2);
    expect(after('hot-set-moves', 'shard-b')).toBeGreaterThan(0.98);
    expect(shard('hot-set-moves', 'shard-b').rejected).toBeGreaterThan(1000);
    expect(metrics('hot-set-moves').latency.p99Us).toBeGreaterThan(4 * metrics('steady').latency.p99Us);
    // Without the shift nothing moves; with headroom on every shard the new hotspot is absorbed.
    expect(Math.abs(after('steady', 'shard-d') - before('steady', 'shard-d'))).toBeLessThan(0.05);
    expect(shard('steady', 'shard-b').rejected).toBe(0);
    expect(after('headroom-everywhere', 'shard-b')).toBeLessThan(0.65);
    expect(metrics('headroom-everywhere').requests.errors.rejected).toBe(0);
  }, 60_000);
});
