import { degreeDistributionChartId } from './charts/degree-distribution.js';
import { feedBacklogChartId } from './charts/feed-backlog.js';
import { feedTimelineWritesChartId } from './charts/feed-timeline-writes.js';
import { feedVisibilityChartId } from './charts/feed-visibility-delay.js';
import type { Chart } from './charts/index.js';
import { MAX_CELEBRITY_POSTS } from './feed/feed-report.js';
import { exponentText } from './feed/power-law-fit.js';
import {
  formatBytes,
  formatCount,
  formatDurationUs,
  formatNumber,
  formatPercent,
  formatRatePerSec,
  formatTimestampUs,
  MISSING,
} from './format.js';
import {
  detail,
  escapeHtml,
  figure,
  type NamedRun,
  passBadge,
  range,
  runsWith,
  section,
  table,
} from './html-elements.js';
import type {
  FeedGraphReport,
  FeedServiceReport,
  FeedStrategy,
  FeedTheoryRow,
  LatencySummary,
  Report,
} from './report-types.js';

/**
 * The Feed section: per feed service a table with the runs side by side —
 * strategy, posts, timeline writes (write amplification, wasted fan-out),
 * reads and fetches, read and post latency, post → visible delays, timeline
 * storage, fan-out backlog, cost — its charts, every strategy's analytic
 * cost beside the simulated one ("Theory: feed costs"), celebrities' posts,
 * and the follower graph with its fitted exponent and degree chart.
 */
export function feedSection(report: Report, charts: Chart[]): string {
  const runs = runsWith(report, (r) => r.feed !== undefined);
  if (runs.length === 0) return '';
  const { measuredFromUs } = runs[0].feed!;
  const parts = [
    `<p>Over the span from ${escapeHtml(formatTimestampUs(measuredFromUs))} (the end of the warm-up) to the end of the run; the charts show every window. <strong>Timeline writes</strong>: posts written into followers’ timelines by fan-out on write; per post, the write amplification. <strong>Wasted fan-out</strong>: writes into users who never read. <strong>Fetches</strong>: followees’ recent posts fetched at read time (fan-out on read). <strong>Visible</strong>: from a post to when one follower’s feed shows it, over every (post, follower). <strong>Cost</strong>: writes × cost per write + fetches × cost per fetch, per second.</p>`,
  ];
  const components: string[] = [];
  for (const run of runs)
    for (const s of run.feed!.services) if (!components.includes(s.component)) components.push(s.component);
  for (const component of components) {
    const cells = runs.map((r) => r.feed!.services.find((s) => s.component === component));
    const present = runs.filter((_, i) => cells[i] !== undefined);
    const services = cells.filter((c): c is FeedServiceReport => c !== undefined);
    parts.push(
      `<h3>${escapeHtml(component)} <span class="muted">(feed service)</span></h3>`,
      table(['', ...runs.map((r) => r.name)], serviceRows(cells), range(1, runs.length + 1), {
        columnPerVariant: true,
      }),
    );
    for (const id of [feedTimelineWritesChartId, feedBacklogChartId, feedVisibilityChartId]) {
      const chart = charts.find((c) => c.id === id(component));
      if (chart !== undefined) parts.push(figure(chart));
    }
    parts.push(theoryTables(present, services));
    parts.push(celebrityTable(present, services));
    parts.push(graphTable(present, services));
    const degrees = charts.find((c) => c.id === degreeDistributionChartId(component));
    if (degrees !== undefined) parts.push(figure(degrees));
  }
  return section('feed', 'Feed', parts.join('\n'));
}

