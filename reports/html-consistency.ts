import { CONSISTENCY_CHART_PREFIX } from './charts/consistency-charts.js';
import type { Chart } from './charts/index.js';
import { formatCount, formatDurationUs, formatPercent, formatTimestampUs, MISSING } from './format.js';
import { escapeHtml, figure, range, section, table } from './html-elements.js';
import type { ConsistencyReport, FinalStateSource, GuaranteeCount, HistoryOperation, Report } from './report-types.js';

const JUDGED_ON: Record<FinalStateSource, string> = {
  'replica-logs': "the replicas' logs",
  replicas: "the replicas' final values",
  'last-reads': 'the last reads',
};

/**
 * The Consistency section: verdicts and counts side by side for every run
 * with a store history, each partition side's availability, the
 * counterexample of a history that is not linearizable, and the consistency
 * charts (availability per side, stale reads, the message diagram).
 */
export function consistencySection(report: Report, charts: Chart[]): string {
  const runs = (report.variants ?? [{ ...report, name: report.variant }]).filter((r) => r.consistency !== undefined);
  if (runs.length === 0) return '';
  const cs = runs.map((r) => r.consistency!);
  const row = (label: string, cell: (c: ConsistencyReport) => string, show = true): string[] | null =>
    show ? [escapeHtml(label), ...cs.map(cell)] : null;
  const any = (pick: (c: ConsistencyReport) => unknown) => cs.some((c) => pick(c) !== null && pick(c) !== undefined);
  const guarantee = (g: GuaranteeCount | null) =>
    g === null ? MISSING : `${violations(g.violations)}${detail(`of ${formatCount(g.checked)} checked`)}`;
  const rows = [
    row(
      'operations',
      (c) =>
        `${escapeHtml(formatCount(c.operations.invoked))}${detail(`${formatCount(c.operations.ok)} ok, ${formatCount(c.operations.failed)} failed, ${formatCount(c.operations.unknown)} unknown`)}`,
    ),
    row(
      'linearizable (registers)',
      (c) => verdict(c),
      any((c) => c.linearizability),
    ),
    row(
      'stale reads',
      (c) =>
        c.staleness === null
          ? MISSING
          : `${violations(c.staleness.staleReads)}${detail(`${formatPercent(c.staleness.staleReadRate)} of ${formatCount(c.staleness.reads)} reads`)}`,
      any((c) => c.staleness),
    ),
    row(
      'staleness p50 / p99 / max',
      (c) =>
        c.staleness === null || c.staleness.staleReads === 0
          ? MISSING
          : escapeHtml(
              [c.staleness.timeBehindUs.p50, c.staleness.timeBehindUs.p99, c.staleness.timeBehindUs.max]
                .map(formatDurationUs)
                .join(' / '),
            ),
      any((c) => c.staleness && c.staleness.staleReads > 0),
    ),
    row(
      'versions behind (mean / max)',
      (c) =>
        c.staleness === null || c.staleness.staleReads === 0
          ? MISSING
          : escapeHtml(`${c.staleness.versionsBehind.mean} / ${c.staleness.versionsBehind.max}`),
      any((c) => c.staleness && c.staleness.staleReads > 0),
    ),
    row('read-your-writes violations', (c) => guarantee(c.sessions.readYourWrites)),
    row('monotonic-reads violations', (c) => guarantee(c.sessions.monotonicReads)),
    row('monotonic-writes violations', (c) => guarantee(c.sessions.monotonicWrites)),
    row(
      'acknowledged writes lost',
      (c) =>
        c.lostWrites === null
          ? MISSING
          : `${violations(c.lostWrites.lost)}${detail(`of ${formatCount(c.lostWrites.acknowledged)}, judged on ${JUDGED_ON[c.lostWrites.judgedOn]}`)}`,
      any((c) => c.lostWrites),
    ),
    row(
      'counter increments lost / double-counted',
      (c) =>
        c.counters === null
          ? MISSING
          : `${violations(c.counters.lostIncrements)} / ${violations(c.counters.doubleCounted)}${detail(`of ${formatCount(c.counters.acknowledged)} acknowledged`)}`,
      any((c) => c.counters),
    ),
    row(
      'set elements lost / resurrected',
      (c) =>
        c.sets === null
          ? MISSING
          : `${violations(c.sets.lostElements)} / ${violations(c.sets.resurrectedElements)}${detail(`of ${formatCount(c.sets.acknowledgedInserts)} inserts`)}`,
      any((c) => c.sets),
    ),
    row(
      'keys divergent at heal',
      (c) =>
        c.convergence === null || c.convergence.divergenceAtHeal.length === 0
          ? MISSING
          : c.convergence.divergenceAtHeal
              .map(
                (h) => `${escapeHtml(`${h.divergentKeys} of ${h.keys}`)}${detail(`at ${formatTimestampUs(h.timeUs)}`)}`,
              )
              .join('<br>'),
      any((c) => c.convergence),
    ),
    row(
      'convergence after the last write',
      (c) => convergence(c),
      any((c) => c.convergence),
    ),
    row(
      'conflicts (store-reported)',
      (c) =>
        c.conflicts.reported === null
          ? MISSING
          : `${escapeHtml(formatCount(c.conflicts.reported))}${detail(`${formatPercent(c.conflicts.perAcknowledgedWrite)} of writes`)}`,
      any((c) => c.conflicts.reported),
    ),
    row(
      'reads with siblings',
      (c) =>
        `${escapeHtml(formatCount(c.conflicts.readsWithSiblings))}${detail(`${formatPercent(c.conflicts.siblingReadRate)} of reads`)}`,
      cs.some((c) => c.conflicts.readsWithSiblings > 0),
    ),
  ].filter((r): r is string[] => r !== null);
  const parts = [
    table(['', ...runs.map((r) => r.name)], rows, range(1, runs.length + 1), { columnPerVariant: true }),
    '<p class="note">A read is stale when a write that superseded its value (invoked after that value was acknowledged) had been acknowledged before the read began; staleness is how long before. Session guarantees are checked per client user; monotonic writes from samples of the replicas. A write is lost when the final state holds only values it had superseded. Convergence: from the last write until every live replica agrees, to the sampling interval.</p>',
  ];

  const sideRows = runs.flatMap((r) =>
    r.consistency!.partitions.flatMap((p) =>
      p.sides.map((s) => [
        escapeHtml(r.name),
        escapeHtml(`${formatTimestampUs(p.startUs)}–${formatTimestampUs(p.endUs)}`),
        escapeHtml(s.name),
        escapeHtml(s.clients.join(', ')),
        escapeHtml(formatCount(s.finished)),
        escapeHtml(s.availability === null ? MISSING : formatPercent(s.availability)),
      ]),
    ),
  );
  if (sideRows.length > 0) {
    parts.push(
      `<h3>Availability per partition side</h3>\n${table(['run', 'partition', 'side', 'clients', 'operations', 'answered'], sideRows, range(4, 6))}`,
    );
  }

  for (const r of runs) {
    const c = r.consistency!.linearizability?.counterexample;
    if (c === undefined) continue;
    const op = (role: string, o: HistoryOperation) => [
      escapeHtml(role),
      escapeHtml(String(o.process)),
      escapeHtml(o.f),
      `<code>${escapeHtml(JSON.stringify(o.value))}</code>`,
      `<code>${escapeHtml(JSON.stringify(o.result))}</code>`,
      escapeHtml(formatTimestampUs(o.invokedUs)),
      escapeHtml(o.completedUs === null ? 'never' : formatTimestampUs(o.completedUs)),
    ];
    const opRows = [
      ...c.lastOrdered.map((o) => op('ordered', o)),
      op('stuck', c.stuck),
      ...c.open
        .filter((o) => !(o.process === c.stuck.process && o.invokedUs === c.stuck.invokedUs))
        .map((o) => op('open', o)),
    ];
    parts.push(
      `<h3>Why ${escapeHtml(r.name)} is not linearizable (key ${escapeHtml(c.key)})</h3>`,
      `<p>${escapeHtml(c.explanation)}</p>`,
      table(['role', 'process', 'op', 'value', 'result', 'invoked', 'completed'], opRows, range(5, 7)),
      c.openOmitted > 0
        ? `<p class="note">${escapeHtml(formatCount(c.openOmitted))} more open operations left out.</p>`
        : '',
    );
  }

  const figures = charts.filter((chart) => chart.id.startsWith(CONSISTENCY_CHART_PREFIX));
  if (figures.length > 0) parts.push(figures.map(figure).join('\n'));
  return section('consistency', 'Consistency', parts.join('\n'));
}

