import { z } from 'zod';
import { IntMap } from '../parts/int-map.js';
import { distribution, type NodeContext, type NodeId, type TimerHandle, type TimeUs } from '../../engine/index.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import { BALANCING_ALGORITHMS, Backends, type BalancingAlgorithm } from './balancing-policies.js';
import { FailoverMonitor, type FailoverPolicy } from './balancer-failover.js';
import { ConnectionTable } from './l4-connections.js';
import { responseTo, type Ping, type Pong, type Request, type Response } from '../kit/request-messages.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { durationDistribution } from '../kit/distribution-schema.js';
import { durationUs, fraction, positiveDurationUs, positiveInt } from '../kit/units.js';
import { STICKINESS, StickTable, type Stickiness } from './session-affinity.js';

/** The settings as the scenario gives them, durations in microseconds. */
export type LoadBalancerSettings = z.output<typeof loadBalancerParams>;

/** What a balancer node needs besides its settings, found when the scenario is built. */
export interface LoadBalancerRuntime {
  /** Backend nodes by name, with a weight each. */
  backends: readonly { node: string; weight: number }[];
  /** Active-passive: the node holding this floating address takes the traffic; the others stand by. */
  failover?: FailoverPolicy;
  metrics?: { component: ComponentMetrics; node: number };
}

interface Probe {
  backend: number;
  timer: TimerHandle;
}

interface Pending {
  client: NodeId;
  request: Request;
  backend: number;
  startUs: TimeUs;
  timer: TimerHandle | -1;
}

const FORWARD = 1;
const TIMEOUT = 2;
const HEALTH_ROUND = 3;
const PROBE_TIMEOUT = 4;
const LOAD_POLL = 5;
const HEARTBEAT = 6;

/** What an L4 balancer cannot be asked to do: it forwards connections, so it never reads a request's key or cookie. */
export function layer4Problems(
  algorithm: BalancingAlgorithm,
  stickiness: Stickiness,
): { field: 'algorithm' | 'stickiness'; message: string }[] {
  const problems: ReturnType<typeof layer4Problems> = [];
  if (algorithm === 'key-hash' || algorithm === 'consistent-hash') {
    problems.push({
      field: 'algorithm',
      message: `${algorithm} routes by the request's key, which a layer 4 balancer never sees (it forwards connections); use layer: 7, or ip-hash`,
    });
  }
  if (stickiness === 'cookie')
    problems.push({
      field: 'stickiness',
      message: 'a layer 4 balancer cannot read cookies (it forwards connections); use stickiness: ip, or layer: 7',
    });
  return problems;
}

/**
 * A load balancer. At layer 7 it picks a backend per request with one of the
 * balancing algorithms (after a sticky pin, if any); at layer 4 per client
 * connection. It relays the answer and can take failing backends out of
 * rotation (passive and active health checks). In an active-passive pair the
 * node holding the pair's floating address takes the traffic while the others
 * heartbeat it, ready to claim the address.
 */
export class LoadBalancer implements InspectableProcess<Request | Response | Ping | Pong> {
  private readonly backends: Backends;
  private readonly backendIds: NodeId[];
  private readonly backendNames: readonly string[];
  private readonly processing;
  private readonly processingRng;
  private readonly pending = new IntMap<Pending>();
  private readonly errorsInARow: Int32Array;
  private readonly probes = new Map<number, Probe>();
  private readonly checkStreak: Int32Array;
  private readonly stickTable: StickTable | null;
  private readonly byCookie: boolean;
  private readonly connections: ConnectionTable | null;
  private readonly failover: FailoverMonitor | null;
  private readonly metrics: ComponentMetrics | null;
  private readonly node: number;
  private nextId = 0;
  /** Load polls of the latest round carry ids pollBase + backend. */
  private pollBase = 0;

