import Table from 'cli-table3';
import pc from 'picocolors';
import { ERROR_KINDS } from '../models/measure/request-metrics.js';
import { formatCount, formatDurationUs, formatNines, formatPercent, formatRatePerSec } from '../reports/format.js';
import type { Report, VariantRun } from '../reports/report-types.js';

type Colors = ReturnType<typeof pc.createColors>;

/** Colour only on a terminal, and never with NO_COLOR set (https://no-color.org). */
export function terminalColors(stream: NodeJS.WriteStream): Colors {
  return pc.createColors(Boolean(stream.isTTY) && !('NO_COLOR' in process.env));
}

/** The headline numbers as a table: one column per run (the base, or each variant). */
export function summaryTable(report: Report, colors: Colors): string {
  const runs: VariantRun[] = report.variants ?? [{ ...report, name: report.variant, overrides: {} }];
  const table = new Table({
    head: ['', ...runs.map((r) => colors.bold(r.name))],
    style: { head: [], border: [], compact: true },
    colAligns: ['left', ...runs.map(() => 'right' as const)],
  });
  const add = (label: string, cell: (r: VariantRun) => string) => table.push([label, ...runs.map(cell)]);
  add('trace hash', (r) => r.traceHash);
  add('events', (r) => formatCount(r.events));
  add('simulated', (r) => `${r.simulatedSeconds}s`);
  add('requests sent', (r) => formatCount(r.metrics.requests.sent));
  if (runs.some((r) => r.metrics.requests.retries > 0)) add('retries', (r) => formatCount(r.metrics.requests.retries));
  if (runs.some((r) => r.metrics.requests.hedges > 0)) add('hedges', (r) => formatCount(r.metrics.requests.hedges));
  add('succeeded', (r) => formatCount(r.metrics.requests.succeeded));
  for (const kind of ERROR_KINDS) {
    if (runs.some((r) => r.metrics.requests.errors[kind] > 0))
      add(`  ${kind}`, (r) => formatCount(r.metrics.requests.errors[kind]));
  }
  add('availability', (r) =>
    r.metrics.availability.overall === null
      ? 'no requests'
      : `${formatPercent(r.metrics.availability.overall)} (${formatNines(r.metrics.availability.nines)})`,
  );
  const operations = [...new Set(runs.flatMap((r) => Object.keys(r.metrics.requests.byOperation)))].sort();
  if (operations.length > 1) {
    for (const op of operations) add(`  ${op}`, (r) => formatPercent(r.metrics.requests.byOperation[op]?.availability));
  }
  add('downtime', (r) =>
    r.metrics.availability.downtimeUs === 0 ? 'none' : formatDurationUs(r.metrics.availability.downtimeUs),
  );
  add('latency p50', (r) => formatDurationUs(r.metrics.latency.p50Us));
  add('latency p99', (r) => formatDurationUs(r.metrics.latency.p99Us));
  add('latency p99.9', (r) => formatDurationUs(r.metrics.latency.p999Us));
  add('latency max', (r) => formatDurationUs(r.metrics.latency.maxUs));
  add('throughput', (r) => formatRatePerSec(r.metrics.throughputPerSec));
  add('goodput', (r) => formatRatePerSec(r.metrics.goodputPerSec));
  for (const c of runs[0].metrics.components.filter((c) => c.workers > 0)) {
    add(`${c.name} utilization`, (r) =>
      formatPercent(r.metrics.components.find((x) => x.name === c.name)?.utilization, 1),
    );
  }
  const detailRows = new Map<string, { component: string; key: string }>();
  for (const r of runs)
    for (const c of r.metrics.components)
      for (const key of Object.keys(c.details ?? {})) detailRows.set(`${c.name} ${key}`, { component: c.name, key });
  for (const [label, { component, key }] of detailRows) {
    add(label, (r) => formatCount(r.metrics.components.find((c) => c.name === component)?.details?.[key]));
  }
  add('messages / operation', (r) => r.metrics.messages.perClientOperation.toFixed(2));
  if (runs.some((r) => r.consistency !== undefined)) consistencyRows(runs, add, colors);
  const verdictNames = [...new Set(runs.flatMap((r) => r.slo.verdicts.map((v) => v.name)))];
  for (const name of verdictNames) {
    add(`SLO ${name}`, (r) => {
      const v = r.slo.verdicts.find((x) => x.name === name);
      if (v === undefined) return '';
      const actual = v.unit === 'us' ? formatDurationUs(v.actual) : formatPercent(v.actual);
      if (v.verdict === 'no-data') return colors.yellow('no data');
      return v.verdict === 'pass' ? colors.green(`pass ${actual}`) : colors.red(`FAIL ${actual}`);
    });
  }
  return table.toString();
}

/** Store runs: the linearizability verdict, stale reads and acknowledged writes lost. */
function consistencyRows(
  runs: VariantRun[],
  add: (label: string, cell: (r: VariantRun) => string) => void,
  colors: Colors,
): void {
  add('linearizable', (r) => {
    const l = r.consistency?.linearizability;
    if (l === undefined || l === null) return '—';
    if (l.linearizable === null) return colors.yellow('unknown (budget)');
    return l.linearizable ? colors.green('yes') : colors.red('no');
  });
  add('stale reads', (r) => {
    const s = r.consistency?.staleness;
    return s === undefined || s === null ? '—' : `${formatCount(s.staleReads)} (${formatPercent(s.staleReadRate)})`;
  });
  add('writes lost', (r) => {
    const c = r.consistency;
    if (c === undefined) return '—';
    const lost = (c.lostWrites?.lost ?? 0) + (c.counters?.lostIncrements ?? 0) + (c.sets?.lostElements ?? 0);
    const judged = c.lostWrites !== null || c.counters !== null || c.sets !== null;
    return judged ? formatCount(lost) : '—';
  });
}
