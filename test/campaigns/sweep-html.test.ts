import { describe, expect, it } from 'vitest';
import { percentAxisBounds, sharedAxisBounds } from '../../campaigns/charts/axis-bounds.js';
import { sweepCharts } from '../../campaigns/charts/sweep-charts.js';
import { formatDifference, formatInterval } from '../../campaigns/metric-format.js';
import { renderSweepHtml } from '../../campaigns/sweep-html.js';
import { buildSweepReport, type SweepReport } from '../../campaigns/sweep-report.js';
import { sweepCampaigns } from '../support/sweep-campaigns.js';
import { reordered, syntheticPlan, syntheticRecords } from '../support/synthetic-campaign.js';

const render = (report: SweepReport) => renderSweepHtml(report, sweepCharts(report));
const ids = (report: SweepReport) => sweepCharts(report).map((c) => c.id);

describe('sweep charts', () => {
  const campaigns = sweepCampaigns();

  it('draws each key metric against the parameter, and the variants side by side, for a one-parameter grid', () => {
    expect(ids(campaigns.oneParameter.report)).toEqual([
      'metric-availability',
      'metric-latency-p99us',
      'metric-latency-meanus',
      'metric-throughputpersec',
      'metric-errorrate',
      'metric-slo-passed',
      'variants-1',
      'variants-2',
    ]);
  });

  it('adds a heat map for a two-parameter grid, one per variant when there are variants', () => {
    expect(ids(campaigns.twoParameters.report).filter((id) => id.startsWith('heat-map-'))).toEqual([
      'heat-map-latency-p99us',
    ]);
    expect(ids(campaigns.twoParametersVariants.report).filter((id) => id.startsWith('heat-map-'))).toEqual([
      'heat-map-latency-p99us-round-robin',
      'heat-map-latency-p99us-least-loaded',
    ]);
  });

  it('draws the heat map of the metric asked for, and says which exist when it has none', () => {
    const { report } = campaigns.twoParameters;
    expect(sweepCharts(report, { heatMapMetric: 'availability' }).map((c) => c.id)).toContain('heat-map-availability');
    expect(() => sweepCharts(report, { heatMapMetric: 'consistency.lostWrites' })).toThrow(
      /no run has a figure for "consistency.lostWrites".*choose one of: availability, /,
    );
  });

  it('greys out a heat map cell whose configuration has no completed run, and says so', () => {
    const plan = syntheticPlan({
      parameters: [
        { path: 'a.x', values: [1, 2] },
        { path: 'a.y', values: [1, 2] },
      ],
      seeds: 3,
    });
    const records = syntheticRecords(
      plan,
      (c, seed) => ({ 'latency.p99Us': 1000 * (c.index + 1) + seed }),
      (run) => run.configuration !== 2,
    );
    const [heat] = sweepCharts(buildSweepReport(plan, records)).filter((c) => c.id.startsWith('heat-map-'));
    expect(heat.svg).toContain('>—</text>');
    expect(heat.svg).toContain('— no data');
  });

  it('handles a single configuration, a categorical parameter, one seed, and no completed run', () => {
    expect(ids(campaigns.single.report)).toEqual(['variants-1', 'variants-2']);
    expect(ids(campaigns.categoricalOneSeed.report)).toContain('metric-availability');
    expect(campaigns.categoricalOneSeed.report.configurations[0].metrics.availability.low).toBeNull();
    expect(sweepCharts(campaigns.nothingYet.report)).toEqual([]);
  });

  it('is deterministic: the same report gives the same SVG and HTML, whatever order the records came in', () => {
    const { plan, records } = campaigns.oneParameter;
    const first = render(buildSweepReport(plan, records));
    const second = render(
      buildSweepReport(
        plan,
        reordered(records, (keys) => keys.reverse()),
      ),
    );
    expect(second).toBe(first);
  });
});