  constructor(
    private readonly ctx: NodeContext,
    private readonly settings: Omit<LoadBalancerSettings, 'backends' | 'redundancy'>,
    runtime: LoadBalancerRuntime,
  ) {
    const { backends } = runtime;
    if (backends.length === 0) throw new RangeError('a load balancer needs at least one backend');
    this.backends = new Backends(
      settings.algorithm,
      backends.map((b) => b.weight),
      ctx.random('balancing'),
      settings.ewmaWeight,
      settings.virtualNodes,
    );
    this.backendIds = backends.map((b) => ctx.lookup(b.node));
    this.backendNames = backends.map((b) => b.node);
    this.processing = settings.processingTime === undefined ? null : distribution(settings.processingTime);
    this.processingRng = ctx.random('processing');
    this.errorsInARow = new Int32Array(backends.length);
    this.checkStreak = new Int32Array(backends.length);
    const layer4 = settings.layer === 4;
    const problems = layer4 ? layer4Problems(settings.algorithm, settings.stickiness) : [];
    if (problems.length > 0) throw new RangeError(problems[0].message);
    this.stickTable = settings.stickiness === 'none' ? null : new StickTable(settings.stickyTtl);
    this.byCookie = settings.stickiness === 'cookie';
    this.connections = layer4 ? new ConnectionTable(settings.connections) : null;
    this.failover = runtime.failover === undefined ? null : new FailoverMonitor(ctx, runtime.failover, HEARTBEAT);
    this.metrics = runtime.metrics?.component ?? null;
    this.node = runtime.metrics?.node ?? 0;
  }

  /**
   * The algorithm; requests in flight; what each backend carries by the
   * balancer's count, in the backends' order (requests in flight at L7,
   * connections open at L4); backends out of rotation (health checks or passive
   * ejection); L4 connections open, sticky keys pinned, and, active-passive,
   * whether this node holds the address.
   */
  inspect(): InspectedState {
    const b = this.backends;
    const now = this.ctx.nowUs;
    const out: string[] = [];
    for (let i = 0; i < b.count; i++)
      if (b.unhealthy[i] === 1 || b.ejectedUntilUs[i] > now) out.push(this.backendNames[i]);
    return {
      algorithm: b.algorithm,
      requestsInFlight: this.pending.size,
      activeByBackend: Array.from(b.inFlight),
      backendsOut: out,
      connectionsOpen: this.connections === null ? null : this.connections.openCount(),
      stickyKeys: this.stickTable === null ? null : this.stickTable.size,
      failover: this.failover === null ? null : this.failover.inspect(),
    };
  }

  onStart(): void {
    if (this.settings.healthCheck !== undefined) this.ctx.setTimer(this.settings.healthCheck.interval, HEALTH_ROUND);
    if (this.settings.algorithm === 'resource-based') this.pollLoads();
    this.failover?.start();
  }

