import type { FeedLog, FeedRecord } from '../../models/measure/feed-log.js';
import { ERROR_KINDS } from '../../models/measure/request-metrics.js';
import type {
  FaultEvent,
  FeedCelebrityPost,
  FeedReport,
  FeedServiceReport,
  FeedTheoryReport,
  FeedTheoryRow,
  FeedTimeline,
  RunMetrics,
} from '../report-types.js';
import { feedCostTheory, feedCostVariance, rateAgreement, type FeedCostTheory } from './feed-cost-theory.js';
import { feedGraphReport } from './feed-graph-report.js';

/** A reporting window of `metrics.timeline`: the last may be shorter. */
interface Window {
  startUs: number;
  endUs: number;
}

/** What the section reads off the run besides the feed log. */
export interface FeedRunFacts {
  windows: readonly Window[];
  /** Requests by operation: `read` and `post` are the feed workload's. */
  metrics: Pick<RunMetrics, 'latencyByOperation' | 'requests'>;
  faults: readonly FaultEvent[];
}

/** Celebrity posts kept in the report, the first ones after the warm-up: a celebrity posting every second would otherwise grow it with the run. */
export const MAX_CELEBRITY_POSTS = 100;

const round = (x: number, digits: number) => Number(x.toFixed(digits));
/** Six significant figures: rates per second span 10^−3 to 10^7. */
const sig = (x: number) => Number(x.toPrecision(6));
const perSec = (count: number, seconds: number) => (seconds > 0 ? sig(count / seconds) : null);
const ratio = (part: number, whole: number) => (whole === 0 ? null : round(part / whole, 6));

/**
 * The feed section of a run's report: per feed-service component, what its
 * strategy cost — posts, timeline writes (write amplification: writes per
 * post; wasted: writes to users who never read), feed reads and the followee
 * fetches they made, read and post latency, how long a post took to become
 * visible in each follower's feed and a celebrity's post in its last
 * follower's, timeline storage, the fan-out backlog and a cost per second —
 * with every strategy's analytic cost on the same graph and rates beside the
 * simulated one, and the graph's degree distribution and fitted exponent.
 * Totals count from the warm-up's end (the log's measureFromUs, exact);
 * timelines keep every window. Undefined when the run had no feed service.
 * Linear in edges (the theory's one pass) plus windows.
 */
export function feedReport(log: FeedLog, facts: FeedRunFacts): FeedReport | undefined {
  if (log.services.length === 0) return undefined;
  const endUs = facts.windows.at(-1)?.endUs ?? log.measureFromUs;
  const measuredSeconds = Math.max(0, endUs - log.measureFromUs) / 1e6;
  const single = log.services.length === 1;
  return {
    measuredFromUs: log.measureFromUs,
    measuredSeconds,
    services: log.services.map((record) =>
      serviceReport(record, log.measureFromUs, endUs, measuredSeconds, facts, single),
    ),
  };
}

