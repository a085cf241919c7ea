import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FanoutPolicy } from '../models/feed/fanout-policy.js';
import { mergeNewest } from '../models/feed/newest-merge.js';
import { PostStore, postTimeUs } from '../models/feed/post-store.js';
import { DUPLICATE, TimelineStore } from '../models/feed/timeline-store.js';
import { userShare } from '../models/feed/feed-users.js';
import type { SocialGraph } from '../models/parts/social-graph.js';
import { RandomStream } from '../engine/index.js';

/** A graph from (follower, followee) pairs, with the given rates. */
function graphOf(users: number, follows: [number, number][], post: number[], read: number[]): SocialGraph {
  const rows = (key: 0 | 1) => {
    const start = new Int32Array(users + 1);
    for (const f of follows) start[f[key] + 1]++;
    for (let u = 0; u < users; u++) start[u + 1] += start[u];
    const at = start.slice(0, users);
    const list = new Int32Array(follows.length);
    const sorted = [...follows].sort((a, b) => a[1 - key] - b[1 - key]);
    for (const f of sorted) list[at[f[key]]++] = f[1 - key];
    return { start, list };
  };
  const byFollowee = rows(1);
  const byFollower = rows(0);
  return {
    users,
    followerStart: byFollowee.start,
    followers: byFollowee.list,
    followeeStart: byFollower.start,
    followees: byFollower.list,
    postRatePerSec: Float64Array.from(post),
    readRatePerSec: Float64Array.from(read),
    celebrities: new Int32Array(0),
    requestedExponent: Number.NaN,
  };
}

const newestOf = (t: TimelineStore, u: number, limit: number) => {
  const out = new Float64Array(limit);
  return Array.from(out.subarray(0, t.newest(u, limit, out)));
};

describe('timeline store', () => {
  it('keeps the newest `length` distinct ids, whatever order they arrive in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 120 }),
        fc.integer({ min: 1, max: 40 }),
        (ids, length) => {
          const t = new TimelineStore(3, length);
          let held = 0;
          for (const id of ids) {
            // A write of an id the timeline holds is said to be a duplicate, and changes nothing.
            const before = newestOf(t, 1, length);
            const change = t.write(1, id);
            expect(change === DUPLICATE).toBe(before.includes(id));
            if (change !== DUPLICATE) held += change;
            else expect(newestOf(t, 1, length)).toEqual(before);
          }
          const expected = [...new Set(ids)].sort((a, b) => b - a).slice(0, length);
          // A write older than a full timeline's oldest is dropped, so what it holds is the newest of what it kept.
          const kept = newestOf(t, 1, length);
          expect(kept).toEqual([...kept].sort((a, b) => b - a));
          expect(held).toBe(kept.length);
          expect(t.entries).toBe(kept.length);
          expect(t.countOf(0)).toBe(0);
          // With ids arriving in order nothing is dropped early: exactly the newest.
          const inOrder = new TimelineStore(1, length);
          for (const id of [...ids].sort((a, b) => a - b)) inOrder.write(0, id);
          expect(newestOf(inOrder, 0, length)).toEqual(expected);
        },
      ),
    );
  });

  it('grows a timeline region by region, and a rebuild replaces what it held', () => {
    const t = new TimelineStore(2, 200);
    for (let id = 1; id <= 300; id++) t.write(0, id);
    for (let id = 1; id <= 3; id++) t.write(1, id * 10);
    expect(t.countOf(0)).toBe(200);
    expect(newestOf(t, 0, 3)).toEqual([300, 299, 298]);
    expect(newestOf(t, 1, 5)).toEqual([30, 20, 10]);
    expect(t.entries).toBe(203);
    expect(t.replace(1, Float64Array.from([99, 98, 97, 96, 95, 94]), 6)).toBe(3);
    expect(newestOf(t, 1, 10)).toEqual([99, 98, 97, 96, 95, 94]);
    expect(t.replace(0, new Float64Array(0), 0)).toBe(-200);
    expect(t.entries).toBe(6);
  });
});

