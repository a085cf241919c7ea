import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NodeContext, NodeId, Process } from '../engine/index.js';
import type { FetchReply, FetchRequest } from '../models/messaging/log-messages.js';
import { logCluster, type LogCluster } from './fixtures/log-cluster.js';

/** Sends one message to partition `p` every `everyUs` from `fromUs` until `untilUs`. */
function produceSteadily(c: LogCluster, partitions: number[], fromUs: number, untilUs: number, everyUs: number): void {
  for (let t = fromUs; t < untilUs; t += everyUs) for (const p of partitions) c.sim.at(t, () => c.producer.send(p));
}

/** The partition a test producer's message went to (it keys each message by its partition). */
const partitionOf = (c: LogCluster, id: number) => c.topic.key[id];

/** Acknowledged messages missing from their partition's current leader. */
function acknowledgedButGone(c: LogCluster): number[] {
  const logs = c.replicas.map((_, p) => new Set(c.leaderLog(p) ?? []));
  return c.acknowledged().filter((id) => !logs[partitionOf(c, id)].has(id));
}

describe('log broker: acks and the in-sync replicas', () => {
  it('refuses acks=all writes while fewer than minInsyncReplicas are in sync, and takes them again once followers return', () => {
    const c = logCluster({ params: { partitions: 1, minInsyncReplicas: 2 } });
    c.runFor(200_000);
    c.producer.send(0);
    c.runFor(100_000);
    expect(c.acknowledged()).toEqual([0]);
    c.crash(1);
    c.runFor(1_000_000);
    // One follower left: two in sync, enough.
    expect(c.metadata().isr[0]).toEqual([0, 2]);
    c.producer.send(0);
    c.runFor(100_000);
    expect(c.acknowledged()).toEqual([0, 1]);
    c.crash(2);
    c.runFor(1_000_000);
    expect(c.metadata().isr[0]).toEqual([0]);
    const refused = c.producer.send(0);
    c.runFor(1_000_000);
    expect(c.producer.errors.get('not-enough-replicas')).toBeGreaterThan(0);
    expect(c.acknowledged()).not.toContain(refused);
    c.restart(1);
    c.runFor(1_500_000);
    expect(c.metadata().isr[0]).toEqual([0, 1]);
    expect(c.acknowledged()).toContain(refused);
  });

  it('a leader cut off from its followers and the controller acknowledges no acks=all write, while acks=1 writes it takes are lost at heal', () => {
    for (const acks of [-1, 1] as const) {
      // The controller on broker-3, so the leader of partition 0 (broker-1) can be cut off from it.
      const c = logCluster({ acks, params: { partitions: 1, controllerBroker: 3 }, retryUs: 2_000_000 });
      c.runFor(200_000);
      c.isolate(0, [1, 2]);
      // The producer still reaches broker-1 and sends there until its retry timer asks for metadata again.
      for (let i = 0; i < 10; i++) c.producer.send(0);
      c.runFor(1_000_000);
      const acknowledgedByZombie = c.acknowledged();
      expect(c.metadata().leaders[0]).toBe(1);
      c.heal();
      c.runFor(3_000_000);
      if (acks === -1) expect(acknowledgedByZombie).toEqual([]);
      else expect(acknowledgedByZombie).toHaveLength(10);
      // The old leader follows the new one: its suffix was cut, and every replica holds the same log.
      expect(c.log(0, 0)).toEqual(c.log(1, 0));
      expect(c.log(2, 0)).toEqual(c.log(1, 0));
      if (acks === 1) {
        expect(acknowledgedButGone(c)).toEqual(acknowledgedByZombie);
        for (const id of acknowledgedByZombie) expect(c.topic.removedReason[id]).toBe('truncated');
      } else {
        // Retried to the new leader: every one stored there, none lost.
        expect(acknowledgedButGone(c)).toEqual([]);
        expect(c.acknowledged()).toHaveLength(10);
      }
    }
  });
});

