import type { BuiltScenario } from '../scenarios/harness/build-scenario.js';
import { ERROR_KINDS } from '../models/measure/request-metrics.js';
import { formatDurationUs, formatPercent } from './format.js';
import type { RunMetrics, SloReport, SloVerdict } from './report-types.js';

/** Checks the scenario's declared objectives against a finished run. */
export function evaluateSlo(built: BuiltScenario, metrics: RunMetrics): SloReport {
  const { slo } = built.scenario;
  const verdicts: SloVerdict[] = [];

  for (const objective of slo.latency) {
    const histogram =
      objective.operation === undefined
        ? built.requests.latency
        : built.requests.byOperation.get(objective.operation)?.latency;
    const scope = objective.operation === undefined ? '' : ` (${objective.operation})`;
    const actual =
      histogram === undefined || histogram.count === 0 ? null : histogram.percentileUs(objective.percentile);
    verdicts.push({
      name: `p${objective.percentile} latency${scope}`,
      kind: 'latency',
      objective: `p${objective.percentile}${scope} <= ${formatDurationUs(objective.under)}`,
      target: objective.under,
      actual: actual ?? 0,
      unit: 'us',
      passed: actual !== null && actual <= objective.under,
      ...(actual === null ? { note: 'no successful requests to measure' } : {}),
    });
  }

  const target = slo.availability.target;
  if (target !== undefined) {
    verdicts.push({
      name: 'availability',
      kind: 'availability',
      objective: `${formatPercent(target)} of requests succeed within ${formatDurationUs(slo.availability.threshold)}`,
      target,
      actual: metrics.availability.overall,
      unit: 'fraction',
      passed: metrics.availability.overall >= target,
    });
  }

  if (slo.errorRate !== undefined) {
    const { requests } = metrics;
    const failed = ERROR_KINDS.reduce((sum, k) => sum + requests.errors[k], 0);
    const finished = requests.succeeded + failed;
    const rate = finished === 0 ? 0 : Number((failed / finished).toFixed(6));
    verdicts.push({
      name: 'error rate',
      kind: 'error-rate',
      objective: `at most ${formatPercent(slo.errorRate)} of requests fail`,
      target: slo.errorRate,
      actual: rate,
      unit: 'fraction',
      passed: rate <= slo.errorRate,
    });
  }

  return { passed: verdicts.every((v) => v.passed), verdicts };
}
