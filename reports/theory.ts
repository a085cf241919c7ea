import { distribution, type DistributionSpec } from '../engine/distribution.js';
import type { BuiltScenario } from '../scenarios/harness/build-scenario.js';
import type { QueueServerSettings } from '../models/servers/queue-server.js';
import { namedByComponents, sendsPoissonAttempts, type Instance } from './theory-inputs.js';
import { erlangB, mg1, mmc, mmck, type StationTheory } from './queueing-theory.js';
import type { RunMetrics, TheoryCheck, TheoryRow } from './report-types.js';

type QueueServerInstance = Instance & QueueServerSettings;
type Feeder = Instance & {
  rate: number;
  operations: string | Record<string, number>;
  priority: number;
  timeout?: number;
};

/**
 * Theory beside simulation for every queue-server the formulas describe: fed
 * only by open-loop Poisson workloads (split evenly over its nodes, so each
 * node sees Poisson arrivals) and by nothing else, in a run without faults.
 * Which result applies depends on the service distribution (a mixture when
 * operations have their own), the workers c and the room K. Features that
 * change what a request costs or who gets served (dependency calls, shedding
 * or reordering by priority) leave the station without a closed form here,
 * and it gets no theory rather than a wrong one.
 */
export function theoryChecks(built: BuiltScenario, metrics: RunMetrics): TheoryCheck[] {
  const { scenario } = built;
  if (scenario.faults.timeline.length > 0 || scenario.faults.random.length > 0) return [];
  const checks: TheoryCheck[] = [];
  for (const [name, raw] of Object.entries(scenario.components)) {
    const component = raw as Instance as QueueServerInstance;
    if (component.type !== 'queue-server') continue;
    const feeders = Object.values(scenario.workloads)
      .map((w) => w as Feeder)
      .filter((w) => w.target === name);
    // With DNS the target is a name, not this component.
    const poissonOnly = feeders.every((w) => sendsPoissonAttempts(w) && w.dns === undefined);
    if (feeders.length === 0 || !poissonOnly || namedByComponents(scenario.components, (n) => n === name)) continue;
    const nodes = scenario.topology.nodes[component.nodes].count;
    const feederRates = feeders.map((w) => w.rate * scenario.topology.nodes[w.nodes].count);
    const totalRatePerSec = feederRates.reduce((sum, r) => sum + r, 0);
    const lambdaPerUs = totalRatePerSec / nodes / 1e6;
    const service = serviceMixture(component, feeders, feederRates);
    if (!describedByTheory(component, feeders, service.parts)) continue;
    const servers = component.workers;
    const queueCapacity = component.queueCapacity;
    const station = stationModel(service.letter, servers, queueCapacity, lambdaPerUs, service.mean, service.variance);
    if (station === null) continue;

    const report = metrics.components.find((c) => c.name === name)!;
    const measured = built.components.find((c) => c.metrics.name === name)!.metrics;
    const admitted = measured.arrived - measured.rejected;
    const simulated: Record<TheoryRow['key'], number> = {
      utilization: report.utilization,
      'mean-time-at-server': measured.served === 0 ? 0 : measured.sojournSumUs / measured.served,
      'probability-of-waiting': admitted === 0 ? 0 : measured.waited / admitted,
      blocking: measured.arrived === 0 ? 0 : measured.rejected / measured.arrived,
    };
    const row = (key: TheoryRow['key'], label: string, unit: TheoryRow['unit'], theory: number): TheoryRow => ({
      key,
      label,
      unit,
      theory: round(theory),
      simulated: round(simulated[key]),
      relativeDifference: theory === 0 ? null : round((simulated[key] - theory) / theory),
    });
    const { theory } = station;
    const rows = [
      row('utilization', 'utilization per worker', 'fraction', theory.utilization),
      row('mean-time-at-server', 'mean time at the server (wait + service)', 'us', theory.meanSojourn),
    ];
    if (station.method !== 'Erlang B')
      rows.push(row('probability-of-waiting', 'probability of waiting', 'fraction', theory.probabilityOfWaiting));
    if (queueCapacity !== undefined)
      rows.push(row('blocking', 'share of arrivals rejected', 'fraction', theory.blocking));
    checks.push({
      component: name,
      model: station.model,
      method: service.parts > 1 ? `${station.method} over the operation mix` : station.method,
      arrivalRatePerSec: round(lambdaPerUs * 1e6),
      serviceMeanUs: round(service.mean),
      servers,
      rows,
    });
  }
  return checks;
}