describe('post store', () => {
  it("returns an author's newest posts, newest first, while the ring holds them", () => {
    const nodes = 3;
    const store = new PostStore(1, nodes, 4, 8);
    // Users 1, 4, 7, 10 live on node 1.
    const seqs = [1, 4, 1, 7, 1, 4].map((author, i) => store.add(author, 100 + i, 100 + i));
    const ids = seqs.map((s) => store.idOf(s));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    const out = new Float64Array(8);
    expect(Array.from(out.subarray(0, store.newest(1, 8, out, 0)))).toEqual([ids[4], ids[2], ids[0]]);
    expect(Array.from(out.subarray(0, store.newest(1, 2, out, 0)))).toEqual([ids[4], ids[2]]);
    expect(store.newest(10, 8, out, 0)).toBe(0);
    for (let i = 0; i < 5; i++) store.add(7, 200 + i, 200 + i);
    // 11 posts in a ring of 8: the first three are gone.
    expect(store.holds(seqs[2])).toBe(false);
    expect(store.holds(seqs[3])).toBe(true);
    expect(Array.from(out.subarray(0, store.newest(1, 8, out, 0)))).toEqual([ids[4]]);
    expect(store.held).toBe(8);
  });

  it('gives ids that grow on one node and sort by clock across nodes', () => {
    const a = new PostStore(0, 2, 1, 16);
    const b = new PostStore(1, 2, 1, 16);
    const x = a.idOf(a.add(0, 1000, 0));
    const y = a.idOf(a.add(0, 1000, 0));
    const z = b.idOf(b.add(1, 1001.5, 0));
    expect(y).toBeGreaterThan(x);
    expect(z).toBeGreaterThan(x);
    expect(z % 2).toBe(1);
    expect(postTimeUs(z, 2)).toBe(1001);
    // Ids stay exact for 2^53 / nodes µs: decades on a few nodes.
    const late = new PostStore(3, 4, 1, 16);
    const seventyYearsUs = 70 * 365 * 86_400e6;
    expect(postTimeUs(late.idOf(late.add(3, seventyYearsUs, 0)), 4)).toBe(seventyYearsUs);
  });
});

describe('merging feeds', () => {
  it('gives the newest distinct ids of two descending lists', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 50 })),
        fc.array(fc.integer({ min: 0, max: 50 })),
        fc.integer({ min: 1, max: 30 }),
        (xs, ys, limit) => {
          const a = Float64Array.from([...new Set(xs)].sort((p, q) => q - p));
          const b = Float64Array.from([...new Set(ys)].sort((p, q) => q - p));
          const out = new Float64Array(limit);
          const n = mergeNewest(a, a.length, b, b.length, out, limit);
          const expected = [...new Set([...xs, ...ys])].sort((p, q) => q - p).slice(0, limit);
          expect(Array.from(out.subarray(0, n))).toEqual(expected);
        },
      ),
    );
  });
});

