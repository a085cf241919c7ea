import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkComplete, crashes, cuts, run, scenarioText } from '../support/chat-order-run.js';

/**
 * The chat order property over many more faults than `npm test` runs: a
 * crash of a chat server or a store node, any protocol, with or without a
 * restart; a server cut off from the directory or from the phones.
 */
describe('chat order and no loss per conversation, long', () => {
  it('every device has every stored message once, in seq order, after any one crash', () => {
    fc.assert(
      fc.property(crashes(['srv-1', 'srv-2', 'srv-3', 'st-1', 'st-2']), (crash) => {
        // A store node that never comes back holds its conversations' messages: it must restart.
        if (crash.node.startsWith('st-') && crash.downMs === null) crash = { ...crash, downMs: 5_000 };
        const { built, streams } = run(scenarioText(crash));
        expect(checkComplete(built, streams)).toBeGreaterThan(800);
      }),
      { numRuns: 80, seed: 1616 },
    );
  });

  it('every device has every stored message once, in seq order, after a server is cut off for a while', () => {
    fc.assert(
      fc.property(cuts, (cut) => {
        const { built, streams } = run(scenarioText(cut));
        expect(checkComplete(built, streams)).toBeGreaterThan(800);
      }),
      { numRuns: 40, seed: 1617 },
    );
  });
});