/** A figure's context on a line of its own, so the columns stay narrow. */
function detail(text: string): string {
  return `<br><span class="muted small">${escapeHtml(text)}</span>`;
}

function violations(n: number): string {
  return n === 0 ? escapeHtml(formatCount(n)) : `<strong class="bad">${escapeHtml(formatCount(n))}</strong>`;
}

function verdict(c: ConsistencyReport): string {
  const l = c.linearizability;
  if (l === null) return MISSING;
  const checked = detail(`${formatCount(l.operations)} operations, ${formatCount(l.keys)} keys`);
  if (l.linearizable === null) return `<span class="badge unknown">? UNKNOWN</span>${detail(l.unknown ?? '')}`;
  return `${l.linearizable ? '<span class="badge pass">✓ YES</span>' : '<span class="badge fail">✗ NO</span>'}${checked}`;
}

function convergence(c: ConsistencyReport): string {
  const v = c.convergence;
  if (v === null) return MISSING;
  if (v.lastWriteUs === null) return 'no writes';
  if (v.convergenceTimeUs === null)
    return `<strong class="bad">not by the end</strong>${detail(`${formatCount(v.divergentKeysAtEnd)} keys differ`)}`;
  return `${escapeHtml(formatDurationUs(v.convergenceTimeUs))}${detail(`sampled every ${formatDurationUs(v.sampleEveryUs)}`)}`;
}
