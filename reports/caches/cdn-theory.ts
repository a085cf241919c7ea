import type { BuiltScenario } from '../../scenarios/harness/build-scenario.js';
import type { DistributionSpec } from '../../engine/index.js';
import { ObjectSizes } from '../../models/caches/object-sizes.js';
import { ParentSelection } from '../../models/cdn/parent-selection.js';
import type { CdnTierSettings } from '../../models/cdn/cdn-tier-params.js';
import type { CachesReport, CdnTheoryReport, CdnTierTheoryRow } from '../report-types.js';
import { namedByComponents, sendsPoissonAttempts, type Instance } from '../theory-inputs.js';
import { fifoTheory, hitRatio, lruTheory, zipfPopularity, type CacheTheory } from './cache-theory.js';

/**
 * Che's approximation applied tier by tier to a CDN: each edge PoP sees its
 * clients' requests, independent per key with fixed popularity (Poisson),
 * and the cache theory (cache-theory.ts) gives its per-key hit
 * probabilities h_i; its misses, of rates λ_i·(1 − h_i), go to the parent
 * PoP the key is sent to, where they are summed over the children sharing
 * that parent and treated as Poisson again. That last step is the
 * approximation: a miss stream is not Poisson (a key just missed is less
 * likely to miss again soon, since it is now cached below), so tiers above
 * the first are approximate, the first is as good as Che is.
 *
 * Pushed keys always hit and take no cache room (they are stored beside the
 * cache). Applies under the cache theory's conditions: open-loop Poisson
 * clients with fixed popularity (keys with zipf or uniform, no shift, no
 * retries, hedges or rate shapes, none the origin lacks) reaching one tier
 * directly or through a DNS name for it alone (policy nearest, all or
 * failover), nothing else in front of a tier, no TTL (or one at least ten
 * times the run), no purges, no faults, LRU (Che) or FIFO/random stores with
 * one kind of capacity (entries or bytes).
 */

/** One tier as the theory sees it: its store, and where its PoPs send each key. */
export interface CdnTheoryTierInput {
  component: string;
  tier: CdnTierSettings['tier'];
  policy: 'lru' | 'fifo' | 'random';
  /** Per PoP; Infinity: unbounded. */
  capacity: number;
  capacityInBytes: boolean;
  /** Keys 1..pushedKeys are pushed on every PoP (always hit). */
  pushedKeys: number;
  /** PoPs of the tier, each with its parent per key: a PoP index of the parent tier, or -1 for the origin. */
  pops: { parentOf(key: number): number }[];
  /** The parent tier's index in the tier list; -1: the origin. */
  parentTier: number;
}

export interface CdnTheoryInput {
  /** Per tier, in any order. */
  tiers: CdnTheoryTierInput[];
  /** Client request rate per key arriving at each PoP of each tier (index i: key i + 1); an all-zero array for PoPs no client reaches. */
  clientRates: Float64Array[][];
  /** Object size per key (index i: key i + 1). */
  sizes: Float64Array;
}

/** Per tier: requests and bytes arriving and hitting (per second), summed over its PoPs. */
export interface CdnTierTheory {
  requestRatePerSec: number;
  hitRatio: number;
  byteHitRatio: number;
  missRatePerSec: number;
  /** Whether the tier's input is a miss stream (approximate) rather than clients' Poisson requests. */
  approximate: boolean;
}

export interface CdnTheory {
  tiers: CdnTierTheory[];
  clientRatePerSec: number;
  originRatePerSec: number;
  /** Bytes per second the origin sends (its egress). */
  originBytesPerSec: number;
  /** Shares of client requests and bytes that never reach the origin. */
  originOffload: number;
  originByteOffload: number;
}

export const CDN_THEORY_NOTE =
  "Che's approximation applied tier by tier: each tier's input is the sum of its children's miss streams λ_i·(1 − h_i), treated as Poisson. " +
  'Exact in Che’s terms only for the first tier; for tiers above it this is an approximation (a miss stream is not Poisson).';

