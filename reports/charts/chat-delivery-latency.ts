import type { LineSeriesOption } from 'echarts';
import { formatDurationUs } from '../format.js';
import type { LatencySummary, Report } from '../report-types.js';
import {
  baseOption,
  hasVariants,
  latencyCdfPoints,
  legendBlock,
  runsOf,
  seriesStyle,
  usToMs,
  valueAxis,
  verticalMarker,
  WIDE,
  windowLine,
  type Chart,
} from './common.js';
import { CHAT_CHART_PREFIX } from './chat-connected-devices.js';
import { renderSvg } from './render-svg.js';

export const CHAT_DELIVERY_LATENCY_CHART_ID = `${CHAT_CHART_PREFIX}delivery-latency`;

const TARGET_COLOR = '#b45309';
const PLOT_TOP_PX = 72;
const PLOT_HEIGHT_PX = 240;

/** Runs whose delivery percentiles all lie within this share of each other draw one line, named after all of them. */
const SAME_CURVE_SHARE = 0.03;

/**
 * The share of deliveries (send → hand-over at each recipient device)
 * at or under each latency, on a log latency axis, one line per variant,
 * with the guide's 100 ms target marked: where each curve crosses the marker
 * is its share within the target. Variants whose curves would lie on each
 * other (p50, p90, p99 and p99.9 within 3%) share one line, "a = b", and
 * one that runs along an earlier line for part of its course (two of the
 * four) is dashed, so no line hides another.
 */
export function chatDeliveryLatencyChart(report: Report): Chart | null {
  const runs = runsOf(report);
  const lines: { names: string[]; run: number }[] = [];
  runs.forEach((run, i) => {
    const chat = run.chat;
    if (chat === undefined || chat.delivery.latency.count === 0) return;
    const line = lines.find((l) => closePercentiles(runs[l.run].chat!.delivery.latency, chat.delivery.latency) === 4);
    if (line === undefined) lines.push({ names: [run.name], run: i });
    else line.names.push(run.name);
  });
  if (lines.length === 0) return null;
  const single = !hasVariants(report);
  const targetUs = runs[lines[0].run].chat!.delivery.targetUs;
  const target = `target ${formatDurationUs(targetUs)}`;
  const latency = (line: { run: number }) => runs[line.run].chat!.delivery.latency;
  const series: LineSeriesOption[] = lines.map((line, i) => {
    const style = seriesStyle(line.run);
    // A curve that runs along an earlier one for half its percentiles is dashed, so the one below shows through.
    const overlaps = lines.slice(0, i).some((earlier) => closePercentiles(latency(earlier), latency(line)) >= 2);
    return windowLine(
      single ? 'deliveries' : line.names.join(' = '),
      latencyCdfPoints(runs[line.run].chat!.delivery.cdf),
      { ...style, dashed: style.dashed || overlaps },
    );
  });
  series.push(verticalMarker(target, usToMs(targetUs), TARGET_COLOR, 'dashed'));
  const legendTopPx = PLOT_TOP_PX + PLOT_HEIGHT_PX + 56;
  const { legend, heightPx } = legendBlock(
    series.map((s) => ({ name: String(s.name) })),
    WIDE.widthPx,
    legendTopPx,
  );
  const title = 'Message delivery latency';
  const option = {
    ...baseOption(
      title,
      `send → hand-over at each recipient device${single ? '' : '; variants with matching curves share one'}`,
    ),
    grid: { left: 76, right: 28, top: PLOT_TOP_PX, height: PLOT_HEIGHT_PX },
    legend,
    xAxis: valueAxis('delivery latency (ms, log scale)', 'x', { type: 'log' }),
    yAxis: valueAxis('deliveries at or under latency (%)', 'y', { min: 0, max: 100 }),
    series,
  };
  return {
    id: CHAT_DELIVERY_LATENCY_CHART_ID,
    title,
    svg: renderSvg(CHAT_DELIVERY_LATENCY_CHART_ID, option, {
      widthPx: WIDE.widthPx,
      heightPx: legendTopPx + heightPx + 12,
    }),
  };
}

/** How many of p50, p90, p99 and p99.9 lie within SAME_CURVE_SHARE of each other: 4, one curve to the eye. */
function closePercentiles(a: LatencySummary, b: LatencySummary): number {
  const close = (x: number, y: number) => Math.abs(x - y) <= SAME_CURVE_SHARE * Math.max(x, y);
  return [close(a.p50Us, b.p50Us), close(a.p90Us, b.p90Us), close(a.p99Us, b.p99Us), close(a.p999Us, b.p999Us)].filter(
    Boolean,
  ).length;
}
