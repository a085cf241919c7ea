import type { EChartsOption } from 'echarts';
import {
  baseOption,
  FONT_FAMILY,
  legendBlock,
  MUTED_COLOR,
  seriesStyle,
  TEXT_COLOR,
  textWidthPx,
  valueAxis,
  WIDE,
  type Chart,
} from '../../reports/charts/common.js';
import { renderSvg } from '../../reports/charts/render-svg.js';
import { axisName, gridPointLabel, metricAxisScale, metricLabel } from '../metric-format.js';
import type { SweepMetric, SweepReport } from '../sweep-report.js';
import { errorBars, type ErrorBar } from './error-bars.js';
import { sharedAxisBounds } from './axis-bounds.js';
import { configurationAt, gridPoints, intervalToDraw, variantsOf } from './sweep-grid.js';

/** At most this many metrics side by side in one chart; more are shared out evenly over several. */
const MAX_METRICS_PER_CHART = 4;
const LABEL_FONT_PX = 11;
const MAX_LABEL_PX = 210;
const TOP_PX = 68;
/** Wide enough that one column's last tick label and the next one's first stay apart. */
const COLUMN_GAP_PX = 40;
const RIGHT_PX = 20;
/** Below the plots: tick labels and the axis names. */
const X_AXIS_PX = 50;
const BETTER_ARROW = { lower: ' ↓', higher: ' ↑', neither: '' } as const;
/** Rows (grid points) in one chart; more go into the next. */
const MAX_ROWS_PER_CHART = 24;
/** Per variant within a row, and the least a row takes. */
const SLOT_PX = 11;
const MIN_ROW_PX = 24;

function fitLabel(label: string): string {
  const maxChars = Math.floor(MAX_LABEL_PX / (LABEL_FONT_PX * 0.64));
  return label.length <= maxChars ? label : `${label.slice(0, maxChars - 1)}…`;
}

/**
 * Every variant's mean with its 95% interval, per metric, at each grid
 * point: a forest plot with one row per grid point (named once, on the
 * left), the variants stacked within it in their colours, and a column per
 * metric. Many grid points are split over several charts of at most
 * MAX_ROWS_PER_CHART rows (whole groups of the first parameter where they
 * fit), each with its axes close by; every chart gives a metric the same
 * fixed scale, so they compare.
 */
