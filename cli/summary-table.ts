import Table from 'cli-table3';
import { stripVTControlCharacters } from 'node:util';
import pc from 'picocolors';
import { ERROR_KINDS } from '../models/measure/request-metrics.js';
import {
  formatCount,
  formatDurationUs,
  formatNines,
  formatPercent,
  formatRatePerSec,
  formatValue,
} from '../reports/format.js';
import { shortFaultLabel } from '../reports/fault-intervals.js';
import type { FaultRecovery, GuaranteeCount, Report, VariantRun } from '../reports/report-types.js';
import { printable } from '../scenarios/harness/scenario-error.js';
import type { Output } from './io.js';

type Colors = ReturnType<typeof pc.createColors>;

/** Colour only on a terminal, and never with NO_COLOR set (https://no-color.org). */
export function terminalColors(stream: Output, env: Record<string, string | undefined>): Colors {
  return pc.createColors(Boolean(stream.isTTY) && !('NO_COLOR' in env));
}

/** One line of the summary: a label and a cell per run. */
interface Row {
  label: string;
  cells: string[];
}

const visibleLength = (text: string) => stripVTControlCharacters(text).length;

/**
 * The headline numbers as tables no wider than `width`: a column per run (the
 * base, or each variant), the label column repeated over as many tables as the
 * variants need; then each queueing-theory check.
 */
export function summaryTable(report: Report, colors: Colors, width = 100): string {
  const runs: VariantRun[] = report.variants ?? [{ ...report, name: report.variant, overrides: {} }];
  const rows = summaryRows(runs, colors);
  const labelWidth = rows.reduce((widest, r) => Math.max(widest, visibleLength(r.label)), -Infinity);
  const columnWidths = runs.map((run, i) =>
    rows.reduce((widest, r) => Math.max(widest, visibleLength(r.cells[i])), visibleLength(run.name)),
  );
  // A cli-table3 line is a border, then per column a space, the content, a space and a border.
  const used = (widths: number[]) => 1 + [labelWidth, ...widths].reduce((sum, w) => sum + w + 3, 0);
  const groups: number[][] = [];
  for (let i = 0; i < runs.length; i++) {
    const last = groups.at(-1);
    if (last !== undefined && used([...last, i].map((j) => columnWidths[j])) <= width) last.push(i);
    else groups.push([i]);
  }
  const tables = groups.map((group) => {
    const table = new Table({
      head: ['', ...group.map((i) => colors.bold(runs[i].name))],
      style: { head: [], border: [], compact: true },
      colAligns: ['left', ...group.map(() => 'right' as const)],
    });
    for (const row of rows) table.push([row.label, ...group.map((i) => row.cells[i])]);
    return table.toString();
  });
  return [...tables, ...runs.flatMap((run) => theoryTables(run, runs.length > 1))].join('\n');
}

function summaryRows(runs: VariantRun[], colors: Colors): Row[] {
  const rows: Row[] = [];
  const add = (label: string, cell: (r: VariantRun) => string) => rows.push({ label, cells: runs.map(cell) });
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
  partitionSideRows(runs, add);
  add('downtime', (r) =>
    r.metrics.availability.downtimeUs === 0 ? 'none' : formatDurationUs(r.metrics.availability.downtimeUs),
  );
  recoveryRows(runs, add);
  add('latency p50', (r) => formatDurationUs(r.metrics.latency.p50Us));
  add('latency p99', (r) => formatDurationUs(r.metrics.latency.p99Us));
  if (operations.length > 1) {
    for (const op of operations) add(`  ${op} p99`, (r) => formatDurationUs(r.metrics.latencyByOperation[op]?.p99Us));
  }
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
  if (runs.some((r) => (r.stalenessCurves?.length ?? 0) > 0)) stalenessCurveRows(runs, add);
  const verdictNames = [...new Set(runs.flatMap((r) => r.slo.verdicts.map((v) => v.name)))];
  for (const name of verdictNames) {
    add(`SLO ${printable(name)}`, (r) => {
      const v = r.slo.verdicts.find((x) => x.name === name);
      if (v === undefined) return '';
      const actual = v.unit === 'us' ? formatDurationUs(v.actual) : formatPercent(v.actual);
      if (v.verdict === 'no-data') return colors.yellow('no data');
      return v.verdict === 'pass' ? colors.green(`pass ${actual}`) : colors.red(`FAIL ${actual}`);
    });
  }
  return rows;
}

type AddRow = (label: string, cell: (r: VariantRun) => string) => void;

/** The most faults listed one row each; past it, one row with the longest recovery. */
const RECOVERY_ROWS = 4;