describe('sweep.html', () => {
  const campaigns = sweepCampaigns();

  it('escapes the scenario’s text and embeds the report as JSON', () => {
    const plan = syntheticPlan({
      name: 'sizing <script>alert(1)</script>',
      description: 'A & B </script><script>window.injected = true</script>',
      variants: ['<b>bold</b>', 'plain'],
      seeds: 2,
    });
    const report = buildSweepReport(
      plan,
      syntheticRecords(plan, (_, seed) => ({ availability: 0.9 + seed / 100 })),
    );
    const html = render(report);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('<b>bold</b>');
    expect(html).toContain('sizing &lt;script&gt;alert(1)&lt;/script&gt;');
    const embedded = /<script type="application\/json" id="sweep-data">(.*)<\/script>/.exec(html)![1];
    expect(JSON.parse(embedded)).toEqual(report);
  });

  it('writes every configuration × metric as mean [low, high] in the metric’s unit', () => {
    const html = render(campaigns.oneParameter.report);
    const configuration = campaigns.oneParameter.report.configurations[0];
    const p99 = configuration.metrics['latency.p99Us'];
    const [mean, interval] = formatInterval(p99, 'us').split(' [');
    expect(mean).toMatch(/^\d+(\.\d+)?ms$/);
    expect(html).toContain(`${mean} <span class="ci">[${interval}</span>`);
  });

  it('marks significant comparisons better or worse by the metric’s direction', () => {
    const plan = syntheticPlan({ variants: ['slow', 'fast'], seeds: 4 });
    const records = syntheticRecords(plan, (c, seed) => ({
      'latency.p99Us': seed * 1000 + (c.variant === 'fast' ? 0 : 500),
      // Fast is 0.5 points less available on every seed: worse, since higher is better.
      availability: 0.95 + 0.01 * seed - (c.variant === 'fast' ? 0.005 : 0),
    }));
    const html = render(buildSweepReport(plan, records));
    const p99Row = html
      .split('\n')
      .find((line) => line.startsWith('<tr><td>slow</td><td>fast</td>') && line.includes('−500µs'));
    expect(p99Row).toContain('<span class="badge pass">better ★</span>');
    expect(html).toContain('<span class="badge fail">worse ★</span>');
  });

  it('says how many runs are missing in a partial campaign', () => {
    const html = render(campaigns.twoParametersVariants.report);
    const { missing, planned } = campaigns.twoParametersVariants.report.runs;
    expect(missing).toBeGreaterThan(0);
    expect(html).toContain(`${missing} of ${planned} runs are missing`);
  });

  it('renders a campaign with no completed run, saying so instead of drawing', () => {
    const html = render(campaigns.nothingYet.report);
    expect(html).toContain('No run has completed yet: nothing to chart.');
    expect(html).not.toContain('<svg');
  });
});

describe('metric formatting', () => {
  it('writes intervals in people’s units, shares cut at 0% and 100%', () => {
    expect(formatInterval({ n: 3, mean: 12_345, sd: 1, low: 11_900, high: 12_800 }, 'us')).toBe(
      '12.3ms [11.9ms, 12.8ms]',
    );
    expect(formatInterval({ n: 20, mean: 0.05, sd: 0.2, low: -0.05, high: 0.15 }, 'fraction')).toBe(
      '5.00% [0.00%, 15.00%]',
    );
    expect(formatInterval({ n: 1, mean: 2_500_000, sd: null, low: null, high: null }, 'us')).toBe('2.50s');
    expect(formatInterval({ n: 0, mean: null, sd: null, low: null, high: null }, 'per-sec')).toBe('—');
  });

  it('signs differences, fractions in percentage points', () => {
    expect(formatDifference(-0.0035, 'fraction')).toBe('−0.35 pp');
    expect(formatDifference(1200, 'us')).toBe('+1.20ms');
    expect(formatDifference(0, 'us')).toBe('0');
    expect(formatDifference(12.5, 'per-sec')).toBe('+12.5/s');
  });

  it('bounds a percentage axis within 0–100 on ticks that land on its ends', () => {
    expect(percentAxisBounds([81.9, 99.97, 100.4])).toEqual({ min: 80, max: 100, interval: 5 });
    expect(percentAxisBounds([100, 100])).toEqual({ min: 98, max: 100, interval: 1 });
    expect(percentAxisBounds([0, 0])).toEqual({ min: 0, max: 2, interval: 1 });
    expect(percentAxisBounds([-3, 12])).toEqual({ min: 0, max: 12.5, interval: 2.5 });
  });

  it('bounds a shared axis from zero to a round figure, on ticks that land on it', () => {
    expect(sharedAxisBounds('us', [12, 3540])).toEqual({ min: 0, max: 5000, interval: 1000 });
    expect(sharedAxisBounds('count', [0, 1.7])).toEqual({ min: 0, max: 2, interval: 0.5 });
    expect(sharedAxisBounds('us', [-30, 480])).toEqual({ min: -100, max: 500, interval: 100 });
    expect(sharedAxisBounds('fraction', [81.9, 99.97])).toEqual(percentAxisBounds([81.9, 99.97]));
  });
});
