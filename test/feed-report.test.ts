import fc from 'fast-check';
import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { feedLines } from '../cli/feed-summary.js';
import { RandomStream } from '../engine/index.js';
import { FEED_STRATEGIES } from '../models/feed/feed-service.js';
import { FeedLog, type FeedSetup, type FeedStrategy } from '../models/measure/feed-log.js';
import type { SocialGraph } from '../models/parts/social-graph.js';
import { degreeDistributionCharts } from '../reports/charts/degree-distribution.js';
import { feedTimelineWritesCharts } from '../reports/charts/feed-timeline-writes.js';
import { feedVisibilityCharts } from '../reports/charts/feed-visibility-delay.js';
import { renderCharts } from '../reports/charts/index.js';
import { feedCostTheory, feedCostVariance, type FeedCostInputs } from '../reports/feed/feed-cost-theory.js';
import { feedReport } from '../reports/feed/feed-report.js';
import { exponentText } from '../reports/feed/power-law-fit.js';
import { renderHtmlReport } from '../reports/html-report.js';
import { parseReport } from '../reports/report-schema.js';
import type { Report, RunMetrics, RunOutcome } from '../reports/report-types.js';
import { sampleReport } from './fixtures/sample-report.js';

const SECOND_US = 1_000_000;
const at = (seconds: number) => seconds * SECOND_US;

/** A SocialGraph from "follower follows followee" pairs, in compressed rows both ways, as the contract has it. */
function graphOf(
  users: number,
  follows: readonly [follower: number, followee: number][],
  postRates: readonly number[],
  readRates: readonly number[],
  celebrities: readonly number[] = [],
): SocialGraph {
  const rows = (key: (f: [number, number]) => number, value: (f: [number, number]) => number) => {
    const start = new Int32Array(users + 1);
    for (const f of follows) start[key(f) + 1]++;
    for (let u = 0; u < users; u++) start[u + 1] += start[u];
    const items = new Int32Array(follows.length);
    const sorted = [...follows].sort((a, b) => key(a) - key(b) || value(a) - value(b));
    sorted.forEach((f, i) => (items[i] = value(f)));
    return { start, items };
  };
  const byFollowee = rows(
    ([, followee]) => followee,
    ([follower]) => follower,
  );
  const byFollower = rows(
    ([follower]) => follower,
    ([, followee]) => followee,
  );
  return {
    users,
    followerStart: byFollowee.start,
    followers: byFollowee.items,
    followeeStart: byFollower.start,
    followees: byFollower.items,
    postRatePerSec: Float64Array.from(postRates),
    readRatePerSec: Float64Array.from(readRates),
    celebrities: Int32Array.from(celebrities),
    requestedExponent: 2.3,
  };
}

/**
 * Five users: user 0 a celebrity followed by the other four, user 1 by two,
 * users 2 and 3 by one each; user 1 never reads (but posts), user 3 never
 * posts, so the edges cover ties, zero rates and a threshold in between.
 */
const HAND = graphOf(
  5,
  [
    [1, 0],
    [2, 0],
    [3, 0],
    [4, 0],
    [2, 1],
    [3, 1],
    [0, 2],
    [4, 3],
  ],
  [1, 0.5, 0.2, 0, 0.1],
  [2, 0, 1, 4, 0.5],
  [0],
);

const INPUTS: FeedCostInputs = {
  graph: HAND,
  celebrityThreshold: 3,
  activeWindowUs: 400_000,
  costPerWrite: 1,
  costPerFetch: 0.25,
};

/** Whether a static strategy pushes edge p → c, by its definition (active-push decides per post). */
function pushes(inputs: FeedCostInputs, strategy: FeedStrategy, p: number, c: number): boolean {
  const { graph, celebrityThreshold, costPerWrite, costPerFetch } = inputs;
  const followers = graph.followerStart[p + 1] - graph.followerStart[p];
  if (strategy === 'push') return true;
  if (strategy === 'hybrid') return followers < celebrityThreshold;
  if (strategy === 'selective') return costPerWrite * graph.postRatePerSec[p] <= costPerFetch * graph.readRatePerSec[c];
  return false;
}

