import type { EChartsOption, LineSeriesOption } from 'echarts';
import type { FaultInterval, Report } from '../report-types.js';

export interface Chart {
  /** File stem, e.g. 'latency-cdf'. */
  id: string;
  title: string;
  svg: string;
}

/** Series colours: dark and cool, so they stay legible over the warm fault shading. */
const PALETTE = [
  '#1d4ed8',
  '#0f766e',
  '#7c3aed',
  '#b45309',
  '#be123c',
  '#15803d',
  '#475569',
  '#c2410c',
  '#0e7490',
  '#a21caf',
];

/**
 * Fonts with Arial's metrics: echarts lays text out on the server with a
 * built-in Helvetica/Arial width table, so a wider face (DejaVu, system-ui
 * on Linux) would make legend entries run into each other. Local fonts only,
 * so nothing is fetched. Single quotes: zrender writes the family into a
 * double-quoted style attribute without escaping it.
 */
const FONT_FAMILY = "Helvetica, Arial, 'Liberation Sans', 'Nimbus Sans', 'Nimbus Sans L', sans-serif";

export const TEXT_COLOR = '#1f2937';
const MUTED_COLOR = '#4b5563';
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

/** The parts every chart shares: title, legend at the bottom, fonts, no animation. */
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
    legend: {
      bottom: 8,
      left: 'center',
      itemGap: 24,
      textStyle: { fontSize: 12, color: TEXT_COLOR, fontFamily: FONT_FAMILY },
    },
    grid: { left: 76, right: 28, top: subtitle ? 68 : 52, bottom: 86 },
  };
}

/** With variants, the per-window charts show the first run only: say which. */
function variantSubtitle(report: Report): string | undefined {
  return report.variants && report.variants.length > 1 ? `variant: ${report.variant}` : undefined;
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

/** The x axis of the per-window charts: simulated seconds over the whole run. */
function timeAxis(durationUs: number) {
  return valueAxis('time (s)', 'x', { min: 0, max: usToSeconds(durationUs) });
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
const LABEL_LINE_HEIGHT_PX = 15;

/**
 * One empty series per fault kind, carrying a markArea per interval: the
 * series puts the kind in the legend, the areas shade the run as Jepsen
 * shades nemesis periods. Overlapping intervals get their labels on separate
 * lines (the lowest line free when the interval starts).
 */
function faultSeries(intervals: FaultInterval[]): LineSeriesOption[] {
  const sorted = [...intervals].sort((a, b) => a.startUs - b.startUs || a.endUs - b.endUs);
  const laneEndsUs: number[] = [];
  const lanes = new Map<FaultInterval, number>();
  for (const interval of sorted) {
    let lane = laneEndsUs.findIndex((endUs) => endUs <= interval.startUs);
    if (lane === -1) lane = laneEndsUs.length;
    laneEndsUs[lane] = interval.endUs;
    lanes.set(interval, lane);
  }
  const showLabels = intervals.length <= MAX_LABELLED_INTERVALS;
  const kinds = [...new Set(sorted.map((interval) => interval.kind))];
  return kinds.map((kind) => {
    const { rgb, label } = faultColors(kind);
    return {
      type: 'line',
      name: `fault: ${kind}`,
      data: [],
      color: `rgba(${rgb}, 0.35)`,
      silent: true,
      markArea: {
        silent: true,
        itemStyle: { color: `rgba(${rgb}, 0.14)`, borderColor: `rgba(${rgb}, 0.5)`, borderWidth: 1 },
        data: sorted
          .filter((interval) => interval.kind === kind)
          .map((interval) => [
            {
              name: interval.label,
              xAxis: usToSeconds(interval.startUs),
              label: {
                show: showLabels,
                position: 'insideTopLeft',
                offset: [0, (lanes.get(interval) ?? 0) * LABEL_LINE_HEIGHT_PX],
                fontSize: 11,
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

/**
 * A chart over the run's simulated time: the series plus the fault shading,
 * with the fault kinds in the legend as rectangles, like the shading they
 * stand for (a line series would otherwise show a line).
 */
export function timeSeriesOption(
  report: Report,
  title: string,
  yAxis: object,
  series: LineSeriesOption[],
): EChartsOption {
  const faults = faultSeries(report.faultIntervals);
  const base = baseOption(title, variantSubtitle(report));
  const legendData = [
    ...series.map((s) => ({ name: String(s.name) })),
    ...faults.map((s) => ({ name: String(s.name), icon: 'rect' })),
  ];
  return {
    ...base,
    legend: { ...(base.legend as object), data: legendData },
    xAxis: timeAxis(report.scenario.durationUs),
    yAxis,
    series: [...series, ...faults],
  };
}

/** A per-window line: no point markers (60+ windows), gaps where the value is null. */
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
