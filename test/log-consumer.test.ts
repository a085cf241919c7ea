import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CommitMode, LogConsumer } from '../models/messaging/log-consumer.js';
import { groupRun, tally, type GroupRunOptions } from './support/single-log-broker.js';

/**
 * Consumers of a one-node log (test/support/single-log-broker.ts) that crash
 * and restart at the given times: 4 partitions of 150 records, 2 consumers,
 * batches of 10 records of 1 ms each, so a consumer is mid-batch most of the
 * time. Everything is consumed well before the run ends, so an unprocessed
 * message is lost for good.
 */
function crashRun(
  commit: CommitMode,
  crashes: { atUs: number; consumer: number; downUs: number }[],
  more: Partial<GroupRunOptions> = {},
) {
  const r = groupRun({ partitions: 4, perPartition: 150, consumers: 2, commit, ...more });
  for (const c of crashes) {
    const id = r.consumers[c.consumer];
    r.sim.at(c.atUs, () => r.sim.isUp(id) && r.sim.crash(id));
    r.sim.at(c.atUs + c.downUs, () => !r.sim.isUp(id) && r.sim.restart(id));
  }
  r.sim.run({ untilUs: 3_000_000 });
  return tally(r.stream, 600);
}

const crashSchedule = fc.array(
  fc.record({
    atUs: fc.integer({ min: 1_000, max: 400_000 }),
    consumer: fc.integer({ min: 0, max: 1 }),
    downUs: fc.integer({ min: 1, max: 300_000 }),
  }),
  { minLength: 1, maxLength: 3 },
);

describe('log-consumer delivery semantics under consumer crashes', () => {
  it('without crashes every commit mode processes each message exactly once', () => {
    for (const commit of ['auto', 'before-processing', 'after-processing', 'transactional'] as const)
      expect(crashRun(commit, []), commit).toEqual({ lost: 0, repeated: 0, processed: 600 });
  });

  it('commit-before-processing never repeats an effect, and a crash mid-batch loses the rest of the batch', () => {
    let lostSomewhere = 0;
    fc.assert(
      fc.property(crashSchedule, (crashes) => {
        const t = crashRun('before-processing', crashes);
        expect(t.repeated).toBe(0);
        lostSomewhere += t.lost;
      }),
      { numRuns: 25 },
    );
    expect(lostSomewhere).toBeGreaterThan(0);
    // 5.5 ms into a 10-record batch of 1 ms records: the 5 records left are committed and never processed.
    expect(crashRun('before-processing', [{ atUs: 150_000, consumer: 0, downUs: 100_000 }]).lost).toBeGreaterThan(0);
  });

  it('commit-after-processing never loses a message, and a crash mid-batch repeats the processed part', () => {
    let repeatedSomewhere = 0;
    fc.assert(
      fc.property(crashSchedule, (crashes) => {
        const t = crashRun('after-processing', crashes);
        expect(t.lost).toBe(0);
        repeatedSomewhere += t.repeated;
      }),
      { numRuns: 25 },
    );
    expect(repeatedSomewhere).toBeGreaterThan(0);
  });

  it('transactional commits and idempotent consumers show zero lost and zero repeated effects under any crash schedule', () => {
    fc.assert(
      fc.property(crashSchedule, fc.boolean(), (crashes, transactional) => {
        const t = transactional
          ? crashRun('transactional', crashes)
          : crashRun('after-processing', crashes, { idempotent: true });
        expect(t).toEqual({ lost: 0, repeated: 0, processed: 600 });
      }),
      { numRuns: 30 },
    );
  });

  it('auto-commit commits what was fetched, processed or not: a crash just after a commit loses, one later repeats', () => {
    // Commits every 50 ms from the start; the group forms at about 100 ms.
    const t = crashRun('auto', [
      { atUs: 153_000, consumer: 1, downUs: 100_000 },
      { atUs: 195_000, consumer: 0, downUs: 100_000 },
    ]);
    expect(t.lost).toBeGreaterThan(0);
    expect(t.repeated).toBeGreaterThan(0);
  });

  it('an idempotent consumer skips exactly the effects a plain one repeats', () => {
    const run = (idempotent: boolean) => {
      const r = groupRun({ partitions: 4, perPartition: 150, consumers: 2, commit: 'after-processing', idempotent });
      r.sim.at(150_000, () => r.sim.crash(r.consumers[0]));
      r.sim.at(250_000, () => r.sim.restart(r.consumers[0]));
      r.sim.run({ untilUs: 3_000_000 });
      return r;
    };
    const plain = run(false).stream.processings.reduce((s, n) => s + Math.max(0, n - 1), 0);
    expect(plain).toBeGreaterThan(0);
    expect(run(true).dedup!.repeatsSkipped).toBe(plain);
  });
});

describe('log-consumer group membership', () => {
  it('a consumer joining later takes partitions over, and one leaving hands them back, without losing or repeating', () => {
    const r = groupRun({
      partitions: 4,
      perPartition: 400,
      consumers: 2,
      commit: 'after-processing',
      joinAtUs: (i) => (i === 2 ? 200_000 : undefined),
      leaveAtUs: (i) => (i === 2 ? 600_000 : undefined),
    });
    const states: { atUs: number; partitions: number[] }[] = [];
    for (const t of [150_000, 400_000, 800_000])
      r.sim.at(t, () => {
        const s = (r.sim.process(r.consumers[0]) as LogConsumer).inspect() as { partitions: number[] };
        states.push({ atUs: t, partitions: s.partitions });
      });
    r.sim.run({ untilUs: 3_000_000 });
    expect(states.map((s) => s.partitions)).toEqual([
      [0, 1, 2, 3],
      [0, 1],
      [0, 1, 2, 3],
    ]);
    expect(tally(r.stream, 1600)).toEqual({ lost: 0, repeated: 0, processed: 1600 });
  });

  it('a group with no committed offsets reads from the log start with earliest, and only what comes later with latest', () => {
    const processed = (autoOffsetReset: 'earliest' | 'latest') => {
      const r = groupRun({
        partitions: 2,
        perPartition: 50,
        consumers: 1,
        commit: 'after-processing',
        autoOffsetReset,
      });
      r.sim.run({ untilUs: 1_000_000 });
      return tally(r.stream, 100).processed;
    };
    expect(processed('earliest')).toBe(100);
    expect(processed('latest')).toBe(0);
  });

  it('a poison record is tried maxAttempts times, dead-lettered and skipped; the rest of its partition goes on', () => {
    const r = groupRun({ partitions: 4, perPartition: 150, consumers: 2, commit: 'after-processing', poison: 0.1 });
    r.sim.run({ untilUs: 3_000_000 });
    let deadLettered = 0;
    for (let id = 0; id < 600; id++) {
      const dead = !Number.isNaN(r.stream.deadLetteredUs[id]);
      if (dead) deadLettered++;
      expect(r.stream.processings[id], `message ${id}`).toBe(dead ? 0 : 1);
    }
    // About a tenth of the keys (one key per message here).
    expect(deadLettered).toBeGreaterThan(30);
    expect(deadLettered).toBeLessThan(90);
  });
});
