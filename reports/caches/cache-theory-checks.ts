import { distribution, type DistributionSpec } from '../../engine/index.js';
import type { CacheSettings } from '../../models/caches/cache-settings.js';
import { ObjectSizes } from '../../models/caches/object-sizes.js';
import type { BuiltScenario } from '../../scenarios/harness/build-scenario.js';
import type { CacheTheoryCheck, CacheTheoryRow } from '../report-types.js';
import { namedByComponents, sendsPoissonAttempts, type Instance } from '../theory-inputs.js';
import {
  byteHitRatio,
  fifoTheory,
  lruTheory,
  perfectLfuTheory,
  ttlFixedTheory,
  ttlResetOnHitTheory,
  zipfPopularity,
  type CacheTheory,
} from './cache-theory.js';

type CacheInstance = Instance & CacheSettings;
type Feeder = Instance & {
  target: string;
  rate: number;
  operations: string | Record<string, number>;
  keys?: { count: number; zipf?: number; shift?: unknown };
  dns?: string;
};

/** The formula each policy has (cache-theory.ts); the others get simulated values and "no closed form". */
const METHODS: Partial<Record<CacheSettings['policy'], string>> = {
  lru: "Che's approximation (LRU)",
  fifo: 'FIFO/random approximation',
  random: 'FIFO/random approximation',
  'lfu-perfect': 'static top-C (perfect LFU)',
};

const NO_CLOSED_FORM = 'no closed form';

/** Why a policy without a formula has none, for the table's note. */
const UNMODELLED: Partial<Record<CacheSettings['policy'], string>> = {
  lfu: "in-cache LFU forgets a key's count when it leaves, so what it holds depends on the order of requests",
  's3-fifo': 'S3-FIFO has no published characteristic-time model',
  sieve: 'SIEVE has no published characteristic-time model',
};

/** The most keys the checks solve for (a million take about 0.2 s; arrays of 8 bytes a key, a few of them). */
const MAX_THEORY_KEYS = 10_000_000;

/**
 * Theory beside simulation for every `cache` component the cache formulas
 * describe (reports/caches/cache-theory.ts): one fed only by open-loop
 * Poisson workloads whose requests carry keys of fixed popularity (uniform
 * or zipf, no shift; no retries, hedges, rate shapes or stop time), all of
 * them reads, and by nothing else (no balancer, other cache or CDN tier names
 * it), in a run without faults, over at most ten million keys. Requests
 * pick one of the cache's nodes uniformly, so each node sees every key at
 * 1/n of its rate (thinning keeps Poisson) and holds its own copy: the
 * formula is per node, the same for all.
 *
 * Which formula: an LRU, FIFO, random or perfect-LFU store with a capacity
 * in entries (or in bytes when every object has the same size) and no TTL;
 * or a TTL with no capacity (fixed, with or without jitter: a renewal of a
 * mean lifetime; reset on hit, without jitter). A cache fed that way whose
 * store has no formula (in-cache LFU, S3-FIFO, SIEVE, a capacity and a TTL
 * together, an unbounded store without TTL, refresh-ahead, negative caching
 * of keys the database lacks) gets its simulated values and a note, so the
 * table still compares every policy of a run.
 *
 * Simulated values are over the windows starting at or after the warm-up,
 * as the cache section counts them; the formulas are steady-state values,
 * so the warm-up must cover the fill (C distinct keys for LRU; perfect LFU's
 * counts take longer to rank the keys near the boundary).
 */
