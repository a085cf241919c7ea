import { describe, expect, it } from 'vitest';
import { feedDoc, followers, runFeed } from '../support/feed-rig.js';

describe('push fan-out against theory', () => {
  it('makes Σ over producers of postRate × followers timeline writes per second, within 2%', async () => {
    const seconds = 2000;
    const run = await runFeed(
      feedDoc({
        strategy: 'push',
        // No celebrities, equal rates (rateSpread 0): the heavy tail is in the follower counts alone.
        graph: { users: 20_000, meanFollows: 20, postRate: '0.05/s', readRate: '0.0001/s', rateSpread: 0 },
        users: { stopAt: `${seconds}s` },
        duration: `${seconds + 5}s`,
      }),
    );
    const g = run.graph;
    let mean = 0;
    let variance = 0;
    for (let p = 0; p < g.users; p++) {
      const f = followers(g, p);
      mean += g.postRatePerSec[p] * f * seconds;
      // Writes are compound Poisson: each producer's posts times its followers.
      variance += g.postRatePerSec[p] * f * f * seconds;
    }
    // 2% is at least four standard deviations of the Poisson noise, so the test fails only on a real bias.
    expect(0.02 * mean).toBeGreaterThan(4 * Math.sqrt(variance));
    expect(Math.abs(run.record.timelineWrites - mean) / mean).toBeLessThan(0.02);
  }, 300_000);
});
