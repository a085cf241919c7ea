import { edgeCount, followerCount, type SocialGraph } from '../../models/parts/social-graph.js';
import type { FeedGraphReport } from '../report-types.js';
import { complementaryCdfPoints, inDegreeCounts } from './degree-distribution.js';
import { fitPowerLaw } from './power-law-fit.js';

const round = (x: number, digits: number) => Number(x.toFixed(digits));

/**
 * The follower graph a feed service ran on, as the report shows it: its
 * size, how many never post or read, its celebrities, the in-degree's
 * complementary CDF (log-binned, for a log-log chart) and the power law
 * fitted to it above x_min (reports/feed/power-law-fit.ts), beside the
 * exponent the graph was generated with. Linear in users, plus the fit's
 * work over the distinct follower counts.
 */
export function feedGraphReport(graph: SocialGraph): FeedGraphReport {
  const { users } = graph;
  const degrees = inDegreeCounts(graph);
  const edges = edgeCount(graph);
  let inactiveUsers = 0;
  for (let u = 0; u < users; u++) if (graph.postRatePerSec[u] === 0 && graph.readRatePerSec[u] === 0) inactiveUsers++;
  return {
    users,
    edges,
    meanFollows: users === 0 ? 0 : round(edges / users, 6),
    inactiveUsers,
    requestedExponent: Number.isFinite(graph.requestedExponent) ? graph.requestedExponent : null,
    fit: fitPowerLaw(degrees),
    maxFollowers: degrees.values.at(-1) ?? 0,
    celebrities: Array.from(graph.celebrities, (user) => ({ user, followers: followerCount(graph, user) })),
    followersCcdf: complementaryCdfPoints(degrees).map(([k, share]) => [k, Number(share.toPrecision(6))]),
  };
}
