import type { CustomSeriesOption, CustomSeriesRenderItem } from 'echarts';
import { translucent } from './chart-colors.js';

/** One point of a line with its interval, in axis units; x is the category index on a category axis. */
export interface BandPoint {
  x: number;
  low: number | null;
  high: number | null;
}

const CAP_HALF_PX = 4;

/**
 * The shaded confidence band behind a line: one polygon per run of
 * consecutive points that have an interval, and a whisker for a point whose
 * neighbours have none (a band needs two points to have a width). Points
 * without an interval (one seed) leave a gap.
 */
export function confidenceBand(name: string, points: readonly BandPoint[], color: string): CustomSeriesOption {
  const hasInterval = (i: number) => i >= 0 && i < points.length && points[i].low !== null && points[i].high !== null;
  const renderItem: CustomSeriesRenderItem = (params, api) => {
    const start = params.dataIndex;
    if (!hasInterval(start) || hasInterval(start - 1)) return null;
    let end = start;
    while (hasInterval(end + 1)) end++;
    const run = points.slice(start, end + 1);
    const lows = run.map((p) => api.coord([p.x, p.low]));
    const highs = run.map((p) => api.coord([p.x, p.high]));
    if (run.length === 1) {
      const [[x, yLow], [, yHigh]] = [lows[0], highs[0]];
      const line = (x1: number, y1: number, x2: number, y2: number) => ({
        type: 'line' as const,
        shape: { x1, y1, x2, y2 },
        style: { stroke: color, lineWidth: 1.5, opacity: 0.6 },
      });
      return {
        type: 'group',
        children: [
          line(x, yLow, x, yHigh),
          line(x - CAP_HALF_PX, yLow, x + CAP_HALF_PX, yLow),
          line(x - CAP_HALF_PX, yHigh, x + CAP_HALF_PX, yHigh),
        ],
      };
    }
    return {
      type: 'polygon',
      shape: { points: [...lows, ...highs.reverse()] },
      style: { fill: translucent(color, 0.16), stroke: translucent(color, 0.35), lineWidth: 1 },
    };
  };
  return {
    type: 'custom',
    name,
    silent: true,
    z: 1,
    // The band's ends count towards the value axis's extent, so it is never cut off.
    encode: { x: 0, y: [1, 2] },
    data: points.map((p) => [p.x, p.low ?? p.high ?? null, p.high ?? p.low ?? null]),
    renderItem,
  };
}
