import { baseOption, legendBlock, timeChart, valueAxis, verticalMarker, WIDE, windowLine } from './common.js';
import { renderSvg } from './render-svg.js';

const POINTS: [number, number][] = [0, 1, 2, 3, 4, 5, 6, 7].map((x) => [x, 2 * x + 1]);

/**
 * Renders two small charts built as the report's are (a time chart with a fault shaded, a CDF on a log axis with a
 * marker) and throws them away. V8 compiles echarts' layout and SVG code, and these helpers, the first time they
 * run: about 40 ms of a report's first render, which a worker can spend while the simulation runs. The report's own
 * charts are unaffected: `renderSvg` renumbers the ids that differ from one render to the next.
 */
export function warmUpCharts(): void {
  timeChart({
    id: 'warm-up-time',
    title: 'warm-up',
    durationUs: 8_000_000,
    yAxes: [valueAxis('value', 'y')],
    panels: [
      { series: [windowLine('a', POINTS)], intervals: [{ kind: 'crash', startUs: 2e6, endUs: 4e6, label: 'a' }] },
    ],
  });
  const series = [windowLine('b', POINTS), verticalMarker('p50', 3, '#6b7280', 'dotted')];
  const { legend, heightPx } = legendBlock([{ name: 'b' }, { name: 'p50' }], WIDE.widthPx, 300);
  renderSvg(
    'warm-up-cdf',
    {
      ...baseOption('warm-up'),
      grid: { left: 76, right: 28, top: 52, height: 240 },
      legend,
      xAxis: valueAxis('x', 'x', { type: 'log' }),
      yAxis: valueAxis('y', 'y', { min: 0, max: 100 }),
      series,
    },
    { widthPx: WIDE.widthPx, heightPx: 312 + heightPx },
  );
}
