import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkComplete, run, scenarioText } from '../support/chat-order-run.js';

/**
 * The chat order property over many more crashes than `npm test` runs: a
 * chat server or a store node, any protocol, with or without a restart.
 */
describe('chat order and no loss per conversation, long', () => {
  it('every device has every stored message once, in seq order, after any one crash', () => {
    fc.assert(
      fc.property(
        fc.record({
          protocol: fc.constantFrom('websocket', 'sse', 'long-polling', 'short-polling'),
          atMs: fc.integer({ min: 500, max: 14_000 }),
          downMs: fc.option(fc.integer({ min: 100, max: 10_000 }), { nil: null }),
          node: fc.constantFrom('srv-1', 'srv-2', 'srv-3', 'st-1', 'st-2'),
        }),
        (crash) => {
          // A store node that never comes back holds its conversations' messages: it must restart.
          if (crash.node.startsWith('st-') && crash.downMs === null) crash = { ...crash, downMs: 5_000 };
          const { built, streams } = run(scenarioText(crash));
          expect(checkComplete(built, streams)).toBeGreaterThan(800);
        },
      ),
      { numRuns: 80, seed: 1616 },
    );
  });
});
