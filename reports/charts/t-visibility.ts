import type { LineSeriesOption } from 'echarts';
import type { Report, StalenessCurvesReport } from '../report-types.js';
import { formatDurationUs } from '../format.js';
import { baseOption, legendBlock, runsOf, seriesStyle, TEXT_COLOR, valueAxis, WIDE, type Chart } from './common.js';
import { renderSvg } from './render-svg.js';

/** Charts of the staleness-curves section start with this; the HTML report places them in that section. */
export const STALENESS_CHART_PREFIX = 'staleness-';
const T_VISIBILITY_ID = `${STALENESS_CHART_PREFIX}t-visibility`;

const PLOT_TOP_PX = 72;
const PLOT_HEIGHT_PX = 280;

/**
 * t-visibility: the share of reads started t after the commit that saw the
 * write, one solid line per variant (and probe workload) with its 95% Wilson
 * band shaded, and the WARS model's prediction for the same latencies dashed
 * in the same colour.
 */
export function tVisibilityChart(report: Report): Chart | null {
  const lines = runsOf(report).flatMap((run) =>
    (run.stalenessCurves ?? []).map((probe) => ({ name: lineName(run.name, probe, report), probe })),
  );
  const curves = lines
    .map(({ name, probe }) => ({ name, probe, curve: probe.curves.find((c) => c.from === 'commit') }))
    .filter((line) => line.curve !== undefined && line.curve.points.some((p) => p.probability !== null));
  if (curves.length === 0) return null;
  // The delays probed, evenly spaced: curves rise within a millisecond on fast replicas and over tens on slow disks.
  const delays = [...new Set(curves.flatMap(({ curve }) => curve!.points.map((p) => p.tUs)))].sort((a, b) => a - b);
  const along = (points: readonly { tUs: number }[], value: (i: number) => number) => {
    const byDelay = new Map(points.map((p, i) => [p.tUs, value(i)]));
    return delays.map((t) => byDelay.get(t) ?? '-');
  };
  let lowest = 100;
  const series: LineSeriesOption[] = [];
  const legendItems: { name: string }[] = [];
  curves.forEach(({ name, probe, curve }, i) => {
    const { color } = seriesStyle(i);
    const measured = curve!.points.filter((p) => p.probability !== null);
    for (const p of measured) lowest = Math.min(lowest, p.low! * 100);
    if (probe.wars !== null) for (const p of probe.wars.points) lowest = Math.min(lowest, p.probability * 100);
    // The band: its low edge stacked under the band's height, only the height filled.
    series.push(
      {
        type: 'line',
        name: `${name} band low`,
        data: along(measured, (j) => measured[j].low! * 100),
        stack: `band-${i}`,
        symbol: 'none',
        lineStyle: { opacity: 0 },
        silent: true,
      },
      {
        type: 'line',
        name: `${name} band`,
        data: along(measured, (j) => (measured[j].high! - measured[j].low!) * 100),
        stack: `band-${i}`,
        symbol: 'none',
        lineStyle: { opacity: 0 },
        areaStyle: { color, opacity: 0.15 },
        silent: true,
      },
      {
        type: 'line',
        name,
        data: along(measured, (j) => measured[j].probability! * 100),
        symbol: 'circle',
        symbolSize: 4,
        color,
        lineStyle: { width: 2 },
      },
    );
    legendItems.push({ name });
    if (probe.wars !== null) {
      const warsName = `${name}: WARS`;
      series.push({
        type: 'line',
        name: warsName,
        data: along(probe.wars.points, (j) => probe.wars!.points[j].probability * 100),
        symbol: 'none',
        color,
        lineStyle: { width: 1.5, type: 'dashed' },
      });
      legendItems.push({ name: warsName });
    }
  });
  const title = 't-visibility: reads that see a write, by time after its commit';
  const always = curves
    .filter(({ curve }) => curve!.points.every((p) => p.probability === null || p.probability === 1))
    .map(({ name }) => name);
  // Variants with the same latencies and N, R, W share one WARS line; the later ones are drawn under the first.
  const warsGroups = new Map<string, string[]>();
  for (const { name, probe } of curves) {
    if (probe.wars === null || (always.includes(name) && always.length > 1)) continue;
    const key = JSON.stringify(probe.wars.points);
    warsGroups.set(key, [...(warsGroups.get(key) ?? []), name]);
  }
  const notes = [
    ...(always.length > 1 ? [`at 100% throughout, on one line: ${always.join(', ')}`] : []),
    ...[...warsGroups.values()]
      .filter((names) => names.length > 1)
      .map((names) => `one WARS line for ${names.join(', ')}`),
  ];
  const subtitle = [
    'solid: simulated, shaded: 95% Wilson interval; dashed: the WARS model for the same latencies',
    ...notes,
  ].join('\n');
  const plotTopPx = PLOT_TOP_PX + 16 * notes.length;
  const legendTopPx = plotTopPx + PLOT_HEIGHT_PX + 56;
  const { legend, heightPx } = legendBlock(legendItems, WIDE.widthPx, legendTopPx);
  const option = {
    ...baseOption(title, subtitle),
    grid: { left: 76, right: 28, top: plotTopPx, height: PLOT_HEIGHT_PX },
    legend,
    xAxis: {
      ...valueAxis('t after the commit at the coordinator (the delays probed)', 'x'),
      type: 'category' as const,
      boundaryGap: false,
      data: delays.map((t) => formatDurationUs(t)),
      axisLabel: { fontSize: 11, color: TEXT_COLOR, interval: 0 },
      splitLine: { show: true, lineStyle: { color: '#e5e7eb' } },
    },
    yAxis: valueAxis('reads that saw the write (%)', 'y', { min: Math.max(0, Math.floor(lowest / 10) * 10), max: 100 }),
    series,
  };
  return {
    id: T_VISIBILITY_ID,
    title,
    svg: renderSvg(T_VISIBILITY_ID, option, { widthPx: WIDE.widthPx, heightPx: legendTopPx + heightPx + 12 }),
  };
}

/** The variant's name, with the workload's when a run has several probes. */
function lineName(variant: string, probe: StalenessCurvesReport, report: Report): string {
  const several = runsOf(report).some((run) => (run.stalenessCurves?.length ?? 0) > 1);
  return several ? `${variant} / ${probe.workload}` : variant;
}
