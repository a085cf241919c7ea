import type { LineSeriesOption } from 'echarts';
import type { FeedGraphReport, Report } from '../report-types.js';
import { exponentText, fittedComplementaryCdf } from '../feed/power-law-fit.js';
import { baseOption, legendBlock, runsOf, seriesStyle, slug, valueAxis, WIDE, type Chart } from './common.js';
import { decadeAbove, decadeBelow, logAxisLabel } from './feed-log-axis.js';
import { renderSvg } from './render-svg.js';

/** Chart ids of the feed section start with this, so the HTML report can place them there. */
export const FEED_CHART_PREFIX = 'feed-';

/** The degree-distribution chart's id for a feed-service component. */
export const degreeDistributionChartId = (component: string) =>
  `${FEED_CHART_PREFIX}degree-distribution-${slug(component)}`;

const PLOT_TOP_PX = 72;
const PLOT_HEIGHT_PX = 260;
const FIT_COLOR = '#b45309';
const REQUESTED_COLOR = '#6b7280';

/**
 * Per feed service, its follower graph's in-degree on log-log axes: the
 * share of users with at least k followers against k (the complementary
 * CDF, log-binned), with the power law fitted above x_min drawn over it
 * (dashed) and, for a generated graph, the exponent it was asked for
 * (dotted), both from the tail's share at x_min. A power law with P(k) ∝ k^−α is a
 * straight line of slope −(α − 1) here. Variants on the same graph (the
 * usual case: they vary the strategy, not the graph) share one series, and
 * the subtitle says so; graphs that differ get one series each.
 */
export function degreeDistributionCharts(report: Report): Chart[] {
  const components: string[] = [];
  for (const run of runsOf(report))
    for (const service of run.feed?.services ?? [])
      if (!components.includes(service.component) && service.graph.followersCcdf.length > 0)
        components.push(service.component);
  return components.map((component) => degreeChart(report, component));
}

function degreeChart(report: Report, component: string): Chart {
  const graphs: { names: string[]; graph: FeedGraphReport; run: number }[] = [];
  runsOf(report).forEach((run, i) => {
    const graph = run.feed?.services.find((s) => s.component === component)?.graph;
    if (graph === undefined) return;
    const same = graphs.find((g) => JSON.stringify(g.graph) === JSON.stringify(graph));
    if (same === undefined) graphs.push({ names: [run.name], graph, run: i });
    else same.names.push(run.name);
  });
  const multi = graphs.length > 1;
  const runCount = runsOf(report).length;
  const series: LineSeriesOption[] = [];
  for (const { names, graph, run } of graphs) {
    const style = multi ? seriesStyle(run) : seriesStyle(0);
    series.push({
      type: 'line',
      name: multi ? names.join(' = ') : 'users with at least k followers',
      data: graph.followersCcdf.map(([k, share]) => [k, share]),
      color: style.color,
      symbol: 'circle',
      symbolSize: 5,
      lineStyle: { width: 1.5, ...(style.dashed ? { type: 'dashed' as const } : {}) },
    });
    const fit = graph.fit;
    if (fit === null) continue;
    const of = multi ? ` (${names.join(' = ')})` : '';
    // The discrete law's P(K ≥ k) at the data's points from x_min on and at the largest count: a curve near x_min, a line further out.
    const ks = [fit.xMin, ...graph.followersCcdf.map(([k]) => k).filter((k) => k > fit.xMin)];
    if (ks.at(-1)! < graph.maxFollowers) ks.push(graph.maxFollowers);
    const line = (exponent: number) => ks.map((k) => [k, fittedComplementaryCdf({ ...fit, exponent }, k)]);
    series.push({
      type: 'line',
      name: `fit: α = ${exponentText(fit)} above ${fit.xMin} followers${of}`,
      data: line(fit.exponent),
      color: multi ? style.color : FIT_COLOR,
      symbol: 'none',
      lineStyle: { width: 2, type: 'dashed' },
    });
    if (graph.requestedExponent !== null)
      series.push({
        type: 'line',
        name: `requested α = ${graph.requestedExponent}${of}`,
        data: line(graph.requestedExponent),
        color: multi ? style.color : REQUESTED_COLOR,
        symbol: 'none',
        lineStyle: { width: 1.5, type: 'dotted' },
      });
  }
  const title = `Follower counts: ${component}`;
  const subtitle = [
    'share of users with at least k followers, log-log; a power law is a straight line of slope −(α − 1)',
    ...(runCount > 1 && !multi ? ['one graph: every variant runs on the same one'] : []),
  ].join('; ');
  const legendTopPx = PLOT_TOP_PX + PLOT_HEIGHT_PX + 56;
  const { legend, heightPx } = legendBlock(
    series.map((s) => ({ name: String(s.name) })),
    WIDE.widthPx,
    legendTopPx,
  );
  const option = {
    ...baseOption(title, subtitle),
    grid: { left: 76, right: 28, top: PLOT_TOP_PX, height: PLOT_HEIGHT_PX },
    legend,
    xAxis: valueAxis('followers k (log scale)', 'x', {
      type: 'log',
      min: 1,
      max: decadeAbove(graphs.reduce((most, g) => Math.max(most, g.graph.maxFollowers), 10)),
      axisLabel: logAxisLabel,
    }),
    yAxis: valueAxis('share of users (log scale)', 'y', {
      type: 'log',
      min: decadeBelow(lowestShare(series)),
      max: 1,
      axisLabel: logAxisLabel,
    }),
    series,
  };
  const id = degreeDistributionChartId(component);
  return {
    id,
    title,
    svg: renderSvg(id, option, { widthPx: WIDE.widthPx, heightPx: legendTopPx + heightPx + 12 }),
  };
}

/** The smallest positive share any series draws, so the axis ends at the decade below it. */
function lowestShare(series: LineSeriesOption[]): number {
  let lowest = 1;
  for (const s of series)
    for (const point of s.data as [number, number][]) if (point[1] > 0 && point[1] < lowest) lowest = point[1];
  return lowest;
}
