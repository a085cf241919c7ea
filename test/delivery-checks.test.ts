import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeliveryLog, type StreamRecord, type TopicRecord } from '../models/measure/delivery-log.js';
import { deliveryReport } from '../reports/delivery/delivery-report.js';
import type { DeliveryStreamReport } from '../reports/report-types.js';

/** The delivery checker on delivery logs filled by hand: each category, then properties over random logs. */

const S = 1_000_000;
const windows = (count: number) => Array.from({ length: count }, (_, i) => ({ startUs: i * S, endUs: (i + 1) * S }));

/** A message from producer node 1, with key `key`: produced at `atUs`, acknowledged and stored 1 ms later unless told otherwise. */
function message(topic: TopicRecord, atUs: number, options: { ack?: boolean; store?: boolean; key?: number } = {}) {
  const id = topic.produced(1, options.key ?? 0, atUs);
  if (options.store ?? true) topic.stored(id, atUs + 1000);
  if (options.ack ?? true) topic.acknowledged(id, atUs + 2000);
  return id;
}

function report(log: DeliveryLog, windowCount = 3): DeliveryStreamReport {
  return deliveryReport(log, windows(windowCount))!.topics[0].streams[0];
}

function queueLog(): { log: DeliveryLog; topic: TopicRecord; stream: StreamRecord } {
  const log = new DeliveryLog();
  const topic = log.topic('orders', 'queue');
  const stream = topic.stream('orders', 'none');
  return { log, topic, stream };
}

