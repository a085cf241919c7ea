import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReceiveReply } from '../models/messaging/broker-messages.js';
import { queueModel } from '../models/messaging/queue-broker.js';
import { queueRig } from './support/queue-rig.js';

const S = 1_000_000;
const MS = 1000;

describe('queue: visibility timeout, receive counts and the dead-letter queue', () => {
  it('dead-letters a message after exactly maxReceiveCount receives', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 4 }),
        (maxReceiveCount, visibilitySeconds, messages) => {
          const rig = queueRig({ visibilityTimeout: `${visibilitySeconds}s`, maxReceiveCount });
          const sends = Array.from({ length: messages }, (_, i) => ({ atUs: 10 * MS + i * MS }));
          rig.produce(sends);
          // A consumer that never deletes: every receive's visibility runs out.
          const receiver = rig.receive([0], { waitUs: 20 * S, repeat: true });
          rig.sim.run({ untilUs: (maxReceiveCount + 3) * visibilitySeconds * S });
          const stream = rig.topic.streams[0];
          for (let id = 0; id < messages; id++) {
            const counts = receiver.receipts.filter((r) => r.message === id).map((r) => r.receiveCount);
            expect(counts).toEqual(Array.from({ length: maxReceiveCount }, (_, i) => i + 1));
            expect(Number.isFinite(stream.deadLetteredUs[id])).toBe(true);
          }
          expect(rig.brokerMetrics.details.get('deadLettered')).toBe(messages);
          expect(rig.brokerMetrics.details.get('redeliveries')).toBe(messages * (maxReceiveCount - 1));
          expect(stream.pendingAtEnd!()).toEqual([]);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('never redelivers before the visibility timeout has passed on the broker clock, whatever its clock does', () => {
    const fault = fc.record({
      atS: fc.integer({ min: 1, max: 59 }),
      jumpS: fc.integer({ min: -20, max: 20 }),
      driftPpm: fc.constantFrom(0, 0, -500_000, -100_000, 100_000, 1_000_000),
    });
    fc.assert(
      fc.property(fc.array(fault, { maxLength: 5 }), fc.integer({ min: 1, max: 10 }), (faults, visibilityS) => {
        const rig = queueRig({ visibilityTimeout: `${visibilityS}s` });
        rig.produce([{ atUs: 0.5 * S }, { atUs: 0.7 * S, delayUs: 3 * S }]);
        rig.receive([0], { waitUs: 20 * S, repeat: true });
        for (const f of faults) {
          rig.sim.at(f.atS * S, () => {
            if (f.jumpS !== 0) rig.sim.jumpClock(rig.broker, f.jumpS * S);
            rig.sim.setClockDrift(rig.broker, f.driftPpm);
          });
        }
        // The broker's clock as it hands each message out.
        const handedOut = new Map<number, number[]>();
        rig.sim.addMessageObserver({
          onSend(_sentUs, from, _to, _arrival, message) {
            if (from !== rig.broker || (message as ReceiveReply).kind !== 'receive-reply') return;
            for (const m of (message as ReceiveReply).messages) {
              const times = handedOut.get(m.message) ?? [];
              times.push(rig.sim.localTimeUs(rig.broker));
              handedOut.set(m.message, times);
            }
          },
        });
        // Long enough for every message to be handed out twice whatever the faults: by 59 s the clock may stand
        // 100 s back from where it handed a message out, and from then on run at half speed, so a second hand-out
        // after up to 10 s may need 2 × 110 s of true time more.
        rig.sim.run({ untilUs: 300 * S });
        for (const [, times] of handedOut) {
          expect(times.length).toBeGreaterThan(1);
          for (let i = 1; i < times.length; i++)
            expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(visibilityS * S);
        }
        expect(handedOut.size).toBe(2);
      }),
      {
        numRuns: 40,
        // Found by a run of 90 s, too short: the clock set back 34 s and slowed to half speed had not yet come
        // round to the delayed message's second hand-out.
        examples: [
          [
            [
              { atS: 1, jumpS: -4, driftPpm: 0 },
              { atS: 1, jumpS: -11, driftPpm: 0 },
              { atS: 1, jumpS: -10, driftPpm: 0 },
              { atS: 1, jumpS: -9, driftPpm: -500_000 },
            ],
            8,
          ],
        ],
      },
    );
  });

  it('a deadline a fraction of a microsecond ahead, on a drifting clock, fires once and not forever', () => {
    fc.assert(
      fc.property(fc.integer({ min: -300, max: 300 }), fc.double({ min: 0.1, max: 2, noNaN: true }), (driftPpm, s) => {
        const rig = queueRig({});
        rig.sim.setClockDrift(rig.broker, driftPpm);
        rig.produce([{ atUs: 0.5 * S }, { atUs: 0.7 * S }]);
        rig.receive([0], { waitUs: 20 * S, repeat: true, visibilityTimeoutUs: s * S + 0.3 });
        rig.sim.run({ untilUs: 20 * S, maxEvents: 100_000 });
        expect(rig.sim.nowUs).toBe(20 * S);
      }),
      { numRuns: 30 },
    );
  });

  it('a forward jump of the broker clock ends visibility timeouts early in true time, as a wall clock would', () => {
    const rig = queueRig({ visibilityTimeout: '30s' });
    rig.produce([{ atUs: 0 }]);
    const receiver = rig.receive([0], { waitUs: 20 * S, repeat: true });
    rig.sim.at(5 * S, () => rig.sim.jumpClock(rig.broker, 60 * S));
    rig.sim.run({ untilUs: 10 * S });
    expect(receiver.receipts.map((r) => r.receiveCount)).toEqual([1, 2]);
    expect(receiver.receipts[1].atUs).toBeLessThan(6.1 * S);
  });

  it('a delete with the latest receipt removes the message; an older receipt does nothing', () => {
    const rig = queueRig({ visibilityTimeout: '1s' });
    rig.produce([{ atUs: 0 }]);
    const receipts: number[] = [];
    rig.add('deleter-1', (ctx) => ({
      onStart() {
        ctx.setTimer(10 * MS, 0);
        ctx.setTimer(1500 * MS, 0);
        ctx.setTimer(1600 * MS, 1);
        ctx.setTimer(1700 * MS, 2);
      },
      onTimer(tag: number) {
        const broker = ctx.lookup('broker-1');
        if (tag === 0) ctx.send(broker, { kind: 'receive', id: 0, subscription: 'q', maxMessages: 1, waitUs: 0 });
        else
          ctx.send(broker, {
            kind: 'delete',
            subscription: 'q',
            message: 0,
            receipt: tag === 1 ? receipts[0] : receipts[1],
          });
      },
      onMessage(_from: number, reply: ReceiveReply) {
        for (const m of reply.messages) receipts.push(m.receipt);
      },
    }));
    rig.sim.run({ untilUs: 1650 * MS });
    expect(receipts).toHaveLength(2);
    expect(rig.topic.streams[0].pendingAtEnd!()).toEqual([0]);
    rig.sim.run({ untilUs: 5 * S });
    expect(rig.topic.streams[0].pendingAtEnd!()).toEqual([]);
    expect(rig.brokerMetrics.served).toBe(1);
  });
});

