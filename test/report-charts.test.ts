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
      for (const variant of comparison.variants) expect(texts, chart.id).toContain(variant);
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

describe('charts over time with variants', () => {
  const report = sampleReport({ variants: true });
  const charts = renderCharts(report);
  const variants = report.comparison!.variants;

  it('draws every variant, not only the first: a line each for availability and latency, a panel each for the rest', () => {
    expect(charts.map((c) => c.id)).toEqual(expect.arrayContaining(['latency-over-time', 'latency-p50-over-time']));
    for (const id of ['availability-over-time', 'latency-over-time', 'latency-p50-over-time']) {
      const texts = textsOf(byId(charts, id));
      for (const variant of variants) expect(texts, `${id}: ${variant}`).toContain(variant);
      expect(
        texts.some((t) => t.startsWith('one line per variant')),
        id,
      ).toBe(true);
    }
    for (const id of ['throughput-over-time', 'utilization']) {
      const texts = textsOf(byId(charts, id));
      for (const variant of variants) expect(texts, `${id}: ${variant}`).toContain(variant);
      // Every panel has its axes and its shading.
      expect(
        texts.filter((t) => t === 'time (s)'),
        id,
      ).toHaveLength(variants.length);
      expect(shadedAreas(byId(charts, id).svg), id).toHaveLength(variants.length * report.faultIntervals.length);
    }
    // The retries variant fails less during the partition than the base run: its line is drawn from its own data.
    const availability = byId(charts, 'availability-over-time').svg;
    expect(availability.match(/stroke-width="2" stroke-linejoin="bevel"/g)).toHaveLength(variants.length);
  });

  it('shades each variant’s faults once when they are the same, and all of them (saying so) when they differ', () => {
    expect(shadedAreas(byId(charts, 'availability-over-time').svg)).toHaveLength(report.faultIntervals.length);
    const differing = sampleReport({ variants: true });
    const moved = { kind: 'crash', label: 'crash server-3', startUs: 50_000_000, endUs: 55_000_000 };
    differing.variants![2].faultIntervals.push(moved);
    const redrawn = renderCharts(differing);
    const availability = byId(redrawn, 'availability-over-time');
    expect(shadedAreas(availability.svg)).toHaveLength(report.faultIntervals.length + 1);
    expect(textsOf(availability).join(' ')).toContain('they differ');
    // Small multiples shade each variant's own faults.
    expect(shadedAreas(byId(redrawn, 'throughput-over-time').svg)).toHaveLength(
      variants.length * report.faultIntervals.length + 1,
    );
  });

  it('gives twelve variants twelve colours at least 25 apart (CIELAB ΔE), the same in every chart', () => {
    const twelve = renderCharts(sampleReport({ variants: 12 }));
    const lines = [
      ...byId(twelve, 'availability-over-time').svg.matchAll(
        /stroke="(#[0-9a-f]{6})" stroke-width="2" stroke-linejoin="bevel"/g,
      ),
    ].map((m) => m[1]);
    const bars = [
      ...byId(twelve, 'comparison-p99').svg.matchAll(
        /<path [^>]*fill="(#[0-9a-f]{6})" ecmeta_series_index="0" ecmeta_data_index="(\d+)"/g,
      ),
    ]
      .sort((a, b) => Number(a[2]) - Number(b[2]))
      .map((m) => m[1]);
    expect(lines).toHaveLength(12);
    expect(bars).toEqual(lines);
    for (let i = 0; i < lines.length; i++)
      for (let j = i + 1; j < lines.length; j++)
        expect(deltaE(lines[i], lines[j]), `${lines[i]} against ${lines[j]}`).toBeGreaterThan(25);
  });
});

describe('fault and percentile labels', () => {
  it('shortens a partition’s node sets to their sizes on the charts', () => {
    const report = sampleReport();
    const raw =
      'groups: {server-1,server-2,client-1,client-2,client-3} | {server-3,server-4,client-4,client-5,client-6}';
    report.faultIntervals[0].label = raw;
    for (const id of ['availability-over-time', 'throughput-over-time']) {
      const texts = textsOf(byId(renderCharts(report), id));
      expect(texts, id).toContain('partition 5 | 5 nodes');
      expect(texts.join(' '), id).not.toContain('server-1,server-2');
    }
  });

  it('names p50, p99 and p99.9 in the CDF legend, never as labels over the plot where they would collide', () => {
    const report = sampleReport();
    const texts = svgTexts(byId(renderCharts(report), 'latency-cdf').svg);
    const markers = texts.filter((t) => /^p(50|99|99\.9) /.test(t.text));
    expect(markers.map((t) => t.text.split(' ')[0])).toEqual(['p50', 'p99', 'p99.9']);
    // All in the legend, below the plot's x-axis name.
    const axisName = texts.find((t) => t.text === 'latency (ms, log scale)')!;
    for (const marker of markers) expect(marker.y, marker.text).toBeGreaterThan(axisName.y);
  });
});

/** CIE76 colour difference of two sRGB hex colours. */
function deltaE(a: string, b: string): number {
  const lab = (hex: string) => {
    const [r, g, bl] = [1, 3, 5]
      .map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
      .map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
    const x = f((r * 0.4124 + g * 0.3576 + bl * 0.1805) / 0.95047);
    const y = f(r * 0.2126 + g * 0.7152 + bl * 0.0722);
    const z = f((r * 0.0193 + g * 0.1192 + bl * 0.9505) / 1.08883);
    return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
  };
  const [p, q] = [lab(a), lab(b)];
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}
