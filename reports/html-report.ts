import { CACHE_CHART_PREFIX } from './charts/cache-hit-ratio.js';
import { CONSISTENCY_CHART_PREFIX } from './charts/consistency-charts.js';
import type { Chart } from './charts/index.js';
import { consistencySection } from './html-consistency.js';
import { DELIVERY_CHART_PREFIX } from './charts/consumer-lag.js';
import { deliverySection } from './html-delivery.js';
import { cachesSection } from './html-caches.js';
import { FEED_CHART_PREFIX } from './charts/degree-distribution.js';
import { feedSection } from './html-feed.js';
import { CHAT_CHART_PREFIX } from './charts/chat-connected-devices.js';
import { chatSection } from './html-chat.js';
import { STALENESS_CHART_PREFIX } from './charts/t-visibility.js';
import { stalenessSection } from './html-staleness.js';
import {
  descriptionHtml,
  escapeHtml,
  figure,
  htmlPage,
  range,
  section,
  sloBadge,
  table,
  verdictBadge,
} from './html-elements.js';
import {
  formatCount,
  formatDurationUs,
  formatNines,
  formatNumber,
  formatPercent,
  formatRatePerSec,
  formatTimestampUs,
  formatValue,
  MISSING,
} from './format.js';
import type { ComparisonRow, ErrorKind, LatencySummary, Report, SloVerdict } from './report-types.js';

/**
 * One self-contained HTML page: inline CSS and SVG, the report itself as JSON
 * for tools, no script needed to read it and nothing fetched over the
 * network. Every string from the report is escaped. Deterministic: equal
 * reports give identical pages (the only wall-clock figures are in the
 * footer, labelled as such, and come from the report).
 */
export function renderHtmlReport(report: Report, charts: Chart[]): string {
  const title = `${report.scenario.name} · faultline report`;
  const sections = [
    header(report),
    headline(report),
    sloSection(report),
    chartsSection(charts),
    consistencySection(report, charts),
    stalenessSection(report, charts),
    deliverySection(report, charts),
    cachesSection(report, charts),
    feedSection(report, charts),
    chatSection(report, charts),
    faultsSection(report),
    componentsSection(report),
    theorySection(report),
    messagesSection(report),
    comparisonSection(report),
  ];
  return htmlPage({
    title,
    style: REPORT_STYLE,
    body: sections.join('\n'),
    footer: footer(report),
    dataId: 'report-data',
    data: report,
  });
}

const ERROR_KINDS: ErrorKind[] = ['timeout', 'rejected', 'dropped', 'unavailable'];

