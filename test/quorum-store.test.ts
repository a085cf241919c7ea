import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveScenarioArgument } from '../scenarios/harness/bundled-scenarios.js';
import { loadScenario, parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { runScenario, type CompletedRun } from '../scenarios/harness/run-scenario.js';
import { SESSIONS_PER_NODE } from '../models/replication/store-client.js';
import { isReplica } from '../models/kit/inspect-contract.js';
import { pairOperations, type Operation } from '../reports/consistency/history.js';
import { checkLinearizability } from '../reports/consistency/linearizability.js';
import { registerSpec } from '../reports/consistency/sequential-specs.js';

async function run(text: string): Promise<CompletedRun> {
  return runScenario(parseScenarioText(text, 'quorum.yaml').scenario);
}

async function runBundled(name: string): Promise<Map<string, CompletedRun>> {
  const loaded = loadScenario(resolveScenarioArgument(name));
  const runs = new Map<string, CompletedRun>();
  for (const v of loaded.variants) runs.set(v.name, await runScenario(v.scenario));
  return runs;
}

/** Completed operations: failed ones are dropped, writes with an unknown outcome return at +Infinity. */
function operations(completed: CompletedRun): Operation[] {
  return pairOperations(completed.built.history.events, (f) => f === 'read');
}

/**
 * Reads that returned a value older than the latest write acknowledged
 * before they began: every value they returned was written by a write that
 * had finished before that latest write started (or they returned nothing).
 * A read returning siblings is fresh when any sibling is.
 */
function staleReads(completed: CompletedRun): { reads: number; stale: number } {
  const ops = operations(completed);
  const writeOf = new Map<number, Operation>();
  const acknowledged = new Map<string | undefined, Operation[]>();
  for (const op of ops) {
    if (op.f !== 'write') continue;
    writeOf.set(op.input as number, op);
    if (op.unknown) continue;
    if (!acknowledged.has(op.key)) acknowledged.set(op.key, []);
    acknowledged.get(op.key)!.push(op);
  }
  for (const writes of acknowledged.values()) writes.sort((a, b) => a.returnTime - b.returnTime);
  let reads = 0;
  let stale = 0;
  for (const read of ops) {
    if (read.f !== 'read' || read.unknown) continue;
    reads++;
    const writes = acknowledged.get(read.key) ?? [];
    let lo = 0;
    let hi = writes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (writes[mid].returnTime < read.callTime) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) continue;
    const latest = writes[lo - 1];
    const values = (Array.isArray(read.output) ? read.output : [read.output]) as (number | null)[];
    const fresh = values.some((v) => v !== null && !(writeOf.get(v)!.returnTime < latest.callTime));
    if (!fresh) stale++;
  }
  return { reads, stale };
}

/** Share of operations that succeeded (reads and writes). */
function availability(completed: CompletedRun, from = 0, to = Infinity, node?: string): number {
  const session = node === undefined ? -1 : completed.built.sim.nodeId(node);
  let invoked = 0;
  let ok = 0;
  const open = new Map<number, number>();
  for (const e of completed.built.history.events) {
    if (session >= 0 && Math.floor(e.session / SESSIONS_PER_NODE) !== session) continue;
    if (e.type === 'invoke') {
      if (e.timeUs! >= from && e.timeUs! < to) open.set(e.process, 1);
    } else if (open.delete(e.process)) {
      invoked++;
      if (e.type === 'ok') ok++;
    }
  }
  return ok / invoked;
}

/** Each store node's values at the end of the run. */
function replicaValues(completed: CompletedRun): Map<number, unknown>[] {
  const { sim, components } = completed.built;
  return components[0].nodeIds.map((id) => {
    const process = sim.process(id);
    if (!isReplica(process)) throw new Error(`${sim.nodeName(id)} is down`);
    return new Map(process.localValues());
  });
}

/** Whether every node holding a key holds the same value for it. */
function converged(completed: CompletedRun): boolean {
  const values = new Map<number, string>();
  for (const replica of replicaValues(completed)) {
    for (const [key, value] of replica) {
      const seen = values.get(key);
      if (seen !== undefined && seen !== JSON.stringify(value)) return false;
      values.set(key, JSON.stringify(value));
    }
  }
  return true;
}

const detail = (completed: CompletedRun, name: string) => completed.built.components[0].metrics.details.get(name) ?? 0;

