import type { EChartsOption, LineSeriesOption } from 'echarts';
import type { CdfPoint, FaultInterval, Report } from '../report-types.js';
import { shortFaultLabel } from '../fault-intervals.js';
import { renderSvg } from './render-svg.js';

export interface Chart {
  /** File stem, e.g. 'latency-cdf'. */
  id: string;
  title: string;
  svg: string;
}

/**
 * Series colours, one per variant (or per line), in this order. Twelve hues
 * at least 30 apart in CIELAB (ΔE76), none so light it fades on white nor so
 * close to the warm fault shading that it vanishes in it; past twelve,
 * colours repeat with dashed lines.
 */
export const PALETTE = [
  '#1f63d6',
  '#d62728',
  '#2a9d3a',
  '#8e44c8',
  '#e07b00',
  '#0aa5b8',
  '#8c564b',
  '#e377c2',
  '#202020',
  '#9a9c00',
  '#7a0c2e',
  '#7fb3ff',
];

/** The colour (and dash, past the palette) of the i-th line or variant. */
export const seriesStyle = (i: number) => ({ color: PALETTE[i % PALETTE.length], dashed: i >= PALETTE.length });

/**
 * Fonts with Arial's metrics: echarts lays text out on the server with a
 * built-in Helvetica/Arial width table. Where none of these is installed
 * the browser falls back to a wider face (DejaVu Sans on most Linux), so
 * layouts that place text side by side (legends, labels) reserve room by
 * textWidthPx, which assumes the wider face. Local fonts only, so nothing is
 * fetched. Single quotes: zrender writes the family into a double-quoted
 * style attribute without escaping it.
 */
export const FONT_FAMILY = "Helvetica, Arial, 'Liberation Sans', 'Nimbus Sans', 'Nimbus Sans L', sans-serif";

export const TEXT_COLOR = '#1f2937';
export const MUTED_COLOR = '#4b5563';
const GRID_COLOR = '#e5e7eb';

export const WIDE = { widthPx: 960, heightPx: 380 };
export const SMALL = { widthPx: 460, heightPx: 300 };

const US_PER_MS = 1000;
const US_PER_SECOND = 1_000_000;

export const usToMs = (us: number) => us / US_PER_MS;

/** A file stem from a key or name: lower-case letters, digits and dashes. */
export const slug = (key: string) =>
  key
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '') || 'metric';

export const usToSeconds = (us: number) => us / US_PER_SECOND;

/** An upper bound on a line of text's width: DejaVu Sans, the widest likely fallback, averages under 0.64 em. */
export const textWidthPx = (text: string, fontSizePx: number) => Math.ceil(text.length * fontSizePx * 0.64);

/** The parts every chart shares: title, fonts, no animation. */
export function baseOption(title: string, subtitle?: string): EChartsOption {
  return {
    animation: false,
    color: PALETTE,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: FONT_FAMILY, color: TEXT_COLOR },
    title: {
      text: title,
      subtext: subtitle ?? '',
      left: 12,
      top: 8,
      textStyle: { fontSize: 16, fontWeight: 600, color: TEXT_COLOR, fontFamily: FONT_FAMILY },
      subtextStyle: { fontSize: 12, color: MUTED_COLOR, fontFamily: FONT_FAMILY },
    },
  };
}

export interface LegendItem {
  name: string;
  /** 'rect' for shading (fault kinds); lines otherwise. */
  icon?: string;
}

const LEGEND_FONT_PX = 12;
const LEGEND_ROW_PX = 22;
/** Icon, the gap to its text, and the gap to the next column. */
const LEGEND_ITEM_EXTRA_PX = 25 + 5 + 28;

/**
 * A legend laid out in equal columns below the plot, in reading order. Each
 * column is a vertical legend of its own at a computed x, so entries never
 * run into each other whatever font the viewer substitutes, and the chart
 * grows by the rows it needs instead of drawing the legend over the plot.
 */