  onMessage(from: NodeId, message: Request | Response | Ping | Pong): void {
    switch (message.kind) {
      case 'request': {
        const now = this.ctx.nowUs;
        this.metrics?.recordArrival(false, now);
        if (this.processing === null) this.forward(from, message, now);
        else this.ctx.setTimer(this.processing.sample(this.processingRng), FORWARD, [from, message, now]);
        return;
      }
      case 'response': {
        const probe = this.probes.get(message.id);
        if (probe === undefined) this.onBackendResponse(message);
        else this.probeAnswered(message.id, probe, message.error === undefined);
        return;
      }
      case 'pong':
        this.onPong(message);
        return;
      case 'ping':
        this.ctx.send(from, { kind: 'pong', id: message.id } satisfies Pong, 0);
    }
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === HEALTH_ROUND) {
      this.probeAll();
      return;
    }
    if (tag === LOAD_POLL) {
      this.pollLoads();
      return;
    }
    if (tag === HEARTBEAT) {
      this.failover!.onTimer();
      return;
    }
    if (tag === PROBE_TIMEOUT) {
      const probe = this.probes.get(data as number);
      if (probe !== undefined) {
        this.probes.delete(data as number);
        this.checked(probe.backend, false);
      }
      return;
    }
    if (tag === FORWARD) {
      const [client, request, arrivedUs] = data as [NodeId, Request, TimeUs];
      this.forward(client, request, arrivedUs);
      return;
    }
    const id = data as number;
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.settle(id, p);
    this.recordOutcome(p.backend, false, 0);
    this.answer(p, 'timeout');
  }

  /** One round of active checks: a probe to every backend, each with its own timeout. */
  private probeAll(): void {
    const policy = this.settings.healthCheck!;
    for (let i = 0; i < this.backendIds.length; i++) {
      const id = this.nextId++;
      this.probes.set(id, { backend: i, timer: this.ctx.setTimer(policy.timeout, PROBE_TIMEOUT, id) });
      const probe: Ping | Request =
        policy.kind === 'ping'
          ? { kind: 'ping', id }
          : { kind: 'request', id, sentUs: this.ctx.nowUs, operation: 'health-check', priority: 0, session: -1 };
      this.ctx.send(this.backendIds[i], probe, 0);
    }
    this.ctx.setTimer(policy.interval, HEALTH_ROUND);
  }

  private onPong(pong: Pong): void {
    if (this.failover?.onPong(pong.id)) return;
    const probe = this.probes.get(pong.id);
    if (probe !== undefined) {
      this.probeAnswered(pong.id, probe, true);
      return;
    }
    if (this.settings.algorithm !== 'resource-based') return;
    // Only the latest round's reports count; a late one would be older than what is already known.
    const backend = pong.id - this.pollBase;
    if (backend >= 0 && backend < this.backendIds.length && pong.load !== undefined)
      this.backends.reportedLoad[backend] = pong.load;
  }

  private probeAnswered(id: number, probe: Probe, passed: boolean): void {
    this.probes.delete(id);
    this.ctx.cancelTimer(probe.timer);
    this.checked(probe.backend, passed);
  }

  /** Asks every backend for its load (a ping; the pong carries it): what resource-based picks act on until the next round. */
  private pollLoads(): void {
    const n = this.backendIds.length;
    this.pollBase = this.nextId;
    this.nextId += n;
    for (let i = 0; i < n; i++)
      this.ctx.send(this.backendIds[i], { kind: 'ping', id: this.pollBase + i } satisfies Ping, 0);
    this.ctx.setTimer(this.settings.reportInterval, LOAD_POLL);
  }

  /** Streaks of passed (positive) or failed (negative) checks flip a backend's health at the thresholds. */
  private checked(backend: number, passed: boolean): void {
    const policy = this.settings.healthCheck!;
    const streak = this.checkStreak[backend];
    this.checkStreak[backend] = passed ? Math.max(streak, 0) + 1 : Math.min(streak, 0) - 1;
    const unhealthy = this.backends.unhealthy;
    if (!passed && unhealthy[backend] === 0 && -this.checkStreak[backend] >= policy.unhealthyAfter)
      unhealthy[backend] = 1;
    else if (passed && unhealthy[backend] === 1 && this.checkStreak[backend] >= policy.healthyAfter)
      unhealthy[backend] = 0;
  }

  private forward(client: NodeId, request: Request, arrivedUs: TimeUs): void {
    const backends = this.backends;
    const now = this.ctx.nowUs;
    backends.nowUs = now;
    const connections = this.connections;
    const i = connections === null ? this.route(client, request, now) : this.routeConnection(connections, client, now);
    if (i < 0) {
      this.metrics?.recordRejected(this.ctx.nowUs);
      this.reply(client, request, 'unavailable');
      return;
    }
    const id = this.nextId++;
    const timeout = this.settings.timeout;
    const timer = timeout === undefined ? -1 : this.ctx.setTimer(timeout, TIMEOUT, id);
    this.pending.set(id, { client, request, backend: i, startUs: arrivedUs, timer });
    if (connections === null) backends.inFlight[i]++;
    this.metrics?.queueChanged(this.node, 1, this.ctx.nowUs);
    const upstream: Request = { ...request, id };
    this.ctx.send(this.backendIds[i], upstream, 0);
  }

  /** Layer 7: the session's or client's pin while its backend is in rotation, else the algorithm's pick. */
  private route(client: NodeId, request: Request, nowUs: TimeUs): number {
    const table = this.stickTable;
    const key = request.key ?? client;
    if (table === null) return this.backends.pick(client, key);
    return this.sticky(table, this.byCookie ? request.session : client, client, key, nowUs);
  }

  /**
   * Layer 4: the backend of the client connection this request rides, opened
   * (balanced) on first use and reopened only when its backend leaves
   * rotation. `inFlight` counts open connections here, so least-connections
   * means what it does in an L4 balancer.
   */
  private routeConnection(connections: ConnectionTable, client: NodeId, nowUs: TimeUs): number {
    const backends = this.backends;
    const c = connections.next(client);
    const open = connections.backendOf(c);
    if (open >= 0 && backends.available(open)) return open;
    if (open >= 0) backends.inFlight[open]--;
    const table = this.stickTable;
    const picked = table === null ? backends.pick(client, client) : this.sticky(table, client, client, client, nowUs);
    connections.open(c, picked, open >= 0 && picked >= 0);
    if (picked >= 0) backends.inFlight[picked]++;
    if (open >= 0) this.metrics?.noteDetail('connectionsReopened', connections.reopened);
    return picked;
  }

  /** The backend `stickKey` is pinned to while it is in rotation; otherwise the algorithm's pick, pinned. */
  private sticky(table: StickTable, stickKey: number, client: NodeId, key: number, nowUs: TimeUs): number {
    const pinned = table.lookup(stickKey, nowUs);
    if (pinned >= 0 && this.backends.available(pinned)) return pinned;
    const picked = this.backends.pick(client, key);
    if (picked < 0) return -1;
    const entries = table.size;
    table.pin(stickKey, picked, nowUs, pinned >= 0);
    const metrics = this.metrics;
    if (metrics !== null) {
      if (table.size > entries) metrics.noteDetail('stickTableEntries', table.size);
      if (pinned >= 0) metrics.noteDetail('repins', table.repins);
    }
    return picked;
  }

  private onBackendResponse(response: Response): void {
    const p = this.pending.get(response.id);
    if (p === undefined) return; // answered already: it timed out
    this.settle(response.id, p);
    if (p.timer !== -1) this.ctx.cancelTimer(p.timer);
    this.recordOutcome(p.backend, response.error === undefined, this.ctx.nowUs - p.startUs);
    this.answer(p, response.error);
  }

  private settle(id: number, p: Pending): void {
    this.pending.delete(id);
    if (this.connections === null) this.backends.inFlight[p.backend]--;
    this.metrics?.queueChanged(this.node, -1, this.ctx.nowUs);
  }

  private recordOutcome(backend: number, ok: boolean, latencyUs: number): void {
    if (ok) {
      this.errorsInARow[backend] = 0;
      this.backends.recordResponse(backend, latencyUs);
      return;
    }
    const eject = this.settings.eject;
    if (eject !== undefined && ++this.errorsInARow[backend] >= eject.afterErrors) {
      this.errorsInARow[backend] = 0;
      this.backends.ejectedUntilUs[backend] = this.ctx.nowUs + eject.for;
    }
  }

  private answer(p: Pending, error: Response['error']): void {
    if (error === undefined) this.metrics?.recordServed(p.startUs, this.ctx.nowUs);
    this.reply(p.client, p.request, error);
  }

  private reply(to: NodeId, request: Request, error: Response['error']): void {
    this.ctx.send(to, responseTo(request, error), 0);
  }
}

