import type { BarSeriesOption } from 'echarts';
import { formatValue } from '../format.js';
import type { ComparisonRow, Report } from '../report-types.js';
import {
  baseOption,
  seriesStyle,
  slug,
  SMALL,
  TEXT_COLOR,
  textWidthPx,
  usToMs,
  valueAxis,
  type Chart,
} from './common.js';
import { renderSvg } from './render-svg.js';

const AXIS_UNIT: Record<ComparisonRow['unit'], string> = {
  us: 'ms',
  fraction: '%',
  perSec: 'requests/s',
  count: 'count',
};

function toAxisValue(value: number, unit: ComparisonRow['unit']): number {
  if (unit === 'us') return usToMs(value);
  if (unit === 'fraction') return value * 100;
  return value;
}

const LABEL_FONT_PX = 11;
const ROW_PX = 26;
const TOP_PX = 72;
const BOTTOM_PX = 56;
/** Variant names longer than this share of the width are shortened (the tables give them whole). */
const MAX_NAME_PX = 190;

function fitName(name: string): string {
  const maxChars = Math.floor(MAX_NAME_PX / (LABEL_FONT_PX * 0.64));
  return name.length <= maxChars ? name : `${name.slice(0, maxChars - 1)}…`;
}

/**
 * One small bar chart per headline metric, one horizontal bar per variant,
 * named beside it and coloured as in the charts over time, its value at its
 * end: a row each, so names and values never run into each other however
 * many variants there are (the chart grows instead). Each metric gets its own
 * scale: within one unit magnitudes still differ by orders (p50 against
 * p99.9, requests against errors), and a shared axis would flatten the
 * differences between variants, which are the point.
 */
export function comparisonCharts(report: Report): Chart[] {
  const comparison = report.comparison;
  if (!comparison || comparison.variants.length === 0) return [];
  const names = comparison.variants.map(fitName);
  const leftPx = names.reduce((widest, name) => Math.max(widest, textWidthPx(name, LABEL_FONT_PX)), -Infinity) + 20;
  const usedIds = new Set<string>();
  const charts: Chart[] = [];
  for (const row of comparison.rows) {
    if (!row.values.some((value) => Number.isFinite(value))) continue;
    let id = `comparison-${slug(row.key)}`;
    for (let n = 2; usedIds.has(id); n++) id = `comparison-${slug(row.key)}-${n}`;
    usedIds.add(id);
    const title = `Variants: ${row.label}`;
    const labels = row.values.map((value) => formatValue(value, row.unit));
    const rightPx =
      labels.reduce((widest, label) => Math.max(widest, textWidthPx(label, LABEL_FONT_PX)), -Infinity) + 20;
    const series: BarSeriesOption = {
      type: 'bar',
      barWidth: 14,
      data: row.values.map((value, i) => ({
        value: Number.isFinite(value) ? toAxisValue(value, row.unit) : null,
        itemStyle: { color: seriesStyle(i).color },
      })),
      label: {
        show: true,
        position: 'right',
        fontSize: LABEL_FONT_PX,
        color: TEXT_COLOR,
        formatter: (params: { dataIndex: number }) => labels[params.dataIndex],
      },
    };
    const option = {
      ...baseOption(title, row.higherIsBetter ? 'higher is better' : 'lower is better'),
      grid: { left: leftPx, right: rightPx, top: TOP_PX, height: names.length * ROW_PX },
      yAxis: {
        type: 'category' as const,
        data: names,
        inverse: true,
        axisTick: { show: false },
        axisLine: { show: true, lineStyle: { color: '#9ca3af' } },
        axisLabel: { interval: 0, fontSize: LABEL_FONT_PX, color: TEXT_COLOR },
      },
      xAxis: valueAxis(`${row.label} (${AXIS_UNIT[row.unit]})`, 'x', {
        min: 0,
        splitNumber: 3,
        // Quarters, so the last tick is 100 and no tick label crowds it.
        ...(row.unit === 'fraction' ? { max: 100, interval: 25 } : {}),
      }),
      series: [series],
    };
    charts.push({
      id,
      title,
      svg: renderSvg(id, option, { widthPx: SMALL.widthPx, heightPx: TOP_PX + names.length * ROW_PX + BOTTOM_PX }),
    });
  }
  return charts;
}
