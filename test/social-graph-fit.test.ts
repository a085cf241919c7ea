import { describe, expect, it } from 'vitest';
import { deriveStream } from '../engine/index.js';
import { generateSocialGraph } from '../models/feed/social-graph-generator.js';
import { socialGraphParams } from '../models/feed/social-graph-params.js';
import { complementaryCdfPoints, inDegreeCounts } from '../reports/feed/degree-distribution.js';
import { fitPowerLaw } from '../reports/feed/power-law-fit.js';

// The test: the generated graph's fitted exponent within ±0.05 of the requested one.
// 10^5 users keep this under a second; test/long/social-graph-scale.test.ts checks 10^6.
describe('a generated graph’s follower counts', () => {
  it.each([2.3, 2.6])('fit a power law with the requested exponent %s within ±0.05', (exponent) => {
    const params = socialGraphParams.parse({ users: 100_000, meanFollows: 20, exponent });
    const graph = generateSocialGraph(params, deriveStream(16, 'feed', 'social-graph'));
    const counts = inDegreeCounts(graph);
    const fit = fitPowerLaw(counts)!;
    expect(Math.abs(fit.exponent - exponent)).toBeLessThanOrEqual(0.05);
    // The tail the fit rests on is most of the graph, not a handful of hubs.
    expect(fit.tailShare).toBeGreaterThan(0.2);
    // On the log-log chart the complementary CDF falls with slope about −(α − 1) over the tail.
    const points = complementaryCdfPoints(counts).filter(([k, share]) => k >= fit.xMin && share * 100_000 >= 100);
    const [k1, p1] = points[0];
    const [k2, p2] = points[points.length - 1];
    expect(Math.log(p2 / p1) / Math.log(k2 / k1)).toBeCloseTo(-(exponent - 1), 1);
  });
});
