import { describe, expect, it } from 'vitest';
import { fuzzBundledScenarios } from '../support/scenario-fuzz.js';

describe('broken variants of the bundled scenarios (many)', () => {
  it('are refused with file:line:col, or run to a complete folder; never an internal error', async () => {
    const { refused, ran } = await fuzzBundledScenarios({ cases: 3000, seed: 1013, duration: '1s', runs: 300 });
    expect(refused).toBeGreaterThan(1500);
    expect(ran).toBeGreaterThan(50);
  }, 1_200_000);
});