describe('queue: change visibility', () => {
  it('releases a message at once with a timeout of 0, or keeps it invisible longer', () => {
    const rig = queueRig({ visibilityTimeout: '1s' });
    rig.produce([{ atUs: 0 }, { atUs: 0 }]);
    const seen: { message: number; atUs: number }[] = [];
    rig.add('changer-1', (ctx) => ({
      onStart() {
        ctx.setTimer(10 * MS, 0);
      },
      onTimer() {
        ctx.send(ctx.lookup('broker-1'), {
          kind: 'receive',
          id: 0,
          subscription: 'q',
          maxMessages: 10,
          waitUs: 20 * S,
        });
      },
      onMessage(_from: number, reply: ReceiveReply) {
        for (const m of reply.messages) {
          seen.push({ message: m.message, atUs: ctx.nowUs });
          if (m.receiveCount > 1) continue;
          // Message 0 back at once (a nack), message 1 hidden for 5 s instead of 1 s.
          ctx.send(ctx.lookup('broker-1'), {
            kind: 'change-visibility',
            subscription: 'q',
            message: m.message,
            receipt: m.receipt,
            timeoutUs: m.message === 0 ? 0 : 5 * S,
          });
        }
        ctx.send(ctx.lookup('broker-1'), {
          kind: 'receive',
          id: 1,
          subscription: 'q',
          maxMessages: 10,
          waitUs: 20 * S,
        });
      },
    }));
    rig.sim.run({ untilUs: 5.5 * S });
    const at = (message: number) => seen.filter((s) => s.message === message).map((s) => Math.round(s.atUs / MS));
    // Received at 12 ms; back 2 ms later (the nack's trip), then every 1 s (the queue's timeout: no more changes).
    expect(at(0).slice(0, 3)).toEqual([12, 14, 1014]);
    // Hidden from the change at 13 ms until 5.013 s, in the reply 1 ms later.
    expect(at(1)).toEqual([12, 5014]);
  });
});