export function legendBlock(items: LegendItem[], widthPx: number, topPx: number) {
  if (items.length === 0) return { legend: [], heightPx: 0 };
  const columnPx = items.reduce(
    (widest, item) => Math.max(widest, textWidthPx(item.name, LEGEND_FONT_PX) + LEGEND_ITEM_EXTRA_PX),
    -Infinity,
  );
  const columns = Math.max(1, Math.min(items.length, Math.floor((widthPx - 24) / columnPx)));
  const rows = Math.ceil(items.length / columns);
  const leftPx = Math.max(12, Math.round((widthPx - columns * columnPx) / 2));
  const legend = Array.from({ length: columns }, (_, column) => ({
    orient: 'vertical' as const,
    left: leftPx + column * columnPx,
    top: topPx,
    itemGap: LEGEND_ROW_PX - 14,
    itemHeight: 14,
    selectedMode: false,
    textStyle: { fontSize: LEGEND_FONT_PX, color: TEXT_COLOR, fontFamily: FONT_FAMILY },
    data: items.filter((_, i) => i % columns === column),
  }));
  return { legend, heightPx: rows * LEGEND_ROW_PX };
}

/** A value axis whose name sits centred along it, clear of the tick labels. */
export function valueAxis(name: string, orientation: 'x' | 'y', extra: Record<string, unknown> = {}) {
  return {
    type: 'value' as const,
    name,
    nameLocation: 'middle' as const,
    nameGap: orientation === 'x' ? 30 : 52,
    nameTextStyle: { fontSize: 12, color: TEXT_COLOR, fontFamily: FONT_FAMILY },
    axisLabel: { fontSize: 11, color: MUTED_COLOR, fontFamily: FONT_FAMILY },
    axisLine: { show: true, lineStyle: { color: '#9ca3af' } },
    splitLine: { show: true, lineStyle: { color: GRID_COLOR } },
    ...extra,
  };
}

/** The middle of a window in seconds, where its point is drawn. */
export const windowMidSeconds = (startUs: number, endUs: number) => usToSeconds((startUs + endUs) / 2);

/** Shading (as "r, g, b", for rgba) and a darker label colour per fault kind, matched by substring. */
const FAULT_COLORS: { match: string; rgb: string; label: string }[] = [
  { match: 'partition', rgb: '245, 158, 11', label: '#b45309' },
  { match: 'crash', rgb: '239, 68, 68', label: '#b91c1c' },
  { match: 'pause', rgb: '168, 85, 247', label: '#7e22ce' },
  { match: 'degrade', rgb: '234, 179, 8', label: '#a16207' },
  { match: 'clock', rgb: '6, 182, 212', label: '#0e7490' },
];
const OTHER_FAULT = { match: '', rgb: '100, 116, 139', label: '#475569' };
const faultColors = (kind: string) => FAULT_COLORS.find(({ match }) => kind.includes(match)) ?? OTHER_FAULT;

/** Beyond this many intervals, labels would pile up; the legend still names each kind. */
const MAX_LABELLED_INTERVALS = 12;
const FAULT_LABEL_FONT_PX = 11;
const LABEL_LINE_HEIGHT_PX = 15;

/** Intervals once each, in time order: several variants usually share their faults. */
export function distinctIntervals(lists: readonly (readonly FaultInterval[])[]): FaultInterval[] {
  const seen = new Map<string, FaultInterval>();
  for (const list of lists)
    for (const interval of list)
      seen.set(`${interval.kind} ${interval.startUs} ${interval.endUs} ${interval.label}`, interval);
  return [...seen.values()].sort((a, b) => a.startUs - b.startUs || a.endUs - b.endUs);
}

/**
 * One empty series per fault kind, carrying a markArea per interval: the
 * series puts the kind in the legend, the areas shade the run as Jepsen
 * shades nemesis periods. A label that would run into an earlier one (in
 * time or in width) goes on the lowest line free where it starts.
 */