function header(report: Report): string {
  const { scenario } = report;
  const facts: [string, string][] = [
    ['seed', `<code>${escapeHtml(String(report.seed))}</code>`],
    ['trace hash', `<code>${escapeHtml(report.traceHash)}</code>`],
    [
      'simulated',
      `${escapeHtml(formatDurationUs(scenario.durationUs))} in ${escapeHtml(formatDurationUs(scenario.windowUs))} windows`,
    ],
    ['events', escapeHtml(formatCount(report.events))],
  ];
  if (report.variants && report.variants.length > 0) facts.push(['variant shown', escapeHtml(report.variant)]);
  facts.push(['scenario file', scenario.file === null ? 'built-in' : `<code>${escapeHtml(scenario.file)}</code>`]);
  const dl = facts.map(([term, value]) => `<div><dt>${escapeHtml(term)}</dt><dd>${value}</dd></div>`).join('');
  return `<header>
<p class="eyebrow">faultline ${escapeHtml(report.faultline)} · simulation report</p>
<h1>${escapeHtml(scenario.name)}</h1>
${scenario.description ? `<div class="lede">${descriptionHtml(scenario.description)}</div>` : ''}
<dl class="facts">${dl}</dl>
<p class="verdict">SLOs: ${sloBadge(report.slo)}</p>
${
  report.warnings.length === 0
    ? ''
    : `<div class="warnings"><p>Warnings</p><ul>${report.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul></div>`
}
</header>`;
}

function card(label: string, value: string, details: string[] = []): string {
  const lines = details.map((d) => `<li>${d}</li>`).join('');
  return `<div class="card"><div class="card-label">${escapeHtml(label)}</div><div class="card-value">${escapeHtml(value)}</div>${
    lines ? `<ul>${lines}</ul>` : ''
  }</div>`;
}

function headline(report: Report): string {
  const { requests, latency, availability } = report.metrics;
  const failed = ERROR_KINDS.reduce((sum, kind) => sum + requests.errors[kind], 0);
  const budget = availability.errorBudget;
  const availabilityDetails = [
    escapeHtml(formatNines(availability.nines)),
    `success within ${escapeHtml(formatDurationUs(availability.thresholdUs))}`,
  ];
  availabilityDetails.push(
    `down (below ${escapeHtml(formatPercent(availability.downBelow))}) for ${escapeHtml(formatDurationUs(availability.downtimeUs))}`,
  );
  if (availability.noDataUs > 0)
    availabilityDetails.push(`no requests finished for ${escapeHtml(formatDurationUs(availability.noDataUs))}`);
  // No success, no latency: show a dash rather than a meaningless 0µs.
  const latencyText = (us: number) => (latency.count > 0 ? formatDurationUs(us) : MISSING);
  const cards = [
    card('requests sent', formatCount(requests.sent), [
      `${escapeHtml(formatCount(requests.succeeded))} succeeded`,
      `${escapeHtml(formatCount(requests.good))} good`,
      `${escapeHtml(formatCount(requests.inFlight))} in flight at the end`,
      ...(requests.retries > 0 ? [`${escapeHtml(formatCount(requests.retries))} retries`] : []),
      ...(requests.hedges > 0 ? [`${escapeHtml(formatCount(requests.hedges))} hedges`] : []),
    ]),
    card(
      'availability',
      availability.overall === null ? 'no requests' : formatPercent(availability.overall),
      availabilityDetails,
    ),
    card('throughput', formatRatePerSec(report.metrics.throughputPerSec), [
      `goodput ${escapeHtml(formatRatePerSec(report.metrics.goodputPerSec))}`,
    ]),
    card(
      'failed requests',
      formatCount(failed),
      ERROR_KINDS.map((kind) => `${escapeHtml(kind)} ${escapeHtml(formatCount(requests.errors[kind]))}`),
    ),
    card('latency p50', latencyText(latency.p50Us), [`mean ${escapeHtml(latencyText(latency.meanUs))}`]),
    card('latency p99', latencyText(latency.p99Us), [
      `p90 ${escapeHtml(latencyText(latency.p90Us))}`,
      `p95 ${escapeHtml(latencyText(latency.p95Us))}`,
    ]),
    card('latency p99.9', latencyText(latency.p999Us), [`max ${escapeHtml(latencyText(latency.maxUs))}`]),
    budget && availability.target !== null
      ? card('error budget burn', `${formatNumber(budget.burn)}×`, [
          `${escapeHtml(formatCount(budget.failures))} failures`,
          `${escapeHtml(formatNumber(budget.allowedFailures))} allowed at ${escapeHtml(formatPercent(availability.target))}`,
        ])
      : card('error budget burn', MISSING, [
          availability.target === null ? 'no availability target declared' : 'no budget computed',
        ]),
  ];
  return section('headline', 'Headline', `<div class="cards">${cards.join('\n')}</div>`);
}

const verdictValue = (v: SloVerdict, value: number | null) => escapeHtml(formatValue(value, v.unit));

function sloSection(report: Report): string {
  const verdicts = report.slo.verdicts;
  if (verdicts.length === 0) return section('slo', 'SLOs', '<p class="muted">The scenario declares no SLOs.</p>');
  const rows = verdicts.map((v) => [
    verdictBadge(v.verdict),
    escapeHtml(v.name),
    escapeHtml(v.kind),
    escapeHtml(v.objective),
    verdictValue(v, v.target),
    verdictValue(v, v.actual),
  ]);
  return section('slo', 'SLOs', table(['verdict', 'name', 'kind', 'objective', 'target', 'actual'], rows, range(4, 6)));
}

function chartsSection(charts: Chart[]): string {
  if (charts.length === 0)
    return section('charts', 'Charts', '<p class="muted">No chart: the run has no data to plot.</p>');
  const main = charts.filter(
    (c) =>
      !c.id.startsWith('comparison-') &&
      !c.id.startsWith(CONSISTENCY_CHART_PREFIX) &&
      !c.id.startsWith(STALENESS_CHART_PREFIX) &&
      !c.id.startsWith(DELIVERY_CHART_PREFIX) &&
      !c.id.startsWith(CACHE_CHART_PREFIX) &&
      !c.id.startsWith(FEED_CHART_PREFIX) &&
      !c.id.startsWith(CHAT_CHART_PREFIX),
  );
  const comparison = charts.filter((c) => c.id.startsWith('comparison-'));
  const parts = [main.map(figure).join('\n')];
  if (comparison.length > 0)
    parts.push(`<h3>Variants side by side</h3>\n<div class="chart-grid">${comparison.map(figure).join('\n')}</div>`);
  return section('charts', 'Charts', parts.join('\n'));
}

function faultsSection(report: Report): string {
  if (report.faults.length === 0) return section('faults', 'Fault timeline', '<p class="muted">No fault happened.</p>');
  const faults = [...report.faults].sort((a, b) => a.timeUs - b.timeUs);
  const rows = faults.map((f) => [
    escapeHtml(formatTimestampUs(f.timeUs)),
    escapeHtml(f.kind),
    f.nodes.length === 0 ? MISSING : escapeHtml(f.nodes.join(', ')),
    f.detail ? escapeHtml(f.detail) : MISSING,
  ]);
  const parts = [table(['time', 'kind', 'nodes', 'detail'], rows, new Set([0]))];
  if (report.faultIntervals.length > 0) {
    // recovery[i] belongs to faultIntervals[i]; sort the pairs together.
    const recovery = report.metrics.availability.recovery;
    const intervals = report.faultIntervals
      .map((interval, i) => ({ interval, recoveryUs: recovery[i]?.recoveryUs }))
      .sort((a, b) => a.interval.startUs - b.interval.startUs);
    const intervalRows = intervals.map(({ interval: i, recoveryUs }) => [
      escapeHtml(i.label),
      escapeHtml(i.kind),
      escapeHtml(formatTimestampUs(i.startUs)),
      escapeHtml(formatTimestampUs(i.endUs)),
      escapeHtml(formatDurationUs(i.endUs - i.startUs)),
      recoveryUs === undefined
        ? MISSING
        : recoveryUs === null
          ? 'not recovered'
          : escapeHtml(formatDurationUs(recoveryUs)),
    ]);
    parts.push(
      `<h3>Fault intervals (shaded in the charts)</h3>\n<p class="muted">Recovery: from the fault's end to the first window back at or above ${escapeHtml(formatPercent(report.metrics.availability.downBelow))} availability.</p>\n${table(['fault', 'kind', 'from', 'to', 'lasted', 'recovery'], intervalRows, range(2, 6))}`,
    );
  }
  return section('faults', 'Fault timeline', parts.join('\n'));
}

const latencyCell = (summary: LatencySummary, us: number) =>
  escapeHtml(summary.count > 0 ? formatDurationUs(us) : MISSING);

function componentsSection(report: Report): string {
  const { components, latencyByOperation, requests } = report.metrics;
  const parts: string[] = [];
  if (components.length === 0) {
    parts.push('<p class="muted">The scenario has no modelled components.</p>');
  } else {
    const rows = components.map((c) => [
      escapeHtml(c.name),
      escapeHtml(c.type),
      escapeHtml(formatCount(c.nodes)),
      escapeHtml(c.workers > 0 ? formatPercent(c.utilization, 1) : MISSING),
      escapeHtml(formatCount(c.served)),
      escapeHtml(formatCount(c.rejected)),
      latencyCell(c.latency, c.latency.p50Us),
      latencyCell(c.latency, c.latency.p99Us),
      escapeHtml(formatNumber(c.queueDepth.mean)),
      escapeHtml(formatNumber(c.queueDepth.max)),
      escapeHtml(formatCount(c.messagesSent)),
      escapeHtml(formatNumber(c.messagesPerClientOperation)),
    ]);
    parts.push(
      table(
        [
          'component',
          'type',
          'nodes',
          'util.',
          'served',
          'rejected',
          'p50',
          'p99',
          'queue avg',
          'queue max',
          'msgs sent',
          'msgs/req',
        ],
        rows,
        range(2, 12),
      ),
      '<p class="note">p50 and p99: time a request spent at the component, queueing plus service. Queue depth: time-averaged and peak, summed over the nodes. Msgs/req: messages the component sent per request the workloads sent.</p>',
    );
  }
  const operations = Object.keys(latencyByOperation).sort();
  if (operations.length > 0) {
    const rows = operations.map((name) => {
      const s = latencyByOperation[name];
      const outcomes = requests.byOperation[name];
      return [
        escapeHtml(name),
        escapeHtml(formatCount(outcomes?.sent)),
        escapeHtml(formatCount(s.count)),
        escapeHtml(outcomes?.availability == null ? MISSING : formatPercent(outcomes.availability)),
        latencyCell(s, s.p50Us),
        latencyCell(s, s.p90Us),
        latencyCell(s, s.p99Us),
        latencyCell(s, s.p999Us),
        latencyCell(s, s.maxUs),
      ];
    });
    parts.push(
      `<h3>Latency by operation (clients' view)</h3>\n${table(['operation', 'sent', 'succeeded', 'availability', 'p50', 'p90', 'p99', 'p99.9', 'max'], rows, range(1, 9))}`,
    );
  }
  return section('components', 'Components', parts.join('\n'));
}

/** Simulated values beside closed-form queueing theory, for the components it applies to. */
function theorySection(report: Report): string {
  if (!report.theory) return '';
  const parts = report.theory.map((check) => {
    const intro = `<p><strong>${escapeHtml(check.component)}</strong>: ${escapeHtml(check.model)} by ${escapeHtml(check.method)}, ${escapeHtml(formatValue(check.arrivalRatePerSec, 'perSec'))} arriving at each node, mean service ${escapeHtml(formatValue(check.serviceMeanUs, 'us'))}, ${check.servers} worker${check.servers === 1 ? '' : 's'}.</p>`;
    const rows = check.rows.map((r) => [
      escapeHtml(r.label),
      escapeHtml(r.unit === 'us' ? formatValue(r.theory, 'us') : formatPercent(r.theory, 3)),
      escapeHtml(r.unit === 'us' ? formatValue(r.simulated, 'us') : formatPercent(r.simulated, 3)),
      escapeHtml(
        r.relativeDifference === null
          ? '—'
          : `${r.relativeDifference >= 0 ? '+' : ''}${(r.relativeDifference * 100).toFixed(2)}%`,
      ),
    ]);
    return intro + table(['metric', 'theory', 'simulated', 'difference'], rows, range(1, 4));
  });
  return section('theory', 'Queueing theory', parts.join('\n'));
}

function messagesSection(report: Report): string {
  const m = report.metrics.messages;
  const rows = [
    ['sent', formatCount(m.sent)],
    ['delivered', formatCount(m.delivered)],
    ['duplicated', formatCount(m.duplicated)],
    ['dropped by partition', formatCount(m.droppedByPartition)],
    ['dropped by loss', formatCount(m.droppedByLoss)],
    ['dropped at a down node', formatCount(m.droppedAtDownNode)],
    ['sent per client request', formatNumber(m.perClientOperation)],
  ].map(([label, value]) => [escapeHtml(label), escapeHtml(value)]);
  return section('messages', 'Messages', table(['messages', 'count'], rows, new Set([1])));
}

/** Indices of the best value in a row, every one of them when tied; none when all are equal (nothing to highlight). */
/** The variants with the best value as shown: values that print the same are tied, so every one of them gets the star. */
function bestIndices(row: ComparisonRow): Set<number> {
  const finite = row.values.filter((v) => Number.isFinite(v));
  const shown = (v: number) => formatValue(v, row.unit);
  if (finite.length < 2 || finite.every((v) => shown(v) === shown(finite[0]))) return new Set();
  const best = shown(
    row.higherIsBetter ? finite.reduce((a, b) => Math.max(a, b)) : finite.reduce((a, b) => Math.min(a, b)),
  );
  return new Set(row.values.flatMap((v, i) => (Number.isFinite(v) && shown(v) === best ? [i] : [])));
}

function comparisonSection(report: Report): string {
  const { comparison, variants } = report;
  if (!comparison || !variants || variants.length === 0) return '';
  const headers = ['metric', ...comparison.variants];
  const rows = comparison.rows.map((row) => {
    const best = bestIndices(row);
    const cells = row.values.map((value, i) => {
      const text = escapeHtml(formatValue(value, row.unit));
      return best.has(i) ? `<strong class="best" title="best">${text}&nbsp;★</strong>` : text;
    });
    return [
      `${escapeHtml(row.label)} <span class="muted">(${row.higherIsBetter ? 'higher' : 'lower'} is better)</span>`,
      ...cells,
    ];
  });
  rows.push(['SLOs', ...variants.map((v) => sloBadge(v.slo))]);
  const numeric = range(1, headers.length);
  const runRows = variants.map((v) => {
    const overrides = Object.entries(v.overrides);
    return [
      escapeHtml(v.name),
      overrides.length === 0
        ? '<span class="muted">none</span>'
        : overrides
            .map(
              ([path, value]) =>
                `<code>${escapeHtml(path)}: ${escapeHtml(JSON.stringify(value) ?? 'undefined')}</code>`,
            )
            .join('<br>'),
      `<code class="hash">${escapeHtml(v.traceHash)}</code>`,
      escapeHtml(formatCount(v.events)),
    ];
  });
  return section(
    'comparison',
    'Variants compared',
    `${table(headers, rows, numeric, { columnPerVariant: true })}\n<h3>Variants</h3>\n${table(['variant', 'overrides', 'trace hash', 'events'], runRows, new Set([3]))}`,
  );
}

function footer(report: Report): string {
  const { wall } = report;
  return `<footer>
<p><strong>Wall-clock figures</strong> (they vary from run to run and are not part of the deterministic result):
ran in ${escapeHtml(formatNumber(wall.seconds))} s of wall time, ${escapeHtml(formatCount(wall.eventsPerSecond))} events per wall-clock second.</p>
<p>Everything else on this page is a pure function of the scenario and seed ${escapeHtml(String(report.seed))}; trace hash <code>${escapeHtml(report.traceHash)}</code>. The full report is embedded in this file as JSON (<code>#report-data</code>)${report.scenario.resolved === null ? '' : ', with the scenario as it was run: <code>faultline replay report.json</code> in this folder runs it again and checks every event, and <code>--until &lt;time&gt;</code> stops it there to show every node&#39;s state'}.</p>
</footer>`;
}

/** The report page's stylesheet; sweep.html shares it. */
export const REPORT_STYLE = `
:root {
  --text: #1f2937; --muted: #6b7280; --line: #e5e7eb; --bg: #f8fafc; --card: #ffffff;
  --pass: #15803d; --pass-bg: #dcfce7; --fail: #b91c1c; --fail-bg: #fee2e2; --accent: #1d4ed8;
  font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
  color: var(--text); background: var(--bg); line-height: 1.5;
}
* { box-sizing: border-box; }
body { margin: 0; }
main, footer { max-width: 1120px; margin: 0 auto; padding: 0 20px; }
header { padding: 28px 0 8px; }
.eyebrow { margin: 0; color: var(--muted); font-size: 13px; letter-spacing: .04em; text-transform: uppercase; }
h1 { margin: 4px 0 8px; font-size: 30px; line-height: 1.2; overflow-wrap: anywhere; }
h2 { margin: 36px 0 12px; font-size: 21px; border-bottom: 2px solid var(--line); padding-bottom: 4px; }
h3 { margin: 24px 0 8px; font-size: 16px; }
.lede { margin: 0 0 16px; font-size: 16px; max-width: 75ch; }
.lede p { margin: 0 0 10px; }
.lede ul { margin: 0 0 10px; padding-left: 1.4em; }
.lede li { margin: 0 0 4px; }
.muted { color: var(--muted); font-weight: normal; }
.note { color: var(--muted); font-size: 13px; margin: 6px 0 0; }
code { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; font-size: .9em; background: #eef2f7; padding: 1px 5px; border-radius: 4px; overflow-wrap: anywhere; }
.facts { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 0 0 12px; }
.facts div { min-width: 0; }
.facts dt { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.facts dd { margin: 0; }
.verdict { margin: 8px 0 0; font-size: 15px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 700; letter-spacing: .03em; white-space: nowrap; border: 1px solid currentColor; }
.badge.pass { color: var(--pass); background: var(--pass-bg); }
.badge.fail { color: var(--fail); background: var(--fail-bg); }
.badge.unknown { color: #92400e; background: #fef3c7; }
.warnings { margin: 12px 0; padding: 8px 14px; border-left: 4px solid #d97706; background: #fffbeb; }
.warnings p { margin: 0; font-weight: 600; color: #92400e; }
.warnings ul { margin: 4px 0 0; padding-left: 20px; }
.badge.none { color: var(--muted); background: #f1f5f9; font-weight: 600; }
.bad { color: var(--fail); }
.small { font-size: 12px; }
#consistency th:first-child, #consistency td:first-child { min-width: 13em; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 230px), 1fr)); gap: 12px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
.card-label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card-value { font-size: 26px; font-weight: 650; font-variant-numeric: tabular-nums; margin: 2px 0 4px; }
.card ul { list-style: none; margin: 0; padding: 0; font-size: 13px; color: var(--muted); font-variant-numeric: tabular-nums; }
.table-wrap { overflow-x: auto; background: var(--card); border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 7px 9px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 13px; font-weight: 600; color: var(--muted); background: #f1f5f9; white-space: nowrap; }
tbody tr:last-child td { border-bottom: none; }
tbody tr:nth-child(even) td { background: #fafbfc; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.per-variant { table-layout: fixed; font-size: 13px; }
table.per-variant th:first-child { width: 12em; }
table.per-variant th, table.per-variant td { white-space: normal; overflow-wrap: break-word; padding: 7px 6px; }
table.per-variant th { overflow-wrap: normal; }
code.hash { white-space: nowrap; overflow-wrap: normal; }
.best { color: var(--pass); }
figure.chart { margin: 0 0 16px; background: #fff; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
figure.chart svg { display: block; width: 100%; height: auto; }
.chart-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 440px), 1fr)); gap: 12px; }
.chart-grid figure.chart { margin: 0; }
footer { margin-top: 40px; padding-top: 12px; padding-bottom: 32px; border-top: 1px solid var(--line); color: var(--muted); font-size: 13px; }
@media (max-width: 600px) {
  h1 { font-size: 24px; }
  .card-value { font-size: 22px; }
  th, td { padding: 6px 8px; }
}
@media print {
  :root { background: #fff; font-size: 11pt; }
  main, footer { max-width: none; padding: 0; }
  h2 { break-after: avoid; }
  figure.chart, .card, tr { break-inside: avoid; }
  .table-wrap { overflow: visible; border: none; }
  .badge { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
