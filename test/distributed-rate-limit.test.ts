import { CacheLog } from '../models/measure/cache-log.js';
import { ShardLog } from '../models/measure/shard-log.js';
import { FeedLog } from '../models/measure/feed-log.js';
import { ChatLog } from '../models/measure/chat-log.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NodeContext, NodeId, Process } from '../engine/node-context.js';
import { Simulation } from '../engine/simulation.js';
import { counterStoreModel } from '../models/rate-limits/counter-store.js';
import { responseTo, type Request, type Response } from '../models/kit/request-messages.js';
import { ComponentMetrics } from '../models/measure/component-metrics.js';
import { HistoryRecorder } from '../models/measure/history-recorder.js';
import { StalenessProbes } from '../models/measure/staleness-probes.js';
import { DeliveryLog } from '../models/measure/delivery-log.js';
import { RequestMetrics } from '../models/measure/request-metrics.js';
import { rateLimiterModel } from '../models/rate-limits/rate-limiter.js';
import type { InstanceContext } from '../models/kit/model-contract.js';
import { instanceContext } from '../scenarios/harness/instance-context.js';
import { bundledReport } from './support/bundled-report.js';

/** Client-to-gateway links are this fast, so a request's arrival at its gateway is its send time plus this. */
const CLIENT_LATENCY_US = 100;
const SEND = 1;

/** Sends requests to one gateway at given times and counts the answers by error kind. */
class Sender implements Process<Response> {
  constructor(
    private readonly ctx: NodeContext,
    private readonly gateway: string,
    private readonly timesUs: readonly number[],
    private readonly answers: Map<string, number>,
  ) {}

  onStart(): void {
    this.timesUs.forEach((t, i) => this.ctx.setTimer(t, SEND, i));
  }

  onTimer(_tag: number, data: unknown): void {
    const request: Request = {
      kind: 'request',
      id: data as number,
      sentUs: this.ctx.nowUs,
      operation: 'request',
      priority: 0,
      session: 0,
    };
    this.ctx.send(this.ctx.lookup(this.gateway), request);
  }

  onMessage(_from: NodeId, response: Response): void {
    const kind = response.error ?? 'ok';
    this.answers.set(kind, (this.answers.get(kind) ?? 0) + 1);
  }
}

interface Admitted {
  gateway: number;
  /** True time the request reached its gateway. */
  arrivedUs: number;
}

/** The protected service: records every request a gateway let through. */
class Sink implements Process<Request> {
  constructor(
    private readonly ctx: NodeContext,
    private readonly gatewayIndex: Map<NodeId, number>,
    private readonly admitted: Admitted[],
  ) {}

  onMessage(from: NodeId, request: Request): void {
    this.admitted.push({ gateway: this.gatewayIndex.get(from)!, arrivedUs: request.sentUs + CLIENT_LATENCY_US });
    this.ctx.send(from, responseTo(request));
  }
}

interface GatewayRun {
  admitted: Admitted[];
  answers: Map<string, number>;
  details: Map<string, number>;
  traceHash: string;
}

/**
 * N gateways (the rate-limiter model, parsed and built through its registered
 * definition) sharing one limit through a counter store; client i sends to
 * gateway i at `sends[i]` (true times).
 */
