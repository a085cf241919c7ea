import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  resolutionFor,
  type ConflictResolution,
  type ReplicatedState,
  type Writer,
} from '../models/replication/conflict-resolution.js';
import {
  mergeORSets,
  orSetElements,
  orSetInsert,
  orSetRemove,
  pnCounterValue,
  type PNCounter,
} from '../models/replication/crdt.js';
import type { StoreOp, StoreRequest } from '../models/replication/store-messages.js';
import { advanceVector, compareVectors, dotOf, mergeVectors } from '../models/replication/version-vector.js';

const MEMBERS = 3;

/** A replica's coordinator side: its event counter and counter totals, and a clock the test sets. */
function writer(member: number, clockUs: () => number = () => 0): Writer {
  let counter = 0;
  const contributions = new Map<number, Float64Array>();
  return {
    member,
    members: MEMBERS,
    nextCounter: () => ++counter,
    localTimeUs: clockUs,
    stampsAboveSeen: false,
    contribution: (key) => {
      if (!contributions.has(key)) contributions.set(key, new Float64Array(2));
      return contributions.get(key)!;
    },
  };
}

const request = (op: StoreOp, value: number): StoreRequest => ({
  kind: 'store-request',
  id: 0,
  op,
  key: 1,
  value,
  sentUs: 0,
});

type Step =
  { kind: 'update'; replica: number; value: number; remove: boolean } | { kind: 'sync'; from: number; to: number };

const steps = fc.array(
  fc.oneof(
    fc.record({
      kind: fc.constant('update' as const),
      replica: fc.nat(MEMBERS - 1),
      value: fc.integer({ min: -3, max: 5 }),
      remove: fc.boolean(),
    }),
    fc.record({ kind: fc.constant('sync' as const), from: fc.nat(MEMBERS - 1), to: fc.nat(MEMBERS - 1) }),
  ),
  { maxLength: 30 },
);

/**
 * Replays updates and one-way syncs on three replicas of one key, each
 * update made from what its replica holds (as a coordinator that is a
 * replica does), and returns the replicas' states.
 */
function replay(
  name: ConflictResolution,
  plan: Step[],
): { states: (ReplicatedState | undefined)[]; increments: number } {
  const resolution = resolutionFor(name);
  let clock = 0;
  const writers = [0, 1, 2].map((m) => writer(m, () => clock));
  const states: (ReplicatedState | undefined)[] = [undefined, undefined, undefined];
  let increments = 0;
  for (const step of plan) {
    clock += 7;
    if (step.kind === 'sync') {
      if (states[step.from] !== undefined)
        states[step.to] = resolution.merge(states[step.to], states[step.from]!, null);
      continue;
    }
    const op: StoreOp =
      name === 'or-set' ? (step.remove ? 'delete' : 'insert') : name.endsWith('counter') ? 'add' : 'write';
    const value =
      name === 'g-counter' ? Math.abs(step.value) : name === 'or-set' ? Math.abs(step.value) % 3 : step.value;
    const update = resolution.update(request(op, value), states[step.replica], writers[step.replica]);
    states[step.replica] = resolution.merge(states[step.replica], update, null);
    increments += op === 'add' ? value : 0;
  }
  return { states, increments };
}

const RESOLUTIONS: ConflictResolution[] = ['lww', 'version-vectors', 'g-counter', 'pn-counter', 'or-set'];

describe('merges form a semilattice', () => {
  for (const name of RESOLUTIONS) {
    it(`${name}: commutative, associative, idempotent, and replicas that saw the same updates agree`, () => {
      const r = resolutionFor(name);
      fc.assert(
        fc.property(steps, (plan) => {
          const { states, increments } = replay(name, plan);
          const [a, b, c] = states;
          if (a === undefined || b === undefined || c === undefined) return;
          const same = (x: ReplicatedState, y: ReplicatedState) => {
            expect(r.digest(x)).toBe(r.digest(y));
            expect(r.inspect(x)).toEqual(r.inspect(y));
          };
          same(r.merge(a, b, null), r.merge(b, a, null));
          same(r.merge(r.merge(a, b, null), c, null), r.merge(a, r.merge(b, c, null), null));
          same(r.merge(a, a, null), a);
          same(r.merge(r.merge(a, b, null), b, null), r.merge(a, b, null));
          // Full exchange: counters then count every increment exactly once, whatever the order of syncs.
          const all = r.merge(r.merge(a, b, null), c, null);
          if (name === 'g-counter' || name === 'pn-counter') expect(r.read(all).value).toBe(increments);
        }),
        { numRuns: 200 },
      );
    });
  }
});

