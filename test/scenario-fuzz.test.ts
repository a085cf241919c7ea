import { describe, expect, it } from 'vitest';
import { fuzzBundledScenarios } from './support/scenario-fuzz.js';

describe('broken variants of the bundled scenarios', () => {
  it('are refused with file:line:col, or run to a complete folder; never an internal error', async () => {
    const { refused, ran } = await fuzzBundledScenarios({ cases: 120, seed: 13, duration: '200ms', runs: 2 });
    // The mutations mostly break a scenario; some leave it valid and are run.
    expect(refused).toBeGreaterThan(60);
    expect(ran).toBe(2);
  }, 60_000);
});
