import { z } from 'zod';
import type { NodeContext, NodeId, TimerHandle } from '../../engine/index.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { DnsAnswer, DnsLookup } from './dns-messages.js';
import { responseTo, type Ping, type Pong, type Request, type Response } from '../kit/request-messages.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { durationUs, positiveDurationUs, positiveInt } from '../kit/units.js';

export const DNS_POLICIES = ['all', 'round-robin', 'failover', 'nearest'] as const;
export type DnsPolicy = (typeof DNS_POLICIES)[number];

/** The settings as the scenario gives them, durations in microseconds. */
export type DnsServerSettings = z.output<typeof dnsParams>;

/** Each name, and its records in order: a record is the node names of one component (failover's primary first). */
export type DnsRecords = readonly { name: string; components: readonly (readonly string[])[] }[];

interface Zone {
  /** Address indices per record (component), in record order. */
  records: number[][];
  /** Every address index of the name, in record order. */
  all: number[];
  /** Round robin's position in `all`. */
  cursor: number;
}

interface Probe {
  address: number;
  timer: TimerHandle;
}

const HEALTH_ROUND = 1;
const PROBE_TIMEOUT = 2;

/**
 * An authoritative DNS server: it answers lookups of the names it holds with
 * node addresses and a TTL, by policy (every address, one in rotation, or
 * failover to the next record when the primary is down), leaving out
 * addresses its own health checks find down. When none is healthy it
 * answers as if all were (fail open, as Route 53 does): an answer naming a
 * dead node is no worse than none. Clients cache the answer for the TTL, so
 * whatever the server learns reaches them only as their caches expire.
 */
export class DnsServer implements InspectableProcess<DnsLookup | Pong | Response | Request> {
  private readonly zones = new Map<string, Zone>();
  private readonly addresses: NodeId[] = [];
  private readonly addressNames: string[] = [];
  private readonly unhealthy: Uint8Array;
  private readonly checkStreak: Int32Array;
  private readonly probes = new Map<number, Probe>();
  private readonly metrics: ComponentMetrics | null;
  private nextProbeId = 0;

  constructor(
    private readonly ctx: NodeContext,
    private readonly settings: Pick<DnsServerSettings, 'policy' | 'ttl' | 'healthCheck'>,
    names: DnsRecords,
    /** Where lookups answered are counted (as requests served). */
    metrics?: ComponentMetrics,
    /** The mean round trip between two nodes (the topology's RTTs), for the `nearest` policy. */
    private readonly rttUs?: (a: NodeId, b: NodeId) => number,
  ) {
    const index = new Map<string, number>();
    for (const { name, components } of names) {
      if (components.length === 0) throw new RangeError(`dns name "${name}" needs at least one record`);
      const records = components.map((nodes) =>
        nodes.map((node) => {
          let i = index.get(node);
          if (i === undefined) {
            index.set(node, (i = this.addresses.length));
            this.addresses.push(ctx.lookup(node));
            this.addressNames.push(node);
          }
          return i;
        }),
      );
      this.zones.set(name, { records, all: records.flat(), cursor: 0 });
    }
    this.unhealthy = new Uint8Array(this.addresses.length);
    this.checkStreak = new Int32Array(this.addresses.length);
    this.metrics = metrics ?? null;
    if (settings.policy === 'nearest' && rttUs === undefined)
      throw new RangeError('a dns server with policy nearest needs the round trips between nodes (rttUs)');
  }

  /** The answer policy, the names it serves, the addresses health checks have taken out of answers, and checks awaiting a reply. */
  inspect(): InspectedState {
    const unhealthy: string[] = [];
    for (let i = 0; i < this.addresses.length; i++) if (this.unhealthy[i] === 1) unhealthy.push(this.addressNames[i]);
    return {
      policy: this.settings.policy,
      names: this.zones.size,
      addresses: this.addresses.length,
      addressesUnhealthy: unhealthy,
      healthChecksInFlight: this.probes.size,
    };
  }

