import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../models/measure/history-recorder.js';
import type { ReplicaValue } from '../models/measure/replica-sampler.js';
import { convergedSample, divergence, finalHoldings, type ReplicaSamples } from '../reports/consistency/convergence.js';
import { pairOperations } from '../reports/consistency/history.js';
import { checkLinearizability } from '../reports/consistency/linearizability.js';
import {
  counterTotals,
  finalStateFromReads,
  lostRegisterWrites,
  setLosses,
  type FinalState,
} from '../reports/consistency/lost-writes.js';
import { availabilityBySide, partitionSides } from '../reports/consistency/partition-availability.js';
import { registerSpec } from '../reports/consistency/sequential-specs.js';
import { monotonicReads, monotonicWrites, readYourWrites } from '../reports/consistency/session-guarantees.js';
import { findStaleReads } from '../reports/consistency/staleness.js';
import { StoreHistory } from '../reports/consistency/store-operations.js';

/** One operation: session (also its process), op, key, value, invoked and completed times, outcome, and a read's result. */
interface Op {
  s: number;
  f: string;
  k?: number;
  v?: RecordedEvent['value'];
  at: number;
  end?: number;
  type?: 'ok' | 'fail' | 'info';
  out?: RecordedEvent['value'];
  error?: string;
  /** A process other than the session's (a session after an unknown outcome, or another node). */
  p?: number;
}

/** Events in time order (invocations before completions at equal times), as the client records them. */
function events(ops: Op[]): RecordedEvent[] {
  const all: { t: number; order: number; e: RecordedEvent }[] = [];
  ops.forEach((op, i) => {
    const process = op.p ?? op.s;
    const key = String(op.k ?? 1);
    const value = op.f === 'read' ? null : (op.v ?? null);
    all.push({ t: op.at, order: i, e: { process, type: 'invoke', f: op.f, key, value, timeUs: op.at, session: op.s } });
    if (op.end === undefined) return;
    const type = op.type ?? 'ok';
    const out = type === 'info' ? null : op.f === 'read' ? (op.out ?? null) : value;
    all.push({
      t: op.end,
      order: ops.length + i,
      e: {
        process,
        type,
        f: op.f,
        key,
        value: out,
        timeUs: op.end,
        session: op.s,
        ...(op.error ? { error: op.error } : {}),
      },
    });
  });
  return all.sort((a, b) => a.t - b.t || a.order - b.order).map((x) => x.e);
}

const history = (ops: Op[]) => new StoreHistory(events(ops));
const replicas = (values: Record<number, ReplicaValue[]>): FinalState => ({
  source: 'replicas',
  values: new Map(Object.entries(values).map(([k, v]) => [Number(k), v])),
});

describe('stale reads', () => {
  it('a read that begins after a newer write was acknowledged, and returns the older value, is stale: versions and time behind', () => {
    const h = history([
      { s: 0, f: 'write', v: 1, at: 0, end: 1 },
      { s: 0, f: 'write', v: 2, at: 2, end: 3 },
      { s: 0, f: 'write', v: 3, at: 4, end: 5 },
      { s: 1, f: 'read', at: 10, end: 11, out: 1 },
      { s: 1, f: 'read', at: 12, end: 13, out: null },
    ]);
    const { reads, stale } = findStaleReads(h);
    expect(reads).toHaveLength(2);
    expect(stale.map((s) => [s.versionsBehind, s.timeBehindUs])).toEqual([
      [2, 10 - 3],
      [3, 12 - 1],
    ]);
  });

  it('is not stale: a read concurrent with the write, the latest value, or a value from a write that overlapped the newer one', () => {
    const h = history([
      { s: 0, f: 'write', v: 1, at: 0, end: 10 },
      { s: 1, f: 'read', at: 5, end: 15, out: null }, // began before the write was acknowledged
      { s: 2, f: 'write', v: 2, at: 2, end: 8 }, // overlaps write 1 and was acknowledged first: the store may have ordered 1 last
      { s: 1, f: 'read', at: 20, end: 21, out: 1 },
      { s: 1, f: 'read', at: 22, end: 23, out: 2 },
    ]);
    expect(findStaleReads(h).stale).toEqual([]);
  });

  it('does not judge a value whose write never got an answer, and takes a read with siblings by its freshest one', () => {
    const h = history([
      { s: 0, f: 'write', v: 7, at: 0, end: 100, type: 'info' },
      { s: 1, f: 'write', v: 8, at: 200, end: 210 },
      { s: 2, f: 'read', at: 300, end: 301, out: 7 }, // 7 may have been applied after 8
      { s: 1, f: 'write', v: 9, at: 400, end: 410 },
      { s: 2, f: 'read', at: 500, end: 501, out: [8, 9] },
      { s: 2, f: 'read', at: 502, end: 503, out: [8] },
    ]);
    const { stale } = findStaleReads(h);
    expect(stale.map((s) => s.read.invokeUs)).toEqual([502]);
  });
});