function runGateways(options: {
  limit: Record<string, unknown>;
  distributed: Record<string, unknown>;
  sends: readonly (readonly number[])[];
  endUs: number;
  store?: { crashUs: number; restartUs: number };
  seed?: number;
}): GatewayRun {
  const sim = new Simulation({ seed: options.seed ?? 1 });
  const n = options.sends.length;
  const gatewayNames = Array.from({ length: n }, (_, i) => `gateway-${i + 1}`);
  const details = new ComponentMetrics(
    'gateway',
    'rate-limiter',
    n,
    0,
    1_000_000,
    Math.ceil(options.endUs / 1_000_000),
    0,
  );
  const context = (name: string, nodeNames: string[], metrics: ComponentMetrics): InstanceContext =>
    instanceContext(sim, {
      name,
      nodeNames,
      nodesOf: (component) => (component === 'api' ? ['sink'] : ['store-1']),
      requests: new RequestMetrics({
        windowUs: 1_000_000,
        durationUs: options.endUs,
        availabilityThresholdUs: 1_000_000,
        measureFromUs: 0,
      }),
      history: new HistoryRecorder(sim),
      probes: new StalenessProbes(),
      deliveries: new DeliveryLog(),
      caches: new CacheLog(1_000_000, 1),
      shards: new ShardLog(1_000_000, 1),
      feeds: new FeedLog(1_000_000, 1, 0),
      chats: new ChatLog(1_000_000, 1, 0),
      shared: (_key, build) => build(),
      paramsOf: () => ({}),
      metricsOf: () => undefined,
      componentMetrics: () => metrics,
    });
  const storeMetrics = new ComponentMetrics('counters', 'counter-store', 1, 0, 1_000_000, 1, 0);
  const store = counterStoreModel.instantiate(
    counterStoreModel.params.parse({}),
    context('counters', ['store-1'], storeMetrics),
  );
  const storeId = sim.addNode({ name: 'store-1', process: store(0) });
  const params = rateLimiterModel.params.parse({
    backend: 'api',
    limit: options.limit,
    distributed: options.distributed,
  });
  const gateway = rateLimiterModel.instantiate(params, context('gateway', gatewayNames, details));
  const gatewayIndex = new Map(gatewayNames.map((name, i) => [sim.addNode({ name, process: gateway(i) }), i]));
  const admitted: Admitted[] = [];
  sim.addNode({ name: 'sink', process: (ctx) => new Sink(ctx, gatewayIndex, admitted) });
  const answers = new Map<string, number>();
  options.sends.forEach((times, i) => {
    sim.addNode({ name: `client-${i + 1}`, process: (ctx) => new Sender(ctx, gatewayNames[i], times, answers) });
    sim.setLink(`client-${i + 1}`, gatewayNames[i], { latencyUs: { type: 'constant', value: CLIENT_LATENCY_US } });
  });
  if (options.store !== undefined) {
    sim.at(options.store.crashUs, () => sim.crash(storeId));
    sim.at(options.store.restartUs, () => sim.restart(storeId));
  }
  const result = sim.run({ untilUs: options.endUs });
  return { admitted, answers, details: details.details, traceHash: result.traceHash };
}

/** How many of `times` fall in each aligned window. */
function perWindow(times: readonly number[], windowUs: number): Map<number, number> {
  const counts = new Map<number, number>();
  for (const t of times) counts.set(Math.floor(t / windowUs), (counts.get(Math.floor(t / windowUs)) ?? 0) + 1);
  return counts;
}

/** Requests admitted per window against the requests that arrived at the gateways in it. */
function windowsOf(
  run: GatewayRun,
  sends: readonly (readonly number[])[],
  windowUs: number,
): { window: number; arrived: number; admitted: number }[] {
  const arrived = perWindow(
    sends.flat().map((t) => t + CLIENT_LATENCY_US),
    windowUs,
  );
  const admitted = perWindow(
    run.admitted.map((a) => a.arrivedUs),
    windowUs,
  );
  return [...arrived.keys()]
    .sort((a, b) => a - b)
    .map((window) => ({ window, arrived: arrived.get(window)!, admitted: admitted.get(window) ?? 0 }));
}

/** Evenly spaced sends at `ratePerSec` from `offsetUs` until `endUs`. */
function steady(ratePerSec: number, offsetUs: number, endUs: number): number[] {
  const times = [];
  for (let t = offsetUs; t < endUs; t += 1e6 / ratePerSec) times.push(Math.round(t));
  return times;
}

const WINDOW = 100_000;
const LIMIT = 10;
const fixedWindow = { type: 'fixed-window', requests: LIMIT, window: '100ms' };

