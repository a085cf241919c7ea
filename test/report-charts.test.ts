import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { init } from 'echarts';
import { describe, expect, it } from 'vitest';
import { renderCharts, type Chart } from '../reports/charts/index.js';
import { emptyReport, sampleReport } from './fixtures/sample-report.js';

const FAULT_LEGEND = ['fault: partition', 'fault: crash'];

/** What each chart must show: its title, both axis names with units, its legend entries. */
const EXPECTED: Record<string, { title: string; axes: [x: string, y: string]; legend: string[] }> = {
  'latency-cdf': {
    title: 'Latency CDF',
    axes: ['latency (ms, log scale)', 'requests at or under latency (%)'],
    legend: ['successful requests'],
  },
  'latency-over-time': {
    title: 'Latency over time (p50, p99)',
    axes: ['time (s)', 'latency (ms, log scale)'],
    legend: ['p50', 'p99', ...FAULT_LEGEND],
  },
  'throughput-over-time': {
    title: 'Throughput and goodput over time',
    axes: ['time (s)', 'requests/s'],
    legend: ['throughput (succeeded)', 'goodput (within threshold)', 'sent (offered load)', ...FAULT_LEGEND],
  },
  'availability-over-time': {
    title: 'Availability over time',
    axes: ['time (s)', 'availability (%)'],
    legend: ['availability (success within 200ms)', ...FAULT_LEGEND],
  },
  utilization: {
    title: 'Utilization per component',
    axes: ['time (s)', 'utilization (%)'],
    legend: ['frontend (load-balancer)', 'api (queue-server)', ...FAULT_LEGEND],
  },
};

/** The text elements of an SVG with their positions (from `translate` or `matrix`), entities decoded. */
function svgTexts(svg: string): { text: string; x: number; y: number }[] {
  const texts: { text: string; x: number; y: number }[] = [];
  for (const match of svg.matchAll(/<text\b([^>]*)>([^<]*)<\/text>/g)) {
    const transform =
      /transform="(?:translate\(([-\d.]+) ([-\d.]+)\)|matrix\((?:[^,]*,){4}([-\d.]+),([-\d.]+)\))"/.exec(match[1]);
    const text = match[2]
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
    texts.push({
      text,
      x: Number(transform?.[1] ?? transform?.[3] ?? NaN),
      y: Number(transform?.[2] ?? transform?.[4] ?? NaN),
    });
  }
  return texts;
}

const textsOf = (chart: Chart) => svgTexts(chart.svg).map((t) => t.text);

function byId(charts: Chart[], id: string): Chart {
  const chart = charts.find((c) => c.id === id);
  if (!chart) throw new Error(`no chart '${id}' among ${charts.map((c) => c.id).join(', ')}`);
  return chart;
}

/** The markArea rectangles: semi-transparent fills at the fault shading's opacity. */
const shadedAreas = (svg: string) => svg.match(/<polygon [^>]*fill-opacity="0\.14"/g) ?? [];

