/**
 * sweep.html: a campaign on one self-contained page (inline CSS and SVG,
 * sweep.json embedded for tools, no script to run, nothing fetched). Every
 * string from the report is escaped. Deterministic: equal reports give
 * identical pages, since the report has no wall-clock figure.
 */

import { SMALL, type Chart } from '../reports/charts/common.js';
import { descriptionHtml, escapeHtml, figure, htmlPage, range, section, table } from '../reports/html-elements.js';
import { REPORT_STYLE } from '../reports/html-report.js';
import { formatCount, MISSING } from '../reports/format.js';
import { KEY_METRICS } from './charts/sweep-charts.js';
import { formatDifference, formatInterval, metricLabel, parameterValueText } from './metric-format.js';
import type { SweepComparison, SweepMetric, SweepReport } from './sweep-report.js';

export function renderSweepHtml(report: SweepReport, charts: readonly Chart[]): string {
  const title = `${report.scenario.name} · faultline sweep`;
  const sections = [
    header(report),
    chartsSection(report, charts),
    configurationsSection(report),
    comparisonsSection(report),
  ];
  return htmlPage({
    title,
    style: REPORT_STYLE + SWEEP_STYLE,
    body: sections.join('\n'),
    footer: footer(report),
    dataId: 'sweep-data',
    data: report,
  });
}

const plural = (count: number, one: string, many = `${one}s`) => `${formatCount(count)} ${count === 1 ? one : many}`;

function header(report: SweepReport): string {
  const { seeds, runs, parameters } = report;
  const seedRange = seeds.length === 0 ? '' : seeds.length === 1 ? ` (${seeds[0]})` : ` (${seeds[0]}–${seeds.at(-1)})`;
  const facts: [string, string][] = [
    ['seeds per configuration', escapeHtml(`${formatCount(seeds.length)}${seedRange}`)],
    ['configurations', escapeHtml(formatCount(report.configurations.length))],
    [
      'runs',
      escapeHtml(`${formatCount(runs.completed)} of ${formatCount(runs.planned)} completed`) +
        (runs.missing > 0 ? ` <span class="bad">(${escapeHtml(formatCount(runs.missing))} missing)</span>` : ''),
    ],
  ];
  if (report.variants.length > 0) facts.push(['variants', escapeHtml(report.variants.join(', '))]);
  if (report.baseline !== null && report.variants.length > 1) facts.push(['baseline', escapeHtml(report.baseline)]);
  facts.push(['campaign', `<code class="hash">${escapeHtml(report.campaignKey.slice(0, 16))}…</code>`]);
  facts.push(['trace digest', `<code class="hash">${escapeHtml(report.traceDigest.slice(0, 16))}…</code>`]);
  const dl = facts.map(([term, value]) => `<div><dt>${escapeHtml(term)}</dt><dd>${value}</dd></div>`).join('');
  const parameterTable =
    parameters.length === 0
      ? `<p class="muted">${
          report.variants.length > 0
            ? 'No parameter is swept: each variant is one configuration, run over every seed.'
            : 'No parameter is swept and there are no variants: one configuration, run over every seed.'
        }</p>`
      : table(
          ['parameter', 'path', 'values'],
          parameters.map((p) => [
            escapeHtml(p.label),
            `<code>${escapeHtml(p.path)}</code>`,
            escapeHtml(p.values.map(parameterValueText).join(', ')),
          ]),
        );
  const warnings =
    runs.missing === 0
      ? ''
      : `<div class="warnings"><p>${escapeHtml(`${formatCount(runs.missing)} of ${plural(runs.planned, 'run')} ${runs.missing === 1 ? 'is' : 'are'} missing`)}</p><ul><li>${escapeHtml(
          'The campaign was stopped, or not every shard was merged. The figures count the completed runs only; run the same sweep again with the same store to complete it.',
        )}</li></ul></div>`;
  return `<header>
<p class="eyebrow">faultline ${escapeHtml(report.faultlineVersion)} · sweep report</p>
<h1>${escapeHtml(report.scenario.name)}</h1>
${report.scenario.description ? `<div class="lede">${descriptionHtml(report.scenario.description)}</div>` : ''}
<dl class="facts">${dl}</dl>
${warnings}
<h3>Parameters</h3>
${parameterTable}
</header>`;
}

