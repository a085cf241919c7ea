import type pc from 'picocolors';
import { formatDurationUs, formatNumber, formatRatePerSec, MISSING } from '../reports/format.js';
import type { FeedServiceReport, Report } from '../reports/report-types.js';
import { printable } from '../scenarios/harness/scenario-error.js';

type Colors = ReturnType<typeof pc.createColors>;

/**
 * One line per feed service and run for the terminal: its strategy, posts,
 * timeline writes and writes per post, reads and fetches per read, the p99
 * of post → visible, and the cost per second beside the analytic one with
 * its ±3σ (red when they disagree), e.g. "feed (push): 98.1 posts/s, 1,962
 * timeline writes/s (20.0 per post), 981 reads/s, 0 fetches per read,
 * visible p99 12.3ms, cost 1,962/s (theory 1,940 ± 63)". Runs are named
 * when there are several, unless named after the strategy.
 */
export function feedLines(report: Report, colors: Colors): string[] {
  const runs = report.variants ?? [{ ...report, name: report.variant }];
  const named = runs.length > 1;
  return runs.flatMap((run) =>
    (run.feed?.services ?? []).map((s) => {
      // A variant named after its strategy (feed-fanout's) is not named twice.
      const variant = named && run.name !== s.strategy ? `${run.name}: ` : '';
      const who = printable(`${variant}${s.component} (${s.strategy})`);
      const facts = [
        `${formatNumber(s.postsPerSec)} posts/s`,
        `${formatNumber(s.timelineWritesPerSec)} timeline writes/s (${formatNumber(s.writesPerPost)} per post)`,
        `${formatNumber(s.readsPerSec)} reads/s`,
        `${formatNumber(s.fetchesPerRead)} ${s.fetchesPerRead === 1 ? 'fetch' : 'fetches'} per read`,
        visibleText(s),
      ];
      const cost = s.theory.rows.find((r) => r.key === 'cost');
      const theory =
        cost === undefined ? '' : ` (theory ${formatNumber(cost.analytic)} ± ${formatNumber(3 * cost.sigma)})`;
      const costText = `cost ${formatRatePerSec(s.costPerSec)}${theory}`;
      facts.push(cost === undefined || cost.agrees ? costText : colors.red(`${costText}: outside ±3σ`));
      return `${who}: ${facts.join(', ')}`;
    }),
  );
}

/** The p99 of post → visible; "visible at once" where every follower pulled the post (0µs would look unmeasured). */
function visibleText(s: FeedServiceReport): string {
  if (s.visibility.count === 0) return `visible p99 ${MISSING}`;
  return s.visibility.maxUs === 0 ? 'visible at once' : `visible p99 ${formatDurationUs(s.visibility.p99Us)}`;
}