function stationModel(
  letter: 'M' | 'D' | 'G',
  servers: number,
  queueCapacity: number | undefined,
  lambdaPerUs: number,
  serviceMeanUs: number,
  serviceVarianceUs2: number,
): { model: string; method: string; theory: StationTheory } | null {
  const offered = lambdaPerUs * serviceMeanUs;
  if (queueCapacity === 0) {
    // Erlang B is insensitive to the service distribution beyond its mean.
    const blocking = erlangB(servers, offered);
    const theory = {
      utilization: (offered * (1 - blocking)) / servers,
      meanSojourn: serviceMeanUs,
      probabilityOfWaiting: 0,
      blocking,
    };
    return { model: `M/${letter}/${servers}/${servers}`, method: 'Erlang B', theory };
  }
  if (queueCapacity === undefined && servers === 1) {
    const theory = mg1(lambdaPerUs, serviceMeanUs, serviceVarianceUs2);
    return theory && { model: `M/${letter}/1`, method: 'Pollaczek–Khinchine', theory };
  }
  if (letter !== 'M') return null;
  if (queueCapacity === undefined) {
    const theory = mmc(lambdaPerUs, serviceMeanUs, servers);
    return theory && { model: `M/M/${servers}`, method: 'Erlang C', theory };
  }
  const capacity = servers + queueCapacity;
  return {
    model: `M/M/${servers}/${capacity}`,
    method: 'birth–death (M/M/c/K)',
    theory: mmck(lambdaPerUs, serviceMeanUs, servers, capacity),
  };
}

/**
 * The service time of an arrival at the station. Each operation has its own
 * distribution (or the default), and arrivals carry operations in the shares
 * the feeders' rates and mixes give, independently of each other, so service
 * times are i.i.d. draws from the mixture of those distributions weighted by
 * the shares, whose moments the engine's mixture gives. `parts` counts its
 * distinct distributions.
 */
function serviceMixture(component: QueueServerInstance, feeders: readonly Feeder[], feederRates: readonly number[]) {
  const shares = new Map<string, number>();
  const total = feederRates.reduce((sum, r) => sum + r, 0);
  feeders.forEach((w, i) => {
    const mix = typeof w.operations === 'string' ? { [w.operations]: 1 } : w.operations;
    const weights = Object.values(mix).reduce((sum, x) => sum + x, 0);
    for (const [operation, weight] of Object.entries(mix))
      shares.set(operation, (shares.get(operation) ?? 0) + (feederRates[i] / total) * (weight / weights));
  });
  // Operations that share a distribution are one part of the mixture.
  const parts = new Map<string, { spec: DistributionSpec; share: number }>();
  for (const [operation, share] of shares) {
    const spec = component.serviceTimeByOperation?.[operation] ?? component.serviceTime;
    const key = JSON.stringify(spec);
    const part = parts.get(key);
    if (part === undefined) parts.set(key, { spec, share });
    else part.share += share;
  }
  const mixed = [...parts.values()];
  if (mixed.length === 1) {
    const { spec } = mixed[0];
    const d = distribution(spec);
    return {
      mean: d.mean,
      variance: d.variance,
      letter: spec.type === 'exponential' ? 'M' : spec.type === 'constant' ? 'D' : 'G',
      parts: 1,
    } as const;
  }
  const { mean, variance } = distribution({
    type: 'mixture',
    parts: mixed.map(({ spec, share }) => ({ weight: share, distribution: spec })),
  });
  return { mean, variance, letter: 'G', parts: mixed.length } as const;
}

/**
 * False when the station's features break the formulas' assumptions:
 * dependency calls (a worker is held beyond its service time), admission
 * rules that turn some priorities away, eviction among priorities, priority
 * order when the classes' service times differ (the mean wait is invariant to
 * the order only when they do not), and dropped work past its deadline.
 */
function describedByTheory(component: QueueServerInstance, feeders: readonly Feeder[], serviceParts: number): boolean {
  if (component.calls !== undefined) return false;
  const priorities = new Set(feeders.map((w) => w.priority));
  if (component.shed.some((rule) => feeders.some((w) => w.priority < rule.below))) return false;
  if (priorities.size > 1 && component.whenFull === 'evict-lower-priority' && component.queueCapacity !== undefined)
    return false;
  if (priorities.size > 1 && component.order === 'priority' && serviceParts > 1) return false;
  if (component.deadlines === 'drop' && feeders.some((w) => w.timeout !== undefined)) return false;
  return true;
}

const round = (x: number) => Number(x.toPrecision(8));