/** Charts narrower than the page sit two to a row. */
const isNarrow = (chart: Chart) => Number(/viewBox="0 0 (\d+) /.exec(chart.svg)?.[1] ?? Infinity) <= SMALL.widthPx;

function chartGroup(heading: string, charts: readonly Chart[]): string {
  if (charts.length === 0) return '';
  const narrow = charts.filter(isNarrow);
  const wide = charts.filter((c) => !isNarrow(c));
  const parts = [`<h3>${escapeHtml(heading)}</h3>`];
  if (narrow.length > 0) parts.push(`<div class="chart-grid">${narrow.map(figure).join('\n')}</div>`);
  parts.push(...wide.map(figure));
  return parts.join('\n');
}

function chartsSection(report: SweepReport, charts: readonly Chart[]): string {
  if (report.runs.completed === 0)
    return section('charts', 'Charts', '<p class="muted">No run has completed yet: nothing to chart.</p>');
  if (charts.length === 0)
    return section('charts', 'Charts', '<p class="muted">No key metric has data in any run: nothing to chart.</p>');
  const first = report.parameters[0];
  const groups = [
    chartGroup(
      first ? `Metrics against ${first.label}` : 'Metrics',
      charts.filter((c) => c.id.startsWith('metric-')),
    ),
    chartGroup(
      'Heat maps',
      charts.filter((c) => c.id.startsWith('heat-map-')),
    ),
    chartGroup(
      report.variants.length > 1 ? 'Variants side by side' : 'Mean and interval per configuration',
      charts.filter((c) => c.id.startsWith('variants-')),
    ),
  ];
  return section('charts', 'Charts', groups.filter((g) => g !== '').join('\n'));
}

const BETTER_MARK = { lower: ' ↓', higher: ' ↑' } as const;
const metricHeader = (metric: SweepMetric) =>
  `${metricLabel(metric.name)}${metric.better === null ? '' : BETTER_MARK[metric.better]}`;

/** `12.3ms [11.9ms, 12.8ms]`, the interval muted and kept on one line. */
function intervalCell(report: SweepReport, metric: SweepMetric, configuration: number): string {
  const interval = report.configurations[configuration].metrics[metric.name];
  if (interval === undefined || interval.mean === null) return MISSING;
  const text = formatInterval(interval, metric.unit);
  const bracket = text.indexOf(' [');
  if (bracket < 0) return `${escapeHtml(text)} <span class="ci">(n = ${interval.n})</span>`;
  return `${escapeHtml(text.slice(0, bracket))} <span class="ci">${escapeHtml(text.slice(bracket + 1))}</span>`;
}

function metricTable(report: SweepReport, metrics: readonly SweepMetric[]): string {
  const headers = ['configuration', 'runs', ...metrics.map(metricHeader)];
  const rows = report.configurations.map((c, i) => [
    escapeHtml(c.name),
    escapeHtml(formatCount(c.runs)),
    ...metrics.map((metric) => intervalCell(report, metric, i)),
  ]);
  return table(headers, rows, range(1, headers.length));
}

function configurationsSection(report: SweepReport): string {
  const key = report.metrics.filter((m) => (KEY_METRICS as readonly string[]).includes(m.name));
  const other = report.metrics.filter((m) => !key.includes(m));
  const intro = `<p class="note">Each cell: the mean over the seeds that completed, then its 95% confidence interval (Student t) in brackets. ↓ lower is better, ↑ higher is better. A single seed gives no interval.</p>`;
  const parts = [intro];
  if (report.metrics.length === 0) parts.push(metricTable(report, []));
  if (key.length > 0) parts.push(metricTable(report, key));
  if (other.length > 0) parts.push(`<h3>Other metrics</h3>`, metricTable(report, other));
  return section('configurations', 'Every configuration', parts.join('\n'));
}

function verdict(comparison: SweepComparison, metric: SweepMetric): string {
  const { n, significant, mean } = comparison.difference;
  if (n < 2) return '<span class="muted">too few seeds</span>';
  if (!significant) return '<span class="muted">within noise</span>';
  if (metric.better === null || mean === null) return '<span class="badge unknown">differs ★</span>';
  const better = metric.better === 'higher' ? mean > 0 : mean < 0;
  return better ? '<span class="badge pass">better ★</span>' : '<span class="badge fail">worse ★</span>';
}

function comparisonsSection(report: SweepReport): string {
  if (report.comparisons.length === 0)
    return section(
      'comparisons',
      'Paired comparisons',
      '<p class="muted">Nothing to compare: a comparison needs two variants, or a parameter with two values, with completed runs on common seeds.</p>',
    );
  const how =
    report.variants.length > 1
      ? `every variant against the baseline <strong>${escapeHtml(report.baseline ?? '')}</strong> at the same grid point`
      : 'each grid point against the next value of each parameter, the others equal';
  const intro = `<p class="note">Compared: ${how}. The difference is <em>to − from</em>, seed by seed (the same seeds give both runs the same random numbers, so their noise cancels), with its 95% interval. ★ marks a difference whose interval excludes zero.</p>`;
  const parts = [intro];
  for (const metric of report.metrics) {
    const rows = report.comparisons.filter((c) => c.metric === metric.name);
    if (rows.length === 0) continue;
    const significant = rows.filter((c) => c.difference.significant).length;
    const open = (KEY_METRICS as readonly string[]).includes(metric.name) ? ' open' : '';
    const body = table(
      ['from', 'to', 'seeds', 'difference', '95% interval', 'verdict'],
      rows.map((c) => [
        escapeHtml(c.from),
        escapeHtml(c.to),
        escapeHtml(formatCount(c.difference.n)),
        escapeHtml(formatDifference(c.difference.mean, metric.unit)),
        c.difference.low === null || c.difference.high === null
          ? MISSING
          : escapeHtml(
              `[${formatDifference(c.difference.low, metric.unit)}, ${formatDifference(c.difference.high, metric.unit)}]`,
            ),
        verdict(c, metric),
      ]),
      range(2, 5),
    );
    parts.push(
      `<details${open}><summary><strong>${escapeHtml(metricHeader(metric))}</strong> <span class="muted">${escapeHtml(
        `${formatCount(significant)} of ${plural(rows.length, 'comparison')} significant`,
      )}</span></summary>\n${body}\n</details>`,
    );
  }
  return section('comparisons', 'Paired comparisons', parts.join('\n'));
}

function footer(report: SweepReport): string {
  const units = report.metrics
    .map((m) => `${escapeHtml(metricLabel(m.name))}: ${escapeHtml(m.description)}`)
    .join('</li><li>');
  return `<footer>
${units === '' ? '' : `<p><strong>Metrics</strong></p><ul><li>${units}</li></ul>`}
<p>Every figure on this page is a pure function of the campaign and its completed runs; no wall-clock time is in it, so a campaign run on one machine and one merged from many shards give the same page. Trace digest (sha256 over the completed runs' trace hashes, in plan order): <code class="hash">${escapeHtml(report.traceDigest)}</code>. sweep.json is embedded in this file (<code>#sweep-data</code>).</p>
</footer>`;
}

const SWEEP_STYLE = `
.ci { color: var(--muted); white-space: nowrap; font-size: .92em; }
/* Mean above interval: a column per metric then fits the page. */
#configurations .ci { display: block; font-size: .85em; }
/* Headers wrap (seeds passing the SLOs ↑) so that eight metrics still fit 1,400 px. */
#configurations th { white-space: normal; vertical-align: bottom; }
#configurations th, #configurations td { padding: 7px 5px; }
#configurations table { font-size: 13px; }
/* A lone narrow chart keeps its size instead of stretching across the page. */
.chart-grid { grid-template-columns: repeat(auto-fill, minmax(min(100%, 440px), 1fr)); }
details { margin: 10px 0; }
details > summary { cursor: pointer; padding: 4px 0; }
details > .table-wrap { margin-top: 6px; }
#configurations td:first-child, #comparisons td:nth-child(-n+2) { min-width: 10em; }
.facts code.hash { white-space: nowrap; }
`;
