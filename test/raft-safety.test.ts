import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildScenario } from '../scenarios/harness/build-scenario.js';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import type { NodeId } from '../engine/node-context.js';
import type { Simulation } from '../engine/simulation.js';
import type { RaftEntry } from '../models/replication/raft-messages.js';
import { RaftNode, type RaftDisk } from '../models/replication/raft.js';
import { pairOperations } from '../reports/consistency/history.js';
import { checkLinearizability } from '../reports/consistency/linearizability.js';
import { registerSpec } from '../reports/consistency/sequential-specs.js';

const MEMBERS = 5;
const MAJORITY = 3;
const names = Array.from({ length: MEMBERS }, (_, i) => `store-${i + 1}`);

type Fault =
  | { kind: 'crash' | 'pause'; member: number; atMs: number; forMs: number }
  /** Members whose bit is set on one side, the rest on the other; clients reach both. */
  | { kind: 'partition'; side: number; atMs: number; forMs: number }
  | { kind: 'loss'; loss: number; atMs: number; forMs: number };

const options: fc.Arbitrary<RaftOptions> = fc.record({
  reads: fc.constantFrom('read-index' as const, 'lease' as const, 'log' as const),
  preVote: fc.boolean(),
  checkQuorum: fc.boolean(),
});
const atMs = fc.integer({ min: 200, max: 5_000 });
const forMs = fc.integer({ min: 20, max: 2_000 });
const member = fc.integer({ min: 0, max: MEMBERS - 1 });
const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({ kind: fc.constantFrom('crash' as const, 'pause' as const), member, atMs, forMs }),
  fc.record({
    kind: fc.constant('partition' as const),
    side: fc.integer({ min: 1, max: 2 ** MEMBERS - 2 }),
    atMs,
    forMs,
  }),
  fc.record({ kind: fc.constant('loss' as const), loss: fc.constantFrom(0.05, 0.3, 0.8), atMs, forMs }),
);

/** Every fault is undone and the clients stop by 7 s; the run goes on to 8.5 s so the cluster can settle. */
const DURATION_MS = 8_500;

function timelineEntry(f: Fault, i: number): Record<string, unknown> {
  const timing = { at: `${f.atMs}ms`, for: `${f.forMs}ms` };
  switch (f.kind) {
    case 'crash':
    case 'pause':
      return { ...timing, action: f.kind, nodes: names[f.member] };
    case 'partition':
      return {
        ...timing,
        action: 'partition',
        sides: [names.filter((_, m) => f.side & (1 << m)), names.filter((_, m) => !(f.side & (1 << m)))],
      };
    case 'loss':
      // Between members: loss on the clients' links would only add operations of unknown outcome, which make the linearizability check costly.
      return { ...timing, action: 'degrade', id: `loss-${i}`, from: 'store', to: 'store', loss: f.loss };
  }
}

interface RaftOptions {
  reads: 'read-index' | 'lease' | 'log';
  preVote: boolean;
  checkQuorum: boolean;
}

/** Duplication and reordering on every link, all run long. */
interface Network {
  duplicate: number;
  reorder: number;
}
const network: fc.Arbitrary<Network> = fc.record({
  duplicate: fc.constantFrom(0, 0.1),
  reorder: fc.constantFrom(0, 0.1),
});

function scenarioText(seed: number, faults: readonly Fault[], raft: RaftOptions, net: Network): string {
  return JSON.stringify({
    name: 'raft-safety',
    seed,
    duration: `${DURATION_MS}ms`,
    topology: { link: { ...net, reorderDelay: '20ms' }, nodes: { store: { count: MEMBERS }, client: { count: 3 } } },
    components: { kv: { type: 'raft', nodes: 'store', ...raft, requestTimeout: '300ms' } },
    workloads: {
      users: {
        type: 'store-client',
        nodes: 'client',
        target: 'kv',
        users: 2,
        thinkTime: '5ms',
        operations: { read: 2, write: 2, cas: 1 },
        keys: { count: 5 },
        timeout: '400ms',
        contact: 'random',
        stopAt: '7s',
      },
    },
    faults: { timeline: faults.map(timelineEntry) },
  });
}

/**
 * Watches every member between any two events of the run (Raft's safety
 * properties, Figure 3 of the paper) and throws at the first violation:
 * - election safety: at most one leader per term;
 * - state machine safety: an index committed anywhere holds the same entry on
 *   every member that commits it;
 * - leader completeness: a new leader holds every entry committed before it;
 * - committed entries are never lost: each stays on a majority of the logs on disk;
 * - a leader commits only entries of its own term (§5.4.2);
 * - log matching: two logs with the same term at an index agree up to it.
 */
class SafetyObserver {
  private readonly leaderOf = new Map<number, NodeId>();
  private readonly committed: RaftEntry[] = [];
  private readonly seenCommit = new Array<number>(MEMBERS).fill(0);
  private readonly seenProcess: (RaftNode | null)[] = new Array(MEMBERS).fill(null);
  private readonly wasLeaderIn = new Array<number>(MEMBERS).fill(-1);
  private events = 0;
  leaderChanges = 0;

  constructor(
    private readonly sim: Simulation,
    private readonly ids: readonly NodeId[],
  ) {}

  onEvent(): void {
    for (let m = 0; m < MEMBERS; m++) {
      const node = this.sim.process(this.ids[m]) as RaftNode | null;
      if (node === null) continue;
      if (node !== this.seenProcess[m]) {
        // Restarted: the commit index starts again from 0.
        this.seenProcess[m] = node;
        this.seenCommit[m] = 0;
        this.wasLeaderIn[m] = -1;
      }
      if (node.role === 'leader' && this.wasLeaderIn[m] !== node.term) this.newLeader(m, node);
      if (node.commitIndex > this.seenCommit[m]) this.commitAdvanced(m, node);
    }
    if (++this.events % 2_000 === 0) this.checkLogs();
  }

