import { describe, it } from 'vitest';
import { THEORY_CASES, expectWithinTheory } from '../support/queueing-station.js';

/**
 * Long fixed-seed runs: the customer counts are chosen so the standard error
 * of the mean time at the server is about 1% or less (it grows like
 * 1/(1 − ρ) near saturation), and every row must be within 3% of theory.
 */
describe('simulation against theory, within 3%', () => {
  for (const [name, options, model] of THEORY_CASES) it(name, () => expectWithinTheory(options, model, 0.03), 300_000);
});