/** The theory of a CDN given per-PoP client rates: tiers are solved children first. */
export function cdnTheory(input: CdnTheoryInput): CdnTheory {
  const { tiers, clientRates, sizes } = input;
  const keys = sizes.length;
  const depth = (t: number): number => (tiers[t].parentTier < 0 ? 0 : 1 + depth(tiers[t].parentTier));
  const order = tiers.map((_, t) => t).sort((a, b) => depth(b) - depth(a) || a - b);
  const rates = clientRates.map((pops) => pops.map((r) => Float64Array.from(r)));
  const fedByClientsOnly = tiers.map(() => true);
  const result: CdnTierTheory[] = tiers.map(() => ({
    requestRatePerSec: 0,
    hitRatio: NaN,
    byteHitRatio: NaN,
    missRatePerSec: 0,
    approximate: false,
  }));
  let clientRate = 0;
  let clientBytes = 0;
  for (let t = 0; t < tiers.length; t++)
    for (const pop of clientRates[t])
      for (let i = 0; i < keys; i++) {
        clientRate += pop[i];
        clientBytes += pop[i] * sizes[i];
      }
  let originRate = 0;
  let originBytes = 0;
  for (const t of order) {
    const tier = tiers[t];
    let requested = 0;
    let hit = 0;
    let bytesRequested = 0;
    let bytesHit = 0;
    tier.pops.forEach((pop, p) => {
      const lambda = rates[t][p];
      const h = popHitProbabilities(tier, lambda, sizes);
      for (let i = 0; i < keys; i++) {
        const r = lambda[i];
        if (r === 0) continue;
        requested += r;
        hit += r * h[i];
        bytesRequested += r * sizes[i];
        bytesHit += r * sizes[i] * h[i];
        const miss = r * (1 - h[i]);
        if (miss === 0) continue;
        const parent = pop.parentOf(i + 1);
        if (tier.parentTier < 0 || parent < 0) {
          originRate += miss;
          originBytes += miss * sizes[i];
        } else {
          rates[tier.parentTier][parent][i] += miss;
          fedByClientsOnly[tier.parentTier] = false;
        }
      }
    });
    result[t] = {
      requestRatePerSec: requested,
      hitRatio: requested === 0 ? NaN : hit / requested,
      byteHitRatio: bytesRequested === 0 ? NaN : bytesHit / bytesRequested,
      missRatePerSec: requested - hit,
      approximate: !fedByClientsOnly[t],
    };
  }
  return {
    tiers: result,
    clientRatePerSec: clientRate,
    originRatePerSec: originRate,
    originBytesPerSec: originBytes,
    originOffload: clientRate === 0 ? NaN : 1 - originRate / clientRate,
    originByteOffload: clientBytes === 0 ? NaN : 1 - originBytes / clientBytes,
  };
}

/** h_i at one PoP: pushed keys hit; the rest share the cache by Che (LRU) or the FIFO/random formula. */
function popHitProbabilities(tier: CdnTheoryTierInput, lambda: Float64Array, sizes: Float64Array): Float64Array {
  const pushed = Math.min(tier.pushedKeys, lambda.length);
  const cached = pushed === 0 ? lambda : Float64Array.from(lambda).fill(0, 0, pushed);
  const solve = tier.policy === 'lru' ? lruTheory : fifoTheory;
  let theory: CacheTheory;
  if (tier.capacity === Infinity) {
    const h = new Float64Array(lambda.length);
    for (let i = 0; i < h.length; i++) h[i] = cached[i] > 0 ? 1 : 0;
    theory = { hitProbabilities: h, hitRatio: hitRatio(cached, h), characteristicTime: Infinity, expectedOccupancy: 0 };
  } else theory = solve(cached, tier.capacity, tier.capacityInBytes ? sizes : undefined);
  const h = theory.hitProbabilities;
  for (let i = 0; i < pushed; i++) h[i] = 1;
  return h;
}

type TierInstance = Instance & CdnTierSettings;

/**
 * The CDN theory for a built scenario, beside the simulated values of its
 * cache section; undefined when the scenario has no cdn-tier or falls
 * outside the theory's conditions (see the top of this file). Clients reach
 * edge PoPs as the run routes them (a `nearest` DNS: the PoPs at the
 * shortest mean RTT, split evenly; else all of the target's nodes evenly),
 * and PoPs pick parents as ParentSelection does, by the run's topology.
 */
