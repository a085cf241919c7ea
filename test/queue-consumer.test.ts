import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RandomStream } from '../engine/index.js';
import type { StreamRecord } from '../models/measure/delivery-log.js';
import { queueRig, type Send } from './support/queue-rig.js';

const S = 1_000_000;
const MS = 1000;

/** `count` messages, one every `everyUs`, keys 1, 2, 3 … */
const steady = (count: number, everyUs: number, fromUs = 0): Send[] =>
  Array.from({ length: count }, (_, i) => ({ atUs: fromUs + i * everyUs, key: i + 1 }));

/** Per message of the stream: how often it was processed (its effect applied). */
const processings = (stream: StreamRecord, messages: number) =>
  Array.from({ length: messages }, (_, id) => stream.processings[id] ?? 0);

describe('queue-consumer', () => {
  it('processes every message once and deletes it, with long polling', () => {
    const rig = queueRig({});
    rig.produce(steady(50, 20 * MS));
    rig.addConsumers(2, { workers: 2, batch: 3, processing: '30ms' });
    rig.sim.run({ untilUs: 5 * S });
    const stream = rig.topic.streams[0];
    expect(processings(stream, 50)).toEqual(new Array(50).fill(1));
    expect(stream.pendingAtEnd!()).toEqual([]);
    expect(rig.consumerMetrics.details.get('processed')).toBe(50);
    expect(rig.brokerMetrics.details.get('redeliveries')).toBe(0);
  });

  it('short polling asks every pollInterval and finds the messages', () => {
    const rig = queueRig({});
    rig.produce(steady(5, 100 * MS));
    rig.addConsumers(1, { waitTime: 0, pollInterval: '250ms', processing: '1ms' });
    rig.sim.run({ untilUs: 2 * S });
    expect(processings(rig.topic.streams[0], 5)).toEqual([1, 1, 1, 1, 1]);
    expect(rig.consumerMetrics.details.get('emptyReceives')).toBeGreaterThan(2);
  });

  it('poison keys are redelivered at each visibility timeout until the dead-letter queue; the rest are processed once', () => {
    const rig = queueRig({ visibilityTimeout: '1s', maxReceiveCount: 3 });
    rig.produce(steady(200, 5 * MS));
    rig.addConsumers(1, { workers: 4, processing: '5ms', poison: 0.1 });
    rig.sim.run({ untilUs: 10 * S });
    const stream = rig.topic.streams[0];
    const poisoned = Array.from({ length: 200 }, (_, id) => id).filter((id) => stream.processings[id] === 0);
    expect(poisoned.length).toBeGreaterThan(5);
    expect(poisoned.length).toBeLessThan(40);
    for (const id of poisoned) {
      expect(stream.deliveries[id]).toBe(3);
      expect(Number.isFinite(stream.deadLetteredUs[id])).toBe(true);
    }
    expect(rig.brokerMetrics.details.get('deadLettered')).toBe(poisoned.length);
    expect(rig.consumerMetrics.details.get('poisoned')).toBe(3 * poisoned.length);
    expect(processings(stream, 200).filter((n) => n > 1)).toEqual([]);
  });

  it('releasing a failed message redelivers it at once instead of after the visibility timeout', () => {
    const rig = queueRig({ visibilityTimeout: '30s', maxReceiveCount: 3 });
    rig.produce(steady(200, 5 * MS));
    rig.addConsumers(1, { workers: 4, processing: '5ms', poison: 0.1, onFailure: 'release' });
    rig.sim.run({ untilUs: 3 * S });
    const stream = rig.topic.streams[0];
    const deadLettered = stream.deadLetteredUs.flatMap((at, id) =>
      Number.isFinite(at) ? [at - rig.topic.producedUs[id]] : [],
    );
    expect(deadLettered.length).toBeGreaterThan(5);
    // Three receives and two nacks take milliseconds, not 2 × 30 s.
    expect(deadLettered.every((us) => us < 200 * MS)).toBe(true);
  });

  it('a visibility timeout shorter than processing delivers and processes every message again, till the dead-letter queue', () => {
    const rig = queueRig({ visibilityTimeout: '100ms', maxReceiveCount: 4 });
    rig.produce(steady(20, 50 * MS));
    rig.addConsumers(1, { workers: 8, processing: '150ms' });
    rig.sim.run({ untilUs: 5 * S });
    const stream = rig.topic.streams[0];
    // A delete deletes nothing once a later receive has replaced its receipt; it works only if none has yet.
    const done = processings(stream, 20);
    expect(done.filter((n) => n > 1).length).toBeGreaterThan(10);
    expect(stream.deliveries.slice(0, 20)).toEqual(done);
    const deadLettered = done.filter((_, id) => Number.isFinite(stream.deadLetteredUs[id]));
    expect(deadLettered.length).toBeGreaterThan(5);
    expect(deadLettered.every((n) => n === 4)).toBe(true);
    expect(stream.pendingAtEnd!()).toEqual([]);
  });

  it('an idempotent consumer applies each effect once despite the same duplicates', () => {
    const rig = queueRig({ visibilityTimeout: '100ms' });
    rig.produce(steady(20, 50 * MS));
    rig.addConsumers(1, { workers: 8, processing: '150ms', idempotent: true });
    rig.sim.run({ untilUs: 5 * S });
    const stream = rig.topic.streams[0];
    expect(processings(stream, 20)).toEqual(new Array(20).fill(1));
    expect(stream.deliveries.slice(0, 20).every((n) => n >= 2)).toBe(true);
    expect(rig.consumerMetrics.details.get('duplicatesSkipped')).toBeGreaterThan(0);
  });

  it('transient failures are retried after the visibility timeout until they succeed', () => {
    const rig = queueRig({ visibilityTimeout: '200ms' });
    rig.produce(steady(100, 10 * MS));
    rig.addConsumers(1, { workers: 4, processing: '5ms', failure: 0.3 });
    rig.sim.run({ untilUs: 10 * S });
    expect(processings(rig.topic.streams[0], 100)).toEqual(new Array(100).fill(1));
    expect(rig.consumerMetrics.details.get('failed')).toBeGreaterThan(10);
  });

  it('after a crash of a durable broker, consumers ask again and every message is processed', () => {
    const rig = queueRig({ visibilityTimeout: '1s' });
    rig.produce(steady(300, 10 * MS));
    rig.addConsumers(1, { workers: 2, processing: '5ms', waitTime: '1s', receiveTimeout: '500ms' });
    rig.sim.at(1 * S, () => rig.sim.crash(rig.broker));
    rig.sim.at(2 * S, () => rig.sim.restart(rig.broker));
    rig.sim.run({ untilUs: 10 * S });
    const stream = rig.topic.streams[0];
    const done = processings(stream, 300);
    // Sent while the broker was down: never stored (the test producer does not retry).
    const neverStored = rig.topic.storedCopies.filter((n) => n === 0).length;
    expect(neverStored).toBeGreaterThan(90);
    expect(done.filter((n, id) => n === 0 && rig.topic.storedCopies[id] > 0)).toEqual([]);
    expect(stream.pendingAtEnd!()).toEqual([]);
  });

  /**
   * Consumer crashes mid-processing, at random times: deleting on receive
   * loses messages and never repeats them; deleting after processing never
   * loses them (it may repeat); with deduplication it neither loses nor repeats.
   */
  it('under consumer crashes: at-most-once loses, at-least-once repeats, idempotent does neither', () => {
    const crashes = fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(crashes, fc.constantFrom('on-receive', 'after-processing', 'idempotent'), (crashTenths, mode) => {
        const rig = queueRig({ visibilityTimeout: '500ms' });
        const messages = 100;
        rig.produce(steady(messages, 10 * MS));
        const [consumer] = rig.addConsumers(1, {
          workers: 2,
          batch: 4,
          processing: '15ms',
          deleteWhen: mode === 'on-receive' ? 'on-receive' : 'after-processing',
          idempotent: mode === 'idempotent',
        });
        for (const t of crashTenths) {
          rig.sim.at(t * 100 * MS, () => rig.sim.crash(consumer));
          rig.sim.at(t * 100 * MS + 50 * MS, () => rig.sim.restart(consumer));
        }
        rig.sim.run({ untilUs: 15 * S });
        const stream = rig.topic.streams[0];
        const done = processings(stream, messages);
        const lost = done.filter((n) => n === 0).length;
        const repeated = done.filter((n) => n > 1).length;
        expect(stream.pendingAtEnd!()).toEqual([]);
        if (mode === 'on-receive') expect(repeated).toBe(0);
        else expect(lost).toBe(0);
        if (mode === 'idempotent') expect(repeated).toBe(0);
      }),
      { numRuns: 30 },
    );
  });
});

