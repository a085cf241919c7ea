import { describe, expect, it } from 'vitest';
import { edgeCount } from '../../models/parts/social-graph.js';
import { resolveScenarioArgument } from '../../scenarios/harness/bundled-scenarios.js';
import { loadScenario } from '../../scenarios/harness/load-scenario.js';
import { runScenario } from '../../scenarios/harness/run-scenario.js';

/**
 * feed-scale as the issue asks: a million users, tens of millions of follows,
 * a simulated hour, at least 50 posts and 2,000 feed reads per simulated
 * second. Its wall time and memory are measured by the bench (bench/feed-path.ts).
 */
describe('feed-scale', () => {
  it('runs an hour of a million users at 50+ posts/s and 2,000+ reads/s', async () => {
    const { scenario } = loadScenario(resolveScenarioArgument('feed-scale'));
    const run = await runScenario(scenario);
    const record = run.built.feeds.services[0];
    const graph = record.setup.graph;
    const measuredSeconds = (scenario.duration - scenario.warmup) / 1e6;
    expect(scenario.duration).toBe(3600e6);
    expect(graph.users).toBe(1_000_000);
    expect(edgeCount(graph)).toBeGreaterThan(20_000_000);
    expect(record.posts / measuredSeconds).toBeGreaterThanOrEqual(50);
    expect(record.reads / measuredSeconds).toBeGreaterThanOrEqual(2000);
    // Every request was answered (none failed), and the fan-out kept up.
    const { requests } = run.built;
    expect(requests.succeeded).toBeGreaterThan(0.999 * requests.sent);
    expect(record.timelineWrites).toBeGreaterThan(10 * record.posts);
    expect(record.backlog.current).toBeLessThan(1e6);
  });
});
