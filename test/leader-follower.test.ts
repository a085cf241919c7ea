import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveScenarioArgument } from '../scenarios/harness/bundled-scenarios.js';
import { loadScenario, parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { runScenario, type CompletedRun } from '../scenarios/harness/run-scenario.js';
import type { Scenario } from '../scenarios/harness/scenario-schema.js';
import { ScenarioError } from '../scenarios/harness/scenario-error.js';
import type { RecordedEvent } from '../models/measure/history-recorder.js';
import type { Simulation } from '../engine/simulation.js';
import { splitGroups } from '../engine/partition.js';
import type { Append, Poll } from '../models/replication/leader-follower-messages.js';
import type { StoreRequest, StoreResponse } from '../models/replication/store-messages.js';
import { LeaderFollowerReplica } from '../models/replication/leader-follower.js';
import { NO_ENTRIES } from '../models/replication/replication-log.js';
import { pairOperations } from '../reports/consistency/history.js';
import { checkLinearizability } from '../reports/consistency/linearizability.js';
import { registerSpec } from '../reports/consistency/sequential-specs.js';
import { consistencyReport } from '../reports/consistency/consistency-report.js';
import { runMetrics } from '../reports/run-metrics.js';
import { buildReport } from '../reports/build-report.js';
import { renderCharts } from '../reports/charts/index.js';

type Run = Awaited<ReturnType<typeof run>>;

async function run(scenario: Scenario) {
  const completed = await runScenario(scenario);
  // The report's metrics section (the consistency section is left to its own tests).
  const metrics = runMetrics(completed.built, completed.result);
  const store = metrics.components.find((c) => c.type === 'leader-follower')!;
  return { completed, metrics, details: store.details!, replicas: replicas(completed) };
}

const runText = (text: string) => run(parseScenarioText(text, 'lf.yaml').scenario);

async function runBundled(name: string) {
  const loaded = loadScenario(resolveScenarioArgument(name));
  const out: Record<string, Run> = {};
  for (const v of loaded.variants) out[v.name] = await run(v.scenario);
  return out;
}

/** The store's replicas by node name; null for one that is down. */
function replicas(completed: CompletedRun): Map<string, LeaderFollowerReplica | null> {
  const { sim, components } = completed.built;
  const ids = components.find((c) => c.metrics.type === 'leader-follower')!.nodeIds;
  return new Map(ids.map((id) => [sim.nodeName(id), sim.process(id) as LeaderFollowerReplica | null]));
}

function soleLeader(rs: Map<string, LeaderFollowerReplica | null>): [string, LeaderFollowerReplica] {
  const leaders = [...rs].filter(([, r]) => r?.isLeader);
  expect(leaders).toHaveLength(1);
  return leaders[0] as [string, LeaderFollowerReplica];
}

interface Completed {
  f: string;
  key: string;
  type: string;
  /** What the operation wrote (from its invocation), or what a read returned. */
  value: unknown;
  invokeUs: number;
  completeUs: number;
  session: number;
  servedBy?: string;
}

/** Operations that completed, paired with their invocation. */
function completedOperations(events: readonly RecordedEvent[]): Completed[] {
  const open = new Map<number, RecordedEvent>();
  const out: Completed[] = [];
  for (const e of events) {
    if (e.type === 'invoke') open.set(e.process, e);
    else {
      const invoke = open.get(e.process)!;
      open.delete(e.process);
      out.push({
        f: e.f,
        key: String(e.key),
        type: e.type,
        value: e.f === 'read' ? e.value : invoke.value,
        invokeUs: invoke.timeUs!,
        completeUs: e.timeUs!,
        session: e.session,
        servedBy: e.servedBy,
      });
    }
  }
  return out;
}

/** Writes the store acknowledged (ok) whose value the final leader's log does not hold: acknowledged, then lost. */
function lostAcknowledgedWrites(r: Run): number {
  const [, leader] = soleLeader(r.replicas);
  const kept = new Set(leader.retainedWrites());
  return completedOperations(r.completed.built.history.events).filter(
    (op) => op.f === 'write' && op.type === 'ok' && !kept.has(op.value as number),
  ).length;
}

/**
 * Reads that returned something older than a write acknowledged before they began (stale), and those of them
 * where that write was the reader's own session's (read-your-writes violations). A value's age is its index in
 * the final leader's log, so this holds for runs that lose no write.
 */
function staleReads(r: Run): { reads: number; stale: number; ownWritesMissed: number } {
  const [, leader] = soleLeader(r.replicas);
  const index = new Map(leader.retainedWrites().map((v, i) => [v, i + 1]));
  const ops = completedOperations(r.completed.built.history.events);
  const writesByKey = new Map<string, Completed[]>();
  for (const w of ops) {
    if (w.f !== 'write' || w.type !== 'ok') continue;
    const writes = writesByKey.get(w.key);
    if (writes === undefined) writesByKey.set(w.key, [w]);
    else writes.push(w);
  }
  let reads = 0;
  let stale = 0;
  let ownWritesMissed = 0;
  for (const read of ops.filter((o) => o.f === 'read' && o.type === 'ok')) {
    reads++;
    const seen = read.value === null ? 0 : index.get(read.value as number)!;
    const missed = (writesByKey.get(read.key) ?? []).filter(
      (w) => w.completeUs < read.invokeUs && index.get(w.value as number)! > seen,
    );
    if (missed.length > 0) stale++;
    if (missed.some((w) => w.session === read.session)) ownWritesMissed++;
  }
  return { reads, stale, ownWritesMissed };
}

/** The committed checker's verdict on the run's history, one register per key. */
function linearizable(r: Run): boolean {
  return checkLinearizability(pairOperations(r.completed.built.history.events, registerSpec.isReadOnly), registerSpec)
    .linearizable;
}

/** The longest stretch between two acknowledged writes. */
function longestWriteGapUs(events: readonly RecordedEvent[]): number {
  let last = -1;
  let gap = 0;
  for (const op of completedOperations(events)
    .filter((o) => o.f === 'write' && o.type === 'ok')
    .sort((a, b) => a.completeUs - b.completeUs)) {
    if (last >= 0) gap = Math.max(gap, op.completeUs - last);
    last = op.completeUs;
  }
  return gap;
}

/** Runs the simulation on in steps of `stepUs` until `done` holds (at most `limitUs` more). */
function runUntil(sim: Simulation, done: () => boolean, stepUs = 100, limitUs = 5_000_000): void {
  const end = sim.nowUs + limitUs;
  while (!done()) {
    expect(sim.nowUs).toBeLessThan(end);
    sim.run({ untilUs: sim.nowUs + stepUs });
  }
}

/** Store requests a test sends itself from a client node (negative ids, which the node's users ignore), and the answers they get. */
function probe(sim: Simulation, clientName: string) {
  const client = sim.nodeId(clientName);
  const answers = new Map<number, StoreResponse>();
  sim.addMessageObserver({
    onSend(_sentUs, _from, to, _arrivalUs, message) {
      const m = message as StoreResponse;
      if (to === client && m.kind === 'store-response' && m.id < 0) answers.set(m.id, m);
    },
  });
  let next = -1;
  return {
    answers,
    send(replica: string, op: 'read' | 'write', key: number, value: number, sessionVersion?: number): number {
      const id = next--;
      const request: StoreRequest = {
        kind: 'store-request',
        id,
        op,
        key,
        value,
        sentUs: sim.nowUs,
        ...(sessionVersion === undefined ? {} : { sessionVersion }),
      };
      sim.send(client, sim.nodeId(replica), request, 0);
      return id;
    },
  };
}

/** Replicas in one region, with ten users beside them contacting any replica. */
const cluster = ({ replicas = 3, store = '', workload = '', faults = '    []', duration = '15s', duplicate = 0 }) => `
name: lf
duration: ${duration}
topology:
  link: { duplicate: ${duplicate} }
  nodes: { db: { count: ${replicas} }, client: {} }
components:
  store: { type: leader-follower, nodes: db, ${store} }
workloads:
  users: { type: store-client, nodes: client, target: store, users: 10, thinkTime: { type: exponential, mean: 5ms }, keys: { count: 5 }, contact: random, ${workload} }
faults:
  timeline:
${faults}
`;

describe('leader-follower promotion', () => {
  it('promotes the most up-to-date replica, the earlier one of equals, and loses nothing it had', async () => {
    // db-2 stops receiving the log at 5 s, db-3 at 6 s; writes stop at 6.5 s, so db-4 and db-5 end up equal and ahead.
    const r = await runText(
      cluster({
        replicas: 5,
        workload: 'stopAt: 6500ms',
        faults: [
          '    - { at: 5s, action: degrade, id: cut-2, from: db-1, to: db-2, loss: 100% }',
          '    - { at: 6s, action: degrade, id: cut-3, from: db-1, to: db-3, loss: 100% }',
          '    - { at: 7s, action: crash, nodes: db-1 }',
        ].join('\n'),
      }),
    );
    const [name, leader] = soleLeader(r.replicas);
    expect(name).toBe('db-4');
    expect(leader.epoch).toBeGreaterThan(1);
    expect(r.details.promotions).toBe(1);
    expect(lostAcknowledgedWrites(r)).toBe(0);
    // The laggards caught up from the new leader.
    for (const n of ['db-2', 'db-3', 'db-5'])
      expect(r.replicas.get(n)!.retainedWrites()).toEqual(leader.retainedWrites());
  });

  it('completes within the failure timeout plus the election wait after the leader crashes', async () => {
    const r = await runText(
      cluster({
        store: 'heartbeatInterval: 50ms, failureTimeout: 500ms, electionWait: 100ms',
        faults: '    - { at: 5s, action: crash, nodes: db-1 }',
      }),
    );
    const leaderless = r.details.maxLeaderlessUs;
    // The last heartbeat reached the followers up to one interval before the crash.
    expect(leaderless).toBeGreaterThanOrEqual(500_000 - 50_000 + 100_000);
    expect(leaderless).toBeLessThanOrEqual(500_000 + 100_000 + 5_000);
    // Clients find the new leader within their 1 s timeout of the crash.
    expect(longestWriteGapUs(r.completed.built.history.events)).toBeLessThan(500_000 + 100_000 + 1_000_000);
    expect(soleLeader(r.replicas)[0]).not.toBe('db-1');
  });

  it('a promoted replica first takes what a more up-to-date voter that may not lead has: no semi-sync write acknowledged by that copy alone is lost', async () => {
    // From 5 s db-2 hears nothing from db-1, so semi-sync writes are acknowledged by db-3 alone, which may never lead (promotable: 2).
    const r = await runText(
      cluster({
        store: 'replication: semi-sync, acks: 1, promotable: 2',
        workload: 'stopAt: 6500ms',
        faults: [
          '    - { at: 5s, action: degrade, id: cut-2, from: db-1, to: db-2, loss: 100% }',
          '    - { at: 7s, action: crash, nodes: db-1 }',
        ].join('\n'),
      }),
    );
    const [name, leader] = soleLeader(r.replicas);
    expect(name).toBe('db-2');
    const onlyOnDb3 = completedOperations(r.completed.built.history.events).filter(
      (o) => o.f === 'write' && o.type === 'ok' && o.invokeUs > 6_000_000,
    );
    expect(onlyOnDb3.length).toBeGreaterThan(100);
    expect(lostAcknowledgedWrites(r)).toBe(0);
    expect(r.details.acknowledgedWritesDiscarded).toBe(0);
    expect(r.replicas.get('db-3')!.retainedWrites()).toEqual(leader.retainedWrites());
    expect(linearizable(r)).toBe(true);
  });
});

describe('leader-follower epochs and fencing', () => {
  it('a replica refuses an append from an older epoch, and a leader that hears of a newer one steps down', async () => {
    const { scenario } = parseScenarioText(
      cluster({ faults: '    - { at: 2s, action: crash, nodes: db-1 }' }),
      'lf.yaml',
    );
    const completed = await runScenario({ ...scenario, duration: 5_000_000 });
    const sim = completed.built.sim;
    const db2 = sim.nodeId('db-2');
    const db3 = sim.nodeId('db-3');
    const r = replicas(completed);
    const [name, leader] = soleLeader(r);
    expect(name).toBe('db-2');
    const epoch = leader.epoch;
    const append = (e: number, value: number): Append => ({
      kind: 'lf-append',
      epoch: e,
      prevIndex: leader.logLength,
      prevEpoch: 0,
      entries: {
        epochs: Int32Array.of(e),
        keys: Float64Array.of(1),
        values: Float64Array.of(value),
        writtenUs: Float64Array.of(0),
      },
      sentLocalUs: 0,
    });
    // A deposed leader's append (epoch 1) reaches the leader and a follower: neither takes it.
    sim.send(db3, db2, append(1, -7), 0);
    sim.send(db2, db3, append(1, -7), 0);
    sim.run({ untilUs: sim.nowUs + 10_000 });
    expect(leader.isLeader).toBe(true);
    expect(leader.retainedWrites()).not.toContain(-7);
    expect(r.get('db-3')!.retainedWrites()).not.toContain(-7);
    // A heartbeat from a newer epoch: the leader steps down and follows it.
    sim.send(
      db3,
      db2,
      {
        kind: 'lf-append',
        epoch: epoch + 1,
        prevIndex: 0,
        prevEpoch: 0,
        entries: NO_ENTRIES,
        sentLocalUs: 0,
      } satisfies Append,
      0,
    );
    sim.run({ untilUs: sim.nowUs + 10_000 });
    expect(leader.isLeader).toBe(false);
    expect(leader.epoch).toBe(epoch + 1);
  });

  it('a replica back from a crash waits a failure timeout for the leader before it votes', async () => {
    const r = await runText(cluster({ duration: '3s', workload: 'stopAt: 2s' }));
    const sim = r.completed.built.sim;
    const [, leader] = soleLeader(r.replicas);
    const db3 = sim.nodeId('db-3');
    sim.crash(db3);
    // It comes back halfway between two of the leader's heartbeats (every 100 ms from 0).
    sim.run({ untilUs: sim.nowUs + 250_000 });
    sim.restart(db3);
    // db-2 asks at once, before db-3 has heard a heartbeat: db-3 must not promise it the next epoch, which would depose a healthy leader.
    const poll: Poll = { kind: 'lf-poll', epoch: leader.epoch + 1, lastEpoch: leader.epoch, length: leader.logLength };
    sim.send(sim.nodeId('db-2'), db3, poll, 0);
    sim.run({ untilUs: sim.nowUs + 500_000 });
    expect(leader.isLeader).toBe(true);
    expect(leader.epoch).toBe(1);
  });

  it('a leader’s lease ends before the others may elect another, even with clocks drifting apart', async () => {
    // db-1's clock runs slow and the followers' fast, within the default drift bound (1000 ppm); the election wait is short, so a lease as long
    // as the failure timeout would outlast it.
    const r = await runText(`
name: lf
duration: 18s
topology:
  nodes: { db: { count: 3 }, client: { count: 2 } }
components:
  store: { type: leader-follower, nodes: db, failureTimeout: 10s, electionWait: 1ms }
workloads:
  users: { type: store-client, nodes: client, target: store, users: 10, thinkTime: { type: exponential, mean: 1ms }, keys: { count: 5 }, timeout: 5ms, stopAt: 17s }
faults:
  timeline:
    - { at: 1s, action: clock-drift, nodes: db-1, ppm: -800 }
    - { at: 1s, action: clock-drift, nodes: [db-2, db-3], ppm: 800 }
    - { at: 3s, action: partition, sides: [[db-1, client-1], [db-2, db-3, client-2]] }
`);
    const [name] = soleLeader(r.replicas);
    expect(name).not.toBe('db-1');
    const served = completedOperations(r.completed.built.history.events).filter(
      (o) => o.type === 'ok' && o.invokeUs > 3_000_000,
    );
    const byOld = served.filter((o) => o.servedBy === 'db-1').map((o) => o.completeUs);
    const byNew = served.filter((o) => o.servedBy === name).map((o) => o.completeUs);
    expect(byOld.length).toBeGreaterThan(0);
    expect(byNew.length).toBeGreaterThan(0);
    expect(Math.max(...byOld)).toBeLessThan(Math.min(...byNew));
  });

  it('without fencing a leader cut off with its clients keeps taking writes, and loses them at heal', async () => {
    const text = (fencing: boolean) => `
name: lf
duration: 20s
topology:
  regions: [a, b]
  nodes: { db: { count: 3, region: [a, b, b] }, client: { count: 2, region: [a, b] } }
components:
  store: { type: leader-follower, nodes: db, fencing: ${fencing} }
workloads:
  users: { type: store-client, nodes: client, target: store, users: 5, thinkTime: { type: exponential, mean: 10ms }, keys: { count: 5 }, stopAt: 18s }
faults:
  timeline:
    - { at: 5s, action: partition, sides: [a, b], for: 8s }
`;
    const split = await runText(text(false));
    const during = completedOperations(split.completed.built.history.events).filter(
      (o) => o.f === 'write' && o.type === 'ok' && o.invokeUs > 7_000_000 && o.completeUs < 13_000_000,
    );
    const servedBy = (node: string) => during.filter((o) => o.servedBy === node).length;
    expect(servedBy('db-1')).toBeGreaterThan(500);
    expect(servedBy('db-2')).toBeGreaterThan(500);
    expect(split.details.maxLeaders).toBe(2);
    // At heal the newer epoch wins: db-1's partition writes are gone from every replica, though acknowledged.
    const lost = lostAcknowledgedWrites(split);
    expect(lost).toBeGreaterThan(servedBy('db-1'));
    // The store also counts the few it acknowledged just as the partition began, whose answers never got through.
    expect(split.details.acknowledgedWritesDiscarded).toBeGreaterThanOrEqual(lost);
    expect(split.details.acknowledgedWritesDiscarded).toBeLessThan(lost + 20);
    const [, leader] = soleLeader(split.replicas);
    for (const r of split.replicas.values()) expect(r!.localValues()).toEqual(leader.localValues());

    const fenced = await runText(text(true));
    const fencedDuring = completedOperations(fenced.completed.built.history.events).filter(
      (o) => o.f === 'write' && o.type === 'ok' && o.invokeUs > 7_000_000 && o.completeUs < 13_000_000,
    );
    expect(fencedDuring.filter((o) => o.servedBy === 'db-1')).toHaveLength(0);
    expect(fenced.details.maxLeaders).toBe(1);
    expect(fenced.details.stepDowns).toBe(1);
  });
});

describe('leader-follower safety', () => {
  const fault = (replicas: number): fc.Arbitrary<Fault> =>
    fc.oneof(
      fc.record({
        kind: fc.constant('crash' as const),
        atMs: fc.integer({ min: 1_000, max: 8_000 }),
        node: fc.integer({ min: 1, max: replicas }),
        forMs: fc.integer({ min: 200, max: 3_000 }),
      }),
      fc.record({
        kind: fc.constant('pause' as const),
        atMs: fc.integer({ min: 1_000, max: 8_000 }),
        node: fc.integer({ min: 1, max: replicas }),
        forMs: fc.integer({ min: 200, max: 3_000 }),
      }),
      fc.record({
        kind: fc.constant('partition' as const),
        atMs: fc.integer({ min: 1_000, max: 8_000 }),
        side: fc.subarray(
          Array.from({ length: replicas }, (_, i) => i + 1),
          { minLength: 1, maxLength: replicas - 1 },
        ),
        forMs: fc.integer({ min: 200, max: 3_000 }),
      }),
    );
  type Fault =
    | { kind: 'crash' | 'pause'; atMs: number; node: number; forMs: number }
    | { kind: 'partition'; atMs: number; side: number[]; forMs: number };
  const line = (f: Fault, replicas: number): string => {
    if (f.kind !== 'partition')
      return `    - { at: ${f.atMs}ms, action: ${f.kind}, nodes: db-${f.node}, for: ${f.forMs}ms }`;
    const other = Array.from({ length: replicas }, (_, i) => i + 1).filter((i) => !f.side.includes(i));
    const names = (ids: number[]) => `[${ids.map((i) => `db-${i}`).join(', ')}]`;
    return `    - { at: ${f.atMs}ms, action: partition, sides: [${names(f.side)}, ${names(other)}], for: ${f.forMs}ms }`;
  };

  const modes = [
    { store: 'replication: semi-sync, fencing: true', majority: true },
    // Only the first two may lead: an acknowledged write may sit on a majority that includes none of them.
    { store: 'replication: semi-sync, fencing: true, promotable: 2', majority: true },
    { store: 'replication: async, fencing: false', majority: false },
    { store: 'replication: sync, fencing: true', majority: false },
  ];

  it('once faults heal the replicas converge on one leader’s log; with fencing and a majority acknowledging each write nothing acknowledged is lost and the history is linearizable, duplicated messages included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .constantFrom(3, 5)
          .chain((replicas) =>
            fc.tuple(
              fc.constant(replicas),
              fc.constantFrom(...modes),
              fc.array(fault(replicas), { minLength: 1, maxLength: 4 }),
              fc.constantFrom(0, 0.1),
            ),
          ),
        async ([replicas, mode, faults, duplicate]) => {
          const r = await runText(
            cluster({
              replicas,
              store: `${mode.store}, acks: ${Math.floor(replicas / 2)}, heartbeatInterval: 50ms, failureTimeout: 400ms, electionWait: 100ms, ackTimeout: 500ms`,
              workload: 'stopAt: 10s, timeout: 500ms',
              duration: '14s',
              faults: faults.map((f) => line(f, replicas)).join('\n'),
              duplicate,
            }),
          );
          const [, leader] = soleLeader(r.replicas);
          for (const replica of r.replicas.values()) expect(replica!.retainedWrites()).toEqual(leader.retainedWrites());
          if (mode.majority) {
            expect(lostAcknowledgedWrites(r)).toBe(0);
            expect(linearizable(r)).toBe(true);
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('leader-follower reads', () => {
  it('read-your-writes: a replica on another epoch’s branch does not serve a session version it lacks, however long its log', async () => {
    // No fencing: from 3 s db-2, alone, leads a new epoch while db-1 and db-3 go on with the old one, taking every client write.
    const r = await runText(`
name: lf
duration: 6s
topology:
  regions: [a, b]
  rtt: { crossRegion: 200ms }
  nodes: { db: { count: 3, region: [a, b, a] }, client: { region: a } }
components:
  store: { type: leader-follower, nodes: db, fencing: false, forwarding: true, reads: read-your-writes }
workloads:
  users: { type: store-client, nodes: client, target: store, users: 10, thinkTime: { type: exponential, mean: 5ms }, keys: { count: 5 }, readYourWrites: true, stopAt: 5s }
faults:
  timeline:
    - { at: 3s, action: partition, sides: [[db-1, db-3], [db-2]] }
`);
    const sim = r.completed.built.sim;
    const db2 = r.replicas.get('db-2')!;
    const db3 = r.replicas.get('db-3')!;
    expect(db2.isLeader).toBe(true);
    const client = probe(sim, 'client-1');
    const write = client.send('db-2', 'write', 1, -5);
    runUntil(sim, () => client.answers.has(write));
    const version = client.answers.get(write)!.version!;
    // At heal db-3 follows db-2 at its first heartbeat, but its log is still the old epoch's, longer than db-2's, for a round trip.
    sim.heal();
    runUntil(sim, () => db3.epoch === db2.epoch);
    expect(db3.logLength).toBeGreaterThan(db2.logLength);
    expect(db3.retainedWrites()).not.toContain(-5);
    const read = client.send('db-3', 'read', 1, 0, version);
    runUntil(sim, () => client.answers.has(read));
    expect(client.answers.get(read)).toMatchObject({ status: 'ok', value: -5 });
  });

  it('a new leader does not show a read an entry it inherited until a follower has it too', async () => {
    const r = await runText(
      cluster({
        store:
          'replication: semi-sync, fencing: false, heartbeatInterval: 50ms, failureTimeout: 400ms, electionWait: 100ms',
        duration: '3s',
        workload: 'stopAt: 2s',
      }),
    );
    const sim = r.completed.built.sim;
    const [, old] = soleLeader(r.replicas);
    const [db2, db3] = [sim.nodeId('db-2'), sim.nodeId('db-3')];
    // db-1 crashes having sent one more write to db-2 only, which it never acknowledged.
    sim.crash(sim.nodeId('db-1'));
    const entry: Append = {
      kind: 'lf-append',
      epoch: old.epoch,
      prevIndex: old.logLength,
      prevEpoch: old.epoch,
      entries: {
        epochs: Int32Array.of(old.epoch),
        keys: Float64Array.of(1),
        values: Float64Array.of(-9),
        writtenUs: Float64Array.of(sim.nowUs),
      },
      sentLocalUs: 0,
    };
    sim.send(db3, db2, entry, 0);
    // db-2, the most up-to-date, is promoted; a read reaches it at once, and it is cut off from db-3 before it can pass the entry on.
    const db2Replica = r.replicas.get('db-2')!;
    runUntil(sim, () => db2Replica.isLeader);
    sim.partition(splitGroups([[db2], [db3]]), 'db-2 | db-3');
    const client = probe(sim, 'client-1');
    const read = client.send('db-2', 'read', 1, 0);
    sim.run({ untilUs: sim.nowUs + 100_000 });
    // db-2 crashes; db-3 leads without the entry.
    sim.crash(db2);
    sim.heal();
    runUntil(sim, () => r.replicas.get('db-3')!.isLeader);
    sim.run({ untilUs: sim.nowUs + 500_000 });
    expect(r.replicas.get('db-3')!.retainedWrites()).not.toContain(-9);
    // So no read may have returned it.
    expect(client.answers.get(read)?.value).not.toBe(-9);
  });
});

describe('leader-follower writes', () => {
  it('answers unknown, never failed, for a write it applied but could not get acknowledged', async () => {
    // db-1 and the clients are cut off from the followers for good: its semi-sync writes already in the log time out as unknown; once it counts its
    // followers as down (1 s) it refuses writes up front, without applying them.
    const r = await runText(
      cluster({
        store: 'replication: semi-sync, fencing: false, ackTimeout: 300ms',
        duration: '8s',
        faults: '    - { at: 3s, action: partition, sides: [[db-1, client], [db-2, db-3]] }',
      }),
    );
    const byDb1 = completedOperations(r.completed.built.history.events).filter(
      (o) => o.f === 'write' && o.servedBy === 'db-1' && o.invokeUs > 3_000_000,
    );
    const applied = new Set(r.replicas.get('db-1')!.retainedWrites());
    const unknown = byDb1.filter((o) => o.type === 'info');
    const failed = byDb1.filter((o) => o.type === 'fail');
    expect(unknown.length).toBeLessThanOrEqual(r.details.writesUnknown);
    expect(unknown.length).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0);
    for (const o of unknown) expect(applied.has(o.value as number)).toBe(true);
    for (const o of failed) expect(applied.has(o.value as number)).toBe(false);
    expect(byDb1.filter((o) => o.type === 'ok' && o.invokeUs > 3_100_000)).toHaveLength(0);
  });

  it('rejects a semi-sync quorum larger than the followers, and a failure timeout or lease within the heartbeat interval', () => {
    let error: unknown;
    try {
      parseScenarioText(
        cluster({ store: 'replication: semi-sync, acks: 3, heartbeatInterval: 1s, failureTimeout: 1s' }),
        'lf.yaml',
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    const message = String((error as Error).message);
    expect(message).toContain('3 follower acknowledgements asked of 2 followers');
    expect(message).toContain('failureTimeout: must be longer than heartbeatInterval');
    // The lease, the failure timeout less the clock-drift margin, must still outlast a heartbeat interval.
    expect(() =>
      parseScenarioText(
        cluster({ store: 'heartbeatInterval: 100ms, failureTimeout: 120ms, maxClockDriftPpm: 100000' }),
        'lf.yaml',
      ),
    ).toThrow(/maxClockDriftPpm: leaves a lease of 98\.181ms, not longer than heartbeatInterval/);
    expect(() => parseScenarioText(cluster({ store: 'maxClockDriftPpm: 200000' }), 'lf.yaml')).toThrow(
      /maxClockDriftPpm.*at most 100000/,
    );
  });
});

describe('bundled scenario: failover', async () => {
  const runs = await runBundled('failover');

  it('async answers fastest but loses the unshipped tail; semi-sync and sync lose nothing, sync is slowest', () => {
    const p99 = (v: string) => runs[v].metrics.latencyByOperation.write.p99Us;
    expect(p99('async')).toBeLessThan(p99('semi-sync'));
    expect(p99('semi-sync')).toBeLessThan(p99('sync'));
    const lost = lostAcknowledgedWrites(runs.async);
    expect(lost).toBeGreaterThan(0);
    expect(runs.async.details.acknowledgedWritesDiscarded).toBeGreaterThanOrEqual(lost);
    expect(lostAcknowledgedWrites(runs['semi-sync'])).toBe(0);
    expect(lostAcknowledgedWrites(runs.sync)).toBe(0);
    expect(linearizable(runs.async)).toBe(false);
    expect(linearizable(runs['semi-sync'])).toBe(true);
    expect(linearizable(runs.sync)).toBe(true);
  });

  it('writes are unavailable for about the failure timeout plus the election, then the new leader serves', () => {
    for (const v of ['async', 'semi-sync', 'sync']) {
      const r = runs[v];
      expect(r.details.promotions).toBe(1);
      // 1 s failure timeout, 200 ms election wait, and a 140 ms round trip to take the rest of db-4's log, which was ahead.
      expect(r.details.maxLeaderlessUs).toBeGreaterThan(1_200_000 + 140_000 - 100_000);
      expect(r.details.maxLeaderlessUs).toBeLessThan(1_200_000 + 140_000 + 10_000);
      const gap = longestWriteGapUs(r.completed.built.history.events);
      expect(gap).toBeGreaterThan(1_000_000);
      expect(gap).toBeLessThan(2_000_000);
      expect(r.metrics.requests.byOperation.write.availability).toBeGreaterThan(0.9);
      expect(r.metrics.requests.byOperation.write.availability).toBeLessThan(1);
      expect(soleLeader(r.replicas)[0]).not.toBe('db-1');
    }
  });

  it('the report’s consistency section counts the same lost writes, judged on the replicas’ logs', () => {
    for (const v of ['async', 'semi-sync', 'sync']) {
      const c = consistencyReport(runs[v].completed.built, runs[v].completed.result, runs[v].metrics)!;
      expect(c.lostWrites).toMatchObject({ lost: lostAcknowledgedWrites(runs[v]), judgedOn: 'replica-logs' });
    }
    expect(
      consistencyReport(runs.async.completed.built, runs.async.completed.result, runs.async.metrics)!.lostWrites!.lost,
    ).toBeGreaterThan(0);
  });

  it('reports replica lag per window, aligned with the timeline, and charts it', async () => {
    for (const v of ['async', 'semi-sync', 'sync']) {
      const { metrics, details } = runs[v];
      const lag = metrics.components.find((c) => c.type === 'leader-follower')!.timeline.details!;
      for (const name of ['maxLagUs', 'maxLagVersions'] as const) {
        expect(lag[name], `${v} ${name}`).toHaveLength(metrics.timeline.length);
        expect(Math.max(...lag[name].filter((x) => x !== null)), `${v} ${name}`).toBe(details[name]);
      }
      // No follower acknowledges anything while there is no leader.
      expect(
        lag.maxLagUs.some((x) => x === null),
        v,
      ).toBe(true);
    }
    const loaded = loadScenario(resolveScenarioArgument('failover'));
    const report = buildReport({
      faultlineVersion: 'test',
      file: null,
      scenario: loaded.variants[0].scenario,
      runs: [{ name: 'async', overrides: {}, run: runs.async.completed }],
      wallSeconds: 1,
    });
    expect(renderCharts(report).map((c) => c.id)).toContain('replica-lag');
  });

  it('is deterministic: the same seed gives the same trace', async () => {
    const loaded = loadScenario(resolveScenarioArgument('failover'));
    const again = await runScenario(loaded.variants[0].scenario);
    expect(again.result.traceHash).toBe(runs.async.completed.result.traceHash);
    const reseeded = await runScenario({ ...loaded.variants[0].scenario, seed: 2 });
    expect(reseeded.result.traceHash).not.toBe(runs.async.completed.result.traceHash);
  });
});

describe('bundled scenario: split-brain', async () => {
  const runs = await runBundled('split-brain');

  it('without fencing both sides take writes and the cut-off side’s acknowledged writes are lost at heal', () => {
    const r = runs['no-fencing'];
    expect(r.details.maxLeaders).toBe(2);
    expect(r.metrics.requests.byOperation.write.availability).toBeGreaterThan(0.99);
    expect(lostAcknowledgedWrites(r)).toBeGreaterThan(2_000);
  });

  it('with fencing one leader at a time: the cut-off side is unavailable; with majority acks nothing acknowledged is lost', () => {
    const fenced = runs.fencing;
    expect(fenced.details.maxLeaders).toBe(1);
    expect(fenced.metrics.requests.byOperation.write.availability).toBeLessThan(0.8);
    // Async writes acknowledged before the lease ran out are still lost, but far fewer.
    expect(lostAcknowledgedWrites(fenced)).toBeGreaterThan(0);
    expect(lostAcknowledgedWrites(fenced)).toBeLessThan(lostAcknowledgedWrites(runs['no-fencing']) / 5);
    const majority = runs['fencing-semi-sync'];
    expect(majority.details.maxLeaders).toBe(1);
    expect(lostAcknowledgedWrites(majority)).toBe(0);
    expect(majority.details.writesUnknown).toBeGreaterThan(0);
    expect(linearizable(majority)).toBe(true);
    expect(linearizable(runs['no-fencing'])).toBe(false);
  });
});

describe('bundled scenario: replica-reads', async () => {
  const runs = await runBundled('replica-reads');

  it('leader reads are never stale but cross regions; any replica is local and stale; sessions never miss their own writes', () => {
    const leader = staleReads(runs.leader);
    const any = staleReads(runs.any);
    const sessions = staleReads(runs['read-your-writes']);
    expect(leader.stale).toBe(0);
    expect(any.stale / any.reads).toBeGreaterThan(0.2);
    expect(any.ownWritesMissed).toBeGreaterThan(100);
    expect(sessions.ownWritesMissed).toBe(0);
    expect(sessions.stale).toBeGreaterThan(0);
    expect(sessions.stale).toBeLessThan(any.stale);
    const readP99 = (v: string) => runs[v].metrics.latencyByOperation.read.p99Us;
    expect(readP99('leader')).toBeGreaterThan(60_000);
    expect(readP99('any')).toBeLessThan(2_000);
    // The followers trail by about a cross-region round trip plus a batch.
    expect(runs.any.details.maxLagUs).toBeGreaterThan(60_000);
    expect(runs.any.details.maxLagUs).toBeLessThan(400_000);
  });
});