/** Each strategy straight from its definition, edge by edge: [writes/s, fetches/s]. */
function bruteForce(inputs: FeedCostInputs, strategy: FeedStrategy): [number, number] {
  const { graph, activeWindowUs } = inputs;
  let writes = 0;
  let fetches = 0;
  for (let p = 0; p < graph.users; p++)
    for (let i = graph.followerStart[p]; i < graph.followerStart[p + 1]; i++) {
      const c = graph.followers[i];
      const lambda = graph.postRatePerSec[p];
      const mu = graph.readRatePerSec[c];
      if (strategy === 'active-push') {
        const inactive = Math.exp(-mu * (activeWindowUs / 1e6));
        writes += lambda * (1 - inactive);
        fetches += mu * inactive;
      } else if (pushes(inputs, strategy, p, c)) writes += lambda;
      else fetches += mu;
    }
  return [writes, fetches];
}

describe('the analytic feed costs', () => {
  it('match each strategy summed from its definition on a hand graph', () => {
    const theory = feedCostTheory(INPUTS);
    expect(theory.strategies.map((s) => s.strategy)).toEqual(FEED_STRATEGIES);
    expect(theory.postsPerSec).toBeCloseTo(1.8, 12);
    expect(theory.readsPerSec).toBeCloseTo(7.5, 12);
    for (const s of theory.strategies) {
      const [writes, fetches] = bruteForce(INPUTS, s.strategy);
      expect(s.writesPerSec, s.strategy).toBeCloseTo(writes, 12);
      expect(s.fetchesPerSec, s.strategy).toBeCloseTo(fetches, 12);
      expect(s.costPerSec, s.strategy).toBeCloseTo(writes * 1 + fetches * 0.25, 12);
    }
    // By hand: push writes 4·1 + 2·0.5 + 0.2 + 0 = 5.2; pull fetches (0 + 1 + 4 + 0.5) + (1 + 4) + 2 + 0.5 = 13.
    const [push, pull, hybrid, selective] = theory.strategies;
    expect([push.writesPerSec, push.fetchesPerSec]).toEqual([expect.closeTo(5.2, 12), 0]);
    expect([pull.writesPerSec, pull.fetchesPerSec]).toEqual([0, expect.closeTo(13, 12)]);
    // Hybrid pulls user 0 (4 followers, at least 3): fetches 0 + 1 + 4 + 0.5; pushes the rest: 2·0.5 + 0.2 + 0.
    expect([hybrid.writesPerSec, hybrid.fetchesPerSec]).toEqual([expect.closeTo(1.2, 12), expect.closeTo(5.5, 12)]);
    // Selective pushes where 1·λ_p ≤ 0.25·μ_c: 0 → 3 (1 ≤ 1, a tie), 1 → 3, 2 → 0, 3 → 4; pulls 0 → 1, 0 → 2, 0 → 4, 1 → 2.
    expect([selective.writesPerSec, selective.fetchesPerSec]).toEqual([
      expect.closeTo(1.7, 12),
      expect.closeTo(2.5, 12),
    ]);
    expect(selective.costPerSec).toBeCloseTo(1.7 + 2.5 * 0.25, 12);
  });

  it('has the variance of the counts a run makes, checked by simulating the posts and reads event by event', () => {
    const trials = 300;
    const check = (inputs: FeedCostInputs, strategies: readonly FeedStrategy[]) => {
      const sample = simulatedCosts(inputs, strategies, 200, 2, trials);
      for (const s of feedCostTheory(inputs).strategies.filter((x) => strategies.includes(x.strategy))) {
        const costs = sample.get(s.strategy)!;
        const mean = costs.reduce((a, b) => a + b, 0) / trials;
        const variance = costs.reduce((a, b) => a + (b - mean) ** 2, 0) / (trials - 1);
        const predicted = feedCostVariance(inputs, s.strategy).costVarianceRate / 200;
        // The mean within 4 standard errors; the variance within 25% (a sample variance of 300 varies by about 8%).
        expect(Math.abs(mean - s.costPerSec), s.strategy).toBeLessThan(4 * Math.sqrt(predicted / trials));
        expect(variance / predicted, s.strategy).toBeGreaterThan(0.75);
        expect(variance / predicted, s.strategy).toBeLessThan(1.25);
      }
    };
    check(INPUTS, FEED_STRATEGIES);
    // One reader of ten busy producers, active about 60% of the time: posts within W of each other find it in the
    // same state, which triples the write variance a compound Poisson sum would give.
    const busy = graphOf(
      11,
      Array.from({ length: 10 }, (_, p): [number, number] => [10, p]),
      [...new Array<number>(10).fill(2), 0],
      [...new Array<number>(10).fill(0), 2.5],
    );
    check({ ...INPUTS, graph: busy }, ['active-push']);
  });

  const graphs = fc
    .integer({ min: 2, max: 9 })
    .chain((users) =>
      fc.record({
        users: fc.constant(users),
        follows: fc.uniqueArray(
          fc
            .tuple(fc.integer({ min: 0, max: users - 1 }), fc.integer({ min: 0, max: users - 1 }))
            .filter(([a, b]) => a !== b),
          { selector: ([a, b]) => `${a} ${b}`, maxLength: users * (users - 1) },
        ),
        posts: fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-4, max: 50, noNaN: true })), {
          minLength: users,
          maxLength: users,
        }),
        reads: fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-4, max: 50, noNaN: true })), {
          minLength: users,
          maxLength: users,
        }),
        costPerWrite: fc.double({ min: 0, max: 10, noNaN: true }),
        costPerFetch: fc.double({ min: 0, max: 10, noNaN: true }),
        threshold: fc.integer({ min: 0, max: 10 }),
        windowUs: fc.integer({ min: 0, max: 10 * SECOND_US }),
      }),
    )
    .map((g): FeedCostInputs => ({
      graph: graphOf(g.users, g.follows, g.posts, g.reads),
      celebrityThreshold: g.threshold,
      activeWindowUs: g.windowUs,
      costPerWrite: g.costPerWrite,
      costPerFetch: g.costPerFetch,
    }));

  it('never has selective cost more than all-push or all-pull, on random small graphs and rates', () => {
    fc.assert(
      fc.property(graphs, (inputs) => {
        const [push, pull, , selective] = feedCostTheory(inputs).strategies;
        expect(selective.costPerSec).toBeLessThanOrEqual(push.costPerSec);
        expect(selective.costPerSec).toBeLessThanOrEqual(pull.costPerSec);
        for (const s of feedCostTheory(inputs).strategies) {
          const [writes, fetches] = bruteForce(inputs, s.strategy);
          expect(s.writesPerSec).toBeCloseTo(writes, 9);
          expect(s.fetchesPerSec).toBeCloseTo(fetches, 9);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('makes hybrid all pull at threshold 0 and all push at an unreachable one, load and variance', () => {
    fc.assert(
      fc.property(graphs, (inputs) => {
        const figures = (threshold: number, name: FeedStrategy) => {
          const at = { ...inputs, celebrityThreshold: threshold };
          const { writesPerSec, fetchesPerSec, costPerSec } = feedCostTheory(at).strategies.find(
            (s) => s.strategy === name,
          )!;
          return [writesPerSec, fetchesPerSec, costPerSec, ...Object.values(feedCostVariance(at, name))];
        };
        // Equal up to rounding: the sums run in different orders.
        const same = (a: number[], b: number[]) =>
          a.forEach((x, i) => expect(Math.abs(x - b[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b[i]))));
        same(figures(0, 'hybrid'), figures(0, 'pull'));
        same(figures(Infinity, 'hybrid'), figures(Infinity, 'push'));
      }),
      { numRuns: 200 },
    );
  });
});

/**
 * Each strategy's cost per second over `seconds` after `warmup`, in
 * `trials` runs of Poisson posts and reads replayed event by event: the
 * static strategies by their per-edge rule, active-push by each reader's
 * last read.
 */
function simulatedCosts(
  inputs: FeedCostInputs,
  strategies: readonly FeedStrategy[],
  seconds: number,
  warmup: number,
  trials: number,
): Map<FeedStrategy, number[]> {
  const { graph, costPerWrite, costPerFetch } = inputs;
  const windowSeconds = inputs.activeWindowUs / 1e6;
  const rng = new RandomStream('feed-cost-theory-test');
  const exp = (rate: number) => -Math.log(1 - rng.next()) / rate;
  const costs = new Map(strategies.map((s) => [s, [] as number[]]));
  for (let t = 0; t < trials; t++) {
    const events: [time: number, user: number, read: boolean][] = [];
    for (let u = 0; u < graph.users; u++)
      for (const [rate, read] of [
        [graph.postRatePerSec[u], false],
        [graph.readRatePerSec[u], true],
      ] as const)
        if (rate > 0)
          for (let time = exp(rate); time < warmup + seconds; time += exp(rate)) events.push([time, u, read]);
    events.sort((a, b) => a[0] - b[0]);
    for (const strategy of strategies) {
      const lastRead = new Array<number>(graph.users).fill(-Infinity);
      let cost = 0;
      for (const [time, u, read] of events) {
        const measured = time >= warmup;
        if (read) {
          for (let i = graph.followeeStart[u]; i < graph.followeeStart[u + 1]; i++) {
            const fetch =
              strategy === 'active-push'
                ? time - lastRead[u] > windowSeconds
                : !pushes(inputs, strategy, graph.followees[i], u);
            if (fetch && measured) cost += costPerFetch;
          }
          lastRead[u] = time;
        } else {
          for (let i = graph.followerStart[u]; i < graph.followerStart[u + 1]; i++) {
            const c = graph.followers[i];
            const write =
              strategy === 'active-push' ? time - lastRead[c] <= windowSeconds : pushes(inputs, strategy, u, c);
            if (write && measured) cost += costPerWrite;
          }
        }
      }
      costs.get(strategy)!.push(cost / seconds);
    }
  }
  return costs;
}

const SETUP: FeedSetup = {
  graph: HAND,
  strategy: 'push',
  celebrityThreshold: 3,
  activeWindowUs: 400_000,
  costPerWrite: 1,
  costPerFetch: 0.25,
  timelineLength: 100,
  timelineEntryBytes: 16,
};

/**
 * A hand-filled log over `windows` one-second windows, measured from 2 s. In
 * every window, at its middle: 2 posts, 8 timeline writes (2 into users who
 * never read), each post visible to 4 followers 10 ms later, 3 reads of one
 * fetch each, 8 writes queued for 100 ms; the timelines grow by 8 entries a
 * window until 5 s. 100 writes more wait from 6.2 s to 6.7 s. Celebrity 0
 * posts at 1.5 s (warm-up), at 3.5 s (its last follower sees it 20 ms
 * later) and at 9.5 s (never seen by all).
 */
function handLog(windows: number, component = 'feed', setup: FeedSetup = SETUP) {
  const log = new FeedLog(SECOND_US, windows, at(2));
  const feed = log.service(component, setup);
  for (let w = 0; w < windows; w++) {
    const t = at(w + 0.5);
    for (let p = 0; p < 2; p++) {
      feed.posted(t);
      for (let f = 0; f < 4; f++) feed.visible(t, t + 10_000);
    }
    feed.wroteTimelines(t, 8, 2);
    for (let r = 0; r < 3; r++) feed.read(t, 1);
    if (w === 6) feed.backlogChanged(100, at(6.2));
    feed.backlogChanged(8, t);
    feed.backlogChanged(-8, t + 100_000);
    if (w === 6) feed.backlogChanged(-100, at(6.7));
    if (w < 5) feed.timelineEntriesChanged(8);
    if (w === 1 || w === 3 || w === 9) {
      const post = feed.celebrityPosted(0, 4, t);
      if (w !== 9) post.lastVisibleUs = t + 20_000;
    }
  }
  return log;
}

const windowsOf = (n: number) => Array.from({ length: n }, (_, w) => ({ startUs: at(w), endUs: at(w + 1) }));

const LATENCY = {
  count: 24,
  meanUs: 3000,
  p50Us: 2500,
  p90Us: 4000,
  p95Us: 4500,
  p99Us: 6000,
  p999Us: 7000,
  maxUs: 7000,
};

const facts = (windows: number, metrics?: Partial<RunMetrics>) => ({
  windows: windowsOf(windows),
  metrics: {
    latencyByOperation: { read: LATENCY },
    requests: { ...sampleReport().metrics.requests, byOperation: {} },
    ...metrics,
  },
  faults: [],
});

/** The sample report with a feed section per run: push, pull, then hybrid, on the hand graph. */
function withFeed(report: Report, component = 'feed'): Report {
  const runs: RunOutcome[] = report.variants ?? [report];
  const strategies: FeedStrategy[] = ['push', 'pull', 'hybrid'];
  runs.forEach((run, i) => {
    const windows = run.metrics.timeline.length;
    const log = handLog(windows, component, { ...SETUP, strategy: strategies[i % 3] });
    run.feed = feedReport(log, { windows: run.metrics.timeline, metrics: run.metrics, faults: run.faults });
  });
  if (report.variants) report.feed = report.variants[0].feed;
  return report;
}

describe('the feed section', () => {
  it('counts from the warm-up in its totals and rates, and every window in its timelines', () => {
    const r = feedReport(handLog(10), facts(10))!;
    expect(r.measuredFromUs).toBe(at(2));
    expect(r.measuredSeconds).toBe(8);
    const [feed] = r.services;
    expect(feed).toMatchObject({
      component: 'feed',
      strategy: 'push',
      settings: {
        celebrityThreshold: 3,
        activeWindowUs: 400_000,
        costPerWrite: 1,
        costPerFetch: 0.25,
        timelineLength: 100,
        timelineEntryBytes: 16,
      },
      posts: 16,
      postsPerSec: 2,
      timelineWrites: 64,
      timelineWritesPerSec: 8,
      writesPerPost: 4,
      writesToInactive: 16,
      inactiveWriteShare: 0.25,
      reads: 24,
      readsPerSec: 3,
      fetches: 24,
      fetchesPerSec: 3,
      fetchesPerRead: 1,
      readLatency: LATENCY,
      postLatency: null,
      timelines: { peakEntries: 40, peakBytes: 640, entriesAtEnd: 40, bytesAtEnd: 640 },
      // 8 writes for 0.1 s in each of the 8 measured windows, 100 for 0.5 s: 56.4 write-seconds over 8 s.
      backlog: { mean: 7.05, peak: 108, atEnd: 0 },
      costPerSec: 8.75,
      celebrityPosts: [
        { author: 0, followers: 4, postedUs: at(3.5), lastVisibleAfterUs: 20_000 },
        { author: 0, followers: 4, postedUs: at(9.5), lastVisibleAfterUs: null },
      ],
      celebrityPostsLeftOut: 0,
    });
    expect(feed.visibility.count).toBe(64);
    expect(feed.visibility.p99Us).toBeGreaterThanOrEqual(9_990);
    expect(feed.visibility.p99Us).toBeLessThanOrEqual(10_010);
    expect(feed.timeline.postsPerSec).toEqual(new Array(10).fill(2));
    expect(feed.timeline.costPerSec).toEqual(new Array(10).fill(8.75));
    expect(feed.timeline.backlogMean).toEqual([0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 50.8, 0.8, 0.8, 0.8]);
    expect(feed.timeline.backlogPeak).toEqual([8, 8, 8, 8, 8, 8, 108, 8, 8, 8]);
  });

  it('sets the theory of every strategy beside the run’s own figures, with their σ and z', () => {
    const [feed] = feedReport(handLog(10), facts(10))!.services;
    const theory = feedCostTheory(SETUP);
    expect(feed.theory.strategies.map((s) => [s.strategy, s.costPerSec])).toEqual(
      theory.strategies.map((s) => [s.strategy, Number(s.costPerSec.toPrecision(6))]),
    );
    const writes = feed.theory.rows.find((r) => r.key === 'writes')!;
    // Push: each post of p writes F_p timelines; Var rate Σ λ_p F_p² = 1·16 + 0.5·4 + 0.2·1 = 18.2.
    expect(writes).toMatchObject({ analytic: 5.2, simulated: 8, sigma: Number(Math.sqrt(18.2 / 8).toPrecision(6)) });
    expect(writes.z).toBeCloseTo(2.8 / Math.sqrt(18.2 / 8), 3);
    expect(writes.agrees).toBe(true);
    expect(feed.theory.rows.map((r) => r.key)).toEqual(['posts', 'reads', 'writes', 'fetches', 'cost']);
    // Push fetches nothing in theory, the hand log 3 a second: no noise to hide it.
    const fetches = feed.theory.rows.find((r) => r.key === 'fetches')!;
    expect(fetches).toMatchObject({ analytic: 0, simulated: 3, sigma: 0, z: null, agrees: false });
    expect(feed.theory.agrees).toBe(false);
    expect(feed.theory.departures).toEqual([]);
  });

  it('names what the theory does not assume: faults, failed requests, fan-out still queued', () => {
    const log = handLog(4, 'feed', { ...SETUP, strategy: 'active-push', activeWindowUs: at(3) });
    log.services[0].backlogChanged(500, at(3.9));
    const byOperation = {
      read: {
        sent: 10,
        succeeded: 8,
        good: 8,
        errors: { timeout: 2, rejected: 0, dropped: 0, unavailable: 0 },
        availability: 0.8,
      },
    };
    const [feed] = feedReport(log, {
      ...facts(4, { requests: { ...sampleReport().metrics.requests, byOperation } }),
      faults: [{ timeUs: at(1), kind: 'crash', nodes: ['feed-1'] }],
    })!.services;
    expect(feed.backlog.atEnd).toBe(500);
    expect(feed.theory.departures).toEqual([
      '1 fault in the run: posts, reads and fan-out a crash or partition lost or delayed are counted by the theory, not the run',
      '500 followers were still queued for the activity check at the end: posts made in the run whose writes the run did not make',
      '2 read requests failed: the theory counts every one the users made',
    ]);
  });

  it('is absent without a feed service, and has no latency to give when several services share the operations', () => {
    expect(feedReport(new FeedLog(SECOND_US, 3, 0), facts(3))).toBeUndefined();
    const log = handLog(3);
    log.service('second', SETUP);
    expect(feedReport(log, facts(3))!.services.map((s) => [s.component, s.readLatency])).toEqual([
      ['feed', null],
      ['second', null],
    ]);
  });

  it('describes the graph: size, inactive users, celebrities, the fitted exponent and the degree distribution', () => {
    const [feed] = feedReport(handLog(3), facts(3))!.services;
    expect(feed.graph).toMatchObject({
      users: 5,
      edges: 8,
      meanFollows: 1.6,
      inactiveUsers: 0,
      requestedExponent: 2.3,
      maxFollowers: 4,
      celebrities: [{ user: 0, followers: 4 }],
      // Followers: 4, 2, 1, 1, 0; shares of users with at least k.
      followersCcdf: [
        [1, 0.8],
        [2, 0.4],
        [3, 0.2],
        [4, 0.2],
      ],
    });
    // Five users are too few to fit a tail to.
    expect(feed.graph.fit).toBeNull();
  });

  it('round-trips through report.json, and a timeline without one entry a window is refused', () => {
    const report = withFeed(sampleReport({ variants: true }));
    const parsed = parseReport(JSON.parse(JSON.stringify(report)));
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    expect(parsed.ok && parsed.report.variants![1].feed).toEqual(report.variants![1].feed);
    const damaged = JSON.parse(JSON.stringify(report));
    damaged.variants[2].feed.services[0].timeline.backlogPeak.pop();
    const windows = report.metrics.timeline.length;
    const refused = parseReport(damaged);
    expect(refused.ok ? [] : refused.problems).toEqual([
      `variants[2].feed.services[0].timeline.backlogPeak: expected ${windows} entries, one a window of metrics.timeline, got ${windows - 1}`,
    ]);
  });

  it('renders its section with the variants side by side, the theory table, celebrity posts, the graph and its charts', () => {
    const report = withFeed(sampleReport({ variants: true }), '<feed&co>');
    const charts = renderCharts(report);
    const html = renderHtmlReport(report, charts);
    const start = html.indexOf('<section id="feed">');
    expect(start).toBeGreaterThan(-1);
    const section = html.slice(start, html.indexOf('</section>', start));
    expect(section).toContain('<h2>Feed</h2>');
    // Names are escaped wherever they appear.
    expect(html).not.toContain('<feed&co>');
    expect(section).toContain('&lt;feed&amp;co&gt; <span class="muted">(feed service)</span>');
    for (const variant of report.variants!) expect(section).toContain(variant.name);
    expect(section).toContain('<h4>Theory: feed costs</h4>');
    // One analytic table (same graph and costs), the simulated cost beside each run's strategy.
    expect(section.match(/<th scope="col">strategy<\/th>/g)).toHaveLength(1);
    expect(section).toMatch(/<td>push<\/td>.*base: 8\.75/);
    expect(section).toMatch(/<td>pull<\/td>.*retries: 8\.75/);
    expect(section).toContain('<h4>Celebrity posts</h4>');
    // A row per celebrity, the runs side by side: its 3.5 s post seen by all after 20 ms, its 9.5 s one not by the end.
    expect(section).toContain(
      '20.0ms<br><span class="muted small">longest 20.0ms; 2 posts; 1 not seen by every follower by the end</span>',
    );
    expect(section).toContain('<h4>Follower graph</h4>');
    expect(section).toContain('every variant');
    for (const id of ['timeline-writes', 'backlog', 'visibility', 'degree-distribution'])
      expect(section).toContain(`id="chart-feed-${id}-feed-co"`);
    // Drawn in its section only, not among the main charts.
    expect(html.split('id="chart-feed-timeline-writes-feed-co"')).toHaveLength(2);
    const degrees = degreeDistributionCharts(report)[0].svg;
    expect(degrees).toContain('one graph: every variant runs on the same one');
    expect(degrees).toContain('users with at least k followers');
  });

  it('draws variants whose timeline writes match as one line, with the faults shaded', () => {
    const report = withFeed(sampleReport({ variants: true }));
    const [first, second, third] = report.variants!;
    third.feed!.services[0].timeline.timelineWritesPerSec[5] = 30;
    const [chart] = feedTimelineWritesCharts(report);
    expect(chart.svg).toContain(`${first.name} = ${second.name}`);
    expect(chart.svg).toContain(`>${third.name}<`);
    expect(chart.svg).toContain('fault: crash');
  });

  it('gives the fitted exponent to the digit its standard error reaches, in the table and the chart alike', () => {
    expect(exponentText({ exponent: 2.30123, standardError: 0.0104 })).toBe('2.30 ± 0.01');
    expect(exponentText({ exponent: 2.30123, standardError: 0.0043 })).toBe('2.301 ± 0.004');
    // A million users: not "2.30 ± 0.00".
    expect(exponentText({ exponent: 2.30012, standardError: 0.0006 })).toBe('2.3001 ± 0.0006');
    const report = withFeed(sampleReport({ variants: true }));
    for (const run of report.variants!)
      run.feed!.services[0].graph.fit = {
        exponent: 2.30012,
        standardError: 0.0006,
        xMin: 2,
        tailUsers: 3,
        tailShare: 0.6,
        ksDistance: 0.01,
      };
    const html = renderHtmlReport(report, renderCharts(report));
    expect(html).toContain('<td class="num">2.3001 ± 0.0006<br>');
    expect(degreeDistributionCharts(report)[0].svg).toContain('fit: α = 2.3001 ± 0.0006 above 2 followers');
  });

  it('says a pulled post is visible at once, not after 0µs, in the table, the chart and the terminal', () => {
    const report = withFeed(sampleReport({ variants: true }));
    const pull = report.variants![1].feed!.services[0];
    pull.visibility = { ...pull.visibility, meanUs: 0, p50Us: 0, p90Us: 0, p95Us: 0, p99Us: 0, p999Us: 0, maxUs: 0 };
    const html = renderHtmlReport(report, renderCharts(report));
    expect(html).toContain('<td class="num">at once<br><span class="muted small">pulled: visible once stored; ');
    const [chart] = feedVisibilityCharts(report);
    expect(chart.svg).toContain('>at once<');
    expect(chart.svg).not.toContain('>0µs<');
    expect(feedLines(report, pc.createColors(false))[1]).toContain(', visible at once, cost ');
  });

  it('does not name a run twice where the variant is named after its strategy', () => {
    const report = withFeed(sampleReport({ variants: true }));
    report.variants!.forEach((run, i) => (run.name = (['push', 'pull', 'hybrid'] as const)[i]));
    const lines = feedLines(report, pc.createColors(false));
    expect(lines[0]).toMatch(/^feed \(push\): 2 posts\/s/);
    expect(lines[1]).toMatch(/^feed \(pull\): /);
    const html = renderHtmlReport(report, renderCharts(report));
    // The analytic table's row of push: its simulated cost, not "push: 8.75".
    expect(html).toMatch(/<td>push<\/td>(?:(?!<\/tr>).)*<td>8\.75 <span class="badge/);
    expect(html).not.toContain('push: 8.75');
  });

  it('is left out of a report without a feed service', () => {
    const report = sampleReport({ variants: true });
    expect(report).not.toHaveProperty('feed');
    expect(report.variants!.every((r) => !('feed' in r))).toBe(true);
    const html = renderHtmlReport(report, renderCharts(report));
    expect(html).not.toContain('<section id="feed">');
    expect(html).not.toContain('chart-feed-');
    expect(feedLines(report, pc.createColors(false))).toEqual([]);
  });

  it('gives a line a person reads per service and run in the terminal, the cost in red when theory disagrees', () => {
    const report = withFeed(sampleReport({ variants: true }));
    const lines = feedLines(report, pc.createColors(false));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^base: feed \(push\): 2 posts\/s, 8 timeline writes\/s \(4 per post\), 3 reads\/s, 1 fetch per read, visible p99 10\.0ms, cost 8\.75\/s \(theory 5\.20 ± 1\.68\): outside ±3σ$/,
    );
    expect(lines[1]).toContain('retries: feed (pull)');
    const colored = feedLines(report, pc.createColors(true));
    expect(colored.some((line) => line.includes('\u001b[31m'))).toBe(
      report.variants!.some((r) => !r.feed!.services[0].theory.rows.find((x) => x.key === 'cost')!.agrees),
    );
  });
});