  private newLeader(m: number, node: RaftNode): void {
    const other = this.leaderOf.get(node.term);
    if (other !== undefined && other !== this.ids[m])
      throw new Error(`two leaders in term ${node.term}: ${names[m]} and node ${other} at ${this.sim.nowUs}us`);
    this.leaderOf.set(node.term, this.ids[m]);
    this.wasLeaderIn[m] = node.term;
    this.leaderChanges++;
    for (let i = 1; i <= this.committed.length; i++) {
      if (node.log[i - 1] !== this.committed[i - 1])
        throw new Error(`${names[m]} leads term ${node.term} without committed entry ${i} at ${this.sim.nowUs}us`);
    }
  }

  private commitAdvanced(m: number, node: RaftNode): void {
    if (node.role === 'leader' && node.log[node.commitIndex - 1].term !== node.term) {
      throw new Error(
        `leader ${names[m]} of term ${node.term} committed index ${node.commitIndex}, of term ${node.log[node.commitIndex - 1].term}`,
      );
    }
    for (let i = this.seenCommit[m] + 1; i <= node.commitIndex; i++) {
      const entry = node.log[i - 1];
      if (i > this.committed.length) this.committed.push(entry);
      else if (this.committed[i - 1] !== entry)
        throw new Error(`index ${i} committed with two different entries (seen on ${names[m]}) at ${this.sim.nowUs}us`);
    }
    this.seenCommit[m] = node.commitIndex;
  }

  /** On the logs on disk, crashed members' included. */
  checkLogs(): void {
    const logs = this.ids.map(
      (id) => ((this.sim.context(id).durable as { raft?: RaftDisk }).raft?.log ?? []) as readonly RaftEntry[],
    );
    for (let i = 1; i <= this.committed.length; i++) {
      const holders = logs.filter((log) => log[i - 1] === this.committed[i - 1]).length;
      if (holders < MAJORITY) throw new Error(`committed entry ${i} is on only ${holders} logs at ${this.sim.nowUs}us`);
    }
    for (let a = 0; a < MEMBERS; a++) {
      for (let b = a + 1; b < MEMBERS; b++) {
        let i = Math.min(logs[a].length, logs[b].length);
        while (i > 0 && logs[a][i - 1].term !== logs[b][i - 1].term) i--;
        for (let j = i; j > 0; j--) {
          if (logs[a][j - 1] !== logs[b][j - 1])
            throw new Error(
              `${names[a]} and ${names[b]} agree on the term at ${i} but differ at ${j} (${this.sim.nowUs}us)`,
            );
        }
      }
    }
  }
}

const DEFAULTS: RaftOptions = { reads: 'read-index', preVote: true, checkQuorum: true };

function runUnderFaults(
  seed: number,
  faults: readonly Fault[],
  raft = DEFAULTS,
  net: Network = { duplicate: 0, reorder: 0 },
) {
  const { scenario } = parseScenarioText(scenarioText(seed, faults, raft, net), 'raft-safety.yaml');
  const built = buildScenario(scenario);
  const ids = names.map((name) => built.sim.nodeId(name));
  const observer = new SafetyObserver(built.sim, ids);
  built.sim.addObserver(observer);
  built.sim.run({ untilUs: DURATION_MS * 1_000 });
  observer.checkLogs();
  const nodes = ids.map((id) => built.sim.process(id) as RaftNode);
  return { built, observer, nodes, operations: pairOperations(built.history.events, registerSpec.isReadOnly) };
}

describe('raft safety under generated fault schedules', () => {
  it('keeps one leader per term, never loses or changes a committed entry, keeps logs matching, recovers once faults end, and its history is linearizable, duplicated and reordered messages included', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(fault, { minLength: 1, maxLength: 12 }),
        options,
        network,
        (seed, faults, raft, net) => {
          const { nodes, operations } = runUnderFaults(seed, faults, raft, net);
          // Liveness once every fault is undone: one leader, followed by all, and every log alike.
          const leaders = nodes.filter((n) => n.role === 'leader');
          expect(leaders).toHaveLength(1);
          for (const n of nodes) {
            expect(n.term).toBe(leaders[0].term);
            expect(n.log.length).toBe(leaders[0].log.length);
          }
          expect(operations.some((op) => op.f !== 'read' && !op.unknown)).toBe(true);
          expect(checkLinearizability(operations, registerSpec).linearizable).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a copy of a request a follower refused is not taken up when it reaches the same node as leader (a case the property found)', () => {
    const faults: Fault[] = [
      { kind: 'partition', side: 5, atMs: 4_713, forMs: 53 },
      { kind: 'partition', side: 2, atMs: 4_154, forMs: 559 },
    ];
    const { operations } = runUnderFaults(
      308_028,
      faults,
      { reads: 'log', preVote: false, checkQuorum: false },
      { duplicate: 0.1, reorder: 0 },
    );
    expect(checkLinearizability(operations, registerSpec).linearizable).toBe(true);
  });

  it('the observer catches what it is meant to: a run with crashes and partitions changes leaders and commits entries', () => {
    const { observer, operations } = runUnderFaults(7, [
      { kind: 'partition', side: 0b00011, atMs: 1_000, forMs: 1_500 },
      { kind: 'crash', member: 2, atMs: 2_000, forMs: 800 },
      { kind: 'crash', member: 3, atMs: 3_000, forMs: 800 },
      { kind: 'loss', loss: 0.3, atMs: 4_000, forMs: 1_000 },
    ]);
    expect(observer.leaderChanges).toBeGreaterThan(1);
    expect(operations.filter((op) => op.f === 'write' && !op.unknown).length).toBeGreaterThan(100);
  });
});