function faultSeries(intervals: readonly FaultInterval[], durationUs: number, plotWidthPx: number, axisIndex: number) {
  const sorted = [...intervals].sort((a, b) => a.startUs - b.startUs || a.endUs - b.endUs);
  const usPerPx = durationUs / plotWidthPx;
  const laneEndsUs: number[] = [];
  const lanes = new Map<FaultInterval, number>();
  for (const interval of sorted) {
    let lane = laneEndsUs.findIndex((endUs) => endUs <= interval.startUs);
    if (lane === -1) lane = laneEndsUs.length;
    const labelEndUs = interval.startUs + (textWidthPx(shortFaultLabel(interval), FAULT_LABEL_FONT_PX) + 12) * usPerPx;
    laneEndsUs[lane] = Math.max(interval.endUs, labelEndUs);
    lanes.set(interval, lane);
  }
  const showLabels = intervals.length <= MAX_LABELLED_INTERVALS;
  const kinds = [...new Set(sorted.map((interval) => interval.kind))];
  return kinds.map((kind): LineSeriesOption => {
    const { rgb, label } = faultColors(kind);
    return {
      type: 'line',
      name: `fault: ${kind}`,
      data: [],
      xAxisIndex: axisIndex,
      yAxisIndex: axisIndex,
      color: `rgba(${rgb}, 0.35)`,
      silent: true,
      markArea: {
        silent: true,
        itemStyle: { color: `rgba(${rgb}, 0.14)`, borderColor: `rgba(${rgb}, 0.5)`, borderWidth: 1 },
        data: sorted
          .filter((interval) => interval.kind === kind)
          .map((interval) => [
            {
              name: shortFaultLabel(interval),
              xAxis: usToSeconds(interval.startUs),
              label: {
                show: showLabels,
                position: 'insideTopLeft',
                offset: [0, (lanes.get(interval) ?? 0) * LABEL_LINE_HEIGHT_PX],
                fontSize: FAULT_LABEL_FONT_PX,
                color: label,
                fontWeight: 600,
                fontFamily: FONT_FAMILY,
                textBorderColor: '#ffffff',
                textBorderWidth: 2,
              },
            },
            { xAxis: usToSeconds(interval.endUs) },
          ]),
      },
    };
  });
}

/** One plot of a chart over time: its lines and the faults to shade behind them. */
export interface TimePanel {
  /** Above the plot, in small multiples (the variant's name). */
  title?: string;
  series: LineSeriesOption[];
  intervals: readonly FaultInterval[];
}

export interface TimeChartSpec {
  id: string;
  title: string;
  subtitle?: string;
  durationUs: number;
  /** Left axis, and optionally a right one (series with yAxisIndex 1 use it). */
  yAxes: Record<string, unknown>[];
  panels: TimePanel[];
}

const CHART_WIDTH_PX = WIDE.widthPx;
const OVERLAY_PLOT_PX = 240;
const PANEL_PLOT_PX = 150;
const PANEL_COLUMNS = 2;
const PANEL_TITLE_PX = 24;
/** Below a plot: tick labels and the axis name. */
const X_AXIS_PX = 52;

/**
 * A chart over the run's simulated time with its faults shaded: one plot
 * (lines overlaid) or, with several panels, small multiples in two columns
 * sharing their axes' names, scale and legend. The legend sits below,
 * with the fault kinds as rectangles like the shading they stand for.
 */
export function timeChart(spec: TimeChartSpec): Chart {
  const { panels, yAxes, durationUs } = spec;
  const base = baseOption(spec.title, spec.subtitle);
  const topPx = spec.subtitle ? 72 : 52;
  const rightPx = yAxes.length > 1 ? 76 : 28;
  const leftPx = 76;
  const columns = panels.length === 1 ? 1 : PANEL_COLUMNS;
  const rows = Math.ceil(panels.length / columns);
  const columnGapPx = yAxes.length > 1 ? 24 : 48;
  const plotWidthPx = Math.floor(
    (CHART_WIDTH_PX - columns * (leftPx + rightPx) - (columns - 1) * columnGapPx) / columns,
  );
  const plotHeightPx = panels.length === 1 ? OVERLAY_PLOT_PX : PANEL_PLOT_PX;
  const titlePx = panels.length === 1 ? 0 : PANEL_TITLE_PX;
  const rowPx = titlePx + plotHeightPx + X_AXIS_PX;
  const grid: Record<string, number>[] = [];
  const xAxis: object[] = [];
  const yAxis: object[] = [];
  const titles: object[] = [base.title as object];
  const series: LineSeriesOption[] = [];
  const faultKinds = new Set<string>();
  const lineNames: string[] = [];
  panels.forEach((panel, p) => {
    const left = leftPx + (p % columns) * (leftPx + plotWidthPx + rightPx + columnGapPx);
    const top = topPx + Math.floor(p / columns) * rowPx + titlePx;
    grid.push({ left, top, width: plotWidthPx, height: plotHeightPx });
    if (panel.title !== undefined)
      titles.push({
        text: panel.title,
        left,
        top: top - titlePx + 2,
        textStyle: { fontSize: 13, fontWeight: 600, color: TEXT_COLOR, fontFamily: FONT_FAMILY },
      });
    xAxis.push({ ...valueAxis('time (s)', 'x', { min: 0, max: usToSeconds(durationUs) }), gridIndex: p });
    const firstAxis = yAxis.length;
    yAxes.forEach((axis) => yAxis.push({ ...axis, gridIndex: p }));
    for (const s of panel.series) {
      series.push({ ...s, xAxisIndex: p, yAxisIndex: firstAxis + (s.yAxisIndex ?? 0) });
      if (!lineNames.includes(String(s.name))) lineNames.push(String(s.name));
    }
    for (const f of faultSeries(panel.intervals, durationUs, plotWidthPx, p)) {
      series.push({ ...f, yAxisIndex: firstAxis });
      faultKinds.add(String(f.name));
    }
  });
  const legendTopPx = topPx + rows * rowPx + 4;
  const items = [...lineNames.map((name) => ({ name })), ...[...faultKinds].map((name) => ({ name, icon: 'rect' }))];
  const { legend, heightPx } = legendBlock(items, CHART_WIDTH_PX, legendTopPx);
  const option: EChartsOption = { ...base, title: titles, grid, xAxis, yAxis, legend, series } as EChartsOption;
  return {
    id: spec.id,
    title: spec.title,
    svg: renderSvg(spec.id, option, { widthPx: CHART_WIDTH_PX, heightPx: legendTopPx + heightPx + 12 }),
  };
}

