import { formatDurationUs, formatPercent, formatTimestampUs, formatValue } from '../reports/format.js';
import type { RunOutcome } from '../reports/report-types.js';
import type { Scenario } from '../scenarios/harness/scenario-schema.js';

/** What a fault search checks on every run. */
export type SearchProperty =
  { kind: 'linearizable' | 'no-lost-writes' | 'no-stale-reads' | 'slo' } | { kind: 'availability'; atLeast: number };

export const PROPERTY_NAMES = ['linearizable', 'no-lost-writes', 'no-stale-reads', 'slo', 'availability>=X'] as const;

/** One run judged: `inconclusive` when the run cannot say (a linearizability search out of steps, no requests counted). */
export interface Verdict {
  outcome: 'pass' | 'fail' | 'inconclusive';
  /** One line for a person: "11 acknowledged writes lost (first: key 13, …)". */
  reason: string;
}

/** `linearizable`, …, or `availability>=99.9%` / `availability>=0.999`; a string says what is wrong. */
export function parseProperty(text: string): SearchProperty | string {
  const plain = text.trim();
  if (plain === 'linearizable' || plain === 'no-lost-writes' || plain === 'no-stale-reads' || plain === 'slo')
    return { kind: plain };
  const availability = /^availability\s*>=\s*(.+)$/.exec(plain);
  if (availability !== null) {
    const written = availability[1].trim();
    const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(written);
    const share = percent !== null ? Number(percent[1]) / 100 : /^\d*\.?\d+$/.test(written) ? Number(written) : NaN;
    if (!(share >= 0 && share <= 1))
      return `"${written}" is not a share; write availability>=99.9% or availability>=0.999`;
    return { kind: 'availability', atLeast: share };
  }
  return `"${text}" is not a property; choose one of ${PROPERTY_NAMES.join(', ')}`;
}

export function propertyText(property: SearchProperty): string {
  // Only the digits the share needs: 99%, 99.95%.
  return property.kind === 'availability'
    ? `availability>=${Number((property.atLeast * 100).toFixed(6))}%`
    : property.kind;
}

/** The workload types that record a store history for the consistency checkers. */
const HISTORY_WORKLOADS = new Set(['store-client']);

/** Why `scenario` cannot be judged on `property` (a usage error before anything runs), or null when it can. */
export function unjudgeable(property: SearchProperty, scenario: Scenario): string | null {
  const workloads = Object.values(scenario.workloads);
  switch (property.kind) {
    case 'linearizable':
    case 'no-lost-writes':
    case 'no-stale-reads':
      return workloads.some((w) => HISTORY_WORKLOADS.has(String(w.type)))
        ? null
        : `${property.kind} is judged on the history of store operations, and ${scenario.name} records none: ` +
            `it needs a store-client workload (see faultline run cap-partition); choose slo or availability>=X instead`;
    case 'slo': {
      const { availability, latency, errorRate } = scenario.slo;
      return availability.target !== undefined || latency.length > 0 || errorRate !== undefined
        ? null
        : `${scenario.name} declares no SLO (slo.availability.target, slo.latency or slo.errorRate), so slo has nothing to judge; ` +
            `declare one with --set, like --set slo.availability.target=99%, or choose availability>=X`;
    }
    case 'availability':
      return workloads.length > 0 ? null : `${scenario.name} has no workload, so no request to count availability on`;
  }
}

/** Judges one run's report on `property`. */
export function judge(property: SearchProperty, run: RunOutcome): Verdict {
  const consistency = run.consistency;
  switch (property.kind) {
    case 'linearizable': {
      const verdict = consistency?.linearizability;
      if (verdict === null || verdict === undefined)
        return { outcome: 'inconclusive', reason: 'no register operation was recorded' };
      if (verdict.linearizable === null)
        return { outcome: 'inconclusive', reason: `linearizability unknown: ${verdict.unknown ?? 'out of steps'}` };
      if (verdict.linearizable) return { outcome: 'pass', reason: 'linearizable' };
      return {
        outcome: 'fail',
        reason: `not linearizable: ${verdict.counterexample?.explanation ?? 'no order explains the history'}`,
      };
    }
    case 'no-lost-writes': {
      const lost = consistency?.lostWrites?.lost ?? 0;
      const increments = consistency?.counters?.lostIncrements ?? 0;
      const elements = consistency?.sets?.lostElements ?? 0;
      if (lost + increments + elements === 0) return { outcome: 'pass', reason: 'no acknowledged write lost' };
      const parts: string[] = [];
      if (lost > 0) {
        const first = consistency?.lostWrites?.examples[0];
        const example =
          first === undefined
            ? ''
            : ` (first: key ${first.key}, value ${first.value} acknowledged at ${formatTimestampUs(first.acknowledgedUs)})`;
        parts.push(`${plural(lost, 'acknowledged write')} lost${example}`);
      }
      if (increments > 0) parts.push(`${plural(increments, 'acknowledged counter increment')} lost`);
      if (elements > 0) parts.push(`${plural(elements, 'acknowledged set element')} lost`);
      return { outcome: 'fail', reason: parts.join('; ') };
    }
    case 'no-stale-reads': {
      const staleness = consistency?.staleness;
      if (staleness === null || staleness === undefined)
        return { outcome: 'inconclusive', reason: 'no read completed' };
      if (staleness.staleReads === 0) return { outcome: 'pass', reason: 'no stale read' };
      return {
        outcome: 'fail',
        reason:
          `${plural(staleness.staleReads, 'stale read')} of ${staleness.reads} (up to ${plural(staleness.versionsBehind.max, 'version')} ` +
          `and ${formatDurationUs(staleness.timeBehindUs.max)} behind)`,
      };
    }
    case 'slo': {
      const failed = run.slo.verdicts.filter((v) => v.verdict === 'fail');
      if (failed.length > 0)
        return {
          outcome: 'fail',
          reason: `SLO failed: ${failed.map((v) => `${v.objective} (actual ${v.actual === null ? 'none' : formatValue(v.actual, v.unit)})`).join(', ')}`,
        };
      if (run.slo.verdict === 'no-data') return { outcome: 'inconclusive', reason: 'an SLO had no data to judge' };
      return { outcome: 'pass', reason: 'every SLO met' };
    }
    case 'availability': {
      const overall = run.metrics.availability.overall;
      if (overall === null) return { outcome: 'inconclusive', reason: 'no request was counted' };
      const measured = `availability ${formatPercent(overall)}`;
      return overall >= property.atLeast
        ? { outcome: 'pass', reason: measured }
        : { outcome: 'fail', reason: `${measured}, below ${formatPercent(property.atLeast)}` };
    }
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