export function cacheTheoryChecks(built: BuiltScenario): CacheTheoryCheck[] {
  const { scenario } = built;
  if (scenario.faults.timeline.length > 0 || scenario.faults.random.length > 0) return [];
  const checks: CacheTheoryCheck[] = [];
  for (const [name, raw] of Object.entries(scenario.components)) {
    const cache = raw as Instance as CacheInstance;
    if (cache.type !== 'cache') continue;
    const feeders = Object.values(scenario.workloads)
      .map((w) => w as Feeder)
      .filter((w) => w.target === name);
    if (feeders.length === 0 || !feeders.every((w) => independentReads(w, cache))) continue;
    // Per-key arrays of more keys would cost the report more memory than the run: no theory for them.
    if (feeders.some((w) => w.keys!.count > MAX_THEORY_KEYS)) continue;
    if (namedByComponents(scenario.components, (n) => n === name)) continue;
    const nodes = scenario.topology.nodes[cache.nodes].count;
    if (cache.replicas !== undefined && nodes > 1) continue;
    const record = built.caches.caches.find((c) => c.component === name);
    if (record === undefined) continue;
    const database = databaseBehind(scenario.components, cache.backend);
    checks.push(
      check(name, cache, feeders, nodes, database, scenario.topology.nodes, {
        lookups: measured(record.lookups, built.windowUs, scenario.warmup),
        hits: measured(record.hits, built.windowUs, scenario.warmup),
        bytesRequested: measured(record.bytesRequested, built.windowUs, scenario.warmup),
        bytesHit: measured(record.bytesHit, built.windowUs, scenario.warmup),
      }),
    );
  }
  return checks;
}

interface Measured {
  lookups: number;
  hits: number;
  bytesRequested: number;
  bytesHit: number;
}

function check(
  name: string,
  cache: CacheInstance,
  feeders: readonly Feeder[],
  nodes: number,
  database: Instance | undefined,
  groups: Record<string, { count: number }>,
  sim: Measured,
): CacheTheoryCheck {
  const keys = feeders.reduce((most, w) => Math.max(most, w.keys!.count), 0);
  // Per node: every key's read rate is split evenly over the cache's nodes.
  const rates = new Float64Array(keys);
  for (const w of feeders) {
    const popularity = zipfPopularity(w.keys!.count, w.keys!.zipf ?? 0);
    const perSec = (w.rate * groups[w.nodes].count) / nodes;
    for (let i = 0; i < popularity.length; i++) rates[i] += popularity[i] * perSec;
  }
  const requestRatePerSec = rates.reduce((a, b) => a + b, 0);
  const zipfs = new Set(feeders.map((w) => w.keys!.zipf ?? 0));
  const sizes = objectSizes(database, keys);
  const equalSizes = sizes.every((s) => s === sizes[0]);
  const byteCapacity =
    cache.capacityBytes === undefined || !equalSizes ? undefined : Math.floor(cache.capacityBytes / sizes[0]);
  const capacity =
    cache.capacity === undefined && byteCapacity === undefined
      ? undefined
      : Math.min(cache.capacity ?? Infinity, byteCapacity ?? Infinity);
  // Keys the database lacks answer not-found, which is not cached without negative caching: requested, never held.
  const databaseKeys = ((database?.keys as { count?: number } | undefined)?.count ?? Infinity) as number;
  const cached = Float64Array.from(rates, (rate, i) => (i + 1 <= databaseKeys ? rate : 0));
  const { method, theory, note } =
    cache.negativeTtl !== undefined && keys > databaseKeys
      ? { method: null, theory: null, note: `${NO_CLOSED_FORM}: negative caching of keys the database lacks` }
      : formula(cache, cached, capacity, holdsEverything(cache, cached, sizes));

  const simulatedHitRatio = sim.lookups === 0 ? null : sim.hits / sim.lookups;
  // The solver's hit ratio is over the keys it could hold; requests for the others all miss.
  const cachedRate = sumOf(cached);
  const hitRatioOfAll =
    theory === null ? null : cachedRate === 0 ? 0 : (theory.hitRatio * cachedRate) / requestRatePerSec;
  const rows: CacheTheoryRow[] = [row('hit-ratio', 'hit ratio (hits / lookups)', simulatedHitRatio, hitRatioOfAll)];
  if (!equalSizes)
    rows.push(
      row(
        'byte-hit-ratio',
        'byte hit ratio (bytes hit / bytes requested)',
        sim.bytesRequested === 0 ? null : sim.bytesHit / sim.bytesRequested,
        theory === null ? null : byteHitRatio(rates, theory.hitProbabilities, sizes),
      ),
    );
  const split =
    nodes > 1
      ? `requests split evenly over ${nodes} nodes: the formula is per node, each seeing 1/${nodes} of every key's rate`
      : null;
  const notes = [note, split, theory === null ? null : slowFill(rates, theory.hitProbabilities, database)].filter(
    (n) => n !== null,
  );
  const t = theory?.characteristicTime;
  return {
    component: name,
    policy:
      cache.capacity === undefined && cache.capacityBytes === undefined && cache.ttl !== undefined
        ? 'ttl'
        : cache.policy,
    ttlMode: cache.ttl === undefined ? null : cache.ttlMode,
    method,
    note: notes.length === 0 ? null : notes.join('; '),
    nodes,
    keys,
    // One exponent over one key range describes the stream; workloads with different exponents or ranges mix popularities.
    zipf: zipfs.size === 1 && feeders.every((w) => w.keys!.count === keys) ? [...zipfs][0] : null,
    capacity: capacity ?? null,
    ttlUs: cache.ttl ?? null,
    requestRatePerSec: round(requestRatePerSec),
    characteristicTimeUs: t === undefined || t === null || !Number.isFinite(t) ? null : round(t * 1e6),
    rows,
  };
}