describe('quorum intersection', () => {
  it('with R + W > N, strict quorums and any crashes or partitions among the replicas, every read sees the latest acknowledged write', async () => {
    const fault = fc.record({
      atMs: fc.integer({ min: 200, max: 3000 }),
      forMs: fc.integer({ min: 100, max: 1500 }),
      crash: fc.boolean(),
      /** The crashed node, or which nodes form the other side of the partition (a bit per node). */
      nodes: fc.integer({ min: 1, max: 30 }),
    });
    const setup = fc
      .record({
        n: fc.integer({ min: 1, max: 4 }),
        extra: fc.integer({ min: 0, max: 1 }),
        r: fc.integer({ min: 1, max: 4 }),
        w: fc.integer({ min: 1, max: 4 }),
        resolution: fc.constantFrom('lww', 'version-vectors'),
        readRepair: fc.boolean(),
        hintedHandoff: fc.boolean(),
        faults: fc.array(fault, { maxLength: 4 }),
      })
      .filter((s) => s.r <= s.n && s.w <= s.n && s.r + s.w > s.n);
    await fc.assert(
      fc.asyncProperty(setup, async (s) => {
        const count = s.n + s.extra;
        const node = (i: number) => `kv-${(i % count) + 1}`;
        const timeline = s.faults.map((f) => {
          if (f.crash) return `{ at: ${f.atMs}ms, action: crash, nodes: ${node(f.nodes)}, for: ${f.forMs}ms }`;
          const side = Array.from({ length: count }, (_, i) => i).filter((i) => (f.nodes >> i) & 1);
          const other = Array.from({ length: count }, (_, i) => i).filter((i) => !((f.nodes >> i) & 1));
          if (side.length === 0 || other.length === 0) return `{ at: ${f.atMs}ms, action: heal }`;
          return `{ at: ${f.atMs}ms, action: partition, sides: [[${side.map(node).join(', ')}], [${other.map(node).join(', ')}]], for: ${f.forMs}ms }`;
        });
        const completed = await run(`
name: intersection
duration: 4s
topology:
  nodes: { kv: { count: ${count} }, client: { count: 3 } }
components:
  store:
    type: quorum-store
    nodes: kv
    replicationFactor: ${s.n}
    readConsistency: { replicas: ${s.r} }
    writeConsistency: { replicas: ${s.w} }
    conflictResolution: ${s.resolution}
    readRepair: ${s.readRepair}
    hintedHandoff: ${s.hintedHandoff}
workloads:
  users: { type: store-client, nodes: client, target: store, users: 2, thinkTime: 5ms, keys: { count: 2 }, contact: random }
faults:
  timeline: [${timeline.join(', ')}]
`);
        const { reads, stale } = staleReads(completed);
        expect(reads).toBeGreaterThan(0);
        expect(stale).toBe(0);
      }),
      { numRuns: 25 },
    );
  });
});