describe('session guarantees', () => {
  it('read-your-writes: a session reading a value its own acknowledged write had superseded', () => {
    const h = history([
      { s: 0, f: 'write', v: 1, at: 0, end: 10 },
      { s: 0, f: 'read', at: 20, end: 21, out: null }, // violation
      { s: 1, f: 'read', at: 20, end: 21, out: null }, // another session: stale, not read-your-writes
      { s: 2, f: 'write', v: 2, at: 0, end: 2 },
      { s: 3, f: 'write', v: 3, at: 3, end: 10 },
      { s: 3, f: 'read', at: 20, end: 21, out: 2 }, // 2 was acknowledged before 3 began: violation
      { s: 4, f: 'write', v: 4, at: 5, end: 15 },
      { s: 5, f: 'write', v: 5, at: 6, end: 14 },
      { s: 4, f: 'read', at: 20, end: 21, out: 5 }, // 5 overlapped 4: fine
    ]);
    expect(readYourWrites(h)).toEqual({ checked: 3, violations: 2 });
  });

  it('monotonic reads: a session seeing a key go back in time, but not values of overlapping writes in either order', () => {
    const h = history([
      { s: 0, f: 'write', v: 1, at: 0, end: 5 },
      { s: 0, f: 'write', v: 2, at: 10, end: 15 },
      { s: 1, f: 'read', at: 20, end: 21, out: 2 },
      { s: 1, f: 'read', at: 30, end: 31, out: 1 }, // violation
      { s: 2, f: 'read', at: 30, end: 31, out: 1 }, // first read of session 2: nothing to compare
      { s: 3, f: 'write', v: 3, at: 40, end: 50, k: 2 },
      { s: 4, f: 'write', v: 4, at: 40, end: 50, k: 2 },
      { s: 5, f: 'read', at: 60, end: 61, k: 2, out: 3 },
      { s: 5, f: 'read', at: 62, end: 63, k: 2, out: 4 },
      { s: 5, f: 'read', at: 64, end: 65, k: 2, out: 3 },
    ]);
    expect(monotonicReads(h)).toEqual({ checked: 3, violations: 1 });
  });

  it('monotonic writes: a replica taking a session’s earlier write after its later one; siblings held together are no inversion', () => {
    const h = history([
      { s: 0, f: 'write', v: 1, at: 0, end: 5 },
      { s: 0, f: 'write', v: 2, at: 10, end: 15 },
      { s: 1, f: 'write', v: 3, at: 12, end: 16 },
    ]);
    expect(monotonicWrites(h, [{ key: 1, values: [1, 3, 2] }])).toEqual({ checked: 1, violations: 0 });
    expect(monotonicWrites(h, [{ key: 1, values: [null, 2, 3, 1] }])).toEqual({ checked: 1, violations: 1 });
    expect(monotonicWrites(h, [{ key: 1, values: [[1, 2], [2]] }])).toEqual({ checked: 1, violations: 0 });
    expect(
      monotonicWrites(h, [
        {
          key: 1,
          values: [
            [2, 3],
            [1, 3],
          ],
        },
      ]),
    ).toEqual({ checked: 1, violations: 1 });
  });
});