describe('queue: order, delays, polling', () => {
  it('delivers the highest priority first, oldest first within a priority', () => {
    const rig = queueRig({});
    const priorities = [0, 2, 1, 2, 0, 1, 2];
    rig.produce(priorities.map((priority, i) => ({ atUs: i * MS, priority })));
    const receiver = rig.receive([100 * MS], { maxMessages: 10 });
    rig.sim.run({ untilUs: S });
    expect(receiver.receipts.map((r) => r.message)).toEqual([1, 3, 6, 2, 5, 0, 4]);
  });

  it('holds delayed messages back: the queue delay, or the producer’s own which replaces it', () => {
    const rig = queueRig({ delay: '2s' });
    rig.produce([{ atUs: 0 }, { atUs: 0, delayUs: 500 * MS }, { atUs: 0, delayUs: 5 * S }]);
    const receiver = rig.receive([0], { waitUs: 20 * S, repeat: true, maxMessages: 1 });
    rig.sim.run({ untilUs: 10 * S });
    const at = receiver.receipts.map((r) => [r.message, Math.round(r.atUs / MS)]);
    // Sent at 0, stored at 1 ms, delivered 1 ms after the delay ends.
    expect(at).toEqual([
      [1, 502],
      [0, 2002],
      [2, 5002],
    ]);
    expect(rig.brokerMetrics.details.get('delayed')).toBe(3);
  });

  it('answers a long poll as soon as a message arrives, and a short poll at once', () => {
    const rig = queueRig({});
    rig.produce([{ atUs: 3 * S }]);
    const long = rig.receive([0], { waitUs: 20 * S }, 'q', 'long-1');
    const short = rig.receive([S], { waitUs: 0 }, 'q', 'short-1');
    rig.sim.run({ untilUs: 30 * S });
    expect(short.replies).toEqual([{ atUs: S + 2 * MS, count: 0 }]);
    // Produced at 3 s: stored at 3.001 s, in the long poll's reply at 3.002 s.
    expect(long.replies).toEqual([{ atUs: 3 * S + 2 * MS, count: 1 }]);
  });

  it('an unanswered long poll returns empty after its wait', () => {
    const rig = queueRig({});
    const long = rig.receive([0], { waitUs: 20 * S });
    rig.sim.run({ untilUs: 30 * S });
    expect(long.replies).toEqual([{ atUs: 20 * S + 2 * MS, count: 0 }]);
  });

  it('a FIFO queue delivers one message per key at a time, in order', () => {
    const rig = queueRig({ fifo: true, visibilityTimeout: '1s' });
    rig.produce([1, 1, 2, 1, 2].map((key, i) => ({ atUs: i * MS, key })));
    const receiver = rig.receive([100 * MS], { maxMessages: 10 });
    rig.sim.run({ untilUs: 500 * MS });
    // One per group while the first of each is in flight.
    expect(receiver.receipts.map((r) => r.message)).toEqual([0, 2]);
    expect(rig.topic.streams[0].ordering).toBe('key');
  });
});

describe('queue: bounded depth', () => {
  it('refuses produces beyond maxDepth with the error full', () => {
    const rig = queueRig({ maxDepth: 3 });
    const outcomes = rig.produce(Array.from({ length: 5 }, (_, i) => ({ atUs: i * MS })));
    rig.sim.run({ untilUs: S });
    expect(outcomes.map((o) => o.error)).toEqual([null, null, null, 'full', 'full']);
    expect(rig.brokerMetrics.details.get('refused')).toBe(2);
    expect(rig.topic.storedCopies).toEqual([1, 1, 1, 0, 0]);
  });

  it('blocks produces beyond maxDepth until a delete makes room, and refuses beyond maxBlocked', () => {
    const rig = queueRig({ maxDepth: 2, whenFull: 'block', maxBlocked: 2 });
    const outcomes = rig.produce(Array.from({ length: 5 }, (_, i) => ({ atUs: i * MS })));
    const receipts: { message: number; receipt: number }[] = [];
    rig.add('consumer-1', (ctx) => ({
      onStart() {
        ctx.setTimer(2 * S, 0);
      },
      onTimer() {
        ctx.send(ctx.lookup('broker-1'), { kind: 'receive', id: 0, subscription: 'q', maxMessages: 1, waitUs: 0 });
      },
      onMessage(_from: number, reply: ReceiveReply) {
        for (const m of reply.messages) {
          receipts.push(m);
          ctx.send(ctx.lookup('broker-1'), {
            kind: 'delete',
            subscription: 'q',
            message: m.message,
            receipt: m.receipt,
          });
        }
      },
    }));
    rig.sim.run({ untilUs: 10 * S });
    expect(outcomes.map((o) => o.error)).toEqual([null, null, null, null, 'full']);
    // The third was held until the delete at 2.003 s freed a place; its reply reaches the producer 1 ms later.
    expect(outcomes[2].repliedUs).toBe(2 * S + 4 * MS);
    expect(Number.isNaN(outcomes[3].repliedUs)).toBe(true);
    expect(rig.brokerMetrics.details.get('blockedProducers')).toBe(2);
    expect(rig.brokerMetrics.details.get('blocked')).toBe(2);
    expect(rig.brokerMetrics.details.get('refused')).toBe(1);
  });
});

