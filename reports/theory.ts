import { distribution, type DistributionSpec } from '../engine/distribution.js';
import type { BuiltScenario } from '../cli/scenario/build.js';
import { erlangB, mg1, mmc, mmck, type StationTheory } from './queueing-theory.js';
import type { RunMetrics, TheoryCheck, TheoryRow } from './report-types.js';

type Instance = { type: string; nodes: string } & Record<string, unknown>;

/**
 * Theory beside simulation for every queue-server the formulas describe: fed
 * only by open-loop Poisson workloads (split evenly over its nodes, so each
 * node sees Poisson arrivals), in a run without faults. Which result applies
 * depends on the service distribution, the workers c and the room K.
 */
export function theoryChecks(built: BuiltScenario, metrics: RunMetrics): TheoryCheck[] {
  const { scenario } = built;
  if (scenario.faults.timeline.length > 0 || scenario.faults.random.length > 0) return [];
  const checks: TheoryCheck[] = [];
  for (const [name, raw] of Object.entries(scenario.components)) {
    const component = raw as Instance;
    if (component.type !== 'queue-server') continue;
    const feeders = Object.values(scenario.workloads).map((w) => w as Instance).filter((w) => w.target === name);
    // Retries and rate shapes make arrivals something other than a homogeneous Poisson process.
    const poissonOnly = feeders.every((w) => w.type === 'poisson' && w.stopAt === undefined && w.retry === undefined && (w.shape === undefined || (w.shape as { type: string }).type === 'constant'));
    if (feeders.length === 0 || !poissonOnly) continue;
    const nodes = scenario.topology.nodes[component.nodes].count;
    const totalRatePerSec = feeders.reduce((sum, w) => sum + (w.rate as number) * scenario.topology.nodes[w.nodes].count, 0);
    const lambdaPerUs = totalRatePerSec / nodes / 1e6;
    const spec = component.serviceTime as DistributionSpec;
    const service = distribution(spec);
    const servers = component.workers as number;
    const queueCapacity = component.queueCapacity as number | undefined;
    const station = stationModel(spec.type, servers, queueCapacity, lambdaPerUs, service.mean, service.variance);
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
    if (station.method !== 'Erlang B') rows.push(row('probability-of-waiting', 'probability of waiting', 'fraction', theory.probabilityOfWaiting));
    if (queueCapacity !== undefined) rows.push(row('blocking', 'share of arrivals rejected', 'fraction', theory.blocking));
    checks.push({
      component: name,
      model: station.model,
      method: station.method,
      arrivalRatePerSec: round(lambdaPerUs * 1e6),
      serviceMeanUs: round(service.mean),
      servers,
      rows,
    });
  }
  return checks;
}

function stationModel(
  serviceType: DistributionSpec['type'],
  servers: number,
  queueCapacity: number | undefined,
  lambdaPerUs: number,
  serviceMeanUs: number,
  serviceVarianceUs2: number,
): { model: string; method: string; theory: StationTheory } | null {
  const letter = serviceType === 'exponential' ? 'M' : serviceType === 'constant' ? 'D' : 'G';
  const offered = lambdaPerUs * serviceMeanUs;
  if (queueCapacity === 0) {
    // Erlang B is insensitive to the service distribution beyond its mean.
    const blocking = erlangB(servers, offered);
    const theory = { utilization: (offered * (1 - blocking)) / servers, meanSojourn: serviceMeanUs, probabilityOfWaiting: 0, blocking };
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
  return { model: `M/M/${servers}/${capacity}`, method: 'birth–death (M/M/c/K)', theory: mmck(lambdaPerUs, serviceMeanUs, servers, capacity) };
}

const round = (x: number) => Number(x.toPrecision(8));