  onStart(): void {
    if (this.settings.healthCheck !== undefined) this.ctx.setTimer(this.settings.healthCheck.interval, HEALTH_ROUND);
  }

  onMessage(from: NodeId, message: DnsLookup | Pong | Response | Request): void {
    if (message.kind === 'request') {
      // A workload aimed at the DNS server itself (without `dns:`): refused at once rather than left to time out.
      this.ctx.send(from, responseTo(message, 'rejected'), 0);
      return;
    }
    if (message.kind === 'dns-lookup') {
      const now = this.ctx.nowUs;
      this.metrics?.recordArrival(false, now);
      const zone = this.zones.get(message.name);
      const answer: DnsAnswer = {
        kind: 'dns-answer',
        id: message.id,
        addresses: zone === undefined ? [] : this.answer(zone, from),
        ttlUs: this.settings.ttl,
      };
      this.metrics?.recordServed(now, now);
      this.ctx.send(from, answer, 0);
      return;
    }
    const probe = this.probes.get(message.id);
    if (probe === undefined) return; // answered after its timeout
    this.probes.delete(message.id);
    this.ctx.cancelTimer(probe.timer);
    this.checked(probe.address, message.kind === 'pong' || message.error === undefined);
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === HEALTH_ROUND) {
      this.probeAll();
      return;
    }
    const probe = this.probes.get(data as number);
    if (probe !== undefined) {
      this.probes.delete(data as number);
      this.checked(probe.address, false);
    }
  }

  private answer(zone: Zone, asker: NodeId): NodeId[] {
    const healthy = (i: number) => this.unhealthy[i] === 0;
    switch (this.settings.policy) {
      case 'all': {
        const up = zone.all.filter(healthy);
        return (up.length > 0 ? up : zone.all).map((i) => this.addresses[i]);
      }
      case 'round-robin': {
        const n = zone.all.length;
        for (let k = 0; k < n; k++) {
          const at = (zone.cursor + k) % n;
          if (healthy(zone.all[at])) {
            zone.cursor = (at + 1) % n;
            return [this.addresses[zone.all[at]]];
          }
        }
        const at = zone.cursor;
        zone.cursor = (at + 1) % n;
        return [this.addresses[zone.all[at]]];
      }
      case 'failover': {
        for (const record of zone.records) {
          const up = record.filter(healthy);
          if (up.length > 0) return up.map((i) => this.addresses[i]);
        }
        return zone.records[0].map((i) => this.addresses[i]);
      }
      case 'nearest':
        return this.nearest(zone, asker);
    }
  }

  /**
   * Latency-based routing, as a CDN's DNS maps clients to PoPs: the healthy
   * addresses with the shortest mean round trip from the asker (all of them
   * when several tie, as a PoP's nodes in one region do), by the topology's
   * RTTs; with none healthy, the nearest ones anyway (fail open).
   */
  private nearest(zone: Zone, asker: NodeId): NodeId[] {
    const rttUs = this.rttUs!;
    let best = Infinity;
    let bestAny = Infinity;
    for (const i of zone.all) {
      const rtt = rttUs(asker, this.addresses[i]);
      if (rtt < bestAny) bestAny = rtt;
      if (this.unhealthy[i] === 0 && rtt < best) best = rtt;
    }
    const anyHealthy = best !== Infinity;
    const out: NodeId[] = [];
    for (const i of zone.all)
      if ((!anyHealthy || this.unhealthy[i] === 0) && rttUs(asker, this.addresses[i]) === (anyHealthy ? best : bestAny))
        out.push(this.addresses[i]);
    return out;
  }

  /** One round of checks: a probe to every address, each with its own timeout. */
  private probeAll(): void {
    const policy = this.settings.healthCheck!;
    for (let i = 0; i < this.addresses.length; i++) {
      const id = this.nextProbeId++;
      this.probes.set(id, { address: i, timer: this.ctx.setTimer(policy.timeout, PROBE_TIMEOUT, id) });
      const probe: Ping | Request =
        policy.kind === 'ping'
          ? { kind: 'ping', id }
          : { kind: 'request', id, sentUs: this.ctx.nowUs, operation: 'health-check', priority: 0, session: -1 };
      this.ctx.send(this.addresses[i], probe, 0);
    }
    this.ctx.setTimer(policy.interval, HEALTH_ROUND);
  }

  /** Streaks of passed (positive) or failed (negative) checks flip an address's health at the thresholds. */
  private checked(address: number, passed: boolean): void {
    const policy = this.settings.healthCheck!;
    const streak = this.checkStreak[address];
    this.checkStreak[address] = passed ? Math.max(streak, 0) + 1 : Math.min(streak, 0) - 1;
    if (!passed && this.unhealthy[address] === 0 && -this.checkStreak[address] >= policy.unhealthyAfter)
      this.unhealthy[address] = 1;
    else if (passed && this.unhealthy[address] === 1 && this.checkStreak[address] >= policy.healthyAfter)
      this.unhealthy[address] = 0;
  }
}

