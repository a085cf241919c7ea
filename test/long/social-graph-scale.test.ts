import { describe, expect, it } from 'vitest';
import { deriveStream } from '../../engine/index.js';
import { generateSocialGraph } from '../../models/feed/social-graph-generator.js';
import { socialGraphParams } from '../../models/feed/social-graph-params.js';
import { edgeCount, followerCount } from '../../models/parts/social-graph.js';
import { inDegreeCounts } from '../../reports/feed/degree-distribution.js';
import { fitPowerLaw } from '../../reports/feed/power-law-fit.js';

// feed-scale's graph: 10^6 users and about 25 million follows. The test (fitted exponent
// within ±0.05 of the requested one) at full size, with the rows checked in one linear pass.
describe('a million users’ follower graph', () => {
  it.each([2.3, 2.6])('fits the requested exponent %s within ±0.05, with well-formed rows', (exponent) => {
    const users = 1_000_000;
    const params = socialGraphParams.parse({
      users,
      meanFollows: 25,
      exponent,
      celebrities: [{ followers: '30%' }, { followers: 100_000 }],
    });
    const before = process.memoryUsage().arrayBuffers;
    const graph = generateSocialGraph(params, deriveStream(16, 'feed-scale', 'social-graph'));
    // Two edge arrays of 4 bytes a follow and a few per-user arrays: far below a GiB.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(400 * 2 ** 20);
    expect(Math.abs(edgeCount(graph) / users / 25 - 1)).toBeLessThan(0.05);
    expect(followerCount(graph, 0)).toBe(299_999);
    expect(followerCount(graph, 1)).toBe(100_000);
    for (const [start, items] of [
      [graph.followerStart, graph.followers],
      [graph.followeeStart, graph.followees],
    ]) {
      let bad = 0;
      for (let u = 0; u < users; u++)
        for (let i = start[u]; i < start[u + 1]; i++)
          if (items[i] === u || items[i] < 0 || items[i] >= users || (i > start[u] && items[i] <= items[i - 1])) bad++;
      expect(bad).toBe(0);
    }
    const fit = fitPowerLaw(inDegreeCounts(graph))!;
    expect(Math.abs(fit.exponent - exponent)).toBeLessThanOrEqual(0.05);
  });
});
