import type { BuiltScenario } from '../scenarios/harness/build-scenario.js';
import { ERROR_KINDS } from '../models/measure/request-metrics.js';
import { formatDurationUs, formatPercent } from './format.js';
import type { RunMetrics, SloOutcome, SloReport, SloVerdict } from './report-types.js';

const NO_REQUESTS = 'no request sent after the warm-up finished before the end of the run';

/**
 * Checks the scenario's declared objectives against a finished run. With no
 * counted request finished in its scope, an objective is no-data: neither a
 * pass nor a fail.
 */
export function evaluateSlo(built: BuiltScenario, metrics: RunMetrics): SloReport {
  const { slo } = built.scenario;
  const verdicts: SloVerdict[] = [];
  const outcome = (finished: number, passed: boolean): SloOutcome =>
    finished === 0 ? 'no-data' : passed ? 'pass' : 'fail';

  for (const objective of slo.latency) {
    const { operation } = objective;
    const histogram =
      operation === undefined ? built.requests.latency : built.requests.byOperation.get(operation)?.latency;
    const outcomes = operation === undefined ? metrics.requests : metrics.requests.byOperation[operation];
    const finished =
      outcomes === undefined ? 0 : outcomes.succeeded + ERROR_KINDS.reduce((sum, k) => sum + outcomes.errors[k], 0);
    const scope = operation === undefined ? '' : ` (${operation})`;
    // Requests that all failed have no latency to take a percentile of, yet they missed the objective.
    const actual =
      histogram === undefined || histogram.count === 0 ? null : histogram.percentileUs(objective.percentile);
    verdicts.push({
      name: `p${objective.percentile} latency${scope}`,
      kind: 'latency',
      objective: `p${objective.percentile}${scope} <= ${formatDurationUs(objective.under)}`,
      target: objective.under,
      unit: 'us',
      actual,
      verdict: outcome(finished, actual !== null && actual <= objective.under),
      ...(finished === 0
        ? { note: NO_REQUESTS }
        : actual === null
          ? { note: `none of the ${finished} requests${scope} succeeded` }
          : {}),
    });
  }

  const target = slo.availability.target;
  const { overall, finished } = metrics.availability;
  if (target !== undefined) {
    verdicts.push({
      name: 'availability',
      kind: 'availability',
      objective: `${formatPercent(target)} of requests succeed within ${formatDurationUs(slo.availability.threshold)}`,
      target,
      unit: 'fraction',
      actual: overall,
      verdict: outcome(finished, overall !== null && overall >= target),
      ...(finished === 0 ? { note: NO_REQUESTS } : {}),
    });
  }

  if (slo.errorRate !== undefined) {
    const failed = ERROR_KINDS.reduce((sum, k) => sum + metrics.requests.errors[k], 0);
    const rate = finished === 0 ? null : Number((failed / finished).toFixed(6));
    verdicts.push({
      name: 'error rate',
      kind: 'error-rate',
      objective: `at most ${formatPercent(slo.errorRate)} of requests fail`,
      target: slo.errorRate,
      unit: 'fraction',
      actual: rate,
      verdict: outcome(finished, rate !== null && rate <= slo.errorRate),
      ...(finished === 0 ? { note: NO_REQUESTS } : {}),
    });
  }

  const verdict: SloOutcome = verdicts.some((v) => v.verdict === 'fail')
    ? 'fail'
    : verdicts.some((v) => v.verdict === 'no-data')
      ? 'no-data'
      : 'pass';
  return { verdict, passed: verdict === 'pass', verdicts };
}