describe('fan-out policy', () => {
  // 0 posts a lot and is followed by 1 (reads a lot), 2 (reads little) and 3 (never reads); 1 is followed by 2.
  const graph = graphOf(
    4,
    [
      [1, 0],
      [2, 0],
      [3, 0],
      [2, 1],
    ],
    [10, 1, 0, 0],
    [0, 20, 5, 0],
  );
  const costs = { write: 1, fetch: 1 };

  it('selective pushes an edge iff write × postRate ≤ fetch × readRate (ties push)', () => {
    const policy = new FanoutPolicy(graph, 'selective', 0, 0, costs);
    expect([1, 2, 3].map((c) => policy.pushes(0, c, 0))).toEqual([true, false, false]);
    expect(policy.pushes(1, 2, 0)).toBe(true);
    expect(policy.queuedWrites(0)).toBe(1);
    expect(policy.pulledFollowers(0)).toBe(2);
    // What reads pull is what posts do not push.
    const pulled = (c: number) =>
      Array.from(policy.pulledFollowees!.subarray(policy.pulledStart![c], policy.pulledStart![c + 1]));
    expect([0, 1, 2, 3].map(pulled)).toEqual([[], [], [0], [0]]);
    const tie = new FanoutPolicy(graph, 'selective', 0, 0, { write: 1, fetch: 2 });
    expect(tie.pushes(0, 2, 0)).toBe(true);
  });

  it('hybrid pulls producers at the threshold and above; push and pull all or nothing', () => {
    const hybrid = new FanoutPolicy(graph, 'hybrid', 3, 0, costs);
    expect(hybrid.queuedWrites(0)).toBe(0);
    expect(hybrid.queuedWrites(1)).toBe(1);
    expect(hybrid.pulls(2, 0)).toBe(true);
    expect(hybrid.pulls(2, 1)).toBe(false);
    expect(new FanoutPolicy(graph, 'push', 0, 0, costs).pulledStart).toBeNull();
    expect(new FanoutPolicy(graph, 'pull', 0, 0, costs).pulledFollowers(0)).toBe(3);
  });

  it('active-push writes to followers who read within the window', () => {
    const policy = new FanoutPolicy(graph, 'active-push', 0, 1000, costs);
    expect(policy.pushes(0, 1, 5000)).toBe(false);
    policy.lastReadUs[1] = 4000;
    expect(policy.pushes(0, 1, 5000)).toBe(true);
    expect(policy.pushes(0, 1, 5001)).toBe(false);
  });

  it('active-push starts in steady state: a follower read within the window with probability 1 − e^{−μW}', () => {
    const users = 20_000;
    // Half read 0.1/s, a quarter 0.02/s, a quarter never.
    const read = Array.from({ length: users }, (_, u) => [0.1, 0.1, 0.02, 0][u % 4]);
    const many = graphOf(users, [], new Array(users).fill(0), read);
    const windowUs = 10_000_000;
    const policy = new FanoutPolicy(many, 'active-push', 0, windowUs, costs);
    policy.startActivity(new RandomStream('activity'));
    const activeShare = (rate: number) => {
      const readers = read.map((r, u) => (r === rate ? u : -1)).filter((u) => u >= 0);
      return readers.filter((u) => policy.pushes(0, u, 0)).length / readers.length;
    };
    // 1 − e^{−1} and 1 − e^{−0.2}, within about 3 standard errors.
    expect(Math.abs(activeShare(0.1) - (1 - Math.exp(-1)))).toBeLessThan(0.015);
    expect(Math.abs(activeShare(0.02) - (1 - Math.exp(-0.2)))).toBeLessThan(0.015);
    expect(activeShare(0)).toBe(0);
    expect(policy.lastReadUs.every((t) => t < 0)).toBe(true);
  });
});

describe('feed users', () => {
  it("splits the users over workload nodes by id and picks (user, operation) in proportion to the graph's rates", () => {
    const graph = graphOf(5, [], [1, 0, 2, 0, 0], [0, 3, 1, 0, 4]);
    const share = userShare(graph, 0, 2);
    expect(Array.from(share.users)).toEqual([0, 2, 4]);
    expect(share.ratePerSec).toBe(8);
    const counts = new Array(6).fill(0);
    const rng = new RandomStream('picks');
    for (let i = 0; i < 80_000; i++) counts[share.table!.pick(rng)]++;
    // Entries: posts of 0, 2, 4, then reads of 0, 2, 4: rates 1, 2, 0, 0, 1, 4 of 8.
    [1, 2, 0, 0, 1, 4].forEach((rate, i) => expect(counts[i] / 80_000).toBeCloseTo(rate / 8, 2));
    expect(userShare(graph, 1, 2).users.length).toBe(2);
  });
});