export function variantComparisonCharts(report: SweepReport, metrics: readonly SweepMetric[]): Chart[] {
  const lookup = configurationAt(report);
  const variants = variantsOf(report);
  const points = gridPoints(report);
  const rowLabels = points.map((values) => fitLabel(gridPointLabel(report.parameters, values)));
  const drawn = metrics.filter((m) => report.configurations.some((c) => (c.metrics[m.name]?.n ?? 0) > 0));
  const leftPx = Math.max(...rowLabels.map((label) => textWidthPx(label, LABEL_FONT_PX)), 40) + 16;
  const rowPx = Math.max(MIN_ROW_PX, variants.length * SLOT_PX + 8);
  const metricGroups = Math.ceil(drawn.length / MAX_METRICS_PER_CHART);
  const perChart = Math.ceil(drawn.length / Math.max(1, metricGroups));
  const columnPx = Math.floor((WIDE.widthPx - leftPx - RIGHT_PX - (perChart - 1) * COLUMN_GAP_PX) / perChart);
  const axes = new Map(drawn.map((metric) => [metric.name, metricAxis(report, metric)]));
  const rowBlocks = blocksOf(report, points.length);
  const total = metricGroups * rowBlocks.length;
  const charts: Chart[] = [];
  for (const [firstRow, endRow] of rowBlocks)
    for (let group = 0; group < metricGroups; group++) {
      const chunk = drawn.slice(group * perChart, (group + 1) * perChart);
      const rows = points.slice(firstRow, endRow);
      const plotHeightPx = rowPx * rows.length;
      const grid: object[] = [];
      const xAxis: object[] = [];
      const yAxis: object[] = [];
      const series: object[] = [];
      chunk.forEach((metric, column) => {
        const { scale, bounds } = axes.get(metric.name)!;
        const scaled = (v: number | null) => (v === null ? null : v * scale.factor);
        grid.push({
          left: leftPx + column * (columnPx + COLUMN_GAP_PX),
          top: TOP_PX,
          width: columnPx,
          height: plotHeightPx,
        });
        xAxis.push({
          ...valueAxis(`${axisName(metricLabel(metric.name), scale)}${BETTER_ARROW[metric.better ?? 'neither']}`, 'x', {
            ...bounds,
            splitNumber: 3,
            axisLabel: { fontSize: 11, color: MUTED_COLOR, fontFamily: FONT_FAMILY, hideOverlap: true },
          }),
          gridIndex: column,
        });
        yAxis.push({
          type: 'category',
          gridIndex: column,
          data: rowLabels.slice(firstRow, endRow),
          inverse: true,
          axisTick: { show: false },
          axisLine: { show: true, lineStyle: { color: '#9ca3af' } },
          splitLine: { show: true, lineStyle: { color: '#f1f5f9' } },
          axisLabel: {
            show: column === 0,
            interval: 0,
            fontSize: LABEL_FONT_PX,
            color: TEXT_COLOR,
            fontFamily: FONT_FAMILY,
          },
        });
        variants.forEach((variant, v) => {
          const bars: ErrorBar[] = rows.flatMap((values, row) => {
            const interval = intervalToDraw(lookup(variant, values), metric);
            if (!interval || interval.mean === null) return [];
            return [{ row, mean: scaled(interval.mean)!, low: scaled(interval.low), high: scaled(interval.high) }];
          });
          const name = variant ?? 'mean';
          series.push(
            errorBars(name, bars, seriesStyle(v).color, { slot: v, slots: variants.length, axisIndex: column }),
          );
        });
      });
      const part = charts.length + 1;
      const legendTopPx = TOP_PX + plotHeightPx + X_AXIS_PX;
      const { legend, heightPx } =
        report.variants.length > 0
          ? legendBlock(
              report.variants.map((name) => ({ name, icon: 'circle' })),
              WIDE.widthPx,
              legendTopPx,
            )
          : { legend: [], heightPx: 0 };
      const title = report.variants.length > 1 ? 'Variants compared' : 'Mean per configuration';
      const numbered = total > 1 ? `${title} (${part} of ${total})` : title;
      const option = {
        ...baseOption(
          numbered,
          `dot: mean of ${report.seeds.length} seeds; whiskers: its 95% interval; ↓ lower is better, ↑ higher is better`,
        ),
        grid,
        xAxis,
        yAxis,
        legend,
        series,
      } as EChartsOption;
      const id = `variants-${part}`;
      charts.push({
        id,
        title: numbered,
        svg: renderSvg(id, option, { widthPx: WIDE.widthPx, heightPx: legendTopPx + heightPx + 10 }),
      });
    }
  return charts;
}

/** A metric's axis: its unit's scale and fixed bounds over every configuration, the same in every chart. */
function metricAxis(report: SweepReport, metric: SweepMetric) {
  const intervals = report.configurations.map((c) => intervalToDraw(c, metric));
  const magnitudes = intervals.flatMap((i) => (i ? [i.mean, i.low, i.high].filter((v) => v !== null) : []));
  const scale = metricAxisScale(metric.unit, magnitudes);
  return {
    scale,
    bounds: sharedAxisBounds(
      metric.unit,
      magnitudes.map((v) => v * scale.factor),
    ),
  };
}

/**
 * The rows of each chart, as [first, end): whole groups of equal first
 * parameter (the grid's outer loop) while they fit, else plain blocks.
 */
function blocksOf(report: SweepReport, rows: number): [number, number][] {
  const group = report.parameters.slice(1).reduce((size, p) => size * p.values.length, 1);
  const size = group <= MAX_ROWS_PER_CHART ? Math.floor(MAX_ROWS_PER_CHART / group) * group : MAX_ROWS_PER_CHART;
  const blocks: [number, number][] = [];
  for (let first = 0; first < Math.max(rows, 1); first += size) blocks.push([first, Math.min(rows, first + size)]);
  return blocks;
}