describe('the delivery checker', () => {
  it('is absent when the run had no topic', () => {
    expect(deliveryReport(new DeliveryLog(), windows(3))).toBeUndefined();
  });

  it("a pub-sub subscription's copy expiring leaves the other subscriptions' copies held", () => {
    const log = new DeliveryLog();
    const topic = log.topic('orders', 'pubsub');
    const slow = topic.stream('analytics', 'none');
    const waiting = topic.stream('audit', 'none');
    const id = message(topic, 0);
    slow.removed(id, 'expired', 1.5 * S);
    waiting.pendingAtEnd = () => [id];
    const [analytics, audit] = deliveryReport(log, windows(3))!.topics[0].streams;
    expect([analytics.expired, analytics.pendingAtEnd]).toEqual([1, 0]);
    expect([audit.expired, audit.pendingAtEnd]).toEqual([0, 1]);
    expect(analytics.lag.timeline).toEqual([1, 0, 0]);
    expect(audit.lag.timeline).toEqual([1, 1, 1]);
  });

  it('splits lost messages by cause, and counts neither pending nor expired nor dead-lettered ones as lost', () => {
    const { log, topic, stream } = queueLog();
    message(topic, 0, { store: false });
    const truncated = message(topic, 0);
    topic.removed(truncated, 'truncated', 50_000);
    const dropped = message(topic, 0);
    topic.removed(dropped, 'dropped', 50_000);
    const consumerLost = message(topic, 0);
    stream.delivered(consumerLost, 0, -1, 10_000);
    message(topic, 0); // passed over
    const pending = message(topic, 0);
    stream.delivered(pending, 0, -1, 10_000);
    const expired = message(topic, 0);
    topic.removed(expired, 'expired', 2 * S);
    const poison = message(topic, 0);
    for (let i = 0; i < 3; i++) stream.delivered(poison, 0, -1, 10_000 + i);
    stream.deadLettered(poison, 20_000);
    const done = message(topic, 0);
    stream.delivered(done, 0, -1, 10_000);
    stream.processed(done, 11_000);
    stream.pendingAtEnd = () => [pending];

    const r = report(log);
    expect(r.lost).toEqual({ total: 5, neverStored: 1, removedByBroker: 2, deliveredNotProcessed: 1, skipped: 1 });
    expect([r.processed, r.deadLettered, r.expired, r.pendingAtEnd, r.unacknowledgedUnprocessed]).toEqual([
      1, 1, 1, 1, 0,
    ]);
    expect(r.delivered).toBe(4);
    expect(r.verdict).toEqual({ atMostOnce: true, atLeastOnce: false, effectivelyOnce: false });
    const t = deliveryReport(log, windows(3))!.topics[0];
    expect([t.produced, t.acknowledged, t.stored, t.storedCopies]).toEqual([9, 9, 8, 8]);
  });

  it('counts a message the producer never had acknowledged as no loss, failed or unanswered', () => {
    const { log, topic, stream } = queueLog();
    const refused = message(topic, 0, { ack: false, store: false });
    topic.failed(refused, 5000);
    message(topic, 0, { ack: false });
    const processed = message(topic, 0, { ack: false });
    stream.delivered(processed, 0, -1, 10_000);
    stream.processed(processed, 12_000);
    const r = report(log);
    expect(r.lost.total).toBe(0);
    expect([r.processed, r.unacknowledgedUnprocessed]).toEqual([1, 2]);
    expect(r.verdict.effectivelyOnce).toBe(true);
    const t = deliveryReport(log, windows(3))!.topics[0];
    expect([t.acknowledged, t.unacknowledged.failed, t.unacknowledged.unanswered]).toEqual([0, 1, 2]);
  });

  it('tells duplicate deliveries an idempotent consumer absorbed from repeated effects, and counts duplicate appends', () => {
    const { log, topic, stream } = queueLog();
    const absorbed = message(topic, 0);
    topic.stored(absorbed, 3000);
    stream.delivered(absorbed, 0, -1, 10_000);
    stream.delivered(absorbed, 0, -1, 20_000);
    stream.delivered(absorbed, 0, -1, 30_000);
    stream.processed(absorbed, 11_000);
    const repeated = message(topic, 0);
    for (const atUs of [10_000, 40_000, 70_000]) {
      stream.delivered(repeated, 0, -1, atUs);
      stream.processed(repeated, atUs + 1000);
    }
    const r = report(log);
    expect(r.duplicates).toEqual({
      deliveredMoreThanOnce: 2,
      redeliveries: 4,
      processedMoreThanOnce: 1,
      extraEffects: 2,
    });
    expect(r.verdict).toEqual({ atMostOnce: false, atLeastOnce: true, effectivelyOnce: false });
    const t = deliveryReport(log, windows(3))!.topics[0];
    expect([t.stored, t.storedCopies, t.duplicateAppends]).toEqual([2, 3, 1]);
  });

  it('counts offsets below the highest delivered one that were never delivered, per partition; none for queues', () => {
    const log = new DeliveryLog();
    const topic = log.topic('events', 'log');
    const stream = topic.stream('billing', 'partition');
    const deliver = (partition: number, offset: number) =>
      stream.delivered(message(topic, 0, { key: partition }), partition, offset, 10_000);
    for (const offset of [0, 1, 3, 6]) deliver(0, offset);
    deliver(1, 0);
    deliver(1, 1);
    expect(report(log).skippedOffsets).toEqual({ total: 3, byPartition: [3, 0] });
    expect(report(queueLog().log).skippedOffsets).toBeNull();
  });

  it('reports messages first delivered after a later one of their producer and unit; null without an order', () => {
    const log = new DeliveryLog();
    const topic = log.topic('events', 'log');
    const stream = topic.stream('billing', 'partition');
    const ids = [0, 1, 2, 3].map(() => message(topic, 0));
    for (const [i, offset] of [
      [0, 0],
      [2, 2],
      [1, 1],
      [3, 3],
    ])
      stream.delivered(ids[i], 0, offset, 10_000);
    expect(report(log).outOfOrder).toEqual({ messages: 1, unit: 'partition' });
    expect(report(queueLog().log).outOfOrder).toBeNull();
  });

  it('measures end-to-end latency from production to the first processing', () => {
    const { log, topic, stream } = queueLog();
    for (let i = 0; i < 100; i++) {
      const id = message(topic, i * 10_000);
      stream.delivered(id, 0, -1, i * 10_000 + 4000);
      stream.processed(id, i * 10_000 + 5000 + (i === 99 ? 95_000 : 0));
      stream.processed(id, i * 10_000 + 900_000);
    }
    message(topic, 0);
    const latency = report(log).endToEndLatency;
    expect(latency.count).toBe(100);
    // An HDR histogram's three significant digits.
    expect(Math.abs(latency.p50Us - 5000)).toBeLessThanOrEqual(5);
    expect(latency.maxUs).toBe(100_000);
  });

  it('samples the backlog at the end of every window, finds its exact peak, its usual level before and when it drained', () => {
    const { log, topic, stream } = queueLog();
    const stored = (atUs: number) => {
      const id = topic.produced(1, 0, atUs);
      topic.stored(id, atUs);
      topic.acknowledged(id, atUs);
      return id;
    };
    const process = (id: number, atUs: number) => {
      stream.delivered(id, 0, -1, atUs);
      stream.processed(id, atUs);
    };
    process(stored(0.5 * S), 2.9 * S);
    // A spike within the third window, its peak (4) never at a window's end.
    const spike = [2.1, 2.2, 2.3].map((s) => stored(s * S));
    process(spike[0], 2.5 * S);
    process(spike[1], 2.6 * S);
    process(spike[2], 3.5 * S);
    // Neither processed nor pending: leaves the backlog when the consumer took it; never delivered: never in it.
    stream.delivered(stored(0.2 * S), 0, -1, 0.3 * S);
    stored(0.2 * S);
    const lag = report(log, 4).lag;
    expect(lag).toEqual({ timeline: [1, 1, 1, 0], max: 4, maxAtUs: 2.3 * S, drainLevel: 1, drainedUs: 2.9 * S });
  });

  it('leaves in the backlog at the end exactly what is pending, and leaves it undrained', () => {
    const { log, topic, stream } = queueLog();
    const waiting = [message(topic, 0.1 * S), message(topic, 1.5 * S)];
    const gone = message(topic, 0.2 * S);
    stream.deadLettered(gone, 0.4 * S);
    const old = message(topic, 1.2 * S);
    topic.removed(old, 'expired', 2.5 * S);
    stream.pendingAtEnd = () => waiting;
    const r = report(log);
    expect(r.lag).toEqual({ timeline: [1, 3, 2], max: 3, maxAtUs: 1.5 * S + 1000, drainLevel: 1, drainedUs: null });
    expect(r.pendingAtEnd).toBe(2);
    expect(r.lost.total).toBe(0);
  });

  it('refuses a pending id the topic never produced, naming the stream', () => {
    const { log, topic, stream } = queueLog();
    message(topic, 0);
    stream.pendingAtEnd = () => [7];
    expect(() => report(log)).toThrow(/orders\/orders: pendingAtEnd\(\) gave message 7, but the topic's ids are 0..0/);
  });

  it('puts every produced message in exactly one fate, loses only acknowledged ones, and ends with the pending backlog', () => {
    const facts = fc.record({
      ack: fc.boolean(),
      copies: fc.nat(2),
      removed: fc.constantFrom(null, 'truncated', 'expired', 'dropped'),
      deliveries: fc.nat(3),
      processings: fc.nat(2),
      deadLettered: fc.boolean(),
      pending: fc.boolean(),
      atUs: fc.nat(3 * S),
    });
    fc.assert(
      fc.property(fc.array(facts, { maxLength: 40 }), (messages) => {
        const { log, topic, stream } = queueLog();
        const pending: number[] = [];
        let pendingStored = 0;
        for (const m of messages) {
          const id = topic.produced(1, 0, m.atUs);
          if (m.ack) topic.acknowledged(id, m.atUs + 10);
          for (let c = 0; c < m.copies; c++) topic.stored(id, m.atUs + 5);
          if (m.copies > 0 && m.removed !== null) topic.removed(id, m.removed, m.atUs + 50);
          for (let d = 0; d < m.deliveries; d++) stream.delivered(id, 0, -1, m.atUs + 20 + d);
          for (let p = 0; p < m.processings; p++) stream.processed(id, m.atUs + 30 + p);
          const unprocessed = m.processings === 0;
          if (unprocessed && m.deadLettered) stream.deadLettered(id, m.atUs + 40);
          // What a broker would still deliver: held, unprocessed messages it has not dead-lettered.
          if (unprocessed && !m.deadLettered && m.pending && m.copies > 0 && m.removed === null) {
            pending.push(id);
            pendingStored++;
          }
        }
        stream.pendingAtEnd = () => pending;
        const r = report(log);
        const fates =
          r.processed + r.deadLettered + r.expired + r.pendingAtEnd + r.lost.total + r.unacknowledgedUnprocessed;
        expect(fates).toBe(messages.length);
        expect(r.lost.total).toBeLessThanOrEqual(messages.filter((m) => m.ack).length);
        expect(r.lag.timeline.at(-1)).toBe(pendingStored);
        expect(r.lag.timeline.every((lag) => lag <= r.lag.max)).toBe(true);
        expect(r.verdict.effectivelyOnce).toBe(r.lost.total === 0 && r.duplicates.extraEffects === 0);
      }),
      { numRuns: 300 },
    );
  });
});
