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
import { percentAxisBounds } from './percent-axis.js';
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
 * metric on its own scale. It grows a row per grid point rather than
 * shrinking them, so many points stay readable.
 */
export function variantComparisonCharts(report: SweepReport, metrics: readonly SweepMetric[]): Chart[] {
  const lookup = configurationAt(report);
  const variants = variantsOf(report);
  const points = gridPoints(report);
  const rowLabels = points.map((values) => fitLabel(gridPointLabel(report.parameters, values)));
  const drawn = metrics.filter((m) => report.configurations.some((c) => (c.metrics[m.name]?.n ?? 0) > 0));
  const leftPx = Math.max(...rowLabels.map((label) => textWidthPx(label, LABEL_FONT_PX)), 40) + 16;
  const rowPx = Math.max(MIN_ROW_PX, variants.length * SLOT_PX + 8);
  const plotHeightPx = rowPx * points.length;
  const charts: Chart[] = [];
  const parts = Math.ceil(drawn.length / MAX_METRICS_PER_CHART);
  const perChart = Math.ceil(drawn.length / Math.max(1, parts));
  const columnPx = Math.floor((WIDE.widthPx - leftPx - RIGHT_PX - (perChart - 1) * COLUMN_GAP_PX) / perChart);
  for (let part = 1; part <= parts; part++) {
    const chunk = drawn.slice((part - 1) * perChart, part * perChart);
    const grid: object[] = [];
    const xAxis: object[] = [];
    const yAxis: object[] = [];
    const series: object[] = [];
    chunk.forEach((metric, column) => {
      const intervals = report.configurations.map((c) => intervalToDraw(c, metric));
      const magnitudes = intervals.flatMap((i) => (i ? [i.mean, i.low, i.high].filter((v) => v !== null) : []));
      const scale = metricAxisScale(metric.unit, magnitudes);
      const scaled = (v: number | null) => (v === null ? null : v * scale.factor);
      grid.push({
        left: leftPx + column * (columnPx + COLUMN_GAP_PX),
        top: TOP_PX,
        width: columnPx,
        height: plotHeightPx,
      });
      xAxis.push({
        ...valueAxis(`${axisName(metricLabel(metric.name), scale)}${BETTER_ARROW[metric.better ?? 'neither']}`, 'x', {
          ...(metric.unit === 'fraction'
            ? percentAxisBounds(magnitudes.map((v) => v * scale.factor))
            : { scale: true, splitNumber: 3 }),
          axisLabel: { fontSize: 11, color: MUTED_COLOR, fontFamily: FONT_FAMILY, hideOverlap: true },
        }),
        gridIndex: column,
      });
      yAxis.push({
        type: 'category',
        gridIndex: column,
        data: rowLabels,
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
        const bars: ErrorBar[] = points.flatMap((values, row) => {
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
    const numbered = parts > 1 ? `${title} (${part} of ${parts})` : title;
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