const backend = z.union(
  [z.string(), z.strictObject({ component: z.string(), weight: z.number().positive().default(1) })],
  {
    error: 'expected a component name, or { component, weight }',
  },
);

const redundancy = z
  .discriminatedUnion(
    'mode',
    [
      z.strictObject({ mode: z.literal('active-active') }),
      z.strictObject({
        mode: z.literal('active-passive'),
        heartbeat: positiveDurationUs
          .default(1_000_000)
          .describe('How often a standby heartbeats the active node (default 1s).'),
        failAfter: positiveInt
          .default(3)
          .describe(
            'Missed heartbeats in a row before a standby takes the virtual IP over: detection takes failAfter to failAfter + 1 heartbeats.',
          ),
      }),
    ],
    {
      error: (issue) =>
        issue.code === 'invalid_union' ? 'redundancy mode must be active-active or active-passive' : undefined,
    },
  )
  .default({ mode: 'active-active' })
  .describe(
    'With several balancer nodes. active-active (default): clients spread over all of them, so when one dies the attempts sent to it fail until clients retry elsewhere. active-passive: clients address a virtual IP (<component>-vip) held by the first node; the others heartbeat it and claim the IP when it stops answering.',
  );

const loadBalancerParams = z
  .strictObject({
    backends: z
      .array(backend)
      .min(1)
      .describe('The components requests are spread over; a weight applies to each of its nodes.'),
    algorithm: z
      .enum(BALANCING_ALGORITHMS)
      .default('round-robin')
      .describe(`How a backend is picked: ${BALANCING_ALGORITHMS.join(', ')}.`),
    reportInterval: positiveDurationUs
      .default(1_000_000)
      .describe(
        'resource-based: how often the balancer polls each backend for its load (busy workers plus waiting requests, over workers). It balances on the last reports however old, so a long interval herds every request onto whichever backend looked idle (default 1s).',
      ),
    stickiness: z
      .enum(STICKINESS)
      .default('none')
      .describe(
        'cookie: a session follows the backend its first request was balanced to; ip: every request of a client address does (one NAT or proxy puts many users behind one address). Re-pinned when that backend leaves rotation.',
      ),
    stickyTtl: positiveDurationUs
      .optional()
      .describe(
        'A pin expires this long after it was set (a cookie’s lifetime) and the next request is balanced afresh. Never when absent.',
      ),
    layer: z
      .union([z.literal(4), z.literal(7)], { error: 'layer must be 4 (balance connections) or 7 (balance requests)' })
      .default(7)
      .describe(
        '7: balance every request, reading keys and cookies. 4: balance connections; each request rides one of its client’s long-lived connections, pinned to the backend picked when it opened.',
      ),
    connections: positiveInt
      .default(8)
      .describe('Layer 4: long-lived connections each client node keeps open; its requests take them in turn.'),
    processingTime: durationDistribution
      .optional()
      .describe(
        'Time to handle a request before forwarding it (an L7 proxy parses it; an L4 one costs far less); none when absent.',
      ),
    timeout: durationUs
      .optional()
      .describe('Give up on a backend after this long and answer the client with a timeout.'),
    eject: z
      .strictObject({
        afterErrors: positiveInt.describe(
          'Errors in a row (rejections, timeouts) that take a backend out of rotation.',
        ),
        for: durationUs.describe('How long it stays out before the balancer tries it again.'),
      })
      .optional()
      .describe('Passive health checking.'),
    healthCheck: z
      .strictObject({
        interval: durationUs.default(1_000_000).describe('How often each backend is checked (default 1s).'),
        timeout: durationUs.default(500_000).describe('A check not answered within this fails (default 500ms).'),
        unhealthyAfter: positiveInt.default(3).describe('Failed checks in a row that take a backend out.'),
        healthyAfter: positiveInt.default(2).describe('Passed checks in a row that bring it back.'),
        kind: z
          .enum(['ping', 'request'])
          .default('request')
          .describe('ping: is the node up; request: does it serve (catches grey failures).'),
      })
      .optional()
      .describe('Active health checks, independent of traffic.'),
    virtualNodes: positiveInt.default(100).describe('Ring points per backend for consistent-hash (times its weight).'),
    ewmaWeight: fraction
      .default(0.2)
      .describe('Weight of the newest response time in least-response-time’s moving average.'),
    redundancy,
  })
  .superRefine((p, ctx) => {
    if (p.layer !== 4) return;
    for (const problem of layer4Problems(p.algorithm, p.stickiness))
      ctx.addIssue({ code: 'custom', path: [problem.field], message: problem.message });
  });