describe('queue: crashes', () => {
  for (const durable of [true, false]) {
    it(`${durable ? 'a durable queue keeps its messages' : 'a queue without a disk loses them'} across a crash; receipts are volatile`, () => {
      const rig = queueRig({ durable, visibilityTimeout: '30s' });
      rig.produce([{ atUs: 0 }, { atUs: 0 }, { atUs: 0 }]);
      // Receives one message at 1 s (in flight when the broker crashes), then polls again after the restart.
      const receiver = rig.receive([S, 6 * S], { maxMessages: 1 });
      rig.sim.at(2 * S, () => rig.sim.crash(rig.broker));
      rig.sim.at(4 * S, () => rig.sim.restart(rig.broker));
      const second = rig.receive([5 * S], { maxMessages: 10 }, 'q', 'receiver-2');
      rig.sim.run({ untilUs: 10 * S });
      expect(receiver.receipts.map((r) => r.message)).toEqual([0]);
      const stream = rig.topic.streams[0];
      if (durable) {
        // The message in flight is visible again at once after the restart, its receive count kept.
        expect(second.receipts.map((r) => [r.message, r.receiveCount])).toEqual([
          [0, 2],
          [1, 1],
          [2, 1],
        ]);
        expect([0, 1, 2].map((id) => stream.removalReason(id))).toEqual([null, null, null]);
        expect(stream.pendingAtEnd!()).toEqual([0, 1, 2]);
      } else {
        expect(second.receipts).toEqual([]);
        expect([0, 1, 2].map((id) => stream.removalReason(id))).toEqual(['dropped', 'dropped', 'dropped']);
        expect(stream.pendingAtEnd!()).toEqual([]);
        expect(rig.brokerMetrics.details.get('dropped')).toBe(3);
      }
    });
  }

  it('expires messages held past the retention period', () => {
    const rig = queueRig({ retention: '10s' });
    rig.produce([{ atUs: 0 }, { atUs: 5 * S }]);
    rig.sim.run({ untilUs: 12 * S });
    expect([0, 1].map((id) => rig.topic.streams[0].removalReason(id))).toEqual(['expired', null]);
    expect(rig.topic.streams[0].pendingAtEnd!()).toEqual([1]);
    expect(rig.brokerMetrics.details.get('expired')).toBe(1);
  });
});

describe('pubsub', () => {
  it('copies every message to every subscription, each with its own queue', () => {
    const rig = queueRig({ subscriptions: { email: {}, sms: { visibilityTimeout: '1s', maxReceiveCount: 1 } } });
    rig.produce([{ atUs: 0 }, { atUs: MS }]);
    const email = rig.receive([10 * MS], { maxMessages: 10 }, 'email', 'email-1');
    const sms = rig.receive([10 * MS], { maxMessages: 10 }, 'sms', 'sms-1');
    const unknown = rig.receive([10 * MS], {}, 'push', 'push-1');
    rig.sim.run({ untilUs: 5 * S });
    expect(email.receipts.map((r) => r.message)).toEqual([0, 1]);
    expect(sms.receipts.map((r) => r.message)).toEqual([0, 1]);
    expect(unknown.replies).toHaveLength(1);
    expect(rig.topic.kind).toBe('pubsub');
    expect(rig.topic.storedCopies).toEqual([1, 1]);
    const [emailStream, smsStream] = rig.topic.streams;
    expect([emailStream.subscription, smsStream.subscription]).toEqual(['email', 'sms']);
    // sms dead-letters after one receive; email still holds both in flight.
    expect(rig.brokerMetrics.details.get('sms.deadLettered')).toBe(2);
    expect(emailStream.pendingAtEnd!()).toEqual([0, 1]);
    expect(smsStream.pendingAtEnd!()).toEqual([]);
  });
});

describe('queue settings', () => {
  it('a queue lives on one node', () => {
    const params = queueModel.params.parse({});
    expect(queueModel.check!(params, { nodeCount: 1 })).toEqual([]);
    expect(queueModel.check!(params, { nodeCount: 3 })[0].message).toMatch(/one broker node, but its group has 3/);
  });
});
