import type { EChartsOption } from 'echarts';
import { createRequire } from 'node:module';

// echarts' single-file CommonJS build: its ES module entry is some 600 files, which take five times as long to load.
const { init } = createRequire(import.meta.url)('echarts') as typeof import('echarts');

export interface ChartSize {
  widthPx: number;
  heightPx: number;
}

/**
 * zrender names its defs and hover classes `zr<painter>-<id>`, both from
 * process-wide counters, so the same chart rendered twice differs. References
 * appear only in attributes (`id="`, `class="`, `url(#`, `href="#`) and in the
 * <style> block's selectors (a line starting with "."); text content is never
 * matched, since zrender escapes quotes in it.
 */
const ZRENDER_REF = /(id="|class="|url\(#|href="#|^\.)zr\d+-([a-z]+-?\d+)/gm;

/**
 * Renders one chart to an SVG string with echarts' server-side renderer.
 * Ids are renumbered by first appearance under `fl-<chartId>-`, which makes
 * the output deterministic and keeps the ids (and hover CSS) of several SVGs
 * inlined in one HTML page from colliding.
 */
export function renderSvg(chartId: string, option: EChartsOption, size: ChartSize): string {
  const chart = init(null, null, { renderer: 'svg', ssr: true, width: size.widthPx, height: size.heightPx });
  let svg: string;
  try {
    chart.setOption(option);
    svg = chart.renderToSVGString({ useViewBox: true });
  } finally {
    chart.dispose();
  }
  const renumbered = new Map<string, string>();
  return svg.replace(ZRENDER_REF, (_match, context: string, localId: string) => {
    let stable = renumbered.get(localId);
    if (stable === undefined) {
      stable = `fl-${chartId}-${renumbered.size}`;
      renumbered.set(localId, stable);
    }
    return context + stable;
  });
}