describe('renderCharts', () => {
  const report = sampleReport();
  const charts = renderCharts(report);

  it('renders each expected chart, in reading order, with unique ids', () => {
    expect(charts.map((c) => c.id)).toEqual(Object.keys(EXPECTED));
  });

  it.each(Object.entries(EXPECTED))('%s is an SVG with its title, axis names with units and legend', (id, expected) => {
    const chart = byId(charts, id);
    expect(chart.title).toBe(expected.title);
    expect(chart.svg.startsWith('<svg')).toBe(true);
    expect(chart.svg.trimEnd().endsWith('</svg>')).toBe(true);
    const texts = textsOf(chart);
    expect(texts).toContain(expected.title);
    for (const axis of expected.axes) expect(texts).toContain(axis);
    for (const entry of expected.legend) expect(texts).toContain(entry);
  });

  it('draws the latency CDF on a log axis: x ticks are successive powers of ten, evenly spaced', () => {
    const texts = svgTexts(byId(charts, 'latency-cdf').svg);
    const xAxisName = texts.find((t) => t.text === 'latency (ms, log scale)')!;
    // Tick labels sit in one row just above the axis name.
    const ticks = texts
      .filter((t) => /^[\d.,]+$/.test(t.text) && t.y < xAxisName.y && t.y > xAxisName.y - 30)
      .sort((a, b) => a.x - b.x);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    const values = ticks.map((t) => Number(t.text.replace(/,/g, '')));
    for (let i = 1; i < values.length; i++) expect(values[i] / values[i - 1]).toBeCloseTo(10, 9);
    const gaps = ticks.slice(1).map((t, i) => t.x - ticks[i].x);
    for (const gap of gaps) expect(gap).toBeCloseTo(gaps[0], 0);
  });

  it('shades and labels every fault interval on the charts over time', () => {
    for (const id of ['latency-over-time', 'throughput-over-time', 'availability-over-time', 'utilization']) {
      const chart = byId(charts, id);
      expect(shadedAreas(chart.svg), id).toHaveLength(report.faultIntervals.length);
      const texts = textsOf(chart);
      for (const interval of report.faultIntervals) expect(texts, id).toContain(interval.label);
    }
  });

  it('shades nothing when no fault happened', () => {
    const calm = sampleReport();
    calm.faultIntervals = [];
    for (const chart of renderCharts(calm)) {
      expect(shadedAreas(chart.svg), chart.id).toHaveLength(0);
      expect(chart.svg, chart.id).not.toContain('fault:');
    }
  });

  it('is deterministic: byte-identical SVG however many charts were rendered before', () => {
    // Advance zrender's process-wide id counters, as rendering another report would.
    const other = init(null, null, { renderer: 'svg', ssr: true, width: 100, height: 100 });
    other.setOption({ animation: false, xAxis: {}, yAxis: {}, series: [{ type: 'line', data: [[0, 1]] }] });
    other.renderToSVGString();
    other.dispose();
    expect(renderCharts(sampleReport())).toEqual(charts);
    expect(charts.map((c) => c.svg).join('')).not.toMatch(/zr\d+-/);
  });

  it('gives each chart its own element ids, so several can share one HTML page', () => {
    const all = renderCharts(sampleReport({ variants: true }));
    const ids = all.flatMap((c) => [...c.svg.matchAll(/\bid="([^"]+)"/g)].map((m) => m[1]));
    expect(ids.length).toBeGreaterThan(0);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('renders the same bytes in another process', () => {
    const root = fileURLToPath(new URL('..', import.meta.url));
    const digest = (list: Chart[]) => createHash('sha256').update(JSON.stringify(list)).digest('hex');
    const script = [
      "import { renderCharts } from './reports/charts/index.js';",
      "import { sampleReport } from './test/fixtures/sample-report.js';",
      "import { createHash } from 'node:crypto';",
      "process.stdout.write(createHash('sha256').update(JSON.stringify(renderCharts(sampleReport({ variants: true })))).digest('hex'));",
    ].join('\n');
    const child = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(child).toBe(digest(renderCharts(sampleReport({ variants: true }))));
  });

  it('omits every chart when the run has no data, without throwing', () => {
    expect(renderCharts(emptyReport())).toEqual([]);
  });

  it('omits only the latency charts when no request succeeded', () => {
    const failed = sampleReport();
    failed.metrics.latencyCdf = [];
    failed.metrics.latency.count = 0;
    failed.metrics.timeline = failed.metrics.timeline.map((row) => ({
      ...row,
      good: 0,
      succeeded: 0,
      availability: 0,
      p50Us: null,
      p99Us: null,
    }));
    expect(renderCharts(failed).map((c) => c.id)).toEqual([
      'throughput-over-time',
      'availability-over-time',
      'utilization',
    ]);
  });
});

describe('renderCharts with variants', () => {
  const report = sampleReport({ variants: true });
  const charts = renderCharts(report);
  const comparison = report.comparison!;

  it('adds one bar chart per comparison row, each naming every variant', () => {
    const barCharts = charts.filter((c) => c.id.startsWith('comparison-'));
    expect(barCharts.map((c) => c.id)).toEqual(comparison.rows.map((row) => `comparison-${row.key}`));
    for (const [i, chart] of barCharts.entries()) {
      const texts = textsOf(chart);
      expect(texts).toContain(`Variants: ${comparison.rows[i].label}`);
      expect(texts).toContain('variant');
      for (const variant of comparison.variants)
        expect(texts.filter((t) => t === variant).length, chart.id).toBeGreaterThanOrEqual(2);
    }
  });

  it('labels comparison axes with units and bars with formatted values', () => {
    const p99 = textsOf(byId(charts, 'comparison-p99'));
    expect(p99).toContain('p99 latency (ms)');
    expect(p99).toContain('15.2ms');
    const availability = textsOf(byId(charts, 'comparison-availability'));
    expect(availability).toContain('availability (%)');
    expect(availability).toContain('85.04%');
    expect(textsOf(byId(charts, 'comparison-throughput'))).toContain('throughput (requests/s)');
  });

  it('overlays one latency CDF per variant', () => {
    const texts = textsOf(byId(charts, 'latency-cdf'));
    for (const variant of comparison.variants) expect(texts).toContain(variant);
    expect(texts).toContain('one line per variant');
  });
});
