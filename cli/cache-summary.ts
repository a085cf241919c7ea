import type pc from 'picocolors';
import { formatCount, formatNumber, formatPercent, formatRatePerSec, formatTimestampUs } from '../reports/format.js';
import type { Report } from '../reports/report-types.js';
import { printable } from '../scenarios/harness/scenario-error.js';

type Colors = ReturnType<typeof pc.createColors>;

/**
 * One line per cache and run for the terminal, then one per database: the
 * hit ratio, the load behind the cache, stale reads and lost writes (red
 * when not 0), and the backend fetches per expiry of its hot keys when one
 * expired, e.g. "cache: hit ratio 91.24% (bytes 88.10%), 412/s behind it,
 * 0 stale reads, 3 lost writes, 41 fetches per hot-key expiry", and "db:
 * 430/s reads + writes, peak 2,150/s at 30.000s". Runs are named when there
 * are several.
 */
export function cacheLines(report: Report, colors: Colors): string[] {
  const runs = report.variants ?? [{ ...report, name: report.variant }];
  const named = runs.length > 1;
  return runs.flatMap((run) => {
    const who = (component: string) => printable(`${named ? `${run.name}: ` : ''}${component}`);
    const caches = (run.caches?.caches ?? []).map((c) => {
      const facts = [
        `hit ratio ${formatPercent(c.hitRatio)} (bytes ${formatPercent(c.byteHitRatio)})`,
        `${formatRatePerSec(c.backend.perSec)} behind it`,
        count(c.staleReads, 'stale reads', colors),
      ];
      if (c.writes > 0 || c.lostWrites > 0) facts.push(count(c.lostWrites, 'lost writes', colors));
      const hotExpiries = c.details.hotKeyExpiries ?? 0;
      if (hotExpiries > 0) {
        const perExpiry = (c.details.hotKeyFetches ?? 0) / hotExpiries;
        facts.push(`${formatNumber(perExpiry)} ${perExpiry === 1 ? 'fetch' : 'fetches'} per hot-key expiry`);
      }
      return `${who(c.component)}: ${facts.join(', ')}`;
    });
    const databases = (run.caches?.databases ?? []).map((d) => {
      const peak =
        d.peakAtUs === null ? '' : `, peak ${formatRatePerSec(d.peakPerSec)} at ${formatTimestampUs(d.peakAtUs)}`;
      return `${who(d.component)}: ${formatRatePerSec(d.perSec)} reads + writes${peak}`;
    });
    return [...caches, ...databases];
  });
}

/** "0 stale reads", or the count in red when it is an anomaly. */
function count(n: number, what: string, colors: Colors): string {
  const text = `${formatCount(n)} ${what}`;
  return n === 0 ? text : colors.red(text);
}
