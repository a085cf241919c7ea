import type { Comparison, FeedServiceReport, VariantRun } from '../report-types.js';

/**
 * What the feed services did side by side, when every run has a feed
 * section: per service every run has (named when there are several), the
 * p99 of post → visible, the timeline writes and the cost per second, the
 * fetches per read and the feed-read p99 (when every run measured reads).
 * Rates are in `count` units: they are writes and cost units per second,
 * not requests.
 */
export function feedComparisonRows(runs: VariantRun[]): Comparison['rows'] {
  if (!runs.every((r) => r.feed !== undefined)) return [];
  const sections = runs.map((r) => r.feed!);
  const names = sections[0].services
    .map((s) => s.component)
    .filter((name) => sections.every((f) => f.services.some((s) => s.component === name)));
  // Row keys are slugs: lower case, digits and dashes.
  const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  const rows: Comparison['rows'] = [];
  for (const name of names) {
    const services = sections.map((f) => f.services.find((s) => s.component === name)!);
    const of = names.length > 1 ? ` (${name})` : '';
    const key = names.length > 1 ? `-${slug(name)}` : '';
    const row = (id: string, label: string, unit: 'us' | 'count', value: (s: FeedServiceReport) => number | null) =>
      rows.push({
        key: `${id}${key}`,
        label: `${label}${of}`,
        unit,
        higherIsBetter: false,
        values: services.map((s) => value(s) ?? Number.NaN),
      });
    row('feed-visibility-p99', 'post visible to a follower, p99', 'us', (s) =>
      s.visibility.count === 0 ? null : s.visibility.p99Us,
    );
    row('feed-writes-per-sec', 'timeline writes per second', 'count', (s) => s.timelineWritesPerSec);
    row('feed-fetches-per-read', 'fetches per feed read', 'count', (s) => s.fetchesPerRead);
    if (services.every((s) => s.readLatency !== null && s.readLatency.count > 0))
      row('feed-read-p99', 'feed read p99', 'us', (s) => s.readLatency!.p99Us);
    row('feed-cost-per-sec', 'cost per second', 'count', (s) => s.costPerSec);
  }
  return rows;
}