function serviceRows(cells: (FeedServiceReport | undefined)[]): string[][] {
  const rows: string[][] = [];
  const present = cells.filter((c): c is FeedServiceReport => c !== undefined);
  const row = (label: string, cell: (s: FeedServiceReport) => string, show = true) => {
    if (show) rows.push([escapeHtml(label), ...cells.map((s) => (s === undefined ? MISSING : cell(s)))]);
  };
  const any = (pick: (s: FeedServiceReport) => boolean) => present.some(pick);
  row('strategy', (s) => `<strong>${escapeHtml(s.strategy)}</strong>${detail(strategyDetail(s))}`);
  row('posts', (s) => `${escapeHtml(formatRatePerSec(s.postsPerSec))}${detail(`${formatCount(s.posts)} posts`)}`);
  row(
    'timeline writes',
    (s) =>
      `${escapeHtml(formatRatePerSec(s.timelineWritesPerSec))}${detail(`${formatNumber(s.writesPerPost)} per post; ${formatCount(s.timelineWrites)} writes`)}`,
  );
  row(
    'wasted fan-out',
    (s) =>
      `${escapeHtml(formatCount(s.writesToInactive))}${s.inactiveWriteShare === null ? '' : detail(`${formatPercent(s.inactiveWriteShare)} of writes went to users who never read`)}`,
    any((s) => s.timelineWrites > 0),
  );
  row('feed reads', (s) => `${escapeHtml(formatRatePerSec(s.readsPerSec))}${detail(`${formatCount(s.reads)} reads`)}`);
  row(
    'fetches per read',
    (s) =>
      `${escapeHtml(formatNumber(s.fetchesPerRead))}${detail(`${formatRatePerSec(s.fetchesPerSec)}; ${formatCount(s.fetches)} fetches; ${formatNumber(s.itemsPerRead)} posts a page`)}`,
  );
  row(
    'rebuilt timelines',
    (s) =>
      `${escapeHtml(formatCount(s.rebuilds))}${detail(`${formatPercent(s.reads === 0 ? null : s.rebuilds / s.reads)} of reads fetched every followee`)}`,
    any((s) => s.rebuilds > 0),
  );
  row(
    'partial reads',
    (s) =>
      `${s.partialReads === 0 ? '0' : `<strong class="bad">${escapeHtml(formatCount(s.partialReads))}</strong>`}${detail('answered before every fetch came back')}`,
    any((s) => s.partialReads > 0),
  );
  row(
    'feed read latency',
    (s) => latencyCell(s.readLatency),
    any((s) => s.readLatency !== null),
  );
  row(
    'post latency',
    (s) => latencyCell(s.postLatency),
    any((s) => s.postLatency !== null),
  );
  row('post visible to a follower', (s) => {
    if (s.visibility.count === 0) return MISSING;
    // Pull: every follower sees a post the moment it is stored; "p50 0µs" would read like a failure to measure.
    if (s.visibility.maxUs === 0)
      return `at once${detail(`pulled: visible once stored; ${formatCount(s.visibility.count)} (post, follower) pairs`)}`;
    return `${escapeHtml(`p50 ${formatDurationUs(s.visibility.p50Us)}`)}${detail(
      `p90 ${formatDurationUs(s.visibility.p90Us)}, p99 ${formatDurationUs(s.visibility.p99Us)}, max ${formatDurationUs(s.visibility.maxUs)}; ${formatCount(s.visibility.count)} (post, follower) pairs`,
    )}`;
  });
  row(
    'timelines (peak)',
    (s) =>
      `${escapeHtml(`${formatCount(s.timelines.peakEntries)} entries`)}${detail(
        `${formatBytes(s.timelines.peakBytes)}; at the end ${formatCount(s.timelines.entriesAtEnd)} entries, ${formatBytes(s.timelines.bytesAtEnd)}`,
      )}`,
  );
  row(
    'fan-out backlog',
    (s) =>
      `${escapeHtml(`mean ${formatNumber(s.backlog.mean)}`)}${detail(
        `peak ${formatNumber(s.backlog.peak)} ${s.strategy === 'active-push' ? 'queued followers (checked for activity when their turn comes; most get no write)' : 'queued writes'}; ${formatCount(s.backlog.atEnd)} at the end`,
      )}`,
    any((s) => s.timeline.backlogPeak.some((n) => n > 0)),
  );
  row(
    'cost per second',
    (s) =>
      `${escapeHtml(formatNumber(s.costPerSec))}${detail(`writes × ${formatNumber(s.settings.costPerWrite)} + fetches × ${formatNumber(s.settings.costPerFetch)}`)}`,
  );
  row('theory', (s) => {
    const cost = s.theory.rows.find((r) => r.key === 'cost');
    return `${passBadge(s.theory.agrees)}${cost === undefined ? '' : detail(`cost ${formatNumber(cost.analytic)}/s in theory, z = ${formatNumber(cost.z)}`)}`;
  });
  return rows;
}

/** The knob the strategy depends on, in words. */
function strategyDetail(s: FeedServiceReport): string {
  const { celebrityThreshold, activeWindowUs, timelineLength } = s.settings;
  const cap = `timelines of ${formatCount(timelineLength)}`;
  if (s.strategy === 'hybrid')
    return `${celebrityThreshold === null ? 'no producer pulled' : `pulls producers with ${formatCount(celebrityThreshold)}+ followers`}; ${cap}`;
  if (s.strategy === 'active-push')
    return `pushes to readers active within ${formatDurationUs(activeWindowUs)}; ${cap}`;
  return cap;
}

