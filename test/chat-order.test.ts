import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkComplete, crashes, run, scenarioText } from './support/chat-order-run.js';

/**
 * Chat order and no loss per conversation under a server crash with
 * reconnects: fast-check over when a server crashes, whether and when it
 * restarts, which one, and the client protocol. (test/long/chat-order-long
 * runs many more cases, store crashes too.)
 */
describe('chat order and no loss per conversation under a server crash', () => {
  it('fast-check over crash and restart times: every device has every stored message once, in seq order', () => {
    fc.assert(
      fc.property(crashes(['srv-1', 'srv-2', 'srv-3']), (crash) => {
        const { built, streams } = run(scenarioText(crash));
        expect(checkComplete(built, streams)).toBeGreaterThan(800);
        expect(built.chats.outages.length).toBe(1);
      }),
      { numRuns: 5, seed: 16 },
    );
  });

  it('a server cut off from the directory is declared down, then re-registers and syncs what fan-outs skipped', () => {
    // Its sessions live on (phones still reach it) but leave the stores' routes for the 4 s the cut lasts, which
    // outlast the messages (until 15 s): no later message shows the devices a gap.
    const { built, streams } = run(
      scenarioText({ protocol: 'websocket', atMs: 12_000, downMs: 4_000, node: 'srv-1', kind: 'cut-from-directory' }),
    );
    expect(checkComplete(built, streams)).toBeGreaterThan(800);
    // The directory declared srv-1's users offline although they were connected all along.
    expect(built.chats.totals.falseOffline).toBeGreaterThan(0);
    expect(built.chats.outages).toEqual([]);
  });
});