describe('linearizable mode (ABD)', () => {
  const fault = fc.record({
    atMs: fc.integer({ min: 200, max: 3000 }),
    forMs: fc.integer({ min: 100, max: 1500 }),
    crash: fc.boolean(),
    nodes: fc.integer({ min: 1, max: 30 }),
  });
  type Fault = typeof fault extends fc.Arbitrary<infer F> ? F : never;
  /**
   * A store of `count` nodes, spread over two sites `crossMs` apart, under
   * generated crashes, partitions and clock offsets; `store` adds its settings.
   */
  const scenario = (count: number, store: string, skewsMs: number[], faults: Fault[], crossMs = 2, duplicate = 0) => {
    const node = (i: number) => `kv-${(i % count) + 1}`;
    const timeline = skewsMs.map((by, i) => `{ at: 0s, action: clock-jump, nodes: ${node(i)}, by: ${by}ms }`);
    for (const f of faults) {
      if (f.crash) timeline.push(`{ at: ${f.atMs}ms, action: crash, nodes: ${node(f.nodes)}, for: ${f.forMs}ms }`);
      else {
        const side = Array.from({ length: count }, (_, i) => i).filter((i) => (f.nodes >> i) & 1);
        const other = Array.from({ length: count }, (_, i) => i).filter((i) => !((f.nodes >> i) & 1));
        if (side.length > 0 && other.length > 0)
          timeline.push(
            `{ at: ${f.atMs}ms, action: partition, sides: [[${side.map(node).join(', ')}], [${other.map(node).join(', ')}]], for: ${f.forMs}ms }`,
          );
      }
    }
    return `
name: abd
duration: 4s
topology:
  regions: [east, west]
  rtt: { crossRegion: ${crossMs}ms }
  link: { duplicate: ${duplicate} }
  nodes: { kv: { count: ${count}, region: [east, west] }, client: { count: 3, region: [east, west] } }
components:
  store: { type: quorum-store, nodes: kv, conflictResolution: lww, ${store} }
workloads:
  users: { type: store-client, nodes: client, target: store, users: 2, thinkTime: 5ms, keys: { count: 2 }, contact: random }
faults:
  timeline: [${timeline.join(', ')}]
`;
  };
  const linearizable = (completed: CompletedRun) =>
    checkLinearizability(operations(completed), registerSpec).linearizable;

  it('with R + W > N, skewed clocks, crashes, partitions and duplicated messages, every history is linearizable', async () => {
    const setup = fc
      .record({
        n: fc.integer({ min: 1, max: 5 }),
        r: fc.integer({ min: 1, max: 5 }),
        w: fc.integer({ min: 1, max: 5 }),
        skewsMs: fc.array(fc.integer({ min: -300, max: 300 }), { minLength: 5, maxLength: 5 }),
        faults: fc.array(fault, { maxLength: 4 }),
        crossMs: fc.integer({ min: 1, max: 40 }),
        duplicate: fc.constantFrom(0, 0.1),
      })
      .filter((s) => s.r <= s.n && s.w <= s.n && s.r + s.w > s.n);
    await fc.assert(
      fc.asyncProperty(setup, async (s) => {
        const completed = await run(
          scenario(
            s.n,
            `replicationFactor: ${s.n}, readConsistency: { replicas: ${s.r} }, writeConsistency: { replicas: ${s.w} }, linearizable: true`,
            s.skewsMs,
            s.faults,
            s.crossMs,
            s.duplicate,
          ),
        );
        expect(operations(completed).filter((op) => op.f === 'read' && !op.unknown).length).toBeGreaterThan(0);
        expect(linearizable(completed)).toBe(true);
      }),
      { numRuns: 20 },
    );
  });

  it('the same quorums without it are not: a coordinator with a slow or a fast clock stamps writes out of order', async () => {
    for (const levels of [
      'readConsistency: quorum, writeConsistency: quorum',
      'readConsistency: one, writeConsistency: all',
    ]) {
      for (const skewMs of [-200, 200]) {
        const store = `replicationFactor: 3, ${levels}`;
        expect(linearizable(await run(scenario(3, store, [skewMs], []))), `${levels}, ${skewMs}ms`).toBe(false);
        expect(
          linearizable(await run(scenario(3, `${store}, linearizable: true`, [skewMs], []))),
          `${levels}, ${skewMs}ms`,
        ).toBe(true);
      }
    }
  });

  it('and, with true clocks, a read can return a write still in progress that a later read then misses, unless reads write back', async () => {
    // kv-2 is 30 ms from the others: a write at W = 3 is on kv-1 and kv-3 long before it is acknowledged.
    const store = 'replicationFactor: 3, readConsistency: one, writeConsistency: all';
    expect(linearizable(await run(scenario(3, store, [], [], 30)))).toBe(false);
    const abd = await run(scenario(3, `${store}, linearizable: true`, [], [], 30));
    expect(linearizable(abd)).toBe(true);
    expect(detail(abd, 'write-backs')).toBeGreaterThan(0);
  });
});

describe('repairing a replica that missed writes', () => {
  // Writes only while kv-3 is down (0.5 s to 2.5 s), reads throughout from another client.
  const missedWrites = (store: string) => `
name: missed
duration: 5s
topology:
  nodes: { kv: { count: 3 }, writer: {}, reader: {} }
components:
  store: { type: quorum-store, nodes: kv, ${store} }
workloads:
  writes: { type: store-client, nodes: writer, target: store, users: 2, thinkTime: 10ms, keys: { count: 3 }, contact: random, operations: { write: 1 }, stopAt: 2s }
  reads: { type: store-client, nodes: reader, target: store, users: 2, thinkTime: 10ms, keys: { count: 3 }, contact: random, operations: { read: 1 } }
faults:
  timeline: [{ at: 500ms, action: crash, nodes: kv-3, for: 2s }]
`;

  it('hinted handoff hands over what a crashed replica missed once it is back', async () => {
    const withHints = await run(missedWrites('readRepair: false, hintedHandoff: true'));
    expect(detail(withHints, 'hints-delivered')).toBeGreaterThan(0);
    expect(converged(withHints)).toBe(true);
    const [kv1, , kv3] = replicaValues(withHints);
    expect(kv3).toEqual(kv1);
  });

  it('without hints, read repair or anti-entropy the replica stays behind; either of the other two also brings it up to date', async () => {
    const none = await run(missedWrites('readRepair: false, hintedHandoff: false'));
    expect(detail(none, 'hints-stored')).toBe(0);
    expect(converged(none)).toBe(false);

    const readRepair = await run(missedWrites('readRepair: true, hintedHandoff: false'));
    expect(detail(readRepair, 'read-repairs')).toBeGreaterThan(0);
    expect(converged(readRepair)).toBe(true);

    const antiEntropy = await run(missedWrites('readRepair: false, hintedHandoff: false, antiEntropyInterval: 200ms'));
    expect(detail(antiEntropy, 'anti-entropy-repairs')).toBeGreaterThan(0);
    expect(converged(antiEntropy)).toBe(true);
  });
});