function serviceReport(
  record: FeedRecord,
  measureFromUs: number,
  endUs: number,
  seconds: number,
  facts: FeedRunFacts,
  single: boolean,
): FeedServiceReport {
  const { setup } = record;
  const cost = record.timelineWrites * setup.costPerWrite + record.fetches * setup.costPerFetch;
  record.backlog.advance(endUs);
  const timeline = feedTimeline(record, facts.windows);
  const backlog = measuredBacklog(record, facts.windows, measureFromUs);
  const entryBytes = setup.timelineEntryBytes;
  const latency = (operation: string) => (single ? (facts.metrics.latencyByOperation[operation] ?? null) : null);
  const theory = feedCostTheory(setup);
  return {
    component: record.component,
    strategy: setup.strategy,
    settings: {
      celebrityThreshold: Number.isFinite(setup.celebrityThreshold) ? setup.celebrityThreshold : null,
      activeWindowUs: setup.activeWindowUs,
      costPerWrite: setup.costPerWrite,
      costPerFetch: setup.costPerFetch,
      timelineLength: setup.timelineLength,
      timelineEntryBytes: entryBytes,
    },
    posts: record.posts,
    postsPerSec: perSec(record.posts, seconds),
    timelineWrites: record.timelineWrites,
    timelineWritesPerSec: perSec(record.timelineWrites, seconds),
    writesPerPost: record.posts === 0 ? null : sig(record.timelineWrites / record.posts),
    writesToInactive: record.writesToInactive,
    inactiveWriteShare: ratio(record.writesToInactive, record.timelineWrites),
    reads: record.reads,
    readsPerSec: perSec(record.reads, seconds),
    fetches: record.fetches,
    fetchesPerSec: perSec(record.fetches, seconds),
    fetchesPerRead: record.reads === 0 ? null : sig(record.fetches / record.reads),
    itemsPerRead: record.reads === 0 ? null : sig(record.itemsReturned / record.reads),
    rebuilds: record.rebuilds,
    partialReads: record.partialReads,
    readLatency: latency('read'),
    postLatency: latency('post'),
    visibility: record.visibility.summary(),
    ...celebrityPosts(record, measureFromUs),
    timelines: {
      peakEntries: record.peakTimelineEntries,
      peakBytes: record.peakTimelineEntries * entryBytes,
      entriesAtEnd: record.timelineEntries,
      bytesAtEnd: record.timelineEntries * entryBytes,
    },
    backlog: { ...backlog, atEnd: record.backlog.current },
    costPerSec: perSec(cost, seconds),
    theory: theoryReport(record, theory, seconds, facts, single),
    graph: feedGraphReport(setup.graph),
    timeline,
  };
}

function celebrityPosts(
  record: FeedRecord,
  measureFromUs: number,
): { celebrityPosts: FeedCelebrityPost[]; celebrityPostsLeftOut: number } {
  const measured = record.celebrityPosts.filter((p) => p.postedUs >= measureFromUs);
  return {
    celebrityPosts: measured.slice(0, MAX_CELEBRITY_POSTS).map((p) => ({
      author: p.author,
      followers: p.followers,
      postedUs: p.postedUs,
      lastVisibleAfterUs: Number.isNaN(p.lastVisibleUs) ? null : p.lastVisibleUs - p.postedUs,
    })),
    celebrityPostsLeftOut: Math.max(0, measured.length - MAX_CELEBRITY_POSTS),
  };
}

function feedTimeline(record: FeedRecord, windows: readonly Window[]): FeedTimeline {
  const { costPerWrite, costPerFetch } = record.setup;
  const seconds = (w: number) => Math.max(windows[w].endUs - windows[w].startUs, 1) / 1e6;
  const rate = (values: ArrayLike<number>) => windows.map((_, w) => round(values[w] / seconds(w), 3));
  return {
    postsPerSec: rate(record.postsPerWindow),
    timelineWritesPerSec: rate(record.timelineWritesPerWindow),
    readsPerSec: rate(record.readsPerWindow),
    fetchesPerSec: rate(record.fetchesPerWindow),
    costPerSec: windows.map((_, w) =>
      round(
        (record.timelineWritesPerWindow[w] * costPerWrite + record.fetchesPerWindow[w] * costPerFetch) / seconds(w),
        3,
      ),
    ),
    backlogMean: windows.map((_, w) => round(record.backlog.integral[w] / (seconds(w) * 1e6), 3)),
    backlogPeak: windows.map((_, w) => record.backlog.peak[w]),
  };
}

/** The backlog's time-weighted mean and peak over the windows starting at or after the warm-up's end; null without one. */
function measuredBacklog(record: FeedRecord, windows: readonly Window[], measureFromUs: number) {
  let integral = 0;
  let span = 0;
  let peak = 0;
  let measured = false;
  windows.forEach((window, w) => {
    if (window.startUs < measureFromUs) return;
    measured = true;
    integral += record.backlog.integral[w];
    span += window.endUs - window.startUs;
    peak = Math.max(peak, record.backlog.peak[w]);
  });
  return measured && span > 0 ? { mean: round(integral / span, 3), peak } : { mean: null, peak: null };
}