/** How long availability took to come back after each fault ended (see `FaultRecovery`). */
function recoveryRows(runs: VariantRun[], add: AddRow): void {
  const recovery = (us: number | null | undefined) =>
    us === undefined ? '' : us === null ? 'not recovered' : us === 0 ? 'at once' : formatDurationUs(us);
  const faults = new Map<string, FaultRecovery>();
  for (const r of runs) for (const f of r.metrics.availability.recovery) faults.set(`${f.label}@${f.startUs}`, f);
  if (faults.size === 0) return;
  if (faults.size <= RECOVERY_ROWS) {
    for (const [key, f] of faults)
      add(`recovery after ${shortFaultLabel(f)} at ${formatDurationUs(f.startUs)}`, (r) =>
        recovery(r.metrics.availability.recovery.find((x) => `${x.label}@${x.startUs}` === key)?.recoveryUs),
      );
    return;
  }
  add(`recovery, longest of ${faults.size} faults`, (r) => {
    const times = r.metrics.availability.recovery.map((f) => f.recoveryUs);
    const never = times.filter((t) => t === null).length;
    const longest = times.reduce<number>((most, t) => (t === null ? most : Math.max(most, t)), 0);
    return never > 0 ? `${never} not recovered` : recovery(longest);
  });
}

/** Availability of each side of each partition while it lasted ("minority side, 15s–45s"), for store runs. */
function partitionSideRows(runs: VariantRun[], add: AddRow): void {
  const sides = new Map<string, { startUs: number; name: string }>();
  for (const r of runs)
    for (const p of r.consistency?.partitions ?? [])
      for (const side of p.sides) {
        const label = `  ${side.name.split(':')[0]} side, ${formatDurationUs(p.startUs)}–${formatDurationUs(p.endUs)}`;
        sides.set(label, { startUs: p.startUs, name: side.name });
      }
  for (const [label, { startUs, name }] of sides) {
    add(label, (r) => {
      const side = r.consistency?.partitions.find((p) => p.startUs === startUs)?.sides.find((s) => s.name === name);
      return formatPercent(side?.availability);
    });
  }
}

/** Store runs: the linearizability verdict, stale reads, acknowledged writes lost, and session guarantees broken. */
function consistencyRows(runs: VariantRun[], add: AddRow, colors: Colors): void {
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
  const violations = (count: GuaranteeCount | null | undefined) =>
    count === null || count === undefined || count.checked === 0
      ? '—'
      : `${formatCount(count.violations)} of ${formatCount(count.checked)}`;
  add('read-your-writes broken', (r) => violations(r.consistency?.sessions.readYourWrites));
  add('monotonic reads broken', (r) => violations(r.consistency?.sessions.monotonicReads));
  if (runs.some((r) => r.consistency?.sessions.monotonicWrites))
    add('monotonic writes broken', (r) => violations(r.consistency?.sessions.monotonicWrites));
}

/** A run's queueing-theory checks, theory beside simulation, one small table per station. */
/**
 * Each staleness probe's headline: consistent at the first delay (with the
 * WARS model's share), and when 99% is reached (the delays probed bound it).
 */
function stalenessCurveRows(runs: VariantRun[], add: AddRow): void {
  const probes = [...new Set(runs.flatMap((r) => (r.stalenessCurves ?? []).map((c) => c.workload)))];
  for (const workload of probes) {
    const of = (r: VariantRun) => r.stalenessCurves?.find((c) => c.workload === workload);
    const fromCommit = (r: VariantRun) => of(r)?.curves.find((c) => c.from === 'commit');
    const first = runs.map((r) => fromCommit(r)?.points[0]).find((p) => p !== undefined);
    if (first === undefined) continue;
    add(`${workload} consistent at ${formatDurationUs(first.tUs)}`, (r) => {
      const point = fromCommit(r)?.points[0];
      if (point === undefined) return '';
      const wars = of(r)?.wars?.points[0]?.probability;
      return `${formatPercent(point.probability, 1)}${wars === undefined ? '' : ` (WARS ${formatPercent(wars, 1)})`}`;
    });
    add(`${workload} 99% consistent by`, (r) => {
      const curve = fromCommit(r);
      if (curve === undefined) return '';
      const wars = of(r)?.wars;
      const at = (t: number | null) => (t === null ? 'not reached' : formatDurationUs(t));
      return `${at(curve.t99Us)}${wars == null ? '' : ` (WARS ${at(wars.t99Us)})`}`;
    });
  }
}

function theoryTables(run: VariantRun, named: boolean): string[] {
  return (run.theory ?? []).map((check) => {
    const table = new Table({
      head: ['', 'theory', 'simulated', 'difference'],
      style: { head: [], border: [], compact: true },
      colAligns: ['left', 'right', 'right', 'right'],
    });
    for (const row of check.rows) {
      const difference =
        row.relativeDifference === null
          ? '—'
          : `${row.relativeDifference >= 0 ? '+' : ''}${formatPercent(row.relativeDifference, 1)}`;
      table.push([row.label, formatValue(row.theory, row.unit), formatValue(row.simulated, row.unit), difference]);
    }
    const title = `queueing theory${named ? `, ${run.name}` : ''}: ${check.component} as ${check.model} (${check.method})`;
    return `${title}\n${table.toString()}`;
  });
}

/** Words wrapped to lines no longer than `width` (a word longer than that gets a line of its own). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line];
}