describe('sloppy quorums (AP) and strict quorums (CP) under a 2|3 partition', () => {
  const partitioned = (store: string, levels: string) => `
name: ap-cp
duration: 10s
topology:
  regions: [left, right]
  rtt: { crossRegion: 2ms }
  nodes:
    kv: { count: 5, region: [left, left, right, right, right] }
    client: { count: 2, region: [left, right] }
components:
  store: { type: quorum-store, nodes: kv, ${store} }
workloads:
  users: { type: store-client, nodes: client, target: store, users: 3, thinkTime: 10ms, keys: { count: 6 }, ${levels}, stopAt: 8s }
faults:
  timeline: [{ at: 2s, action: partition, sides: [left, right], for: 4s }]
`;
  const ONE = 'readConsistency: one, writeConsistency: one';

  it('ONE/ONE with a sloppy quorum keeps the minority side available, reads stale there, and converges after the heal', async () => {
    const sloppy = await run(partitioned('replicationFactor: 3, sloppyQuorum: true', ONE));
    // After the failure timeout (500 ms) the minority side writes to and reads from the nodes it can reach.
    expect(availability(sloppy, 3_000_000, 6_000_000, 'client-1')).toBe(1);
    expect(staleReads(sloppy).stale).toBeGreaterThan(0);
    expect(detail(sloppy, 'hints-delivered')).toBeGreaterThan(0);
    expect(converged(sloppy)).toBe(true);

    // Without it, the minority side cannot reach any replica of the keys the ring put on the other side.
    const strict = await run(partitioned('replicationFactor: 3, sloppyQuorum: false', ONE));
    expect(availability(strict, 3_000_000, 6_000_000, 'client-1')).toBeLessThan(0.9);
  });

  it('QUORUM/QUORUM with N = 5 refuses on the minority side (no-quorum) and serves the majority, with no stale reads', async () => {
    const strict = await run(
      partitioned('replicationFactor: 5, sloppyQuorum: false', 'readConsistency: quorum, writeConsistency: quorum'),
    );
    const refusals = strict.built.history.events.filter((e) => e.type === 'fail');
    expect(refusals.length).toBeGreaterThan(100);
    expect(availability(strict, 3_000_000, 6_000_000, 'client-1')).toBe(0);
    expect(availability(strict, 3_000_000, 6_000_000, 'client-2')).toBe(1);
    expect(staleReads(strict).stale).toBe(0);
  });
});

