import { FONT_FAMILY, MUTED_COLOR, TEXT_COLOR, valueAxis } from '../../reports/charts/common.js';
import type { ParameterValue, SweepParameter } from '../campaign-types.js';
import { axisName, parameterAxisScale, parameterValueText, shownInterval } from '../metric-format.js';
import type { MeanInterval } from '../statistics.js';
import type { SweepConfiguration, SweepMetric, SweepReport } from '../sweep-report.js';

/** A configuration's interval for a metric as charts draw it (shares cut at 0 and 1); undefined without one. */
export function intervalToDraw(
  configuration: SweepConfiguration | undefined,
  metric: SweepMetric,
): MeanInterval | undefined {
  const interval = configuration?.metrics[metric.name];
  return interval === undefined ? undefined : shownInterval(interval, metric.unit);
}

/** The configuration of a variant at a grid point, found by value rather than by position in the plan. */
export function configurationAt(report: SweepReport) {
  const key = (variant: string | null, values: readonly ParameterValue[]) => JSON.stringify([variant, values]);
  const byPoint = new Map(report.configurations.map((c) => [key(c.variant, c.values), c]));
  return (variant: string | null, values: readonly ParameterValue[]): SweepConfiguration | undefined =>
    byPoint.get(key(variant, values));
}

/** The variants to draw: their names, or one unnamed series without variants. */
export const variantsOf = (report: SweepReport): (string | null)[] =>
  report.variants.length > 0 ? report.variants : [null];

/** The grid points in plan order (the last parameter fastest), each as its values. */
export function gridPoints(report: SweepReport): ParameterValue[][] {
  let points: ParameterValue[][] = [[]];
  for (const p of report.parameters) points = points.flatMap((point) => p.values.map((v) => [...point, v]));
  return points;
}

/**
 * A parameter as a chart's x axis: a value axis on its numeric scale when
 * every value is a number or a unit, else one category per value as
 * written. `x(k)` places the parameter's k-th value on it.
 */
export function parameterXAxis(parameter: SweepParameter) {
  const { numeric } = parameter;
  if (numeric !== null) {
    const scale = parameterAxisScale(numeric);
    return {
      axis: valueAxis(axisName(parameter.label, scale), 'x', { scale: true, axisLabel: axisLabel() }),
      x: (k: number) => numeric.values[k] * scale.factor,
    };
  }
  return {
    axis: {
      type: 'category' as const,
      name: parameter.label,
      nameLocation: 'middle' as const,
      nameGap: 30,
      nameTextStyle: { fontSize: 12, color: TEXT_COLOR, fontFamily: FONT_FAMILY },
      data: parameter.values.map(parameterValueText),
      axisTick: { alignWithLabel: true },
      axisLine: { show: true, lineStyle: { color: '#9ca3af' } },
      axisLabel: axisLabel(),
    },
    x: (k: number) => k,
  };
}

const axisLabel = () => ({ fontSize: 11, color: MUTED_COLOR, fontFamily: FONT_FAMILY, hideOverlap: true });