/** Per gateway: bursts of requests at arbitrary times, often simultaneous across gateways. */
const concurrentSends = fc
  .array(
    fc.array(
      fc.tuple(
        fc.integer({ min: 0, max: 400_000 }),
        fc.integer({ min: 1, max: 15 }),
        fc.integer({ min: 0, max: 3_000 }),
      ),
      { minLength: 1, maxLength: 5 },
    ),
    { minLength: 2, maxLength: 4 },
  )
  .map((gateways) =>
    gateways.map((bursts) =>
      bursts.flatMap(([start, count, spread]) =>
        Array.from({ length: count }, (_, i) => start + Math.floor((i * spread) / count)),
      ),
    ),
  );

/** One request at a time, each sent after the last one's decision is surely complete (two store round trips take at most 2 ms). */
const serialSends = fc
  .tuple(
    fc.integer({ min: 2, max: 4 }),
    fc.array(fc.tuple(fc.nat(3), fc.integer({ min: 3_000, max: 12_000 })), { minLength: 1, maxLength: 120 }),
  )
  .map(([gateways, steps]) => {
    const sends: number[][] = Array.from({ length: gateways }, () => []);
    let t = 0;
    for (const [gateway, gap] of steps) sends[gateway % gateways].push((t += gap));
    return sends;
  });