describe('levels and parameters', () => {
  it('local-quorum counts only the replicas in the coordinator’s region', async () => {
    const completed = await run(`
name: local
duration: 4s
topology:
  regions: [east, west]
  nodes:
    kv: { count: 4, region: [east, east, west, west] }
    client: { count: 1, region: east }
components:
  store: { type: quorum-store, nodes: kv, replicationFactor: 4 }
workloads:
  users: { type: store-client, nodes: client, target: store, users: 2, readConsistency: local-quorum, writeConsistency: local-quorum }
faults:
  timeline: [{ at: 1s, action: partition, sides: [east, west] }]
`);
    // The west region is cut off, yet both east replicas answer: every key has two replicas there (N = 4 of 4).
    expect(availability(completed)).toBe(1);
    const requests = completed.built.requests;
    expect(requests.windows.reduce((s, w) => s + w.succeeded, 0)).toBeGreaterThan(100);
  });

  it('rejects levels beyond N, sloppy quorums without hints, more replicas than nodes, and linearizable settings that cannot be, each with a clear message', () => {
    const text = (store: string, count = 3) => `
name: bad
duration: 1s
topology: { nodes: { kv: { count: ${count} }, client: {} } }
components: { store: { type: quorum-store, nodes: kv, ${store} } }
workloads: { users: { type: store-client, nodes: client, target: store } }
`;
    expect(() => parseScenarioText(text('readConsistency: { replicas: 4 }'), 'bad.yaml')).toThrow(
      /at most replicationFactor \(3\) replicas can answer/,
    );
    expect(() => parseScenarioText(text('sloppyQuorum: true, hintedHandoff: false'), 'bad.yaml')).toThrow(
      /sloppy quorum hands writes back through hinted handoff/,
    );
    expect(() => parseScenarioText(text('replicationFactor: 5'), 'bad.yaml')).toThrow(
      /5 replicas per key need at least 5 store nodes; its node group has 3/,
    );
    expect(() => parseScenarioText(text('conflictResolution: crdt'), 'bad.yaml')).toThrow(/lww/);
    expect(() => parseScenarioText(text('readConsistency: one, linearizable: true'), 'bad.yaml')).toThrow(
      /readConsistency \+ writeConsistency must exceed replicationFactor \(3\)/,
    );
    expect(() => parseScenarioText(text('sloppyQuorum: true, linearizable: true'), 'bad.yaml')).toThrow(
      /stand-ins under a sloppy quorum break quorum intersection/,
    );
    expect(() =>
      parseScenarioText(text('conflictResolution: version-vectors, linearizable: true'), 'bad.yaml'),
    ).toThrow(/ABD orders writes by timestamp: set conflictResolution: lww/);
    expect(() => parseScenarioText(text('linearizable: true'), 'bad.yaml')).not.toThrow();
  });

  it('one user at a time through any coordinator, at quorum: the OR-Set and the PN-Counter behave as a plain set and counter', async () => {
    for (const [resolution, mix] of [
      ['or-set', '{ insert: 2, delete: 1, read: 2 }'],
      ['pn-counter', '{ add: 1, read: 1 }'],
    ]) {
      const completed = await run(`
name: sequential
duration: 5s
topology: { nodes: { kv: { count: 4 }, client: {} } }
components: { store: { type: quorum-store, nodes: kv, conflictResolution: ${resolution} } }
workloads: { users: { type: store-client, nodes: client, target: store, users: 1, operations: ${mix}, keys: { count: 2 }, contact: random } }
`);
      // The expected state per key, from this one user's operations in order.
      const sets = new Map<string | undefined, Set<number>>();
      const totals = new Map<string | undefined, number>();
      let reads = 0;
      for (const op of operations(completed)) {
        const set = sets.get(op.key) ?? new Set<number>();
        sets.set(op.key, set);
        if (op.f === 'insert') set.add(op.input as number);
        else if (op.f === 'delete') set.delete(op.input as number);
        else if (op.f === 'add') totals.set(op.key, (totals.get(op.key) ?? 0) + (op.input as number));
        else {
          reads++;
          const expected = resolution === 'or-set' ? [...set].sort((a, b) => a - b) : (totals.get(op.key) ?? 0);
          expect(op.output, `${resolution} read at ${op.callTime}us`).toEqual(expected);
        }
      }
      expect(reads).toBeGreaterThan(50);
    }
  });

  it('refuses operations the value type does not have, before applying anything', async () => {
    const completed = await run(`
name: counter
duration: 2s
topology: { nodes: { kv: { count: 3 }, client: {} } }
components: { store: { type: quorum-store, nodes: kv, conflictResolution: g-counter } }
workloads: { users: { type: store-client, nodes: client, target: store, operations: { write: 1, add: 1 } } }
`);
    const events = completed.built.history.events;
    const writes = events.filter((e) => e.f === 'write' && e.type !== 'invoke');
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((e) => e.type === 'fail')).toBe(true);
    expect(events.some((e) => e.f === 'add' && e.type === 'ok')).toBe(true);
  });
});

