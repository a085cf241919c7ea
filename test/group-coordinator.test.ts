import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Simulation, type NodeId } from '../engine/index.js';
import { DeliveryLog } from '../models/measure/delivery-log.js';
import type { CommitReply, HeartbeatReply, JoinGroupReply, LogRecord } from '../models/messaging/log-messages.js';
import { assignPartitions, ASSIGNORS } from '../models/messaging/partition-assignors.js';
import { groupRun, SingleLogBroker } from './support/single-log-broker.js';

/** A broker and two scripted members that send the coordinator what a test tells them to, keeping every reply. */
function scripted() {
  const sim = new Simulation({ seed: 1, network: { sameRegionRttUs: { type: 'constant', value: 1_000 } } });
  const deliveries = new DeliveryLog();
  const topic = deliveries.topic('log', 'log');
  const logs: LogRecord[][] = [[], [], [], []];
  for (let p = 0; p < 4; p++)
    for (let i = 0; i < 5; i++) logs[p].push({ offset: i, message: topic.produced(9, p, 0), key: p, sizeBytes: 1 });
  const broker = sim.addNode<{ offsets?: Map<string, number> }>({
    name: 'broker-1',
    process: (ctx) => new SingleLogBroker(ctx, logs, deliveries, 'log'),
  });
  const replies: { to: string; reply: JoinGroupReply | CommitReply | HeartbeatReply }[] = [];
  const member = (name: string) =>
    sim.addNode({
      name,
      process: () => ({ onMessage: (_f: NodeId, reply: never) => replies.push({ to: name, reply }) }),
    });
  const a = member('a');
  const b = member('b');
  const send = (atUs: number, from: NodeId, message: object) =>
    sim.at(atUs, () => sim.context(from).send(broker, message));
  return { sim, broker, a, b, replies, send, stream: topic.stream('g', 'partition'), topic };
}

const join = (id: number, member: string) => ({
  kind: 'join-group',
  id,
  group: 'g',
  member,
  sessionTimeoutUs: 1_000_000,
  rebalanceTimeoutUs: 500_000,
});

describe('group coordinator', () => {
  it('rejects a commit from a generation a rebalance has ended, and commits nothing of it', () => {
    const { sim, a, b, replies, send, broker } = scripted();
    send(0, a, join(1, 'a'));
    // a is alone in generation 1 with every partition; b's join starts a rebalance, a rejoins, generation 2 splits them.
    send(200_000, b, join(2, 'b'));
    send(210_000, a, join(3, 'a'));
    send(300_000, a, {
      kind: 'commit',
      id: 4,
      group: 'g',
      member: 'a',
      generation: 1,
      offsets: [{ partition: 3, offset: 5 }],
    });
    send(300_000, a, {
      kind: 'commit',
      id: 5,
      group: 'g',
      member: 'a',
      generation: 2,
      offsets: [{ partition: 3, offset: 5 }],
    });
    send(300_000, a, {
      kind: 'commit',
      id: 6,
      group: 'g',
      member: 'a',
      generation: 2,
      offsets: [{ partition: 0, offset: 2 }],
    });
    send(400_000, a, { kind: 'offset-fetch', id: 7, group: 'g', partitions: [0, 3] });
    sim.run({ untilUs: 500_000 });
    const reply = (id: number) => replies.find((r) => r.reply.id === id)!.reply;
    expect(reply(1)).toMatchObject({ generation: 1, partitions: [0, 1, 2, 3] });
    expect(reply(3)).toMatchObject({ generation: 2, partitions: [0, 1] });
    expect(reply(2)).toMatchObject({ generation: 2, partitions: [2, 3] });
    expect(reply(4)).toMatchObject({ kind: 'commit-reply', error: 'stale-generation' });
    // Generation 2 gave partition 3 to b.
    expect(reply(5)).toMatchObject({ kind: 'commit-reply', error: 'stale-generation' });
    expect(reply(6)).toEqual({ kind: 'commit-reply', id: 6, error: undefined });
    expect(reply(7)).toMatchObject({ offsets: [2, -1] });
    expect((sim.process(broker) as SingleLogBroker).inspect()).toMatchObject({ commitsRejected: 2 });
  });

  it('a transactional commit applies its effects once, however often it is sent, and not at all when fenced', () => {
    const { sim, a, send, stream, topic } = scripted();
    send(0, a, join(1, 'a'));
    const effects = [0, 1, 2].map((offset) => ({ partition: 0, offset, message: offset }));
    const commit = (id: number, generation: number) => ({
      kind: 'commit',
      id,
      group: 'g',
      member: 'a',
      generation,
      offsets: [{ partition: 0, offset: 3 }],
      effects,
    });
    send(200_000, a, commit(2, 0));
    send(300_000, a, commit(3, 1));
    send(300_000, a, commit(4, 1));
    send(400_000, a, commit(5, 1));
    sim.run({ untilUs: 500_000 });
    expect(topic.messages).toBe(20);
    expect(stream.processings.slice(0, 3)).toEqual([1, 1, 1]);
    expect(stream.processings.slice(3).every((n) => n === 0)).toBe(true);
  });

  it('a member that stops heartbeating is removed after its session timeout and its partitions move; no partition has two owners in a generation', () => {
    const r = groupRun({ partitions: 6, perPartition: 2_000, consumers: 3, commit: 'after-processing' });
    const assignments: { generation: number; member: string; partitions: readonly number[]; atUs: number }[] = [];
    r.sim.addMessageObserver({
      onSend(sentUs, _from, to, _arrival, message) {
        const m = message as JoinGroupReply;
        if (m.kind === 'join-group-reply' && m.error === undefined)
          assignments.push({
            generation: m.generation,
            member: r.sim.nodeName(to),
            partitions: m.partitions,
            atUs: sentUs,
          });
      },
    });
    const crashUs = 300_000;
    r.sim.at(crashUs, () => r.sim.crash(r.consumers[1]));
    r.sim.run({ untilUs: 1_000_000 });
    const generations = [...new Set(assignments.map((a) => a.generation))];
    for (const g of generations) {
      const owned = assignments.filter((a) => a.generation === g).flatMap((a) => a.partitions);
      expect(owned.slice().sort((x: number, y: number) => x - y)).toEqual([0, 1, 2, 3, 4, 5]);
    }
    const last = assignments.filter((a) => a.generation === generations[generations.length - 1]);
    expect(
      last
        .map((a) => a.member)
        .slice()
        .sort(),
    ).toEqual(['consumer-1', 'consumer-3']);
    // Removed within the session timeout (100 ms) plus the coordinator's sweep (a tenth of it) and a rebalance.
    expect(last[0].atUs - crashUs).toBeGreaterThanOrEqual(100_000);
    expect(last[0].atUs - crashUs).toBeLessThan(200_000);
    expect((r.sim.process(r.broker) as SingleLogBroker).inspect()).toMatchObject({ membersExpired: 1 });
  });
});