describe('acknowledged writes lost', () => {
  const writes: Op[] = [
    { s: 0, f: 'write', v: 1, at: 0, end: 5 },
    { s: 0, f: 'write', v: 2, at: 10, end: 15 },
    { s: 1, f: 'write', v: 3, at: 8, end: 20 },
    { s: 2, f: 'write', v: 4, at: 30, end: 31, type: 'fail' },
  ];

  it('a write is lost when the final state holds only values it had superseded', () => {
    const h = history(writes);
    expect(lostRegisterWrites(h, replicas({ 1: [2, 2] }))).toMatchObject({ acknowledged: 3, lost: 0 });
    expect(lostRegisterWrites(h, replicas({ 1: [3] }))).toMatchObject({ lost: 0 }); // 3 overlapped 2 and may follow it
    // 1 was acknowledged before 2 and 3 began: both are lost.
    expect(lostRegisterWrites(h, replicas({ 1: [1, 1] }))).toMatchObject({
      lost: 2,
      examples: [
        { key: 1, value: 3, acknowledgedUs: 20, finalValues: [1, 1] },
        { key: 1, value: 2, acknowledgedUs: 15, finalValues: [1, 1] },
      ],
    });
    expect(lostRegisterWrites(h, replicas({ 1: [null] }))).toMatchObject({ lost: 3 });
    expect(lostRegisterWrites(h, replicas({ 1: [4] }))).toMatchObject({ lost: 3 }); // a failed write's value explains nothing
    expect(lostRegisterWrites(h, replicas({ 1: [1, 2] }))).toMatchObject({ lost: 0 }); // diverged, but 2 is still there
    expect(lostRegisterWrites(h, replicas({}))).toMatchObject({ lost: 0, unjudgedKeys: 1 });
  });

  it('falls back to the read invoked last when replicas cannot be inspected', () => {
    const h = history([
      ...writes,
      { s: 3, f: 'read', at: 40, end: 41, out: 1 },
      { s: 3, f: 'read', at: 42, end: 43, out: 3 },
    ]);
    expect(finalStateFromReads(h)).toEqual({
      source: 'last-reads',
      values: new Map([[1, [3]]]),
      readInvokedUs: new Map([[1, 42]]),
    });
    expect(lostRegisterWrites(h, finalStateFromReads(h))).toMatchObject({ lost: 0, judgedOn: 'last-reads' });
  });

  it('from reads, judges only writes acknowledged before the final read began: a later one it could not have seen', () => {
    const h = history([
      { s: 0, f: 'write', v: 1, at: 0, end: 5 },
      { s: 0, f: 'write', v: 2, at: 10, end: 15 },
      { s: 1, f: 'read', at: 12, end: 30, out: 1 }, // concurrent with 2: completes last, but cannot judge it
      { s: 2, f: 'read', at: 20, end: 21, out: 1 }, // began after 2 was acknowledged and did not see it: 2 is lost
      { s: 0, f: 'write', v: 3, at: 40, end: 45 }, // no read began after it: unjudged, not lost
      { s: 3, f: 'write', v: 4, at: 50, end: 55, k: 2 }, // a key never read: unjudged
      { s: 3, f: 'write', v: 5, at: 60, end: 65, k: 3 },
      { s: 4, f: 'read', at: 62, end: 70, k: 3, out: null }, // began before 5 was acknowledged
    ]);
    expect(lostRegisterWrites(h, finalStateFromReads(h))).toMatchObject({
      acknowledged: 5,
      lost: 1,
      unjudgedKeys: 2,
      examples: [{ key: 1, value: 2 }],
    });
  });

  it('from reads, counters and sets are judged on adds, inserts and deletes acknowledged before the final read began', () => {
    const counter = history([
      { s: 0, f: 'add', v: 1, at: 0, end: 1 },
      { s: 1, f: 'read', at: 2, end: 3, out: 1 },
      { s: 0, f: 'add', v: 1, at: 4, end: 5 }, // after the last read: not lost
      { s: 0, f: 'add', v: 1, at: 6, end: 7, k: 2 }, // never read
    ]);
    expect(counterTotals(counter, finalStateFromReads(counter))).toMatchObject({ acknowledged: 3, lostIncrements: 0 });
    const lostAdd = history([
      { s: 0, f: 'add', v: 1, at: 0, end: 1 },
      { s: 0, f: 'add', v: 1, at: 2, end: 3 },
      { s: 1, f: 'read', at: 4, end: 5, out: 1 },
    ]);
    expect(counterTotals(lostAdd, finalStateFromReads(lostAdd))).toMatchObject({ lostIncrements: 1 });
    const set = history([
      { s: 0, f: 'insert', v: 5, at: 0, end: 1 },
      { s: 0, f: 'insert', v: 6, at: 2, end: 3 }, // acknowledged before the read began, missing from it: lost
      { s: 0, f: 'delete', v: 5, at: 4, end: 6 }, // concurrent with the read: 5 still there is no resurrection
      { s: 1, f: 'read', at: 5, end: 7, out: [5] },
      { s: 0, f: 'insert', v: 7, at: 8, end: 9 }, // after the read: not lost
      { s: 2, f: 'insert', v: 8, at: 8, end: 9, k: 2 }, // never read
    ]);
    expect(setLosses(set, finalStateFromReads(set))).toMatchObject({
      acknowledgedInserts: 4,
      lostElements: 1,
      resurrectedElements: 0,
    });
  });

  it('counters: acknowledged adds against the final total, unknown adds allowed either way', () => {
    const h = history([
      { s: 0, f: 'add', v: 1, at: 0, end: 1 },
      { s: 0, f: 'add', v: 1, at: 2, end: 3 },
      { s: 1, f: 'add', v: 1, at: 2, end: 3 },
      { s: 1, f: 'add', v: 1, at: 4, end: 9, type: 'info' },
      { s: 2, f: 'add', v: 1, at: 4, end: 9, type: 'fail' },
    ]);
    const total = (values: number[]) => counterTotals(h, replicas({ 1: values }));
    expect(total([3])).toMatchObject({ acknowledged: 3, unknown: 1, lostIncrements: 0, doubleCounted: 0 });
    expect(total([4, 4])).toMatchObject({ lostIncrements: 0, doubleCounted: 0 });
    expect(total([2])).toMatchObject({ lostIncrements: 1, doubleCounted: 0, finalTotal: 2 });
    expect(total([5])).toMatchObject({ lostIncrements: 0, doubleCounted: 1 });
    expect(total([2, 3])).toMatchObject({ lostIncrements: 0 }); // the most generous replica has them all
  });

  it('sets: acknowledged inserts missing at the end, and deletes undone', () => {
    const h = history([
      { s: 0, f: 'insert', v: 5, at: 0, end: 1 },
      { s: 0, f: 'insert', v: 6, at: 2, end: 3 },
      { s: 0, f: 'delete', v: 6, at: 4, end: 5 },
      { s: 1, f: 'insert', v: 7, at: 2, end: 6 },
      { s: 2, f: 'delete', v: 7, at: 3, end: 7 }, // overlaps the insert of 7: either outcome is fine
    ]);
    expect(setLosses(h, replicas({ 1: [[5], [5]] }))).toMatchObject({
      acknowledgedInserts: 3,
      lostElements: 0,
      resurrectedElements: 0,
    });
    expect(setLosses(h, replicas({ 1: [[5, 7]] }))).toMatchObject({ lostElements: 0, resurrectedElements: 0 });
    expect(setLosses(h, replicas({ 1: [[]] }))).toMatchObject({ lostElements: 1, resurrectedElements: 0 });
    expect(setLosses(h, replicas({ 1: [[5, 6]] }))).toMatchObject({ lostElements: 0, resurrectedElements: 1 });
  });
});