describe('bundled scenarios', () => {
  it('quorum-sweep: only R + W ≤ N (1,1) reads stale values, and it is the one that stays available on both sides', async () => {
    const runs = await runBundled('quorum-sweep');
    const stale = (name: string) => staleReads(runs.get(name)!);
    expect(stale('r1-w1').stale / stale('r1-w1').reads).toBeGreaterThan(0.1);
    for (const name of ['r1-w3', 'r2-w2', 'r3-w1']) {
      expect(stale(name).reads, name).toBeGreaterThan(1000);
      expect(stale(name).stale, name).toBe(0);
    }
    // During the partition (after the failure timeout): who serves what.
    const during = (name: string, node: string) => availability(runs.get(name)!, 11_000_000, 30_000_000, node);
    expect(during('r1-w1', 'client-1')).toBe(1);
    expect(during('r1-w1', 'client-2')).toBe(1);
    expect(during('r2-w2', 'client-1')).toBe(0);
    expect(during('r2-w2', 'client-2')).toBe(1);
    for (const name of ['r1-w3', 'r3-w1']) expect(during(name, 'client-2'), name).toBeLessThan(0.6);
    const failed = (name: string, f: string) =>
      runs.get(name)!.built.history.events.filter((e) => e.f === f && e.type === 'fail').length;
    expect(failed('r1-w3', 'read')).toBe(0);
    expect(failed('r1-w3', 'write')).toBeGreaterThan(1000);
    expect(failed('r3-w1', 'write')).toBe(0);
    expect(failed('r3-w1', 'read')).toBeGreaterThan(1000);
  });

  it('lww-clock-skew: LWW loses acknowledged updates to the slow clock, version vectors keep siblings, the counter is exact', async () => {
    const runs = await runBundled('lww-clock-skew');
    const lww = staleReads(runs.get('lww')!);
    expect(lww.stale).toBeGreaterThan(10);
    expect(staleReads(runs.get('lww-synced-clocks')!).stale).toBe(0);

    const vv = runs.get('version-vectors')!;
    expect(staleReads(vv).stale).toBe(0);
    const siblingReads = operations(vv).filter((op) => op.f === 'read' && Array.isArray(op.output));
    expect(siblingReads.length).toBeGreaterThan(10);
    expect(detail(vv, 'conflicts')).toBeGreaterThan(10);
    expect(converged(vv)).toBe(true);

    const counter = runs.get('pn-counter')!;
    const adds = operations(counter).filter((op) => op.f === 'add');
    expect(adds.every((op) => !op.unknown)).toBe(true);
    const perKey = new Map<number, number>();
    for (const op of adds) perKey.set(Number(op.key), (perKey.get(Number(op.key)) ?? 0) + 1);
    for (const replica of replicaValues(counter)) {
      expect(replica.size).toBe(perKey.size);
      for (const [key, total] of perKey) expect(replica.get(key)).toBe(total);
    }
  });
});

describe('a coordinator that crashes and restarts', () => {
  it('does not count an acknowledgement meant for a write from before the crash toward a new write', async () => {
    // kv-1 coordinates for the writer. Its links to kv-2 take 300 ms each way; kv-3 never hears from it.
    // The first write reaches kv-2, but kv-1 crashes before the acknowledgement returns. After the restart
    // kv-1 can no longer reach kv-2 either, so its second write can reach W = 2 only by mistaking the late
    // acknowledgement of the first for its own.
    const completed = await run(`
name: restarted-coordinator
duration: 3s
topology:
  regions: [a, b, c]
  rtt: { sameRegion: 1ms, crossRegion: 2ms, between: [{ regions: [a, b], rtt: 600ms }] }
  nodes:
    kv: { count: 3, region: [a, b, c] }
    writer: { region: a }
components:
  store: { type: quorum-store, nodes: kv, replicationFactor: 3, readConsistency: quorum, writeConsistency: quorum, readRepair: false, hintedHandoff: false, timeout: 1s }
workloads:
  writes: { type: store-client, nodes: writer, target: store, users: 1, thinkTime: 10ms, keys: { count: 1 }, operations: { write: 1 }, timeout: 400ms, stopAt: 1s }
faults:
  timeline:
    - { at: 0s, action: isolate, node: kv-3, from: kv-1 }
    - { at: 100ms, action: crash, nodes: kv-1, for: 100ms }
    - { at: 200ms, action: degrade, from: kv-1, to: kv-2, loss: 1 }
`);
    const writes = operations(completed).filter((op) => op.f === 'write');
    expect(writes.length).toBeGreaterThan(1);
    // No write can reach W = 2: none may be acknowledged, and kv-2 holds only the first.
    expect(writes.filter((write) => !write.unknown)).toEqual([]);
    expect(replicaValues(completed)[1].get(1)).toBe(writes[0].input);
  });
});