/**
 * The formulas fill a miss at once. A fill takes the database's read time,
 * and requests for the key that arrive meanwhile miss (or wait) too: about
 * λ_i·(1 − h_i)·λ_i·fill of them a second, which the formulas count as hits.
 * Said when that is more than 0.2% of the requests, with its size: the gap
 * to expect between theory and simulation.
 */
function slowFill(rates: Float64Array, hitProbabilities: Float64Array, database: Instance | undefined): string | null {
  const read = database?.read as DistributionSpec | number | undefined;
  if (read === undefined) return null;
  const fillSec = (typeof read === 'number' ? read : distribution(read).mean) / 1e6;
  let total = 0;
  let duringFills = 0;
  rates.forEach((rate, i) => {
    total += rate;
    duringFills += rate * (1 - hitProbabilities[i]) * rate * fillSec;
  });
  const share = total === 0 ? 0 : duringFills / total;
  if (share <= 0.002) return null;
  return `the formula fills a miss at once; here a fill takes about ${formatSeconds(fillSec)}, and the requests that arrive during fills (about ${(share * 100).toFixed(1)}% of all) miss or wait too`;
}

const formatSeconds = (sec: number) =>
  sec >= 1 ? `${sec.toFixed(1)} s` : `${(sec * 1000).toFixed(sec >= 0.01 ? 0 : 1)} ms`;

/** Whether the capacity can hold every key the database has that the workloads request: it never binds, and the store is unbounded in effect. */
function holdsEverything(cache: CacheInstance, cachedRates: Float64Array, sizes: Float64Array): boolean {
  let keys = 0;
  let bytes = 0;
  cachedRates.forEach((rate, i) => {
    if (rate > 0) {
      keys++;
      bytes += sizes[i];
    }
  });
  return (cache.capacity ?? Infinity) >= keys && (cache.capacityBytes ?? Infinity) >= bytes;
}