describe('a limit shared by several gateways through a counter store', () => {
  it('central-atomic: every window admits exactly min(L, arrivals), however requests interleave', () => {
    fc.assert(
      fc.property(concurrentSends, fc.integer({ min: 1, max: 1000 }), (sends, seed) => {
        const run = runGateways({
          limit: fixedWindow,
          distributed: { mode: 'central-atomic', store: 'counters' },
          sends,
          endUs: 1_000_000,
          seed,
        });
        for (const w of windowsOf(run, sends, WINDOW)) expect(w.admitted).toBe(Math.min(LIMIT, w.arrived));
      }),
      { numRuns: 40 },
    );
  });

  it('central-atomic with a sliding counter: never above L in an aligned window', () => {
    fc.assert(
      fc.property(concurrentSends, (sends) => {
        const run = runGateways({
          limit: { ...fixedWindow, type: 'sliding-counter' },
          distributed: { mode: 'central-atomic', store: 'counters' },
          sends,
          endUs: 1_000_000,
        });
        for (const w of windowsOf(run, sends, WINDOW)) expect(w.admitted).toBeLessThanOrEqual(LIMIT);
      }),
      { numRuns: 30 },
    );
  });

  it('central-racy: concurrent requests read the same count, so a window admits far more than L', () => {
    const burst = Array.from({ length: 30 }, (_, i) => 10_000 + i);
    const sends = [burst, burst, burst, burst];
    const run = runGateways({
      limit: fixedWindow,
      distributed: { mode: 'central-racy', store: 'counters' },
      sends,
      endUs: 500_000,
    });
    const [first] = windowsOf(run, sends, WINDOW);
    expect(first.arrived).toBe(120);
    expect(first.admitted).toBeGreaterThan(3 * LIMIT);
    // The same burst through the atomic store: exact.
    const atomic = runGateways({
      limit: fixedWindow,
      distributed: { mode: 'central-atomic', store: 'counters' },
      sends,
      endUs: 500_000,
    });
    expect(windowsOf(atomic, sends, WINDOW)[0].admitted).toBe(LIMIT);
  });

  it('central-racy: with serial traffic there is no interleaving and it is exact, so concurrency is the cause', () => {
    fc.assert(
      fc.property(serialSends, fc.integer({ min: 1, max: 1000 }), (sends, seed) => {
        const run = runGateways({
          limit: fixedWindow,
          distributed: { mode: 'central-racy', store: 'counters' },
          sends,
          endUs: 1_500_000,
          seed,
        });
        for (const w of windowsOf(run, sends, WINDOW)) expect(w.admitted).toBe(Math.min(LIMIT, w.arrived));
      }),
      { numRuns: 40 },
    );
  });

  it('central-racy over-admission emerges from the interleaving and replays exactly from the seed', () => {
    const sends = [steady(300, 0, 400_000), steady(300, 1_100, 400_000), steady(300, 2_300, 400_000)];
    const racy = (seed: number) =>
      runGateways({
        limit: fixedWindow,
        distributed: { mode: 'central-racy', store: 'counters' },
        sends,
        endUs: 500_000,
        seed,
      });
    expect(racy(3).traceHash).toBe(racy(3).traceHash);
    expect(racy(3).admitted).toEqual(racy(3).admitted);
    expect(racy(3).traceHash).not.toBe(racy(4).traceHash);
  });

  it('local: each gateway enforces its share of L on its own (shares add up to L)', () => {
    const sends = [0, 1, 2, 3].map((g) => steady(200, g * 250, 300_000));
    const run = runGateways({ limit: fixedWindow, distributed: { mode: 'local' }, sends, endUs: 400_000 });
    for (let w = 0; w < 3; w++) {
      const byGateway = [0, 1, 2, 3].map(
        (g) => run.admitted.filter((a) => a.gateway === g && Math.floor(a.arrivedUs / WINDOW) === w).length,
      );
      expect(byGateway).toEqual([3, 3, 2, 2]);
    }
  });

  it('local under skew: the busy gateway refuses while the others idle, so the total stays below L; a central store admits L', () => {
    const sends = [steady(400, 0, 300_000), steady(10, 500, 300_000), [], []];
    const local = runGateways({ limit: fixedWindow, distributed: { mode: 'local' }, sends, endUs: 400_000 });
    const atomic = runGateways({
      limit: fixedWindow,
      distributed: { mode: 'central-atomic', store: 'counters' },
      sends,
      endUs: 400_000,
    });
    for (const w of windowsOf(local, sends, WINDOW)) expect(w.admitted).toBe(3 + 1);
    expect(local.answers.get('rejected')).toBeGreaterThan(0);
    for (const w of windowsOf(atomic, sends, WINDOW)) expect(w.admitted).toBe(LIMIT);
  });

  it('sync: overshoots L by what the other gateways admitted since the last sync, within L + (N−1)·(rate·(2T + RTT) + 1)', () => {
    const rate = 200;
    const limit = { type: 'fixed-window', requests: 100, window: '1s' };
    const sends = [0, 1, 2, 3].map((g) => steady(rate, 1_000 + g * 1_250, 3_000_000));
    const overshoot = (syncMs: number) => {
      const run = runGateways({
        limit,
        distributed: { mode: 'sync', store: 'counters', syncInterval: `${syncMs}ms` },
        sends,
        endUs: 3_200_000,
      });
      const windows = windowsOf(run, sends, 1_000_000);
      const bound = 100 + 3 * (rate * (2 * syncMs + 1) * 1e-3 + 1);
      for (const w of windows) expect(w.admitted).toBeLessThanOrEqual(bound);
      return Math.max(...windows.map((w) => w.admitted)) - 100;
    };
    const slow = overshoot(100);
    const fast = overshoot(10);
    // About (N−1)·rate·T: 60 at T = 100 ms, 6 at T = 10 ms.
    expect(slow).toBeGreaterThanOrEqual(40);
    expect(fast).toBeGreaterThan(0);
    expect(fast).toBeLessThan(slow / 4);
  });

  describe('while the store is down (crashed from 1 s to 2 s)', () => {
    const limit = { type: 'fixed-window', requests: 20, window: '1s' };
    const sends = [steady(40, 5_000, 3_000_000), steady(40, 17_000, 3_000_000)];
    const run = (failMode: string, mode = 'central-atomic') =>
      runGateways({
        limit,
        distributed: { mode, store: 'counters', storeTimeout: '20ms', failMode },
        sends,
        endUs: 3_500_000,
        store: { crashUs: 1_000_000, restartUs: 2_000_000 },
      });
    const admittedIn = (r: GatewayRun) => windowsOf(r, sends, 1_000_000).map((w) => w.admitted);

    it('fail-open admits everything, and says how many it let through blind', () => {
      const open = run('open');
      expect(admittedIn(open)).toEqual([20, 80, 20]);
      expect(open.details.get('failedOpen')).toBe(80);
    });

    it('fail-closed refuses everything as unavailable', () => {
      const closed = run('closed');
      expect(admittedIn(closed)).toEqual([20, 0, 20]);
      expect(closed.answers.get('unavailable')).toBe(80);
      expect(closed.details.get('failedClosed')).toBe(80);
    });

    it('fail-local falls back to each gateway enforcing its share', () => {
      expect(admittedIn(run('local'))).toEqual([20, 20, 20]);
    });

    it('sync notices the unanswered sync within the store timeout and fails closed from then on', () => {
      const closed = run('closed', 'sync');
      const [, during] = admittedIn(closed);
      // Only requests decided before the first sync after the crash went unanswered for 20 ms (the sync interval is 100 ms).
      expect(during).toBeLessThanOrEqual(Math.ceil(80 * 0.12) + 1);
      expect(closed.details.get('failedClosed')).toBeGreaterThan(60);
    });
  });

  it('central and sync modes need a counted limit; the schema says so', () => {
    const parse = (limit: unknown, distributed: unknown) =>
      rateLimiterModel.params.safeParse({ backend: 'api', limit, distributed });
    const bucket = parse(
      { type: 'token-bucket', rate: '100/s', burst: 10 },
      { mode: 'central-atomic', store: 'counters' },
    );
    expect(bucket.success).toBe(false);
    expect(bucket.error!.issues[0].path).toEqual(['distributed', 'mode']);
    expect(bucket.error!.issues[0].message).toMatch(
      /central-atomic .* needs a fixed-window or sliding-counter limit, not token-bucket/,
    );
    expect(parse({ type: 'token-bucket', rate: '100/s', burst: 10 }, { mode: 'local' }).success).toBe(true);
    expect(parse(fixedWindow, { mode: 'central-racy', store: 'counters', syncInterval: '1s' }).success).toBe(false);
    expect(parse(fixedWindow, { mode: 'sync', store: 'counters', storeTimeout: '0ms' }).success).toBe(false);
  });
});

