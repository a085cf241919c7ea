import type { CustomSeriesOption, CustomSeriesRenderItem } from 'echarts';

/** A mean with its interval, in axis units, on the category row `row`. */
export interface ErrorBar {
  row: number;
  mean: number;
  low: number | null;
  high: number | null;
}

const CAP_HALF_PX = 4;
const DOT_RADIUS_PX = 3.5;

/**
 * Horizontal error bars on a category y axis: a dot at the mean and a
 * whisker with caps across the interval (none with one seed). `slot` of
 * `slots` places the bar within its row, so several series (variants) stand
 * one above the other instead of over each other.
 */
export function errorBars(
  name: string,
  bars: readonly ErrorBar[],
  color: string,
  placement: { slot: number; slots: number; axisIndex: number },
): CustomSeriesOption {
  const renderItem: CustomSeriesRenderItem = (params, api) => {
    const bar = bars[params.dataIndex];
    const rowHeightPx = (api.size?.([0, 1]) as number[])[1];
    const offsetPx = ((placement.slot + 0.5) / placement.slots - 0.5) * rowHeightPx * 0.8;
    const [xMean, yRow] = api.coord([bar.mean, bar.row]);
    const y = yRow + offsetPx;
    const children: object[] = [];
    if (bar.low !== null && bar.high !== null) {
      const [xLow] = api.coord([bar.low, bar.row]);
      const [xHigh] = api.coord([bar.high, bar.row]);
      const stroke = { stroke: color, lineWidth: 1.5 };
      children.push(
        { type: 'line', shape: { x1: xLow, y1: y, x2: xHigh, y2: y }, style: stroke },
        { type: 'line', shape: { x1: xLow, y1: y - CAP_HALF_PX, x2: xLow, y2: y + CAP_HALF_PX }, style: stroke },
        { type: 'line', shape: { x1: xHigh, y1: y - CAP_HALF_PX, x2: xHigh, y2: y + CAP_HALF_PX }, style: stroke },
      );
    }
    children.push({ type: 'circle', shape: { cx: xMean, cy: y, r: DOT_RADIUS_PX }, style: { fill: color } });
    return { type: 'group', children } as ReturnType<CustomSeriesRenderItem>;
  };
  return {
    type: 'custom',
    name,
    color,
    xAxisIndex: placement.axisIndex,
    yAxisIndex: placement.axisIndex,
    // The whiskers' ends count towards the value axis's extent, so they are never cut off.
    encode: { x: [1, 2, 3], y: 0 },
    data: bars.map((b) => [b.row, b.mean, b.low ?? b.mean, b.high ?? b.mean]),
    renderItem,
  };
}