const dnsParams = z.strictObject({
  records: z
    .record(z.string(), z.array(z.string()).min(1, 'a name needs at least one component'))
    .refine((records) => Object.keys(records).length > 0, 'name at least one record, like { api: [lb-east, lb-west] }')
    .describe(
      'The names this server answers, each with the components it resolves to, in order: { api: [lb-east, lb-west] }. An answer lists nodes of those components; failover takes the first as the primary.',
    ),
  policy: z
    .enum(DNS_POLICIES)
    .default('all')
    .describe(
      'all: every healthy address; round-robin: one healthy address, the next in turn at each lookup; failover: the healthy nodes of the first component that has any (the primary unless it is down); nearest: the healthy addresses with the shortest mean round trip from the asker by the topology’s RTTs (latency-based routing, as a CDN maps clients to its nearest PoP), the next nearest when those are down.',
    ),
  ttl: durationUs
    .default(60_000_000)
    .describe('How long clients may keep an answer before asking again (default 60s).'),
  healthCheck: z
    .strictObject({
      interval: positiveDurationUs.default(10_000_000).describe('How often every address is checked (default 10s).'),
      timeout: durationUs.default(2_000_000).describe('A check not answered within this fails (default 2s).'),
      unhealthyAfter: positiveInt.default(3).describe('Failed checks in a row that take an address out of answers.'),
      healthyAfter: positiveInt.default(2).describe('Passed checks in a row that bring it back.'),
      kind: z
        .enum(['ping', 'request'])
        .default('request')
        .describe(
          'request: the address serves a request (an HTTP check, which also sees a balancer whose backends are all down); ping: the node answers pings.',
        ),
    })
    .optional()
    .describe(
      'Health checks of every address, as a DNS service runs them; without them every address counts as healthy. When none is healthy, answers name them all anyway (fail open).',
    ),
});

export const dnsServerModel: ModelDefinition<typeof dnsParams> = {
  type: 'dns',
  role: 'component',
  description:
    'An authoritative DNS server: names resolve to components’ nodes by policy (all, round robin, failover, nearest), with health checks and a TTL clients cache answers for.',
  params: dnsParams,
  references: (params) =>
    Object.entries(params.records).flatMap(([name, components]) =>
      components.map((component, i) => ({ path: ['records', name, i], component })),
    ),
  names: (params) => Object.keys(params.records),
  instantiate(params, ctx) {
    const component = ctx.componentMetrics(0);
    const records = Object.entries(params.records).map(([name, components]) => ({
      name,
      components: components.map((c) => ctx.nodesOf(c)),
    }));
    return () => (nodeCtx) => new DnsServer(nodeCtx, params, records, component, ctx.rttUs);
  },
};