describe('log broker: leader election', () => {
  /**
   * Partition 0 on brokers 2-4 (broker-1 is a dedicated controller). Its
   * leader is cut off from its followers (not from the controller), so they
   * leave the in-sync set and the leader acknowledges acks=all writes alone
   * (minInsyncReplicas 1); then it crashes.
   */
  function leaderAloneThenCrash(uncleanLeaderElection: boolean): LogCluster {
    const c = logCluster({
      brokers: 4,
      params: { partitions: 1, dedicatedController: true, uncleanLeaderElection },
    });
    produceSteadily(c, [0], 100_000, 3_000_000, 20_000);
    c.sim.at(500_000, () => c.isolate(1, [2, 3]));
    c.sim.at(1_500_000, () => {
      c.crash(1);
      c.heal();
    });
    c.runFor(2_500_000);
    return c;
  }

  it('unclean election loses acknowledged writes: the follower elected lacks what the lone leader acknowledged, and the old leader truncates them when it returns', () => {
    const c = leaderAloneThenCrash(true);
    expect(c.metadata().leaders[0]).toBe(2);
    c.restart(1);
    c.runFor(2_000_000);
    const lost = acknowledgedButGone(c);
    // About a second of writes (0.8 s at 50/s, less the ISR shrink's delay) was held by the old leader alone.
    expect(lost.length).toBeGreaterThan(20);
    for (const id of lost) expect(c.topic.removedReason[id]).toBe('truncated');
    expect(c.log(1, 0)).toEqual(c.log(2, 0));
  });

  it('clean election keeps them: the partition stays offline until its last in-sync replica returns and leads again', () => {
    const c = leaderAloneThenCrash(false);
    expect(c.metadata().leaders[0]).toBe(-1);
    c.restart(1);
    c.runFor(2_000_000);
    expect(c.metadata().leaders[0]).toBe(1);
    expect(c.acknowledged().length).toBeGreaterThan(50);
    expect(acknowledgedButGone(c)).toEqual([]);
  });

  it('the controller resumes from its disk after a crash: an offline partition gets its leader back when its last in-sync replica returns, and no leader is elected while the controller is down', () => {
    // Broker-1 is a dedicated controller; partition 0 lives on brokers 2-4.
    const c = logCluster({ brokers: 4, params: { partitions: 1, dedicatedController: true } });
    c.runFor(200_000);
    c.crash(2);
    c.crash(3);
    c.runFor(1_000_000);
    expect(c.metadata().isr[0]).toEqual([1]);
    c.crash(1);
    c.runFor(1_000_000);
    expect(c.metadata().leaders[0]).toBe(-1);
    // The controller restarts with the partition offline on its disk, and its last in-sync replica with it.
    c.crash(0);
    c.runFor(500_000);
    c.restart(0);
    c.restart(1);
    c.runFor(1_000_000);
    expect(c.metadata().leaders[0]).toBe(1);
    c.restart(2);
    c.restart(3);
    const id = c.producer.send(0);
    c.runFor(1_000_000);
    expect(c.acknowledged()).toContain(id);
    expect(c.metadata().isr[0]).toEqual([1, 2, 3]);
    // The controller and the leader go down together: nobody elects a new leader until the controller is back.
    c.crash(0);
    c.crash(1);
    c.runFor(1_000_000);
    expect(c.metadata().leaders[0]).toBe(1);
    c.restart(0);
    c.runFor(1_000_000);
    expect(c.metadata().leaders[0]).toBe(2);
  });

  type Fault = {
    atMs: number;
    forMs: number;
    broker: number;
    kind: 'crash' | 'isolate' | 'clock-forward' | 'clock-back';
  };

  /**
   * Up to four faults on one broker each during four seconds of writes: a
   * crash or an isolation from the other brokers, undone after `forMs`, or a
   * jump of its clock by ±`forMs` (which moves its controller's session
   * timeouts and its leaders' replica-lag checks).
   */
  const faultSchedule = fc.array(
    fc.record({
      atMs: fc.integer({ min: 100, max: 3_500 }),
      forMs: fc.integer({ min: 50, max: 2_000 }),
      broker: fc.integer({ min: 0, max: 2 }),
      kind: fc.constantFrom<Fault['kind'][]>('crash', 'isolate', 'clock-forward', 'clock-back'),
    }),
    { maxLength: 4 },
  );

  function runSchedule(c: LogCluster, schedule: Fault[]) {
    for (const f of schedule) {
      if (f.kind === 'crash') {
        c.sim.at(f.atMs * 1000, () => c.crash(f.broker));
        c.sim.at((f.atMs + f.forMs) * 1000, () => c.restart(f.broker));
      } else if (f.kind === 'isolate') {
        c.sim.at(f.atMs * 1000, () =>
          c.isolate(
            f.broker,
            [0, 1, 2].filter((b) => b !== f.broker),
          ),
        );
        c.sim.at((f.atMs + f.forMs) * 1000, () => c.heal());
      } else {
        c.sim.at(f.atMs * 1000, () => c.jumpClock(f.broker, (f.kind === 'clock-back' ? -1000 : 1000) * f.forMs));
      }
    }
    c.runFor(6_000_000);
    c.heal();
    for (let b = 0; b < 3; b++) c.restart(b);
    c.runFor(3_000_000);
  }

  it('clean election never loses an acknowledged acks=all write, under any schedule of crashes, partitions and clock jumps, on a network that reorders, loses and duplicates', () => {
    fc.assert(
      fc.property(
        faultSchedule,
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 50 }),
        fc.boolean(),
        fc.boolean(),
        (schedule, minIsr, seed, fifo, lossy) => {
          // Messages reordered (fifo off), or lost and duplicated (lossy), as well as the faults.
          const noise = lossy ? 0.02 : 0;
          const c = logCluster({
            seed,
            fifo,
            loss: noise,
            duplicate: noise,
            params: { partitions: 2, minInsyncReplicas: minIsr },
          });
          produceSteadily(c, [0, 1], 100_000, 4_000_000, 40_000);
          runSchedule(c, schedule);
          expect(c.acknowledged().length).toBeGreaterThan(0);
          expect(acknowledgedButGone(c)).toEqual([]);
          // Every replica has converged on its leader's log.
          for (let p = 0; p < 2; p++) for (const b of c.replicas[p]) expect(c.log(b, p)).toEqual(c.leaderLog(p));
        },
      ),
      { numRuns: 25 },
    );
  });

  it('an idempotent producer with acks=all keeps each partition in its order, each message once, under any schedule of crashes and clock jumps', () => {
    fc.assert(
      fc.property(faultSchedule, fc.integer({ min: 1, max: 50 }), (schedule, seed) => {
        const c = logCluster({ seed, idempotent: true, params: { partitions: 2, minInsyncReplicas: 2 } });
        // Faster than an answer comes back, so several are in flight when a fault strikes.
        produceSteadily(c, [0, 1], 100_000, 4_000_000, 5_000);
        runSchedule(
          c,
          schedule.map((f) => ({ ...f, kind: f.kind === 'isolate' ? 'crash' : f.kind })),
        );
        for (let p = 0; p < 2; p++) {
          const log = c.leaderLog(p)!;
          // Message ids grow in the order the producer made them: the log is strictly increasing, so ordered and without repeats.
          for (let i = 1; i < log.length; i++) expect(log[i]).toBeGreaterThan(log[i - 1]);
        }
        expect(c.producer.pending).toBe(0);
        expect(acknowledgedButGone(c)).toEqual([]);
        expect(c.acknowledged()).toHaveLength(c.topic.messages);
      }),
      { numRuns: 20 },
    );
  });
});