describe('divergence and convergence from replica samples', () => {
  const track = (
    name: string,
    keys: Record<number, [number, ReplicaValue][]>,
    upDown: number[] = [],
    component = 'kv',
  ) => ({
    name,
    component,
    upDown,
    keys: new Map(
      Object.entries(keys).map(([k, changes]) => [
        Number(k),
        { samples: changes.map((c) => c[0]), values: changes.map((c) => c[1]) },
      ]),
    ),
  });

  it('counts keys whose live holders disagree, and finds when they last came to agree', () => {
    const samples: ReplicaSamples = {
      sampleTimesUs: [0, 100, 200, 300, 400],
      replicas: [
        track('a', {
          1: [
            [0, 1],
            [3, 2],
          ],
          2: [[0, [4, 5]]],
        }),
        track('b', {
          1: [
            [0, 1],
            [1, 2],
          ],
          2: [
            [0, [4, 5]],
            [2, [5]],
            [3, [4, 5]],
          ],
        }),
        // Not one of key 1's replicas; and another component's replica never counts.
        track('c', { 2: [[0, [4, 5]]] }),
        track('other', { 1: [[0, 99]] }, [], 'cache'),
      ],
    };
    const d = divergence(samples);
    expect(d.divergent).toEqual([0, 1, 2, 0, 0]);
    expect(d.held).toEqual([3, 3, 3, 3, 3]); // key 1 counts once for each component holding it
    expect(convergedSample(samples, d.divergent, 150)).toBe(3);
    expect(convergedSample(samples, d.divergent, 350)).toBe(4);
    expect(finalHoldings(samples)).toEqual(
      new Map([
        [1, [2, 2, 99]],
        [
          2,
          [
            [4, 5],
            [4, 5],
            [4, 5],
          ],
        ],
      ]),
    );
  });

  it('leaves down replicas out, and reports no convergence when the last sample still diverges', () => {
    const samples: ReplicaSamples = {
      sampleTimesUs: [0, 100, 200],
      replicas: [
        track('a', { 1: [[0, 1]] }),
        track(
          'b',
          {
            1: [
              [0, 1],
              [1, 2],
            ],
          },
          [1, 2],
        ),
        track('c', {
          1: [
            [0, 1],
            [2, 3],
          ],
        }),
      ],
    };
    const d = divergence(samples);
    expect(d.divergent).toEqual([0, 0, 1]);
    expect(convergedSample(samples, d.divergent, 0)).toBeNull();
    expect(finalHoldings(samples).get(1)).toEqual([1, 2, 3]);
    // Agreeing at the last sample, but the last write came after it: convergence was not observed.
    const agreeing = divergence({ ...samples, replicas: [samples.replicas[0]] }).divergent;
    expect(agreeing).toEqual([0, 0, 0]);
    expect(convergedSample(samples, agreeing, 200)).toBe(2);
    expect(convergedSample(samples, agreeing, 250)).toBeNull();
    const down: ReplicaSamples = { ...samples, replicas: [samples.replicas[0], track('b', { 1: [[0, 2]] }, [1])] };
    expect(finalHoldings(down).get(1)).toEqual([1]);
    // A replica that dropped its copy (rebuilt from a new leader's log) holds nothing: the empty value.
    const dropped: ReplicaSamples = {
      ...samples,
      replicas: [
        samples.replicas[0],
        track('b', {
          1: [
            [0, 2],
            [1, undefined],
          ],
        }),
      ],
    };
    expect(finalHoldings(dropped).get(1)).toEqual([1, null]);
    expect(divergence(dropped).divergent).toEqual([1, 0, 0]);
  });
});

