import type { EChartsOption, LineSeriesOption } from 'echarts';
import {
  baseOption,
  FONT_FAMILY,
  legendBlock,
  seriesStyle,
  slug,
  SMALL,
  TEXT_COLOR,
  valueAxis,
  WIDE,
  type Chart,
} from '../../reports/charts/common.js';
import { renderSvg } from '../../reports/charts/render-svg.js';
import type { ParameterValue } from '../campaign-types.js';
import { axisName, gridPointLabel, metricAxisScale, metricLabel } from '../metric-format.js';
import type { SweepMetric, SweepReport } from '../sweep-report.js';
import { confidenceBand } from './confidence-band.js';
import { percentAxisBounds, sharedAxisBounds } from './axis-bounds.js';
import { configurationAt, intervalToDraw, parameterXAxis, variantsOf } from './sweep-grid.js';

const SINGLE_PLOT = { widthPx: SMALL.widthPx, plotHeightPx: 210 };
const PANEL_PLOT_PX = 190;
const MAX_PANEL_COLUMNS = 3;
const LEFT_PX = 72;
const RIGHT_PX = 24;
const TOP_PX = 68;
const PANEL_TITLE_PX = 24;
const PANEL_GAP_PX = 28;
/** Below a plot: tick labels and the axis name. */
const X_AXIS_PX = 50;

interface Line {
  name: string;
  /** The values of the parameters after the first, which stay fixed along the line. */
  rest: ParameterValue[];
}

/**
 * A metric against the first parameter: the mean over seeds as a line, the
 * 95% interval as a band in the line's colour. One line per variant on a
 * one-parameter grid; on a larger grid one line per combination of the
 * other parameters, in a panel per variant (same colours in each), so the
 * lines of one panel stay few enough to tell apart.
 */