/** A line without point markers (60+ windows, a CDF's hundreds of points), gaps where the value is null. */
export function windowLine(
  name: string,
  data: [seconds: number, value: number | null][],
  style: { color?: string; dashed?: boolean } = {},
): LineSeriesOption {
  return {
    type: 'line',
    name,
    data,
    symbol: 'none',
    ...(style.color ? { color: style.color } : {}),
    lineStyle: { width: 2, ...(style.dashed ? { type: 'dashed' as const } : {}) },
  };
}

/**
 * A latency CDF's points for a log latency axis in ms against percent. A log
 * axis cannot place 0; nothing the simulator times takes 0µs anyway.
 */
export const latencyCdfPoints = (cdf: readonly CdfPoint[]): [ms: number, percent: number][] =>
  cdf.filter(([us]) => us > 0).map(([us, fraction]) => [usToMs(us), fraction * 100]);

/**
 * A vertical line at `x` across the plot, named in the legend (an empty line
 * series carrying the mark, so the legend shows its colour and dash): a
 * percentile or a target on a CDF.
 */
export function verticalMarker(label: string, x: number, color: string, type: 'dotted' | 'dashed'): LineSeriesOption {
  return {
    type: 'line',
    name: label,
    data: [],
    symbol: 'none',
    color,
    lineStyle: { width: 1, type, color },
    markLine: {
      silent: true,
      symbol: 'none',
      lineStyle: { type, color, width: 1.5 },
      label: { show: false },
      data: [{ name: label, xAxis: x }],
    },
  };
}

/** A round upper bound for axes that panels share: 1, 2, 2.5 or 5 times a power of ten. */
export function niceMax(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 2.5, 5, 10].find((f) => f * magnitude >= value) ?? 10) * magnitude;
}

/** The runs of a report, each with its name: the variants, or the one run. */
export function runsOf(report: Report) {
  return report.variants ?? [{ ...report, name: report.variant }];
}

const sameIntervals = (a: readonly FaultInterval[], b: readonly FaultInterval[]) =>
  a.length === b.length &&
  a.every(
    (x, i) => x.kind === b[i].kind && x.startUs === b[i].startUs && x.endUs === b[i].endUs && x.label === b[i].label,
  );

/** What an overlay of every variant shades: each variant's faults, once. */
export const overlayIntervals = (report: Report) => distinctIntervals(runsOf(report).map((run) => run.faultIntervals));

/** Said in an overlay's subtitle when variants changed their faults, since the shading then mixes them. */
export function overlaySubtitle(report: Report): string {
  const runs = runsOf(report);
  return runs.every((run) => sameIntervals(run.faultIntervals, runs[0].faultIntervals))
    ? ''
    : '; shading: every variant’s faults (they differ)';
}

/** Several variants to draw: charts over time then show each of them. */
export const hasVariants = (report: Report) => report.variants !== undefined && report.variants.length > 1;
