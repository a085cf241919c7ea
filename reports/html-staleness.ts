import { STALENESS_CHART_PREFIX } from './charts/t-visibility.js';
import type { Chart } from './charts/index.js';
import { formatCount, formatDurationUs, formatPercent, MISSING } from './format.js';
import { escapeHtml, figure, range, section, table } from './html-elements.js';
import type { Report, StalenessCurvesReport, VisibilityCurve } from './report-types.js';

/**
 * The Staleness curves section: per variant (and probe workload) the times to
 * 99% and 99.9% visibility beside the WARS model's, latencies, the
 * t-visibility chart, each delay's share with its interval beside the model,
 * k-staleness beside the closed form, and where the run departs from the
 * model's assumptions.
 */
export function stalenessSection(report: Report, charts: Chart[]): string {
  const runs = (report.variants ?? [{ ...report, name: report.variant }]).flatMap((run) =>
    (run.stalenessCurves ?? []).map((probe) => ({ name: run.name, probe })),
  );
  if (runs.length === 0) return '';
  const several = runs.some((r, i) => runs.findIndex((o) => o.name === r.name) !== i);
  const label = (r: (typeof runs)[number]) => (several ? `${r.name} / ${r.probe.workload}` : r.name);
  const parts = [
    '<p>A probe writes a fresh key and reads it t after the write committed at its coordinator (its W-th acknowledgement); a read is consistent when it returns that write or a newer one. The WARS model (Bailis et al., VLDB 2012) predicts the same share from the replicas’ write, ack, read and response latencies alone.</p>',
    summaryTable(runs.map((r) => ({ label: label(r), probe: r.probe }))),
  ];
  const figures = charts.filter((chart) => chart.id.startsWith(STALENESS_CHART_PREFIX));
  if (figures.length > 0) parts.push(figures.map(figure).join('\n'));
  parts.push(pointsTable(runs.map((r) => ({ label: label(r), probe: r.probe }))));
  const k = kTable(runs.map((r) => ({ label: label(r), probe: r.probe })));
  if (k !== '') parts.push(k);
  parts.push(departuresList(runs.map((r) => ({ label: label(r), probe: r.probe }))));
  return section('staleness', 'Staleness curves (t-visibility, k-staleness)', parts.join('\n'));
}

type Labelled = { label: string; probe: StalenessCurvesReport };

const commitCurve = (p: StalenessCurvesReport) => p.curves.find((c) => c.from === 'commit');
const ackCurve = (p: StalenessCurvesReport) => p.curves.find((c) => c.from === 'ack');
const reached = (us: number | null | undefined) =>
  us === undefined ? MISSING : us === null ? 'not reached' : formatDurationUs(us);

function summaryTable(runs: Labelled[]): string {
  const rows = runs.map(({ label, probe }) => {
    const commit = commitCurve(probe);
    const ack = ackCurve(probe);
    const { read, write } = probe.latency;
    return [
      escapeHtml(label),
      escapeHtml(`${probe.replicas} / ${probe.readQuorum} / ${probe.writeQuorum}`),
      escapeHtml(formatCount(probe.probes)),
      escapeHtml(reached(commit?.t99Us)),
      escapeHtml(probe.wars === null ? MISSING : reached(probe.wars.t99Us)),
      escapeHtml(reached(commit?.t999Us)),
      escapeHtml(probe.wars === null ? MISSING : reached(probe.wars.t999Us)),
      escapeHtml(reached(ack?.t99Us)),
      escapeHtml(read.count === 0 ? MISSING : `${formatDurationUs(read.p50Us)} / ${formatDurationUs(read.p99Us)}`),
      escapeHtml(write.count === 0 ? MISSING : `${formatDurationUs(write.p50Us)} / ${formatDurationUs(write.p99Us)}`),
    ];
  });
  return `${table(
    [
      'variant',
      'N / R / W',
      'probes',
      't 99%',
      'WARS t 99%',
      't 99.9%',
      'WARS t 99.9%',
      't 99% from ack',
      'read p50 / p99',
      'write p50 / p99',
    ],
    rows,
    range(2, 10),
  )}\n<p class="note">t 99%: the first delay probed at which at least 99% of reads were consistent (from the commit unless said); the model's is its own, between the delays. Latencies: the probe's view, request to answer.</p>`;
}

function pointsTable(runs: Labelled[]): string {
  const delays = [
    ...new Set(runs.flatMap(({ probe }) => probe.curves.flatMap((c) => c.points.map((p) => p.tUs)))),
  ].sort((a, b) => a - b);
  const cell = (curve: VisibilityCurve | undefined, probe: StalenessCurvesReport, t: number) => {
    const point = curve?.points.find((p) => p.tUs === t);
    if (point === undefined || point.probability === null) return MISSING;
    const wars = probe.wars?.points.find((p) => p.tUs === t);
    return `${escapeHtml(formatPercent(point.probability, 1))}<br><span class="muted small">${escapeHtml(
      `${formatPercent(point.low, 1)}–${formatPercent(point.high, 1)}`,
    )}${wars === undefined ? '' : escapeHtml(` · WARS ${formatPercent(wars.probability, 1)}`)}</span>`;
  };
  const rows = delays.map((t) => [
    escapeHtml(formatDurationUs(t)),
    ...runs.map(({ probe }) => cell(commitCurve(probe), probe, t)),
  ]);
  return `<h3>Consistent reads by t after the commit</h3>\n${table(
    ['t', ...runs.map((r) => r.label)],
    rows,
    range(1, runs.length + 1),
    { columnPerVariant: true },
  )}\n<p class="note">Each cell: the share simulated, its 95% Wilson interval, and the WARS model's share.</p>`;
}

function kTable(runs: Labelled[]): string {
  const withK = runs.filter(({ probe }) => probe.kStaleness !== null);
  if (withK.length === 0) return '';
  const maxK = withK.reduce((most, { probe }) => Math.max(most, probe.kStaleness!.rows.length), 0);
  const rows = Array.from({ length: maxK }, (_, i) => [
    escapeHtml(`k = ${i + 1}`),
    ...withK.map(({ probe }) => {
      const row = probe.kStaleness!.rows[i];
      if (row === undefined) return MISSING;
      return `${escapeHtml(formatPercent(row.probability, 2))}<br><span class="muted small">${escapeHtml(
        `closed form ${formatPercent(row.closedForm, 2)}`,
      )}</span>`;
    }),
  ]);
  const at = [...new Set(withK.map(({ probe }) => formatDurationUs(probe.kStaleness!.tUs)))].join(', ');
  return `<h3>k-staleness: reads that missed the last k versions</h3>\n${table(
    ['', ...withK.map((r) => r.label)],
    rows,
    range(1, withK.length + 1),
    { columnPerVariant: true },
  )}\n<p class="note">Reads started ${escapeHtml(at)} after the commit. The closed form, (C(N−W, R)/C(N, R))^k, assumes a write reaches only its W replicas: an upper bound where writes go on to reach all N.</p>`;
}

function departuresList(runs: Labelled[]): string {
  const items = runs.map(({ label, probe }) =>
    probe.departures.length === 0
      ? `<li><strong>${escapeHtml(label)}</strong>: none; the simulation matches the model's assumptions.</li>`
      : `<li><strong>${escapeHtml(label)}</strong>:<ul>${probe.departures.map((d) => `<li>${escapeHtml(d)}</li>`).join('')}</ul></li>`,
  );
  return `<h3>Where the runs depart from the WARS model</h3>\n<ul>${items.join('\n')}</ul>`;
}
