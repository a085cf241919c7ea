import type { LineSeriesOption } from 'echarts';
import type { Report } from '../report-types.js';
import {
  hasVariants,
  overlayIntervals,
  overlaySubtitle,
  runsOf,
  seriesStyle,
  timeChart,
  valueAxis,
  windowLine,
  windowMidSeconds,
  type Chart,
} from './common.js';

/**
 * Lines closer than this share of the plot's scale (the largest value any run
 * plots) in every window are one line: about a pixel on an overlay chart,
 * where two separate lines would hide each other and a legend entry would
 * name a line nobody can see.
 */
export const SAME_LINE_SHARE = 0.005;

/** The subtitle's words for how runs share a line. */
export const SHARED_LINE_NOTE = 'variants with matching lines share one';

/** A run of a report: a variant, or the one run. */
type Run = ReturnType<typeof runsOf>[number];

/**
 * One line per run of `report` over `metrics.timeline`'s windows, `values`
 * giving a run's value per window (undefined: the run has nothing to plot);
 * runs whose values lie within SAME_LINE_SHARE of the scale of the first run
 * of a line in every window (and have gaps in the same windows) join that
 * line, named after all of them ("a = b"); a line that lies on an earlier
 * one in at least half the windows, but not all, is dashed. A run's colour
 * is its place among the runs, so a variant keeps its colour across charts.
 * Without variants the one line is named `single`.
 */
export function variantLines(
  report: Report,
  values: (run: Run) => readonly (number | null)[] | undefined,
  single: string,
): LineSeriesOption[] {
  const runs = runsOf(report);
  const plotted = runs.map((run) => values(run));
  let scale = 0;
  for (const series of plotted) for (const v of series ?? []) if (v !== null && v > scale) scale = v;
  const tolerance = scale * SAME_LINE_SHARE;
  const lines: { names: string[]; run: number }[] = [];
  plotted.forEach((series, i) => {
    if (series === undefined) return;
    const line = lines.find((l) => closeTo(plotted[l.run]!, series, tolerance));
    if (line === undefined) lines.push({ names: [runs[i].name], run: i });
    else line.names.push(runs[i].name);
  });
  const multi = hasVariants(report);
  return lines.map(({ names, run }, i) => {
    const rows = runs[run].metrics.timeline;
    const style = seriesStyle(run);
    // A line drawn over an earlier one for most of the run is dashed, so the one below shows through its gaps.
    const overlaps = lines.slice(0, i).some((l) => closeShare(plotted[l.run]!, plotted[run]!, tolerance) >= 0.5);
    return windowLine(
      multi ? names.join(' = ') : single,
      plotted[run]!.map((v, w) => [windowMidSeconds(rows[w].startUs, rows[w].endUs), v]),
      { ...style, dashed: style.dashed || overlaps },
    );
  });
}

/** One metric over time for the chart of variantLineChart: where its values come from and how it is labelled. */
export interface VariantLineSpec {
  id: string;
  title: string;
  /** What a point is; the note on shared lines and the fault shading's are added. */
  subtitle: string;
  /** The y axis: its name, and options such as min and max. */
  axis: string;
  axisOptions?: Record<string, unknown>;
  /** A run's value per window (undefined: nothing to plot), and the line's name without variants. */
  values: (run: Run) => readonly (number | null)[] | undefined;
  single: string;
}

/**
 * One metric over time on one plot, a line per variant (those that would lie
 * on each other sharing one, variantLines), every variant's faults shaded.
 */
export function variantLineChart(report: Report, spec: VariantLineSpec): Chart {
  const shared = hasVariants(report) ? `; ${SHARED_LINE_NOTE}` : '';
  return timeChart({
    id: spec.id,
    title: spec.title,
    subtitle: `${spec.subtitle}${shared}${overlaySubtitle(report)}`,
    durationUs: report.scenario.durationUs,
    yAxes: [valueAxis(spec.axis, 'y', spec.axisOptions)],
    panels: [{ series: variantLines(report, spec.values, spec.single), intervals: overlayIntervals(report) }],
  });
}

/** The components some run lists (`of`), each once, in the order the runs first list them: one chart each. */
export function componentsOf(report: Report, of: (run: Run) => readonly string[]): string[] {
  const components: string[] = [];
  for (const run of runsOf(report))
    for (const component of of(run)) if (!components.includes(component)) components.push(component);
  return components;
}

/** Same gaps and every window within `tolerance`. */
function closeTo(a: readonly (number | null)[], b: readonly (number | null)[], tolerance: number): boolean {
  if (a.length !== b.length) return false;
  for (let w = 0; w < a.length; w++) {
    const x = a[w];
    const y = b[w];
    if (x === null || y === null ? x !== y : Math.abs(x - y) > tolerance) return false;
  }
  return true;
}

/** The share of the windows where both have a value that lie within `tolerance` of each other. */
function closeShare(a: readonly (number | null)[], b: readonly (number | null)[], tolerance: number): number {
  let both = 0;
  let close = 0;
  for (let w = 0; w < Math.min(a.length, b.length); w++) {
    const x = a[w];
    const y = b[w];
    if (x === null || y === null) continue;
    both++;
    if (Math.abs(x - y) <= tolerance) close++;
  }
  return both === 0 ? 0 : close / both;
}