describe('group membership under member crashes', () => {
  it('every generation gives each partition to exactly one member, whatever crashes and restarts', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            atUs: fc.integer({ min: 0, max: 600_000 }),
            consumer: fc.integer({ min: 0, max: 3 }),
            downUs: fc.integer({ min: 1, max: 400_000 }),
          }),
          { maxLength: 5 },
        ),
        fc.constantFrom('range', 'roundrobin', 'sticky' as const),
        (crashes, assignor) => {
          const r = groupRun({ partitions: 5, perPartition: 500, consumers: 4, commit: 'after-processing', assignor });
          const byGeneration = new Map<number, number[]>();
          r.sim.addMessageObserver({
            onSend(_sentUs, _from, _to, _arrival, message) {
              const m = message as JoinGroupReply;
              if (m.kind !== 'join-group-reply' || m.error !== undefined) return;
              const owned = byGeneration.get(m.generation) ?? [];
              byGeneration.set(m.generation, owned.concat(m.partitions));
            },
          });
          for (const c of crashes) {
            const id = r.consumers[c.consumer];
            r.sim.at(c.atUs, () => r.sim.isUp(id) && r.sim.crash(id));
            r.sim.at(c.atUs + c.downUs, () => !r.sim.isUp(id) && r.sim.restart(id));
          }
          r.sim.run({ untilUs: 1_500_000 });
          expect(byGeneration.size).toBeGreaterThan(0);
          for (const owned of byGeneration.values())
            expect(owned.slice().sort((x: number, y: number) => x - y)).toEqual([0, 1, 2, 3, 4]);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('partition assignors', () => {
  const members = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), { minLength: 1, maxLength: 7 });

  it('give every partition to exactly one member, every member within one partition of every other', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ASSIGNORS),
        members.map((m) => m.slice().sort()),
        fc.integer({ min: 0, max: 40 }),
        fc.array(fc.constantFrom('', 'a', 'b', 'c', 'x'), { maxLength: 40 }),
        (assignor, names, partitions, previous) => {
          const out = assignPartitions(assignor, names, partitions, previous);
          expect(
            out
              .flat()
              .slice()
              .sort((x: number, y: number) => x - y),
          ).toEqual(Array.from({ length: partitions }, (_, p) => p));
          const sizes = out.map((o) => o.length);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it('sticky: when a member leaves, the others keep every partition they had', () => {
    fc.assert(
      fc.property(
        members.map((m) => m.slice().sort()),
        fc.integer({ min: 1, max: 40 }),
        fc.nat(),
        (names, partitions, k) => {
          fc.pre(names.length >= 2);
          const before = assignPartitions('sticky', names, partitions, []);
          const owners = new Array<string>(partitions).fill('');
          names.forEach((n, i) => before[i].forEach((p) => (owners[p] = n)));
          const gone = k % names.length;
          const rest = names.filter((_, i) => i !== gone);
          const after = assignPartitions('sticky', rest, partitions, owners);
          rest.forEach((n, i) => {
            for (const p of before[names.indexOf(n)]) expect(after[i]).toContain(p);
          });
        },
      ),
    );
  });
});