/** The formula for the cache's store, or why there is none. */
function formula(
  cache: CacheInstance,
  rates: Float64Array,
  capacity: number | undefined,
  capacityNeverBinds: boolean,
): { method: string | null; theory: CacheTheory | null; note: string | null } {
  const none = (why: string) => ({ method: null, theory: null, note: `${NO_CLOSED_FORM}: ${why}` });
  if (cache.refreshAhead !== undefined) return none('refresh-ahead refetches keys before they expire');
  const bounded = (cache.capacity !== undefined || cache.capacityBytes !== undefined) && !capacityNeverBinds;
  if (bounded && cache.ttl !== undefined) return none('a capacity that binds and a TTL together');
  if (bounded && capacity === undefined) return none('a capacity in bytes with objects of different sizes');
  if (bounded && capacity !== undefined) {
    const method = METHODS[cache.policy];
    if (method === undefined) return none(UNMODELLED[cache.policy] ?? `the ${cache.policy} policy`);
    const theory =
      cache.policy === 'lru'
        ? lruTheory(rates, capacity)
        : cache.policy === 'lfu-perfect'
          ? perfectLfuTheory(rates, capacity)
          : fifoTheory(rates, capacity);
    return { method, theory, note: null };
  }
  if (cache.ttl === undefined)
    return none(
      capacityNeverBinds && bounded === false && (cache.capacity !== undefined || cache.capacityBytes !== undefined)
        ? 'the capacity holds every key, so only first requests miss (no steady state)'
        : 'an unbounded store without TTL misses only first requests (no steady state)',
    );
  const protection = cache.stampede.protection;
  if (protection === 'stale-while-revalidate' || protection === 'early-expiry')
    return none(`${protection} serves or refreshes around expiries`);
  const ttlSec = cache.ttl / 1e6;
  if (cache.ttlMode === 'fixed')
    // With jitter each entry lives ttl × U(1 − j, 1): the renewal argument holds with the mean lifetime.
    return {
      method:
        cache.ttlJitter === 0
          ? 'TTL fixed at insertion (exact)'
          : 'TTL fixed at insertion, mean jittered lifetime (exact)',
      theory: ttlFixedTheory(rates, ttlSec * (1 - cache.ttlJitter / 2)),
      note: null,
    };
  if (cache.ttlJitter > 0) return none('a reset-on-hit TTL with jitter');
  return { method: 'TTL reset on hit (exact)', theory: ttlResetOnHitTheory(rates, ttlSec), note: null };
}

/** An open-loop Poisson stream of reads with fixed key popularity: the formulas' input. */
function independentReads(w: Feeder, cache: CacheInstance): boolean {
  if (!sendsPoissonAttempts(w) || w.dns !== undefined || w.keys === undefined || w.keys.shift !== undefined)
    return false;
  const operations = typeof w.operations === 'string' ? [w.operations] : Object.keys(w.operations);
  return operations.every((op) => !cache.writeOperations.includes(op));
}

/** The component at the bottom of the chain of backends (the database), if the chain ends. */
function databaseBehind(components: Record<string, unknown>, backend: string): Instance | undefined {
  let component = components[backend] as Instance | undefined;
  for (let hops = 0; hops < 16 && component !== undefined; hops++) {
    const next = component.backend;
    if (typeof next !== 'string') return component;
    component = components[next] as Instance | undefined;
  }
  return undefined;
}

/** Every key's object size, as the database gives it (the cache records these sizes); 1 each without a size distribution. */
function objectSizes(database: Instance | undefined, keys: number): Float64Array {
  const spec = database?.objectSizes as DistributionSpec | undefined;
  if (spec === undefined) return new Float64Array(keys).fill(1);
  const sizes = new ObjectSizes(spec);
  return Float64Array.from({ length: keys }, (_, i) => sizes.sizeOf(i + 1));
}

/** Sum of a per-window count over the windows starting at or after the warm-up. */
function measured(perWindow: Float64Array, windowUs: number, warmupUs: number): number {
  let total = 0;
  for (let w = Math.ceil(warmupUs / windowUs); w < perWindow.length; w++) total += perWindow[w];
  return total;
}

function row(
  key: CacheTheoryRow['key'],
  label: string,
  simulated: number | null,
  theory: number | null,
): CacheTheoryRow {
  return {
    key,
    label,
    simulated: simulated === null ? null : round(simulated),
    theory: theory === null ? null : round(theory),
    difference: simulated === null || theory === null ? null : round(simulated - theory),
  };
}

function sumOf(xs: Float64Array): number {
  let total = 0;
  for (let i = 0; i < xs.length; i++) total += xs[i];
  return total;
}

const round = (x: number) => Number(x.toPrecision(6));