export function cdnTheoryReport(built: BuiltScenario, caches: CachesReport | undefined): CdnTheoryReport | undefined {
  const { scenario, sim } = built;
  const components = scenario.components as Record<string, Instance>;
  const tierNames = Object.keys(components).filter((n) => components[n].type === 'cdn-tier');
  if (tierNames.length === 0) return undefined;
  if (scenario.faults.timeline.length > 0 || scenario.faults.random.length > 0) return undefined;
  const longTtlUs = 10 * scenario.duration;
  const nodesOf = (component: string): string[] => {
    const group = components[component].nodes;
    return Array.from({ length: scenario.topology.nodes[group].count }, (_, i) => `${group}-${i + 1}`);
  };
  const tierOf = new Map(tierNames.map((n, t) => [n, t]));
  let origin: string | undefined;
  for (const name of tierNames) {
    const c = components[name] as TierInstance;
    const types = c.contentTypes ?? [];
    if (!['lru', 'fifo', 'random'].includes(c.policy) || (c.capacity !== undefined && c.capacityBytes !== undefined))
      return undefined;
    if ((c.ttl !== undefined && c.ttl < longTtlUs) || types.some((t) => t.ttl !== undefined && t.ttl < longTtlUs))
      return undefined;
    if ((c.purges ?? []).length > 0) return undefined;
    if (!tierOf.has(c.parent)) {
      if (origin !== undefined && origin !== c.parent) return undefined;
      origin = c.parent;
    }
  }
  if (origin === undefined) return undefined;
  const originParams = components[origin];
  // A tier fed by something other than its child tiers and the clients (a balancer, a cache) sees requests the theory
  // does not count; the tiers name each other, and a DNS server names them for the workloads (judged with them).
  const tierSet = new Set(tierNames);
  if (
    namedByComponents(
      components,
      (n) => tierSet.has(n),
      (n, type) => tierSet.has(n) || type === 'dns',
    )
  )
    return undefined;
  const originKeys = (originParams.keys as { count: number }).count;
  const rtt = (a: string, b: string) => sim.network.meanRttUs(sim.regionOf(sim.lookup(a)), sim.regionOf(sim.lookup(b)));

  // Clients: every workload aimed at a tier directly or through a DNS name resolving to one tier; any other way in (a
  // name over several components, a round-robin DNS whose answers stick clients to single PoPs) has no theory here.
  const feeds: {
    tier: number;
    clientNodes: string[];
    ratePerSec: number;
    count: number;
    zipf: number;
    nearest: boolean;
  }[] = [];
  for (const w of Object.values(scenario.workloads) as Instance[]) {
    const dns = w.dns as string | undefined;
    const target = w.target as string;
    let tierName = target;
    let nearest = false;
    if (dns !== undefined) {
      const records = (components[dns]?.records ?? {}) as Record<string, string[]>;
      const named = records[target] ?? [];
      if (!named.some((n) => tierOf.has(n))) continue;
      if (named.length !== 1 || components[dns].policy === 'round-robin') return undefined;
      tierName = named[0];
      nearest = components[dns].policy === 'nearest';
    }
    const tier = tierOf.get(tierName);
    if (tier === undefined) continue;
    const keys = w.keys as { count: number; zipf?: number; shift?: unknown } | undefined;
    if (
      !sendsPoissonAttempts(w) ||
      keys === undefined ||
      keys.shift !== undefined ||
      // Keys the origin lacks are answered not found and never cached: each request for one goes all the way up.
      keys.count > originKeys
    )
      return undefined;
    const group = w.nodes as string;
    const clientNodes = Array.from({ length: scenario.topology.nodes[group].count }, (_, i) => `${group}-${i + 1}`);
    feeds.push({ tier, clientNodes, ratePerSec: w.rate as number, count: keys.count, zipf: keys.zipf ?? 0, nearest });
  }
  if (feeds.length === 0) return undefined;

  const keyCount = feeds.reduce((most, f) => Math.max(most, f.count), 1);
  const objectSizes = new ObjectSizes(originParams.objectSizes as DistributionSpec);
  const sizes = new Float64Array(keyCount);
  for (let i = 0; i < keyCount; i++) sizes[i] = objectSizes.sizeOf(i + 1);

  const popNames = tierNames.map(nodesOf);
  const clientRates = popNames.map((pops) => pops.map(() => new Float64Array(keyCount)));
  for (const feed of feeds) {
    const popularity = zipfPopularity(feed.count, feed.zipf);
    const pops = popNames[feed.tier];
    for (const client of feed.clientNodes) {
      let chosen = pops.map((_, p) => p);
      if (feed.nearest) {
        const distances = pops.map((pop) => rtt(client, pop));
        const best = distances.reduce((least, d) => Math.min(least, d), Infinity);
        chosen = chosen.filter((p) => distances[p] === best);
      }
      for (const p of chosen) {
        const into = clientRates[feed.tier][p];
        const share = feed.ratePerSec / chosen.length;
        for (let i = 0; i < feed.count; i++) into[i] += share * popularity[i];
      }
    }
  }

  const tiers: CdnTheoryTierInput[] = tierNames.map((name) => {
    const c = components[name] as TierInstance;
    const parentTier = tierOf.get(c.parent) ?? -1;
    const pops = popNames[tierOf.get(name)!].map((pop) => {
      if (parentTier < 0) return { parentOf: () => -1 };
      const parents = popNames[parentTier];
      const selection = new ParentSelection(
        parents.map((_, i) => i),
        (i) => rtt(pop, parents[i]),
        1,
      );
      return { parentOf: (key: number) => selection.pick(key, 0) };
    });
    return {
      component: name,
      tier: c.tier,
      policy: c.policy as 'lru' | 'fifo' | 'random',
      capacity: c.capacityBytes ?? c.capacity ?? Infinity,
      capacityInBytes: c.capacityBytes !== undefined,
      pushedKeys: c.push?.keys ?? 0,
      pops,
      parentTier,
    };
  });
  const theory = cdnTheory({ tiers, clientRates, sizes });

  const simulated = (name: string) => caches?.caches.find((c) => c.component === name);
  const rows: CdnTierTheoryRow[] = tiers.map((tier, t) => ({
    component: tier.component,
    tier: tier.tier,
    method: tier.policy === 'lru' ? "Che's approximation (LRU)" : 'FIFO/random approximation',
    approximate: theory.tiers[t].approximate,
    requestRatePerSec: round(theory.tiers[t].requestRatePerSec),
    hitRatio: { theory: round(theory.tiers[t].hitRatio), simulated: simulated(tier.component)?.hitRatio ?? null },
    byteHitRatio: {
      theory: round(theory.tiers[t].byteHitRatio),
      simulated: simulated(tier.component)?.byteHitRatio ?? null,
    },
  }));
  return {
    note: CDN_THEORY_NOTE,
    origin,
    tiers: rows,
    originOffload: {
      theory: round(theory.originOffload),
      simulated: roundOrNull(simulatedOffload(tiers, caches, false)),
    },
    originByteOffload: {
      theory: round(theory.originByteOffload),
      simulated: roundOrNull(simulatedOffload(tiers, caches, true)),
    },
    originBytesPerSec: round(theory.originBytesPerSec),
  };
}

/** Six significant digits: the formulas' precision, and stable bytes in report.json. */
const round = (x: number) => Number(x.toPrecision(6));
const roundOrNull = (x: number | null) => (x === null ? null : round(x));

/** 1 − (what the origin-facing tiers sent to the origin) / (what the client-facing tiers were asked), over the measured windows. */
function simulatedOffload(
  tiers: CdnTheoryTierInput[],
  caches: CachesReport | undefined,
  bytes: boolean,
): number | null {
  if (caches === undefined) return null;
  const parentTiers = new Set(tiers.map((t) => t.parentTier));
  let asked = 0;
  let reached = 0;
  tiers.forEach((tier, t) => {
    const c = caches.caches.find((x) => x.component === tier.component);
    if (c === undefined) return;
    if (!parentTiers.has(t)) asked += bytes ? c.bytesRequested : c.lookups;
    if (tier.parentTier < 0) reached += bytes ? c.backend.bytes : c.backend.requests;
  });
  return asked === 0 ? null : 1 - reached / asked;
}
