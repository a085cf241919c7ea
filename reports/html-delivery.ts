import { consumerLagChartId } from './charts/consumer-lag.js';
import type { Chart } from './charts/index.js';
import { guaranteeKept, streamLabel } from './delivery/stream-label.js';
import { formatCount, formatDurationUs, formatTimestampUs, MISSING } from './format.js';
import { badCount, detail, escapeHtml, figure, range, runsWith, section, table } from './html-elements.js';
import type { DeliveryStreamReport, DeliveryTopicReport, Report } from './report-types.js';

type Cell = { topic: DeliveryTopicReport; stream: DeliveryStreamReport } | undefined;

/**
 * The Delivery section: per stream (a queue, a subscription, a consumer
 * group) a table with the runs side by side — the guarantee kept, what was
 * produced, processed, lost and why, duplicates, order, end-to-end latency
 * and the backlog's peak — then the consumer-lag charts.
 */
export function deliverySection(report: Report, charts: Chart[]): string {
  const runs = runsWith(report, (r) => r.delivery !== undefined);
  if (runs.length === 0) return '';
  const keys = new Map<string, { topic: DeliveryTopicReport; stream: DeliveryStreamReport }>();
  for (const run of runs)
    for (const topic of run.delivery!.topics)
      for (const stream of topic.streams) {
        const key = `${topic.name}/${stream.subscription}`;
        if (!keys.has(key)) keys.set(key, { topic, stream });
      }
  const parts = [
    '<p>Every produced message is judged once per stream. <strong>Lost</strong>: acknowledged to its producer, and never processed, dead-lettered, expired or still pending at the end. <strong>Processed more than once</strong>: its effect applied again (what at-most-once and effectively-once forbid); a duplicate delivery an idempotent consumer absorbed is not. <strong>Lag</strong>: messages stored and not yet processed, dead-lettered or removed; after its peak it is back when at or below its usual level before the peak (the median of its samples at the ends of the windows until then).</p>',
  ];
  for (const { topic, stream } of keys.values()) {
    const cells: Cell[] = runs.map((run) => {
      const t = run.delivery!.topics.find((x) => x.name === topic.name);
      const s = t?.streams.find((x) => x.subscription === stream.subscription);
      return t === undefined || s === undefined ? undefined : { topic: t, stream: s };
    });
    parts.push(
      `<h3>${escapeHtml(streamLabel(topic, stream))} <span class="muted">(${escapeHtml(topic.kind ?? 'no broker')})</span></h3>`,
      table(['', ...runs.map((r) => r.name)], streamRows(cells), range(1, runs.length + 1), {
        columnPerVariant: true,
      }),
    );
    const chart = charts.find((c) => c.id === consumerLagChartId(topic.name, stream.subscription));
    if (chart !== undefined) parts.push(figure(chart));
  }
  return section('delivery', 'Delivery', parts.join('\n'));
}