export const loadBalancerModel: ModelDefinition<typeof loadBalancerParams> = {
  type: 'load-balancer',
  role: 'component',
  description:
    'A load balancer, L7 (per request) or L4 (per connection): ten balancing algorithms (resource-based among them), sticky sessions by cookie or IP, processing cost, hop timeout, active and passive health checks, active-passive failover on a virtual IP.',
  params: loadBalancerParams,
  references: (params) =>
    params.backends.map((b, i) => ({
      path: typeof b === 'string' ? ['backends', i] : ['backends', i, 'component'],
      component: typeof b === 'string' ? b : b.component,
    })),
  addresses: (params, { name, nodeNames }) =>
    params.redundancy.mode === 'active-passive' ? [{ name: virtualIp(name), holder: nodeNames[0] }] : [],
  instantiate(params, ctx) {
    const component = ctx.componentMetrics(0);
    const backends = params.backends.flatMap((b) => {
      const name = typeof b === 'string' ? b : b.component;
      const weight = typeof b === 'string' ? 1 : b.weight;
      return ctx.nodesOf(name).map((node) => ({ node, weight }));
    });
    const r = params.redundancy;
    return (node) => (nodeCtx) =>
      new LoadBalancer(nodeCtx, params, {
        backends,
        failover:
          r.mode === 'active-passive'
            ? { address: virtualIp(ctx.name), heartbeatUs: r.heartbeat, failAfter: r.failAfter }
            : undefined,
        metrics: { component, node },
      });
  },
};

/** The floating address clients of an active-passive balancer send to. */
function virtualIp(component: string): string {
  return `${component}-vip`;
}
