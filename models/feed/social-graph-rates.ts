import { distribution, type RandomStream } from '../../engine/index.js';
import type { SocialGraphParams } from './social-graph-params.js';

/**
 * Per-user posting and reading rates. A user is inactive with probability
 * inactiveShare (both rates 0); an active user's rates are independent
 * lognormals, rate × exp(σZ − σ²/2) with σ = rateSpread, whose mean is the
 * requested rate. Every user takes the same five draws whatever the
 * parameters, so a variant changing the inactive share or the rates keeps
 * every other user's draws (common random numbers). Celebrities (users
 * 0..celebrities−1) are always active; a celebrity's own postRate replaces
 * its drawn one.
 */
export function drawUserRates(
  users: number,
  params: Pick<SocialGraphParams, 'postRate' | 'readRate' | 'rateSpread' | 'inactiveShare' | 'celebrities'>,
  rng: RandomStream,
): { postRatePerSec: Float64Array; readRatePerSec: Float64Array } {
  const postRatePerSec = new Float64Array(users);
  const readRatePerSec = new Float64Array(users);
  const sigma = params.rateSpread;
  // mu = −σ²/2 makes the mean exactly 1: each rate is the requested mean times a draw.
  const spread = distribution({ type: 'lognormal', mu: (-sigma * sigma) / 2, sigma });
  const celebrities = Math.min(params.celebrities.length, users);
  for (let u = 0; u < users; u++) {
    const inactive = rng.next() < params.inactiveShare && u >= celebrities;
    const post = params.postRate * spread.sample(rng);
    const read = params.readRate * spread.sample(rng);
    if (inactive) continue;
    postRatePerSec[u] = post;
    readRatePerSec[u] = read;
  }
  for (let c = 0; c < celebrities; c++) {
    const own = params.celebrities[c].postRate;
    if (own !== undefined) postRatePerSec[c] = own;
  }
  return { postRatePerSec, readRatePerSec };
}