describe('availability per partition side', () => {
  const cut = {
    startUs: 100,
    endUs: 200,
    groups: [
      ['s1', 's2', 'c1'],
      ['s3', 'c2', 'c3'],
    ],
  };
  const stores = new Set(['s1', 's2', 's3']);

  it('names each side by its share of the replicas; clients outside the cut are unaffected', () => {
    expect(partitionSides(cut, stores, ['c1', 'c2', 'c3', 'c4'])).toEqual([
      { name: 'majority: s1, s2', replicas: ['s1', 's2'], clients: ['c1'] },
      { name: 'minority: s3', replicas: ['s3'], clients: ['c2', 'c3'] },
      { name: 'unaffected', replicas: [], clients: ['c4'] },
    ]);
  });

  it('counts answers (a cas refused on its compare is one) over operations finished during the partition', () => {
    const h = history([
      { s: 0, f: 'write', v: 1, at: 90, end: 110 },
      { s: 0, f: 'cas', v: [5, 6], at: 120, end: 130, type: 'fail', error: 'cas-mismatch' },
      { s: 0, f: 'write', v: 2, at: 150, end: 250 }, // finished after the heal
      { s: 1, f: 'write', v: 3, at: 120, end: 130, type: 'fail', error: 'no-quorum' },
      { s: 1, f: 'read', at: 140, end: 190, type: 'info' },
    ]);
    const clientOf = (op: { session: number }) => ['c1', 'c2'][op.session];
    const [p] = availabilityBySide([cut], stores, ['c1', 'c2'], h.operations, clientOf);
    expect(p.sides.map((s) => [s.name, s.finished, s.answered, s.availability])).toEqual([
      ['majority: s1, s2', 2, 2, 1],
      ['minority: s3', 2, 0, 0],
    ]);
  });
});

describe('linearizability under a step budget', () => {
  /** Many writes whose outcome is unknown, then reads: the search has to try their orders. */
  function hardHistory() {
    const ops: Op[] = [];
    for (let i = 0; i < 14; i++) ops.push({ s: i, f: 'write', v: i + 1, at: i, end: 1000 + i, type: 'info' });
    for (let i = 0; i < 14; i++)
      ops.push({ s: 100 + i, f: 'read', at: 2000 + 10 * i, end: 2005 + 10 * i, out: ((i * 5) % 14) + 1 });
    return pairOperations(events(ops), registerSpec.isReadOnly);
  }

  it('gives up with a null verdict and says why, rather than search on', () => {
    const bounded = checkLinearizability(hardHistory(), registerSpec, { maxSteps: 500 });
    expect(bounded.linearizable).toBeNull();
    expect(bounded.unknown).toMatch(/budget exhausted: no verdict after 500 search steps/);
    expect(bounded.steps).toBe(500);
  });

  it('decides as before when the budget suffices', () => {
    const ops = hardHistory();
    const unbounded = checkLinearizability(ops, registerSpec);
    const bounded = checkLinearizability(ops, registerSpec, { maxSteps: 50_000_000 });
    expect(typeof unbounded.linearizable).toBe('boolean');
    expect(bounded.linearizable).toBe(unbounded.linearizable);
    expect(bounded.unknown).toBeUndefined();
    const stale = pairOperations(
      events([
        { s: 0, f: 'write', v: 1, at: 0, end: 1 },
        { s: 1, f: 'read', at: 2, end: 3, out: null },
      ]),
      registerSpec.isReadOnly,
    );
    expect(checkLinearizability(stale, registerSpec, { maxSteps: 1000 })).toMatchObject({
      linearizable: false,
      steps: expect.any(Number),
    });
  });
});
