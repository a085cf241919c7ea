import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { deliveryLines } from '../cli/delivery-summary.js';
import { DeliveryLog } from '../models/measure/delivery-log.js';
import { consumerLagCharts } from '../reports/charts/consumer-lag.js';
import { renderCharts } from '../reports/charts/index.js';
import { deliveryReport } from '../reports/delivery/delivery-report.js';
import { renderHtmlReport } from '../reports/html-report.js';
import { parseReport } from '../reports/report-schema.js';
import type { Report, RunOutcome } from '../reports/report-types.js';
import { sampleReport } from './fixtures/sample-report.js';

/**
 * The delivery section in a whole report: report.json's schema, the HTML and
 * the terminal lines, on the sample report with a hand-made delivery log per
 * variant (a log consumer group that loses `lost` messages and processes
 * `repeated` twice).
 */
function withDelivery(report: Report): Report {
  const runs: RunOutcome[] = report.variants ?? [report];
  runs.forEach((run, i) => {
    const log = new DeliveryLog();
    const topic = log.topic('orders', 'log');
    const stream = topic.stream('billing', 'partition');
    for (let id = 0; id < 200; id++) {
      const atUs = id * 250_000;
      topic.produced(1, 0, atUs);
      topic.stored(id, atUs + 1000);
      topic.acknowledged(id, atUs + 2000);
      stream.delivered(id, 0, id, atUs + 10_000);
      if (id >= 190 && id < 190 + i) continue; // lost: delivered, never processed
      stream.processed(id, atUs + 40_000 + (id % 10) * 1000);
      if (id < i * 3) stream.processed(id, atUs + 90_000);
    }
    run.delivery = deliveryReport(log, run.metrics.timeline);
  });
  if (report.variants) report.delivery = report.variants[0].delivery;
  return report;
}

describe('the delivery section', () => {
  it('round-trips through report.json, and a lag timeline without one entry a window is refused', () => {
    const report = withDelivery(sampleReport({ variants: true }));
    const parsed = parseReport(JSON.parse(JSON.stringify(report)));
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    expect(parsed.ok && parsed.report.variants![2].delivery).toEqual(report.variants![2].delivery);

    const damaged = JSON.parse(JSON.stringify(report));
    damaged.variants[1].delivery.topics[0].streams[0].lag.timeline.pop();
    const windows = report.metrics.timeline.length;
    const refused = parseReport(damaged);
    expect(refused.ok ? [] : refused.problems).toEqual([
      `variants[1].delivery.topics[0].streams[0].lag.timeline: expected ${windows} entries, one a window of metrics.timeline, got ${windows - 1}`,
    ]);
  });

  it('renders a table per stream with the variants side by side, and the lag chart inside the section', () => {
    const report = withDelivery(sampleReport({ variants: true }));
    const html = renderHtmlReport(report, renderCharts(report));
    const section = html.slice(
      html.indexOf('<section id="delivery">'),
      html.indexOf('</section>', html.indexOf('<section id="delivery">')),
    );
    expect(section).toContain('<h2>Delivery</h2>');
    expect(section).toContain('orders (group billing)');
    for (const variant of report.variants!) expect(section).toContain(variant.name);
    expect(section).toContain('acknowledged, lost');
    expect(section).toContain(
      '<strong class="bad">2</strong><br><span class="muted small">2 delivered, never processed</span>',
    );
    expect(section).toContain('effectively-once');
    expect(section).toContain('<span class="badge fail">neither</span>');
    expect(section).toContain('id="chart-delivery-lag-orders-billing"');
    // Drawn in its section only, not among the main charts.
    expect(html.split('id="chart-delivery-lag-orders-billing"')).toHaveLength(2);
  });

  it('draws variants with the same backlog as one line named after all of them, so none hides another', () => {
    const report = withDelivery(sampleReport({ variants: true }));
    const [first, second, third] = report.variants!;
    second.delivery!.topics[0].streams[0].lag = structuredClone(first.delivery!.topics[0].streams[0].lag);
    third.delivery!.topics[0].streams[0].lag.timeline[0] += 7;
    const [chart] = consumerLagCharts(report);
    expect(chart.svg).toContain(`${first.name} = ${second.name}`);
    expect(chart.svg).toContain(`>${third.name}<`);
  });

  it('is left out of a report without topics', () => {
    const report = sampleReport();
    expect(renderHtmlReport(report, renderCharts(report))).not.toContain('<section id="delivery">');
    expect(deliveryLines(report, pc.createColors(false))).toEqual([]);
  });

  it('gives a line a person reads per stream and run in the terminal', () => {
    const lines = deliveryLines(withDelivery(sampleReport({ variants: true })), pc.createColors(false));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^[\w-]+: orders \(group billing\): 200 acknowledged, 0 lost, 0 processed more than once, p99 end-to-end [\d.]+ms, max lag \d+ at [\d.]+m?s: effectively-once$/,
    );
    expect(lines[2]).toContain('2 lost, 6 processed more than once');
    expect(lines[2]).toMatch(/: neither at-least- nor at-most-once$/);
  });
});
