import type { BarSeriesOption } from 'echarts';
import { formatValue } from '../format.js';
import type { ComparisonRow, Report } from '../report-types.js';
import { baseOption, slug, SMALL, TEXT_COLOR, usToMs, valueAxis, type Chart } from './common.js';
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

/**
 * One small bar chart per headline metric, one bar per variant. Each metric
 * gets its own scale: within one unit magnitudes still differ by orders
 * (p50 against p99.9, requests against errors), and a shared axis would
 * flatten the differences between variants, which are the point.
 */
export function comparisonCharts(report: Report): Chart[] {
  const comparison = report.comparison;
  if (!comparison || comparison.variants.length === 0) return [];
  const usedIds = new Set<string>();
  const charts: Chart[] = [];
  for (const row of comparison.rows) {
    if (!row.values.some((value) => Number.isFinite(value))) continue;
    let id = `comparison-${slug(row.key)}`;
    for (let n = 2; usedIds.has(id); n++) id = `comparison-${slug(row.key)}-${n}`;
    usedIds.add(id);
    const title = `Variants: ${row.label}`;
    // One series per variant, each with a bar only in its own category and
    // overlapping the others' empty slots, so bars stay centred and the legend names variants.
    const series: BarSeriesOption[] = comparison.variants.map((variant, i) => ({
      type: 'bar',
      name: variant,
      barGap: '-100%',
      barWidth: '55%',
      data: comparison.variants.map((_, j) =>
        j === i && Number.isFinite(row.values[i]) ? toAxisValue(row.values[i], row.unit) : null,
      ),
      label: {
        show: true,
        position: 'top',
        fontSize: 11,
        color: TEXT_COLOR,
        formatter: () => formatValue(row.values[i], row.unit),
      },
    }));
    const option = {
      ...baseOption(title, row.higherIsBetter ? 'higher is better' : 'lower is better'),
      grid: { left: 76, right: 20, top: 72, bottom: 86 },
      xAxis: {
        ...valueAxis('variant', 'x'),
        type: 'category' as const,
        data: comparison.variants,
        splitLine: { show: false },
      },
      yAxis: valueAxis(`${row.label} (${AXIS_UNIT[row.unit]})`, 'y', {
        min: 0,
        ...(row.unit === 'fraction' ? { max: 100 } : {}),
      }),
      series,
    };
    charts.push({ id, title, svg: renderSvg(id, option, SMALL) });
  }
  return charts;
}
