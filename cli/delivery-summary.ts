import type pc from 'picocolors';
import { guaranteeKept, streamLabel } from '../reports/delivery/stream-label.js';
import { formatCount, formatDurationUs } from '../reports/format.js';
import type { Report } from '../reports/report-types.js';
import { printable } from '../scenarios/harness/scenario-error.js';

type Colors = ReturnType<typeof pc.createColors>;

/**
 * One line per stream and run for the terminal: what was acknowledged, lost,
 * processed more than once, the end-to-end p99 and the backlog's peak, then
 * the guarantee kept, e.g. "orders (group billing): 12,004 acknowledged,
 * 0 lost, 37 processed more than once, p99 end-to-end 48.0ms, max lag 1,204
 * at 12.4s: at-least-once". Runs are named when there are several.
 */
export function deliveryLines(report: Report, colors: Colors): string[] {
  const runs = report.variants ?? [{ ...report, name: report.variant }];
  const named = runs.length > 1;
  return runs.flatMap((run) =>
    (run.delivery?.topics ?? []).flatMap((topic) =>
      topic.streams.map((s) => {
        const facts = [
          `${formatCount(topic.acknowledged)} acknowledged`,
          count(s.lost.total, 'lost', colors),
          count(s.duplicates.processedMoreThanOnce, 'processed more than once', colors),
        ];
        if (s.pendingAtEnd > 0) facts.push(`${formatCount(s.pendingAtEnd)} pending at the end`);
        if (s.deadLettered > 0) facts.push(`${formatCount(s.deadLettered)} dead-lettered`);
        if (s.outOfOrder !== null && s.outOfOrder.messages > 0)
          facts.push(count(s.outOfOrder.messages, `out of order within a ${s.outOfOrder.unit}`, colors));
        if (s.endToEndLatency.count > 0) facts.push(`p99 end-to-end ${formatDurationUs(s.endToEndLatency.p99Us)}`);
        if (s.lag.maxAtUs !== null)
          facts.push(`max lag ${formatCount(s.lag.max)} at ${formatDurationUs(s.lag.maxAtUs)}`);
        const guarantee = guaranteeKept(s);
        const kept = guarantee === 'neither' ? 'neither at-least- nor at-most-once' : guarantee;
        const verdict = s.verdict.effectivelyOnce ? colors.green(kept) : colors.yellow(kept);
        const who = printable(`${named ? `${run.name}: ` : ''}${streamLabel(topic, s)}`);
        return `${who}: ${facts.join(', ')}: ${verdict}`;
      }),
    ),
  );
}

/** "0 lost", or the count in red when it is an anomaly. */
function count(n: number, what: string, colors: Colors): string {
  const text = `${formatCount(n)} ${what}`;
  return n === 0 ? text : colors.red(text);
}
