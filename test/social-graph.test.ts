import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deriveStream } from '../engine/index.js';
import { generateSocialGraph } from '../models/feed/social-graph-generator.js';
import {
  celebrityFollowerCount,
  checkSocialGraphParams,
  socialGraphParams,
  type SocialGraphParams,
} from '../models/feed/social-graph-params.js';
import { edgeCount, followeeCount, followerCount, type SocialGraph } from '../models/parts/social-graph.js';

const generate = (input: Record<string, unknown>, seed: number | string = 1) =>
  generateSocialGraph(socialGraphParams.parse(input), deriveStream(seed, 'feed', 'social-graph'));

/** Every CSR invariant the SocialGraph contract states; fails with the first broken one. */
function expectWellFormed(graph: SocialGraph): void {
  const { users } = graph;
  for (const [name, start, items] of [
    ['follower', graph.followerStart, graph.followers],
    ['followee', graph.followeeStart, graph.followees],
  ] as const) {
    expect(start.length, `${name}Start length`).toBe(users + 1);
    expect(start[0]).toBe(0);
    expect(start[users], `${name}Start ends at the edge count`).toBe(items.length);
    for (let u = 0; u < users; u++) {
      expect(start[u + 1] >= start[u], `${name} row ${u} has a negative length`).toBe(true);
      for (let i = start[u]; i < start[u + 1]; i++) {
        const v = items[i];
        if (!(v >= 0 && v < users && v !== u && (i === start[u] || v > items[i - 1])))
          expect.fail(`${name} row ${u} holds ${v} at ${i - start[u]}: out of range, itself, unsorted or repeated`);
      }
    }
  }
  expect(graph.followees.length).toBe(graph.followers.length);
  // Edge for edge: u follows v exactly when v lists u as a follower.
  for (let u = 0; u < users; u++)
    for (let i = graph.followeeStart[u]; i < graph.followeeStart[u + 1]; i++) {
      const v = graph.followees[i];
      const row = graph.followers.subarray(graph.followerStart[v], graph.followerStart[v + 1]);
      if (!row.includes(u)) expect.fail(`${u} follows ${v} but is not among ${v}'s followers`);
    }
  expect(graph.postRatePerSec.length).toBe(users);
  expect(graph.readRatePerSec.length).toBe(users);
}

const smallGraphs = fc
  .record({
    users: fc.integer({ min: 2, max: 60 }),
    followsShare: fc.double({ min: 0.01, max: 1, noNaN: true }),
    exponent: fc.double({ min: 2.01, max: 3.5, noNaN: true }),
    celebrityShares: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 }),
    inactiveShare: fc.double({ min: 0, max: 1, noNaN: true }),
    seed: fc.integer(),
  })
  .map(({ users, followsShare, exponent, celebrityShares, inactiveShare, seed }) => {
    const input = {
      users,
      meanFollows: Math.max(0.01, (followsShare * (users - 1)) / 2),
      exponent,
      celebrities: celebrityShares.slice(0, users).map((share) => ({ followers: 1 + Math.floor(share * (users - 2)) })),
      inactiveShare,
    };
    return { input, seed };
  })
  .filter(({ input }) => checkSocialGraphParams(socialGraphParams.parse(input)).length === 0);

describe('generateSocialGraph', () => {
  it('builds well-formed rows both ways, with celebrities followed exactly as asked, the same for the same seed', () => {
    fc.assert(
      fc.property(smallGraphs, ({ input, seed }) => {
        const graph = generate(input, seed);
        expectWellFormed(graph);
        expect(graph.users).toBe(input.users);
        expect(Array.from(graph.celebrities)).toEqual(input.celebrities.map((_, i) => i));
        input.celebrities.forEach((celebrity, i) =>
          expect(followerCount(graph, i), `celebrity ${i}`).toBe(celebrity.followers),
        );
        const again = generate(input, seed);
        expect(again.followers).toEqual(graph.followers);
        expect(again.followeeStart).toEqual(graph.followeeStart);
        expect(again.postRatePerSec).toEqual(graph.postRatePerSec);
        expect(again.readRatePerSec).toEqual(graph.readRatePerSec);
      }),
      { numRuns: 150 },
    );
  });

  it('draws a different graph from a different seed', () => {
    const input = { users: 2000, meanFollows: 10 };
    const a = generate(input, 1);
    const b = generate(input, 2);
    expect(a.followerStart).not.toEqual(b.followerStart);
    expect(a.postRatePerSec).not.toEqual(b.postRatePerSec);
  });

  it('holds users × meanFollows follows, an inactive share and mean rates near those asked', () => {
    const users = 50_000;
    const graph = generate({
      users,
      meanFollows: 20,
      exponent: 2.6,
      inactiveShare: '30%',
      postRate: '2/day',
      readRate: '20/day',
      rateSpread: 1,
    });
    // A power law's sum swings more than a Poisson's, even stratified: 40 seeds at this size gave −0.6% to +3.6%.
    expect(edgeCount(graph) / users).toBeGreaterThan(20 * 0.95);
    expect(edgeCount(graph) / users).toBeLessThan(20 * 1.05);
    let inactive = 0;
    let posts = 0;
    let reads = 0;
    for (let u = 0; u < users; u++) {
      if (graph.postRatePerSec[u] === 0) {
        expect(graph.readRatePerSec[u]).toBe(0);
        inactive++;
      }
      posts += graph.postRatePerSec[u];
      reads += graph.readRatePerSec[u];
    }
    // Four binomial standard deviations.
    expect(Math.abs(inactive / users - 0.3)).toBeLessThan(4 * Math.sqrt((0.3 * 0.7) / users));
    const active = users - inactive;
    // Lognormal with σ = 1: the coefficient of variation is √(e − 1) ≈ 1.31; four standard errors.
    const tolerance = (4 * Math.sqrt(Math.E - 1)) / Math.sqrt(active);
    expect(Math.abs(posts / active / (2 / 86_400) - 1)).toBeLessThan(tolerance);
    expect(Math.abs(reads / active / (20 / 86_400) - 1)).toBeLessThan(tolerance);
    // Out-degrees come from uniform follower draws: Poisson-like, no user follows thousands.
    let most = 0;
    for (let u = 0; u < users; u++) most = Math.max(most, followeeCount(graph, u));
    expect(most).toBeLessThan(60);
  });

  it('gives celebrities their own post rate and keeps them active', () => {
    const graph = generate({
      users: 1000,
      inactiveShare: 1,
      celebrities: [{ followers: '50%', postRate: '10/h' }, { followers: 3 }],
    });
    expect(graph.postRatePerSec[0]).toBeCloseTo(10 / 3600, 12);
    expect(followerCount(graph, 0)).toBe(499);
    expect(graph.postRatePerSec[1]).toBeGreaterThan(0);
    expect(graph.readRatePerSec[1]).toBeGreaterThan(0);
    expect(graph.postRatePerSec[2]).toBe(0);
  });

  it('keeps every user’s rates when only the inactive share changes (common random numbers)', () => {
    const some = generate({ users: 500, inactiveShare: 0.5 });
    const none = generate({ users: 500, inactiveShare: 0 });
    for (let u = 0; u < 500; u++)
      if (some.postRatePerSec[u] > 0) expect(some.postRatePerSec[u]).toBe(none.postRatePerSec[u]);
  });
});