function streamRows(cells: Cell[]): string[][] {
  const rows: string[][] = [];
  const present = cells.filter((c) => c !== undefined);
  const row = (label: string, cell: (c: NonNullable<Cell>) => string, show = true) => {
    if (show) rows.push([escapeHtml(label), ...cells.map((c) => (c === undefined ? MISSING : cell(c)))]);
  };
  const any = (pick: (c: NonNullable<Cell>) => boolean) => present.some(pick);
  row('guarantee kept', ({ stream }) => verdictBadge(stream));
  row(
    'produced',
    ({ topic }) =>
      `${escapeHtml(formatCount(topic.produced))}${detail(`${formatCount(topic.acknowledged)} acknowledged, ${formatCount(topic.unacknowledged.failed)} failed, ${formatCount(topic.unacknowledged.unanswered)} unanswered`)}`,
  );
  row(
    'appended twice or more',
    ({ topic }) =>
      `${escapeHtml(formatCount(topic.duplicateAppends))}${detail(`${formatCount(topic.storedCopies)} copies of ${formatCount(topic.stored)} messages`)}`,
    any(({ topic }) => topic.duplicateAppends > 0),
  );
  row(
    'processed',
    ({ stream }) =>
      `${escapeHtml(formatCount(stream.processed))}${detail(`${formatCount(stream.delivered)} delivered`)}`,
  );
  row('acknowledged, lost', ({ stream }) => {
    const l = stream.lost;
    const causes = [
      [l.neverStored, 'never stored'],
      [l.removedByBroker, 'removed by the broker'],
      [l.deliveredNotProcessed, 'delivered, never processed'],
      [l.skipped, 'skipped'],
    ] as const;
    const why = causes.filter(([n]) => n > 0).map(([n, what]) => `${formatCount(n)} ${what}`);
    return `${badCount(l.total)}${why.length > 0 ? detail(why.join(', ')) : ''}`;
  });
  row('pending at the end', ({ stream }) => escapeHtml(formatCount(stream.pendingAtEnd)));
  row(
    'expired (retention)',
    ({ stream }) => escapeHtml(formatCount(stream.expired)),
    any(({ stream }) => stream.expired > 0),
  );
  row(
    'dead-lettered',
    ({ stream }) => escapeHtml(formatCount(stream.deadLettered)),
    any(({ stream }) => stream.deadLettered > 0),
  );
  row(
    'unacknowledged, never processed',
    ({ stream }) => escapeHtml(formatCount(stream.unacknowledgedUnprocessed)),
    any(({ stream }) => stream.unacknowledgedUnprocessed > 0),
  );
  row(
    'delivered more than once',
    ({ stream }) =>
      `${escapeHtml(formatCount(stream.duplicates.deliveredMoreThanOnce))}${detail(`${formatCount(stream.duplicates.redeliveries)} redeliveries`)}`,
  );
  row(
    'processed more than once',
    ({ stream }) =>
      `${badCount(stream.duplicates.processedMoreThanOnce)}${detail(`${formatCount(stream.duplicates.extraEffects)} extra effects`)}`,
  );
  row(
    'out of order',
    ({ stream }) =>
      stream.outOfOrder === null
        ? MISSING
        : `${badCount(stream.outOfOrder.messages)}${detail(`within a ${stream.outOfOrder.unit}`)}`,
    any(({ stream }) => stream.outOfOrder !== null),
  );
  row(
    'skipped offsets',
    ({ stream }) =>
      stream.skippedOffsets === null
        ? MISSING
        : `${badCount(stream.skippedOffsets.total)}${stream.skippedOffsets.total > 0 ? detail(`per partition: ${stream.skippedOffsets.byPartition.join(', ')}`) : ''}`,
    any(({ stream }) => stream.skippedOffsets !== null),
  );
  row('end-to-end p50 / p99 / max', ({ stream }) => {
    const e = stream.endToEndLatency;
    return e.count === 0
      ? MISSING
      : `${escapeHtml([e.p50Us, e.p99Us, e.maxUs].map(formatDurationUs).join(' / '))}${detail(`over ${formatCount(e.count)} processed`)}`;
  });
  row('max lag', ({ stream }) => {
    const lag = stream.lag;
    if (lag.maxAtUs === null) return escapeHtml(formatCount(lag.max));
    const drained =
      lag.drainedUs === null
        ? `not back to ${formatCount(lag.drainLevel)} by the end`
        : `back to ${formatCount(lag.drainLevel)} at ${formatTimestampUs(lag.drainedUs)}, ${formatDurationUs(lag.drainedUs - lag.maxAtUs)} later`;
    return `${escapeHtml(formatCount(lag.max))}${detail(`at ${formatTimestampUs(lag.maxAtUs)}; ${drained}`)}`;
  });
  return rows;
}

function verdictBadge(stream: DeliveryStreamReport): string {
  const kept = guaranteeKept(stream);
  const cls = stream.verdict.effectivelyOnce
    ? 'pass'
    : stream.verdict.atLeastOnce || stream.verdict.atMostOnce
      ? 'unknown'
      : 'fail';
  return `<span class="badge ${cls}">${escapeHtml(kept)}</span>`;
}