export function metricVsParameterChart(report: SweepReport, metric: SweepMetric): Chart | null {
  const [parameter, ...others] = report.parameters;
  if (parameter === undefined) return null;
  const lookup = configurationAt(report);
  const variants = variantsOf(report);
  const lines = linesOf(report, metric);
  const panels = others.length > 0 && report.variants.length > 1 ? variants.map((v) => [v]) : [variants];
  const { axis: xAxisBase, x } = parameterXAxis(parameter);

  const intervals = report.configurations.map((c) => intervalToDraw(c, metric));
  const magnitudes = intervals.flatMap((i) => (i ? [i.mean, i.low, i.high].filter((v) => v !== null) : []));
  if (magnitudes.length === 0) return null;
  const scale = metricAxisScale(metric.unit, magnitudes);
  const scaled = (value: number | null) => (value === null ? null : value * scale.factor);
  const yBounds = yAxisBounds(
    metric,
    magnitudes.map((v) => v * scale.factor),
    panels.length > 1,
  );

  const columns = Math.min(panels.length, MAX_PANEL_COLUMNS);
  const widthPx = panels.length === 1 ? SINGLE_PLOT.widthPx : WIDE.widthPx;
  const plotWidthPx = Math.floor((widthPx - columns * (LEFT_PX + RIGHT_PX) - (columns - 1) * PANEL_GAP_PX) / columns);
  const plotHeightPx = panels.length === 1 ? SINGLE_PLOT.plotHeightPx : PANEL_PLOT_PX;
  const titlePx = panels.length === 1 ? 0 : PANEL_TITLE_PX;
  const rowPx = titlePx + plotHeightPx + X_AXIS_PX;
  const rows = Math.ceil(panels.length / columns);

  const label = metricLabel(metric.name);
  const title = `${label} vs ${parameter.label}`;
  const seeds = report.seeds.length;
  const anyInterval = intervals.some((i) => i !== undefined && i.low !== null);
  const base = baseOption(
    title,
    `mean of ${seeds} seed${seeds === 1 ? '' : 's'}${anyInterval ? ', shaded: 95% interval' : ' (too few for an interval)'}${
      metric.better ? ` · ${metric.better} is better` : ''
    }`,
  );
  const titles: object[] = [base.title as object];
  const grid: object[] = [];
  const xAxis: object[] = [];
  const yAxis: object[] = [];
  const series: object[] = [];
  panels.forEach((panelVariants, p) => {
    const left = LEFT_PX + (p % columns) * (LEFT_PX + plotWidthPx + RIGHT_PX + PANEL_GAP_PX);
    const top = TOP_PX + Math.floor(p / columns) * rowPx + titlePx;
    grid.push({ left, top, width: plotWidthPx, height: plotHeightPx });
    if (panels.length > 1)
      titles.push({
        text: panelVariants[0] ?? '',
        left,
        top: top - titlePx + 2,
        textStyle: { fontSize: 13, fontWeight: 600, color: TEXT_COLOR, fontFamily: FONT_FAMILY },
      });
    xAxis.push({ ...xAxisBase, gridIndex: p });
    yAxis.push({ ...valueAxis(axisName(label, scale), 'y', yBounds), gridIndex: p });
    lines.forEach((line, l) => {
      // A line is a variant on a one-parameter grid; on a larger grid, it belongs to its panel's variant.
      const variant = others.length === 0 ? variants[l] : panelVariants[0];
      const rest = line.rest;
      const points = parameter.values.map((value, k) => {
        const interval = intervalToDraw(lookup(variant, [value, ...rest]), metric);
        return {
          x: x(k),
          mean: scaled(interval?.mean ?? null),
          low: scaled(interval?.low ?? null),
          high: scaled(interval?.high ?? null),
        };
      });
      if (points.every((point) => point.mean === null)) return;
      const { color, dashed } = seriesStyle(l);
      const mean: LineSeriesOption = {
        type: 'line',
        name: line.name,
        xAxisIndex: p,
        yAxisIndex: p,
        data: points.map((point) => [point.x, point.mean]),
        color,
        // Each line lies under the ones before it and is wider, so lines that coincide show as stripes, none hidden.
        z: 3 + lines.length - l,
        clip: false,
        symbol: 'circle',
        symbolSize: 6 + STRIPE_PX * Math.min(l, MAX_STRIPES),
        lineStyle: { width: 2 + STRIPE_PX * Math.min(l, MAX_STRIPES), ...(dashed ? { type: 'dashed' as const } : {}) },
      };
      const band = confidenceBand(line.name, points, color);
      series.push(mean, { ...band, xAxisIndex: p, yAxisIndex: p });
    });
  });
  const legendTopPx = TOP_PX + rows * rowPx + 2;
  const showLegend = lines.length > 1 || report.variants.length === 1;
  const { legend, heightPx } = showLegend
    ? legendBlock(
        lines.map((line) => ({ name: line.name })),
        widthPx,
        legendTopPx,
      )
    : { legend: [], heightPx: 0 };
  const option = { ...base, title: titles, grid, xAxis, yAxis, legend, series } as EChartsOption;
  const id = `metric-${slug(metric.name)}`;
  return { id, title, svg: renderSvg(id, option, { widthPx, heightPx: legendTopPx + heightPx + 10 }) };
}

/** How much wider each line is than the one drawn over it, up to MAX_STRIPES lines deep. */
const STRIPE_PX = 3;
const MAX_STRIPES = 2;

/**
 * The value axis: percentages within 0–100; panels (one per variant) on
 * one scale from zero, so their heights compare; a single plot fitted to its
 * lines.
 */
function yAxisBounds(metric: SweepMetric, values: readonly number[], shared: boolean): Record<string, unknown> {
  if (metric.unit === 'fraction') return percentAxisBounds(values);
  return shared ? sharedAxisBounds(metric.unit, values) : { scale: true };
}

/**
 * The lines a chart draws, in colour order: the variants on a
 * one-parameter grid (or one line without variants); on a larger grid every
 * combination of the other parameters, the same in every variant's panel.
 */
function linesOf(report: SweepReport, metric: SweepMetric): Line[] {
  const others = report.parameters.slice(1);
  if (others.length === 0)
    return variantsOf(report).map((variant) => ({ name: variant ?? metricLabel(metric.name), rest: [] }));
  let combinations: ParameterValue[][] = [[]];
  for (const p of others) combinations = combinations.flatMap((c) => p.values.map((v) => [...c, v]));
  return combinations.map((rest) => ({ name: gridPointLabel(others, rest), rest }));
}