function latencyCell(latency: LatencySummary | null): string {
  if (latency === null || latency.count === 0) return MISSING;
  return `${escapeHtml(`p50 ${formatDurationUs(latency.p50Us)}`)}${detail(`p99 ${formatDurationUs(latency.p99Us)}; ${formatCount(latency.count)} requests`)}`;
}

/**
 * Every strategy's analytic cost, with the simulated one beside the strategy
 * each run used; one table when the runs share the graph, rates and costs
 * (the analytic figures are then the same), one per run otherwise. Then
 * each run's own figures against the theory, with σ and z.
 */
function theoryTables(runs: NamedRun[], services: FeedServiceReport[]): string {
  const sameTheory = services.every(
    (s) => JSON.stringify(s.theory.strategies) === JSON.stringify(services[0].theory.strategies),
  );
  const groups = sameTheory ? [services.map((_, i) => i)] : services.map((_, i) => [i]);
  const parts = ['<h4>Theory: feed costs</h4>', `<p class="note">${escapeHtml(services[0].theory.note)}</p>`];
  for (const group of groups) {
    const ran = (strategy: FeedStrategy) => group.filter((i) => services[i].strategy === strategy);
    const named = runs.length > 1;
    const rows = services[group[0]].theory.strategies.map((s) => {
      const simulated = ran(s.strategy).map((i) => {
        const cost = services[i].theory.rows.find((r) => r.key === 'cost');
        if (cost === undefined) return MISSING;
        // A run named after its strategy is named by the row already.
        const name = named && runs[i].name !== s.strategy ? `${escapeHtml(runs[i].name)}: ` : '';
        return `${name}${escapeHtml(formatNumber(cost.simulated))} ${passBadge(cost.agrees)}`;
      });
      return [
        escapeHtml(s.strategy),
        escapeHtml(formatNumber(s.writesPerSec)),
        escapeHtml(formatNumber(s.fetchesPerSec)),
        `<strong>${escapeHtml(formatNumber(s.costPerSec))}</strong>`,
        simulated.length === 0 ? MISSING : simulated.join('<br>'),
      ];
    });
    if (!sameTheory) parts.push(`<p><strong>${escapeHtml(runs[group[0]].name)}</strong></p>`);
    parts.push(table(['strategy', 'timeline writes/s', 'fetches/s', 'cost/s', 'simulated cost/s'], rows, range(1, 4)));
  }
  parts.push(runChecks(runs, services));
  return parts.join('\n');
}

/**
 * Each run's posts, reads, writes, fetches and cost per second, the runs
 * side by side: simulated, then the analytic value, ±3σ and z beneath.
 */
function runChecks(runs: NamedRun[], services: FeedServiceReport[]): string {
  const keys: FeedTheoryRow['key'][] = ['posts', 'reads', 'writes', 'fetches', 'cost'];
  const rows = keys.map((key) => {
    const label = services.flatMap((s) => s.theory.rows).find((r) => r.key === key)?.label ?? key;
    return [
      escapeHtml(label),
      ...services.map((s) => {
        const r = s.theory.rows.find((x) => x.key === key);
        if (r === undefined) return MISSING;
        const z = r.z === null ? 'no noise' : `z = ${r.z.toFixed(2)}`;
        return `${escapeHtml(formatNumber(r.simulated))} ${passBadge(r.agrees)}${detail(
          `theory ${formatNumber(r.analytic)} ± ${formatNumber(3 * r.sigma)}; ${z}`,
        )}`;
      }),
    ];
  });
  const named = runs.length > 1;
  const departures = services.flatMap((s, i) =>
    s.theory.departures.map((d) => `<li>${named ? `${escapeHtml(runs[i].name)}: ` : ''}${escapeHtml(d)}</li>`),
  );
  return [
    '<p class="note">Each run against the theory of its own strategy: simulated per second, and beneath it the analytic value ± 3σ of a run this long.</p>',
    table(
      [
        '',
        ...runs.map((r, i) => {
          const strategy = services[i].strategy;
          return !named || r.name === strategy ? strategy : `${r.name} (${strategy})`;
        }),
      ],
      rows,
      range(1, runs.length + 1),
      { columnPerVariant: true },
    ),
    departures.length === 0
      ? ''
      : `<p class="note">Where the runs depart from what the theory assumes:</p><ul class="note">${departures.join('')}</ul>`,
  ].join('\n');
}

/**
 * Celebrities' posts after the warm-up, a row per celebrity and the runs
 * side by side: the time from a post until its last follower could see it
 * (median and longest over its posts), how many it made, and how many some
 * follower still could not see at the end.
 */
