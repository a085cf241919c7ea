import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkComplete, run, scenarioText } from './support/chat-order-run.js';

/**
 * Chat order and no loss per conversation under a server crash with
 * reconnects: fast-check over when a server crashes, whether and when it
 * restarts, which one, and the client protocol. (test/long/chat-order-long
 * runs many more cases, store crashes too.)
 */
describe('chat order and no loss per conversation under a server crash', () => {
  it('fast-check over crash and restart times: every device has every stored message once, in seq order', () => {
    fc.assert(
      fc.property(
        fc.record({
          protocol: fc.constantFrom('websocket', 'sse', 'long-polling', 'short-polling'),
          atMs: fc.integer({ min: 500, max: 14_000 }),
          downMs: fc.option(fc.integer({ min: 100, max: 10_000 }), { nil: null }),
          node: fc.constantFrom('srv-1', 'srv-2', 'srv-3'),
        }),
        (crash) => {
          const { built, streams } = run(scenarioText(crash));
          expect(checkComplete(built, streams)).toBeGreaterThan(800);
          expect(built.chats.outages.length).toBe(1);
        },
      ),
      { numRuns: 5, seed: 16 },
    );
  });
});