describe('version vectors', () => {
  const v = (...entries: number[]) => Float64Array.from(entries);

  it('order versions by what they have seen, and tell concurrent ones apart', () => {
    expect(compareVectors(v(1, 0, 0), v(1, 0, 0))).toBe('equal');
    expect(compareVectors(v(1, 0, 0), v(1, 1, 0))).toBe('before');
    expect(compareVectors(v(2, 1, 0), v(1, 1, 0))).toBe('after');
    expect(compareVectors(v(1, 0, 0), v(0, 1, 0))).toBe('concurrent');
    expect([...mergeVectors(v(3, 0, 1), v(1, 2, 1))]).toEqual([3, 2, 1]);
    expect([...advanceVector(v(3, 0, 1), 1, 5)]).toEqual([3, 5, 1]);
    expect(() => advanceVector(v(3, 0, 1), 0, 3)).toThrow(/not after/);
  });

  it('comparison is antisymmetric, and a merge comes after both sides', () => {
    const vector = fc.array(fc.nat(4), { minLength: 3, maxLength: 3 }).map((a) => Float64Array.from(a));
    const mirror = { equal: 'equal', before: 'after', after: 'before', concurrent: 'concurrent' } as const;
    fc.assert(
      fc.property(vector, vector, (a, b) => {
        expect(compareVectors(b, a)).toBe(mirror[compareVectors(a, b)]);
        const m = mergeVectors(a, b);
        expect(['before', 'equal']).toContain(compareVectors(a, m));
        expect(['before', 'equal']).toContain(compareVectors(b, m));
      }),
    );
  });

  it('dots name one event of one member, uniquely', () => {
    expect(new Set([dotOf(0, 1), dotOf(1, 1), dotOf(0, 2), dotOf(4095, 1)]).size).toBe(4);
  });
});

describe('registers', () => {
  it('LWW drops a later write stamped by a slow clock; version vectors keep it, since its writer had seen the first', () => {
    for (const [name, expected] of [
      ['lww', 100],
      ['version-vectors', 200],
    ] as const) {
      const r = resolutionFor(name);
      const fast = writer(0, () => 1_000_000);
      const slow = writer(1, () => 700_000); // 300 ms behind
      const first = r.update(request('write', 100), undefined, fast);
      // The slow node writes later, having seen the first write.
      const second = r.update(request('write', 200), first, slow);
      const replica = r.merge(r.merge(undefined, first, null), second, null);
      expect(r.read(replica).value, name).toBe(expected);
    }
  });

  it('version vectors keep concurrent writes as siblings and count the conflict once per pair', () => {
    const r = resolutionFor('version-vectors');
    const pairs: [number, number][] = [];
    const sink = { concurrent: (a: number, b: number) => pairs.push([a, b]) };
    const a = r.update(request('write', 1), undefined, writer(0));
    const b = r.update(request('write', 2), undefined, writer(1));
    const both = r.merge(a, b, sink);
    expect(r.read(both)).toEqual({ value: 2, siblings: [1, 2] });
    expect(pairs).toHaveLength(1);
    // A write made after seeing both siblings supersedes them.
    const c = r.update(request('write', 3), both, writer(2));
    expect(r.read(r.merge(both, c, sink))).toEqual({ value: 3 });
    expect(pairs).toHaveLength(1);
  });
});

describe('CRDT values', () => {
  it('a PN-Counter adds and subtracts per member and merges to the exact total', () => {
    const r = resolutionFor('pn-counter');
    const w0 = writer(0);
    const w1 = writer(1);
    let s0 = r.update(request('add', 5), undefined, w0);
    s0 = r.merge(s0, r.update(request('add', -2), s0, w0), null);
    const s1 = r.update(request('add', 4), undefined, w1);
    const merged = r.merge(r.merge(s0, s1, null), s0, null) as PNCounter;
    expect(pnCounterValue(merged)).toBe(7);
    expect(r.read(merged).value).toBe(7);
  });

  it('a G-Counter refuses negative additions', () => {
    const r = resolutionFor('g-counter');
    expect(r.refuses(request('add', -1))).toBe('negative-add');
    expect(r.refuses(request('add', 1))).toBeNull();
  });

  it('an OR-Set remove takes only the tags it observed: a concurrent insert survives it', () => {
    const inserted = orSetInsert(7, dotOf(0, 1));
    const removed = mergeORSets(inserted, orSetRemove(inserted, 7));
    expect(orSetElements(removed)).toEqual([]);
    const concurrent = orSetInsert(7, dotOf(1, 1));
    expect(orSetElements(mergeORSets(removed, concurrent))).toEqual([7]);
    expect(orSetElements(mergeORSets(mergeORSets(inserted, orSetInsert(3, dotOf(0, 2))), concurrent))).toEqual([3, 7]);
  });
});