function celebrityTable(runs: NamedRun[], services: FeedServiceReport[]): string {
  if (services.every((s) => s.celebrityPosts.length === 0)) return '';
  const authors: { user: number; followers: number }[] = [];
  for (const s of services)
    for (const post of s.celebrityPosts)
      if (!authors.some((a) => a.user === post.author)) authors.push({ user: post.author, followers: post.followers });
  const rows = authors.map(({ user, followers }) => [
    `${escapeHtml(`user ${user}`)}${detail(`${formatCount(followers)} followers`)}`,
    ...services.map((s) => {
      const posts = s.celebrityPosts.filter((p) => p.author === user);
      if (posts.length === 0) return MISSING;
      const seen = posts
        .map((p) => p.lastVisibleAfterUs)
        .filter((us): us is number => us !== null)
        .sort((a, b) => a - b);
      const unseen = posts.length - seen.length;
      const median = seen.length === 0 ? null : seen[Math.floor((seen.length - 1) / 2)];
      // Pulled posts are there for every follower once stored: "at once", not "0µs".
      const atOnce = seen.length > 0 && seen.at(-1) === 0;
      const facts = [
        ...(seen.length === 0 || atOnce ? [] : [`longest ${formatDurationUs(seen.at(-1)!)}`]),
        `${formatCount(posts.length)} post${posts.length === 1 ? '' : 's'}`,
        ...(unseen === 0 ? [] : [`${formatCount(unseen)} not seen by every follower by the end`]),
      ];
      const shown = atOnce ? 'at once' : median === null ? null : formatDurationUs(median);
      return `${shown === null ? '<strong class="bad">not by the end</strong>' : escapeHtml(shown)}${detail(facts.join('; '))}`;
    }),
  ]);
  const leftOut = services.some((s) => s.celebrityPostsLeftOut > 0)
    ? ` Only the first ${formatCount(MAX_CELEBRITY_POSTS)} posts of a run are kept.`
    : '';
  return `<h4>Celebrity posts</h4>
<p class="note">The time from a celebrity’s post (after the warm-up) until its last follower could see it, the median over its posts: under push, the fan-out of every follower’s write; where the celebrity is pulled (pull, hybrid above the threshold), the post is there for every follower once stored.${escapeHtml(leftOut)}</p>
${table(['', ...runs.map((r) => r.name)], rows, range(1, runs.length + 1), { columnPerVariant: true })}`;
}

/** The follower graph: one column when every run has the same, the runs side by side otherwise. */
function graphTable(runs: NamedRun[], services: FeedServiceReport[]): string {
  const graphs = services.map((s) => s.graph);
  const same = graphs.every((g) => JSON.stringify(g) === JSON.stringify(graphs[0]));
  const columns = same ? [graphs[0]] : graphs;
  const headers = same ? ['', runs.length > 1 ? 'every variant' : 'graph'] : ['', ...runs.map((r) => r.name)];
  const row = (label: string, cell: (g: FeedGraphReport) => string) => [escapeHtml(label), ...columns.map(cell)];
  const rows = [
    row(
      'users',
      (g) => `${escapeHtml(formatCount(g.users))}${detail(`${formatCount(g.inactiveUsers)} never post or read`)}`,
    ),
    row('follows', (g) => `${escapeHtml(formatCount(g.edges))}${detail(`${formatNumber(g.meanFollows)} per user`)}`),
    row('exponent α', (g) => {
      const requested =
        g.requestedExponent === null ? 'loaded from a file' : `requested ${formatNumber(g.requestedExponent)}`;
      if (g.fit === null) return `${MISSING}${detail(`${requested}; too few users with followers to fit`)}`;
      return `${escapeHtml(exponentText(g.fit))}${detail(
        `${requested}; fitted above ${formatCount(g.fit.xMin)} followers (${formatCount(g.fit.tailUsers)} users, ${formatPercent(g.fit.tailShare)}); KS distance ${g.fit.ksDistance.toFixed(3)}`,
      )}`;
    }),
    row('most followers', (g) => escapeHtml(formatCount(g.maxFollowers))),
    row('celebrities', (g) =>
      g.celebrities.length === 0
        ? MISSING
        : escapeHtml(g.celebrities.map((c) => `user ${c.user}: ${formatCount(c.followers)} followers`).join('; ')),
    ),
  ];
  return `<h4>Follower graph</h4>
<p class="note">The exponent α of the follower counts, P(k) ∝ k^−α, fitted by maximum likelihood above the x_min that makes the tail closest to a power law (Clauset, Shalizi and Newman); ± its standard error (α − 1)/√n.</p>
${table(headers, rows, range(1, columns.length + 1), { columnPerVariant: !same })}`;
}