describe("Little's law", () => {
  it('mean queue length = arrival rate × mean time in queue, within 2%, on a steady 150 s run', () => {
    const rateHz = 200;
    const durationUs = 150 * S;
    const arrivals = new RandomStream('little-arrivals');
    const sends: Send[] = [];
    for (let t = arrivals.nextDouble(); t < durationUs; t += (-Math.log(1 - arrivals.nextDouble()) * S) / rateHz)
      sends.push({ atUs: Math.round(t), key: sends.length + 1 });
    const rig = queueRig({ visibilityTimeout: '10s' }, { durationUs });
    rig.produce(sends);
    rig.addConsumers(1, { workers: 4, batch: 2, processing: { type: 'exponential', mean: '15ms' } });
    rig.sim.run({ untilUs: durationUs });
    const m = rig.brokerMetrics;
    m.queue.advance(durationUs);
    const meanLength = m.queue.total() / durationUs;
    const arrivalRatePerUs = m.arrived / durationUs;
    const meanTimeInQueueUs = m.sojournSumUs / m.served;
    expect(m.arrived).toBeGreaterThan(28_000);
    expect(meanLength).toBeGreaterThan(1);
    expect(Math.abs(meanLength / (arrivalRatePerUs * meanTimeInQueueUs) - 1)).toBeLessThan(0.02);
  });
});