/** A consumer the test drives: sends a fetch now, keeps the replies. */
class TestConsumer implements Process<FetchReply> {
  readonly replies: { atUs: number; reply: FetchReply }[] = [];
  private nextId = 1;
  constructor(private readonly ctx: NodeContext) {}
  fetch(to: NodeId, partition: number, offset: number, waitUs: number): void {
    const request: FetchRequest = { kind: 'fetch', id: this.nextId++, partition, offset, maxMessages: 100, waitUs };
    this.ctx.send(to, request, 0);
  }
  onMessage(_from: NodeId, reply: FetchReply): void {
    this.replies.push({ atUs: this.ctx.nowUs, reply });
  }
}

describe('log broker: consumer fetch and retention', () => {
  it('serves records up to the high watermark, holds a fetch at the end until a record is replicated, and resets an offset that retention passed', () => {
    const c = logCluster({ params: { partitions: 1, retention: 1_000_000 } });
    let consumer: TestConsumer | null = null;
    c.sim.addNode({ name: 'consumer', process: (ctx) => (consumer = new TestConsumer(ctx)) });
    c.runFor(100_000);
    for (let i = 0; i < 3; i++) c.producer.send(0);
    c.runFor(100_000);
    consumer!.fetch(c.brokers[0], 0, 0, 0);
    c.runFor(10_000);
    consumer!.fetch(c.brokers[1], 0, 0, 0);
    c.runFor(10_000);
    expect(consumer!.replies[0].reply.records.map((r) => r.message)).toEqual([0, 1, 2]);
    expect(consumer!.replies[0].reply.highWatermark).toBe(3);
    expect(consumer!.replies[1].reply.error).toBe('not-leader');
    // A long poll at the end is answered once the next record is in sync, not before.
    consumer!.fetch(c.brokers[0], 0, 3, 500_000);
    c.runFor(200_000);
    expect(consumer!.replies).toHaveLength(2);
    const sentUs = c.sim.nowUs;
    c.producer.send(0);
    c.runFor(100_000);
    expect(consumer!.replies[2].reply.records.map((r) => r.message)).toEqual([3]);
    expect(consumer!.replies[2].atUs - sentUs).toBeLessThan(10_000);
    // Retention: a second later the first records are gone everywhere, and an old offset is out of range.
    c.runFor(1_500_000);
    expect(c.topic.removedReason[0]).toBe('expired');
    consumer!.fetch(c.brokers[0], 0, 0, 0);
    c.runFor(10_000);
    expect(consumer!.replies[3].reply.error).toBe('offset-out-of-range');
    expect(consumer!.replies[3].reply.resetTo).toBe(4);
  });
});
