import { formatDurationUnit } from '../../models/kit/units.js';
import type { Scenario } from './scenario-schema.js';

type Path = (string | number)[];

/**
 * A time in a scenario that does not fit the run: one at or after its end, a
 * warm-up that leaves nothing to measure, a window longer than what is
 * measured. `path` holds the time and `bounds` the values it is checked
 * against (the duration, the warm-up).
 */
export interface TimingIssue {
  path: Path;
  bounds: Path[];
  /** Said at `path`. */
  message: string;
  /** Said at a bound instead, when an override set the bound and not the time. */
  boundMessage?: string;
  /**
   * When validation refuses it: `always`; `unless-shortened`, when the user
   * may mean it because only a bound was overridden (a run shortened with
   * --duration skips what came later); `never` for what still gives a
   * meaningful, if coarse, report. What validation lets through, the report
   * warns of.
   */
  error: 'always' | 'unless-shortened' | 'never';
  /** What it does to the run, for the report's warnings. */
  warning: string;
}

const DURATION: Path = ['duration'];

/**
 * At most this many reporting windows per run. Metrics keep a slot per
 * window, so beyond it windows widen (see reportingWindowUs) and memory
 * stays bounded however long the simulated time.
 */
export const MAX_WINDOWS = 10_000;

/**
 * The width of the report's windows: slo.window, or the smallest whole
 * multiple of it that fits the run into MAX_WINDOWS windows (so each wide
 * window is a run of the declared ones).
 */
export function reportingWindowUs(scenario: Pick<Scenario, 'duration' | 'slo'>): number {
  const windowUs = scenario.slo.window;
  return windowUs * Math.max(1, Math.ceil(Math.ceil(scenario.duration / windowUs) / MAX_WINDOWS));
}
const WARMUP: Path = ['warmup'];

/** Workload times that mean nothing past the end of the run: the parameter path, and what it would do. */
const WORKLOAD_TIMES: {
  path: string[];
  when?: (params: Record<string, unknown>) => boolean;
  subject: string;
  consequence: string;
}[] = [
  { path: ['stopAt'], subject: 'stopAt', consequence: 'the workload never stops early' },
  {
    path: ['shape', 'at'],
    when: (p) => shapeType(p) === 'spike',
    subject: 'the spike at',
    consequence: 'it has no effect',
  },
  {
    path: ['shape', 'from'],
    when: (p) => shapeType(p) === 'ramp',
    subject: 'the ramp starting at',
    consequence: 'it has no effect',
  },
  { path: ['keyShift', 'at'], subject: 'the hot-set move at', consequence: 'it has no effect' },
];

const shapeType = (params: Record<string, unknown>) => (params.shape as { type?: unknown } | undefined)?.type;

/** Every time in a validated scenario that does not fit its duration and warm-up. */
export function timingIssues(scenario: Scenario): TimingIssue[] {
  const d = (us: number) => formatDurationUnit(us);
  const { duration, warmup } = scenario;
  const issues: TimingIssue[] = [];
  const pastEnd = (path: Path, timeUs: number | undefined, subject: string, consequence: string) => {
    if (timeUs === undefined || timeUs < duration) return;
    const said = `${subject} ${d(timeUs)} is not before the end of the run`;
    issues.push({
      path,
      bounds: [DURATION],
      message: `${said} (duration: ${d(duration)}), so ${consequence}`,
      error: 'unless-shortened',
      warning: `${path.join('.')}: ${said} (${d(duration)}), so ${consequence}`,
    });
  };

  if (warmup >= duration) {
    issues.push({
      path: WARMUP,
      bounds: [DURATION],
      message: `the warm-up (${d(warmup)}) lasts the whole run (duration: ${d(duration)}), so nothing would be measured; make it shorter than the run`,
      boundMessage: `a ${d(duration)} run leaves nothing to measure after its warm-up (warmup: ${d(warmup)}); run for longer than ${d(warmup)}`,
      error: 'always',
      warning: `the warm-up (${d(warmup)}) lasts the whole run (${d(duration)}): nothing was measured`,
    });
  } else if (scenario.slo.window > duration - warmup) {
    const span = d(duration - warmup);
    const measured = warmup === 0 ? `the run (${span})` : `what is measured (${span}, after a ${d(warmup)} warm-up)`;
    issues.push({
      path: ['slo', 'window'],
      bounds: [DURATION, WARMUP],
      message: `the ${d(scenario.slo.window)} window is longer than ${measured}`,
      error: 'never',
      warning: `one ${d(scenario.slo.window)} window (slo.window) is longer than ${measured}: the timeline, downtime and recovery times are coarse`,
    });
  }

  const reportedUs = reportingWindowUs(scenario);
  if (reportedUs !== scenario.slo.window) {
    const said = `the ${d(duration)} run would have ${Math.ceil(duration / scenario.slo.window)} windows of ${d(scenario.slo.window)} (slo.window)`;
    issues.push({
      path: ['slo', 'window'],
      bounds: [DURATION],
      message: `${said}, more than the ${MAX_WINDOWS} a run keeps, so its windows are ${d(reportedUs)} wide`,
      error: 'never',
      warning: `${said}, more than the ${MAX_WINDOWS} a run keeps: the timeline, downtime and recovery times use ${d(reportedUs)} windows instead`,
    });
  }

  scenario.faults.timeline.forEach((fault, i) =>
    pastEnd(['faults', 'timeline', i, 'at'], fault.at, `the ${fault.action} at`, 'it has no effect'),
  );
  scenario.faults.random.forEach((process, i) => {
    const at = (key: string): Path => ['faults', 'random', i, key];
    pastEnd(at('start'), process.start, `the ${process.type} process starting at`, 'it never injects a fault');
    const start = process.start ?? 0;
    if (process.end !== undefined && process.end <= start) {
      issues.push({
        path: at('end'),
        bounds: [at('start')],
        message: `the process ends (${d(process.end)}) before it starts (${d(start)}), so it never injects a fault`,
        boundMessage: `the process starts (${d(start)}) after it ends (end: ${d(process.end)}), so it never injects a fault`,
        error: 'always',
        warning: `faults.random.${i} ends (${d(process.end)}) before it starts (${d(start)}): it injected no fault`,
      });
    }
  });

  for (const [name, instance] of Object.entries(scenario.workloads)) {
    const params = instance as unknown as Record<string, unknown>;
    for (const time of WORKLOAD_TIMES) {
      if (time.when !== undefined && !time.when(params)) continue;
      const value = time.path.reduce<unknown>(
        (node, key) => (node as Record<string, unknown> | undefined)?.[key],
        params,
      );
      if (typeof value !== 'number') continue;
      const path: Path = ['workloads', name, ...time.path];
      pastEnd(path, value, time.subject, time.consequence);
      if (time.path[0] === 'stopAt' && value <= warmup) {
        issues.push({
          path,
          bounds: [WARMUP],
          message: `the workload stops sending at ${d(value)}, before the warm-up ends (warmup: ${d(warmup)}), so none of its requests are measured`,
          boundMessage: `the warm-up (${d(warmup)}) outlasts workloads.${name}, which stops sending at ${d(value)}, so none of its requests are measured`,
          error: 'always',
          warning: `workloads.${name} stops sending at ${d(value)}, before the warm-up ends (${d(warmup)}): none of its requests were measured`,
        });
      }
    }
  }
  return issues;
}