describe('socialGraphParams', () => {
  const problems = (input: Record<string, unknown>) => {
    const parsed = socialGraphParams.safeParse(input);
    return parsed.success ? checkSocialGraphParams(parsed.data) : parsed.error.issues;
  };

  it('has defaults for every knob', () => {
    const params: SocialGraphParams = socialGraphParams.parse({});
    expect(params).toMatchObject({
      users: 10_000,
      meanFollows: 20,
      exponent: 2.3,
      celebrities: [],
      inactiveShare: 0.2,
    });
    expect(params.postRate).toBeCloseTo(2 / 86_400, 15);
    expect(params.readRate).toBeCloseTo(20 / 86_400, 15);
  });

  it('reads follower counts and shares', () => {
    const params = socialGraphParams.parse({ users: 1001, celebrities: [{ followers: '30%' }, { followers: 7 }] });
    expect(params.celebrities.map((c) => celebrityFollowerCount(c, params.users))).toEqual([300, 7]);
  });

  it('says what is wrong and what to write', () => {
    expect(problems({ exponent: 2 })[0].message).toMatch(/above 2 and at most 3.5/);
    expect(problems({ exponent: 3.6 })[0].message).toMatch(/above 2 and at most 3.5/);
    expect(problems({ celebrities: [{ followers: 0.07 }] })[0].message).toMatch(/write 7%$/);
    expect(problems({ celebrities: [{ followers: 'many' }] })[0].message).toMatch(/like 50000 or a share like 30%/);
    expect(problems({ celebrities: [{ followers: '0%' }] })[0].message).toMatch(/above 0%/);
    expect(problems({ users: 100, celebrities: [{ followers: 100 }] })).toEqual([
      { path: ['celebrities', 0, 'followers'], message: expect.stringMatching(/only 99 other users/) },
    ]);
    expect(problems({ users: 100, meanFollows: 60 })).toEqual([
      { path: ['meanFollows'], message: expect.stringMatching(/more than half of the 99 others/) },
    ]);
    // Sizes that would not fit in memory are refused with what they would take.
    expect(problems({ users: 50_000_000, meanFollows: 50 })).toEqual([
      {
        path: ['meanFollows'],
        message: expect.stringMatching(/2500000000 follows: the graph alone would take 18.6 GiB/),
      },
    ]);
    expect(problems({ users: 1e9 })[0].message).toMatch(/at most 50 million: every user takes memory/);
    expect(problems({ inactiveShare: 1 })).toEqual([
      { path: ['inactiveShare'], message: expect.stringMatching(/nobody posts or reads/) },
    ]);
    expect(problems({ inactiveShare: 1, celebrities: [{ followers: 10 }] })).toEqual([]);
    expect(problems({ users: 100, meanFollows: 1, celebrities: [{ followers: 60 }, { followers: '50%' }] })).toEqual([
      { path: ['celebrities'], message: expect.stringMatching(/add up to 109, more than the 100 follows/) },
    ]);
    expect(problems({ file: 'no-such-edges.txt', celebrities: [{ followers: 3 }] })).toEqual([
      { path: ['file'], message: expect.stringMatching(/cannot read the social graph file "no-such-edges.txt"/) },
      { path: ['celebrities'], message: expect.stringMatching(/cannot be placed in a graph loaded from a file/) },
    ]);
  });
});