const THEORY_NOTE =
  'Analytic load per second from the graph and each user’s post rate λ and read rate μ, summed over the follows p → c (c follows p): push writes Σλ_p; pull fetches Σμ_c; hybrid pushes producers with fewer followers than the threshold and pulls the rest; selective takes per follow the cheaper of costPerWrite·λ_p and costPerFetch·μ_c (ties push); active-push writes Σλ_p(1 − e^{−μ_c·W}) and fetches Σμ_c·e^{−μ_c·W} (a read after none within W pulls every followee; steady state, which the service starts in). Cost = writes × costPerWrite + fetches × costPerFetch. σ: the standard deviation of a per-second figure over the measured span (compound Poisson; active-push’s from the renewal–reward theorem); simulated agrees within ±3σ.';

function theoryReport(
  record: FeedRecord,
  theory: FeedCostTheory,
  seconds: number,
  facts: FeedRunFacts,
  single: boolean,
): FeedTheoryReport {
  const { setup } = record;
  const own = theory.strategies.find((s) => s.strategy === setup.strategy)!;
  const variance = feedCostVariance(setup, setup.strategy);
  const strategies = theory.strategies.map((s) => ({
    strategy: s.strategy,
    writesPerSec: sig(s.writesPerSec),
    fetchesPerSec: sig(s.fetchesPerSec),
    costPerSec: sig(s.costPerSec),
  }));
  const departures = theoryDepartures(record, variance.writesVarianceRate, seconds, facts, single);
  if (!(seconds > 0))
    return {
      note: THEORY_NOTE,
      strategies,
      rows: [],
      agrees: false,
      departures: [...departures, 'no time was measured after the warm-up'],
    };
  const row = (
    key: FeedTheoryRow['key'],
    label: string,
    analytic: number,
    varianceRate: number,
    count: number,
  ): FeedTheoryRow => {
    const a = rateAgreement(analytic, varianceRate, count, seconds);
    return {
      key,
      label,
      analytic: sig(a.analytic),
      simulated: sig(a.simulated),
      sigma: sig(a.sigma),
      z: a.z === null ? null : round(a.z, 3),
      agrees: a.agrees,
    };
  };
  const cost = record.timelineWrites * setup.costPerWrite + record.fetches * setup.costPerFetch;
  const rows = [
    row('posts', 'posts/s', theory.postsPerSec, theory.postsPerSec, record.posts),
    row('reads', 'feed reads/s', theory.readsPerSec, theory.readsPerSec, record.reads),
    row('writes', 'timeline writes/s', own.writesPerSec, variance.writesVarianceRate, record.timelineWrites),
    row('fetches', 'fetches/s', own.fetchesPerSec, variance.fetchesVarianceRate, record.fetches),
    row('cost', 'cost/s', own.costPerSec, variance.costVarianceRate, cost),
  ];
  return { note: THEORY_NOTE, strategies, rows, agrees: rows.every((r) => r.agrees), departures };
}

/** What in this run the theory does not assume, for a person to weigh a disagreement by. */
function theoryDepartures(
  record: FeedRecord,
  writesVarianceRate: number,
  seconds: number,
  facts: FeedRunFacts,
  single: boolean,
): string[] {
  const departures: string[] = [];
  const faults = facts.faults.filter((f) => f.kind !== 'heal' && f.kind !== 'restart');
  if (faults.length > 0)
    departures.push(
      `${faults.length} fault${faults.length === 1 ? '' : 's'} in the run: posts, reads and fan-out a crash or partition lost or delayed are counted by the theory, not the run`,
    );
  // Writes still queued are the measured posts' cost not yet paid; beyond one σ of the write count they show.
  const backlogAtEnd = record.backlog.current;
  if (backlogAtEnd > Math.sqrt(writesVarianceRate * seconds))
    departures.push(
      `${backlogAtEnd} ${record.setup.strategy === 'active-push' ? 'followers were still queued for the activity check' : 'timeline writes were still queued for fan-out'} at the end: posts made in the run whose writes the run did not make`,
    );
  if (single) {
    const byOperation = facts.metrics.requests.byOperation;
    for (const operation of ['post', 'read']) {
      const o = byOperation[operation];
      const failed = o === undefined ? 0 : ERROR_KINDS.reduce((sum, kind) => sum + o.errors[kind], 0);
      if (failed > 0)
        departures.push(`${failed} ${operation} requests failed: the theory counts every one the users made`);
    }
  }
  return departures;
}