describe('the distributed-rate-limit scenario', () => {
  it('racy over-admits, atomic is exact at a round trip per request, local under-admits under skew, and the store crash shows open, closed and local fallback', async () => {
    const report = await bundledReport('distributed-rate-limit');
    const variant = (name: string) => report.variants!.find((v) => v.name === name)!.metrics;
    const details = (name: string) => variant(name).components.find((c) => c.name === 'gateway')!.details!;
    const limit = 400;

    expect(details('central-atomic').maxAdmittedPerWindow).toBe(limit);
    expect(variant('central-atomic').timeline.every((w) => w.throughputPerSec <= limit)).toBe(true);
    expect(details('central-racy').maxAdmittedPerWindow).toBeGreaterThan(1.3 * limit);
    expect(variant('central-racy').throughputPerSec).toBeGreaterThan(1.3 * limit);
    expect(variant('local').throughputPerSec).toBeLessThan(0.85 * limit);
    expect(variant('local').requests.errors.rejected).toBeGreaterThan(1000);
    expect(details('sync').maxAdmittedPerWindow).toBeGreaterThan(limit);
    expect(details('sync').maxAdmittedPerWindow).toBeLessThanOrEqual(limit + 3 * 600 * 0.2);

    // A round trip to the store per decision for atomic, two for racy.
    const p50 = (name: string) => variant(name).latency.p50Us;
    expect(p50('central-atomic') - p50('local')).toBeGreaterThan(400);
    expect(p50('central-racy') - p50('central-atomic')).toBeGreaterThan(400);
    expect(p50('sync') - p50('local')).toBeLessThan(200);

    // The store is down from 4 s to 7 s: open admits all traffic, closed none.
    const during = (name: string) => variant(name).timeline.slice(4, 7);
    expect(during('store-crash-open').every((w) => w.throughputPerSec > 1.5 * limit)).toBe(true);
    expect(details('store-crash-open').failedOpen).toBeGreaterThan(2000);
    expect(during('store-crash-closed').every((w) => w.throughputPerSec === 0)).toBe(true);
    expect(variant('store-crash-closed').requests.errors.unavailable).toBe(details('store-crash-closed').failedClosed);
    expect(during('store-crash-local').every((w) => w.throughputPerSec < 0.9 * limit)).toBe(true);
    expect(details('store-crash-local').failedToLocal).toBe(details('store-crash-open').failedOpen);
  }, 60_000);
});
