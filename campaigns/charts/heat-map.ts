import type { EChartsOption } from 'echarts';
import {
  baseOption,
  FONT_FAMILY,
  MUTED_COLOR,
  slug,
  SMALL,
  TEXT_COLOR,
  textWidthPx,
  WIDE,
  type Chart,
} from '../../reports/charts/common.js';
import { renderSvg } from '../../reports/charts/render-svg.js';
import { MISSING } from '../../reports/format.js';
import { formatMetric, metricLabel, parameterValueText } from '../metric-format.js';
import type { SweepMetric, SweepReport } from '../sweep-report.js';
import { configurationAt, variantsOf } from './sweep-grid.js';

/** Light to dark (ColorBrewer OrRd): darker is worse, or higher when neither is better. */
const RAMP = ['#fff7ec', '#fee8c8', '#fdd49e', '#fdbb84', '#fc8d59', '#ef6548', '#d7301f', '#990000'];
/** From this far along the ramp the cell is dark enough for white text. */
const DARK_FROM = 0.6;
const CELL_FONT_PX = 11;
const CELL_HEIGHT_PX = 30;
const MIN_CELL_WIDTH_PX = 58;
const TOP_PX = 66;
const BOTTOM_PX = 92;
const RIGHT_PX = 16;
const NO_DATA_COLOR = '#f1f5f9';

/**
 * A two-parameter grid as a heat map of one metric's mean per cell, the
 * first parameter across and the second up, each cell labelled with its
 * value; one map per variant, all on one colour scale so they compare.
 */
export function heatMapCharts(report: SweepReport, metric: SweepMetric): Chart[] {
  if (report.parameters.length !== 2) return [];
  const [across, up] = report.parameters;
  const lookup = configurationAt(report);
  const meanAt = (variant: string | null, i: number, j: number) =>
    lookup(variant, [across.values[i], up.values[j]])?.metrics[metric.name]?.mean ?? null;
  const variants = variantsOf(report);
  const means = variants.flatMap((v) =>
    across.values.flatMap((_, i) => up.values.map((_, j) => meanAt(v, i, j))).filter((m) => m !== null),
  );
  if (means.length === 0) return [];
  const min = Math.min(...means);
  const max = Math.max(...means);
  const darkness = (value: number) => {
    const t = max === min ? 0 : (value - min) / (max - min);
    return metric.better === 'higher' ? 1 - t : t;
  };
  const colors = metric.better === 'higher' ? [...RAMP].reverse() : RAMP;
  const label = metricLabel(metric.name);
  const xLabels = across.values.map(parameterValueText);
  const yLabels = up.values.map(parameterValueText);
  const cellText = (value: number | null) => formatMetric(value, metric.unit);
  const widestCellPx = Math.max(
    ...variants
      .flatMap((v) => across.values.flatMap((_, i) => up.values.map((_, j) => cellText(meanAt(v, i, j)))))
      .map((text) => textWidthPx(text, CELL_FONT_PX) + 10),
    ...xLabels.map((text) => textWidthPx(text, 11) + 8),
    MIN_CELL_WIDTH_PX,
  );
  const leftPx = Math.max(...yLabels.map((text) => textWidthPx(text, 11)), 24) + 44;
  const narrow = leftPx + widestCellPx * across.values.length + RIGHT_PX <= SMALL.widthPx;
  const widthPx = narrow ? SMALL.widthPx : WIDE.widthPx;
  const plotWidthPx = widthPx - leftPx - RIGHT_PX;
  const plotHeightPx = CELL_HEIGHT_PX * up.values.length;
  const axisText = { fontSize: 11, color: MUTED_COLOR, fontFamily: FONT_FAMILY };
  const axisName = { fontSize: 12, color: TEXT_COLOR, fontFamily: FONT_FAMILY };

  const usedIds = new Set<string>();
  return variants.map((variant) => {
    const title = variant === null ? `${label}: ${across.label} × ${up.label}` : `${label}: ${variant}`;
    const cells = across.values.flatMap((_, i) => up.values.map((_, j) => ({ i, j, mean: meanAt(variant, i, j) })));
    const cellLabel = (text: string, color: string) => ({
      show: true,
      formatter: text,
      fontSize: CELL_FONT_PX,
      fontFamily: FONT_FAMILY,
      color,
    });
    const data = cells.flatMap(({ i, j, mean }) =>
      mean === null
        ? []
        : [
            {
              value: [i, j, mean],
              label: cellLabel(cellText(mean), darkness(mean) >= DARK_FROM ? '#ffffff' : TEXT_COLOR),
            },
          ],
    );
    // Cells without data, grey and outside the colour scale, in a series of their own.
    const missing = cells
      .filter(({ mean }) => mean === null)
      .map(({ i, j }) => ({ value: [i, j, 0], label: cellLabel(MISSING, MUTED_COLOR) }));
    const option = {
      ...baseOption(
        title,
        `mean over seeds; ${metric.better === null ? 'darker is higher' : 'darker is worse'}${
          means.length < variants.length * across.values.length * up.values.length ? '; — no data' : ''
        }`,
      ),
      grid: { left: leftPx, top: TOP_PX, width: plotWidthPx, height: plotHeightPx },
      xAxis: {
        type: 'category' as const,
        data: xLabels,
        name: across.label,
        nameLocation: 'middle' as const,
        nameGap: 28,
        nameTextStyle: axisName,
        axisLabel: { ...axisText, interval: 0, hideOverlap: true },
        splitArea: { show: false },
      },
      yAxis: {
        type: 'category' as const,
        data: yLabels,
        name: up.label,
        nameLocation: 'middle' as const,
        nameGap: leftPx - 24,
        nameTextStyle: axisName,
        axisLabel: { ...axisText, interval: 0 },
      },
      visualMap: [
        {
          type: 'continuous' as const,
          min,
          max: max === min ? min + 1 : max,
          calculable: false,
          orient: 'horizontal' as const,
          left: 'center',
          top: TOP_PX + plotHeightPx + 44,
          itemWidth: 12,
          itemHeight: Math.min(220, plotWidthPx - 120),
          text: [formatMetric(max, metric.unit), formatMetric(min, metric.unit)],
          textGap: 8,
          textStyle: { fontSize: 11, color: TEXT_COLOR, fontFamily: FONT_FAMILY },
          inRange: { color: colors },
          seriesIndex: 0,
        },
        // echarts colours every heat map through a visual map: the cells without data get one of a single grey.
        {
          type: 'continuous' as const,
          show: false,
          min: 0,
          max: 1,
          inRange: { color: [NO_DATA_COLOR] },
          seriesIndex: 1,
        },
      ],
      series: [
        {
          type: 'heatmap' as const,
          data,
          itemStyle: { borderColor: '#ffffff', borderWidth: 1 },
          emphasis: { disabled: true },
        },
        {
          type: 'heatmap' as const,
          data: missing,
          itemStyle: { borderColor: '#ffffff', borderWidth: 1 },
          emphasis: { disabled: true },
        },
      ],
    } as EChartsOption;
    const stem = `heat-map-${slug(metric.name)}${variant === null ? '' : `-${slug(variant)}`}`;
    let id = stem;
    for (let n = 2; usedIds.has(id); n++) id = `${stem}-${n}`;
    usedIds.add(id);
    return { id, title, svg: renderSvg(id, option, { widthPx, heightPx: TOP_PX + plotHeightPx + BOTTOM_PX }) };
  });
}
