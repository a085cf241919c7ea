import { FEED_STRATEGIES } from '../../models/feed/feed-service.js';
import type { FeedSetup, FeedStrategy } from '../../models/measure/feed-log.js';

/** What the analytic costs depend on: the graph, its rates, the strategies' knobs and the cost of a write and a fetch. */
export type FeedCostInputs = Pick<
  FeedSetup,
  'graph' | 'celebrityThreshold' | 'activeWindowUs' | 'costPerWrite' | 'costPerFetch'
>;

/** One strategy's expected load per second in steady state. */
export interface StrategyCost {
  strategy: FeedStrategy;
  writesPerSec: number;
  fetchesPerSec: number;
  /** writes × costPerWrite + fetches × costPerFetch, per second. */
  costPerSec: number;
}

export interface FeedCostTheory {
  /** Σ postRate and Σ readRate over users: the posts and reads per second, whatever the strategy (Poisson: variance rate = rate). */
  postsPerSec: number;
  readsPerSec: number;
  /** One per strategy, in FEED_STRATEGIES' order. */
  strategies: StrategyCost[];
}

/**
 * Each strategy's cost per second from the graph and the per-user rates
 * (λ_p posts, μ_c reads per second), summed over the edges p → c (c follows
 * p), with c_w the cost of a timeline write and c_f of a followee fetch:
 *
 *   push         c_w·Σ λ_p                        every post is written into every follower's timeline
 *   pull         c_f·Σ μ_c                        every read fetches every followee's recent posts
 *   hybrid       push for producers with fewer followers than celebrityThreshold, pull for the rest
 *   selective    Σ min(c_w·λ_p, c_f·μ_c)          per edge the cheaper (ties push, as the service decides)
 *   active-push  writes Σ λ_p·(1 − e^{−μ_c·W}), fetches Σ μ_c·e^{−μ_c·W}
 *
 * Active-push writes a post into c's timeline only if c read within the
 * window W before it, and a read made when c had not read within W rebuilds
 * the timeline by pulling every followee. With Poisson reads the time since
 * c's last read is exponential, so both probabilities hold at every moment
 * (the service starts each user's last read from that same distribution;
 * no crash wipes the record).
 *
 * One pass over the edges, reader by reader (its μ_c and e^{−μ_c·W} once,
 * each followee's λ_p read at random), all strategies at once. The push,
 * pull and selective costs are summed edge by edge in that one order, so
 * selective ≤ push and selective ≤ pull hold exactly in floating point too
 * (rounding is monotone), and are asserted.
 */
export function feedCostTheory(inputs: FeedCostInputs): FeedCostTheory {
  const { graph, costPerWrite: cw, costPerFetch: cf } = inputs;
  const { users, followeeStart, followees, postRatePerSec: post, readRatePerSec: read } = graph;
  const windowSeconds = inputs.activeWindowUs / 1e6;
  const pulledByHybrid = hybridPulled(inputs);
  let postsPerSec = 0;
  let readsPerSec = 0;
  // Plain locals in the loop over the edges (tens of millions): V8 keeps them in registers, object fields it would not.
  let pushWrites = 0;
  let pushCost = 0;
  let pullFetches = 0;
  let pullCost = 0;
  let hybridWrites = 0;
  let hybridFetches = 0;
  let selectiveWrites = 0;
  let selectiveFetches = 0;
  let selectiveCost = 0;
  let activeWrites = 0;
  let activeFetches = 0;
  for (let c = 0; c < users; c++) {
    const mu = read[c];
    const fetchCost = cf * mu;
    let postsToC = 0;
    for (let i = followeeStart[c]; i < followeeStart[c + 1]; i++) {
      const p = followees[i];
      const lambda = post[p];
      const writeCost = cw * lambda;
      postsToC += lambda;
      pushCost += writeCost;
      pullCost += fetchCost;
      if (pulledByHybrid[p] === 1) hybridFetches += mu;
      else hybridWrites += lambda;
      if (writeCost <= fetchCost) {
        selectiveWrites += lambda;
        selectiveCost += writeCost;
      } else {
        selectiveFetches += mu;
        selectiveCost += fetchCost;
      }
    }
    const followeeTotal = followeeStart[c + 1] - followeeStart[c];
    const kept = 1 - Math.exp(-mu * windowSeconds);
    pushWrites += postsToC;
    pullFetches += mu * followeeTotal;
    activeWrites += postsToC * kept;
    activeFetches += mu * (1 - kept) * followeeTotal;
    postsPerSec += post[c];
    readsPerSec += mu;
  }
  if (!(selectiveCost <= pushCost && selectiveCost <= pullCost))
    throw new Error(
      `feed cost theory: selective fan-out came to ${selectiveCost}/s, more than all-push (${pushCost}/s) or all-pull (${pullCost}/s); a per-edge minimum never can, so the sums are wrong`,
    );
  const cost = (writes: number, fetches: number) => cw * writes + cf * fetches;
  const loads: Record<FeedStrategy, [writes: number, fetches: number, cost: number]> = {
    push: [pushWrites, 0, pushCost],
    pull: [0, pullFetches, pullCost],
    hybrid: [hybridWrites, hybridFetches, cost(hybridWrites, hybridFetches)],
    selective: [selectiveWrites, selectiveFetches, selectiveCost],
    'active-push': [activeWrites, activeFetches, cost(activeWrites, activeFetches)],
  };
  return {
    postsPerSec,
    readsPerSec,
    strategies: FEED_STRATEGIES.map((strategy) => {
      const [writesPerSec, fetchesPerSec, costPerSec] = loads[strategy];
      return { strategy, writesPerSec, fetchesPerSec, costPerSec };
    }),
  };
}

/** 1 for each producer hybrid pulls: at least celebrityThreshold followers. A byte a user, so random reads stay in cache. */
function hybridPulled({ graph, celebrityThreshold }: FeedCostInputs): Uint8Array {
  const pulled = new Uint8Array(graph.users);
  for (let p = 0; p < graph.users; p++)
    if (graph.followerStart[p + 1] - graph.followerStart[p] >= celebrityThreshold) pulled[p] = 1;
  return pulled;
}

/**
 * How much a run of T seconds may stray from a strategy's analytic load:
 * the variance of its writes and fetches over T is T × these rates (and of
 * a per-second figure, the rates over T).
 */
export interface CostVariance {
  writesVarianceRate: number;
  fetchesVarianceRate: number;
  /** c_w²·writes' + c_f²·fetches' variance rates + 2·c_w·c_f·their covariance rate (0 but for active-push, where both follow the reads). */
  costVarianceRate: number;
}

/**
 * The variance rates of one strategy's load. Posts and reads are Poisson per
 * user, so under push, pull, hybrid and selective the writes (or fetches)
 * over T seconds are a compound Poisson sum: each post of producer p brings
 * X_p writes (each read of consumer c, Y_c fetches), and
 * Var(Σ) = T·Σ_p λ_p·X_p². Active-push's counts are not compound Poisson
 * (whether c is active couples the posts c receives within W of each other,
 * and its fetches with its writes): its rates are the asymptotic ones for
 * T ≫ W (activeVariance). Push and pull need no pass over the edges, hybrid
 * one over its pulled producers' followers, selective and active-push one
 * or two over all of them: compute it for the strategy a run used.
 */
export function feedCostVariance(inputs: FeedCostInputs, strategy: FeedStrategy): CostVariance {
  const { graph, costPerWrite: cw, costPerFetch: cf } = inputs;
  const {
    users,
    followerStart,
    followers,
    followeeStart,
    followees,
    postRatePerSec: post,
    readRatePerSec: read,
  } = graph;
  const followerCount = (p: number) => followerStart[p + 1] - followerStart[p];
  const followeeCount = (c: number) => followeeStart[c + 1] - followeeStart[c];
  let writes = 0;
  let fetches = 0;
  let covariance = 0;
  // Per consumer, the followees hybrid or selective pulls on its every read; per producer, the followers it pushes to.
  const pulled = new Int32Array(users);
  switch (strategy) {
    case 'push':
      for (let p = 0; p < users; p++) writes += post[p] * followerCount(p) * followerCount(p);
      break;
    case 'pull':
      for (let c = 0; c < users; c++) fetches += read[c] * followeeCount(c) * followeeCount(c);
      break;
    case 'hybrid': {
      const pulledProducer = hybridPulled(inputs);
      for (let p = 0; p < users; p++) {
        if (pulledProducer[p] === 0) writes += post[p] * followerCount(p) * followerCount(p);
        else for (let i = followerStart[p]; i < followerStart[p + 1]; i++) pulled[followers[i]]++;
      }
      for (let c = 0; c < users; c++) fetches += read[c] * pulled[c] * pulled[c];
      break;
    }
    case 'selective':
      for (let p = 0; p < users; p++) {
        const writeCost = cw * post[p];
        let pushed = 0;
        for (let i = followerStart[p]; i < followerStart[p + 1]; i++) {
          const c = followers[i];
          if (writeCost <= cf * read[c]) pushed++;
          else pulled[c]++;
        }
        writes += post[p] * pushed * pushed;
      }
      for (let c = 0; c < users; c++) fetches += read[c] * pulled[c] * pulled[c];
      break;
    case 'active-push': {
      const windowSeconds = inputs.activeWindowUs / 1e6;
      const kept = new Float64Array(users);
      for (let c = 0; c < users; c++) kept[c] = 1 - Math.exp(-read[c] * windowSeconds);
      // A post's writes, given who is active: a sum of independent Bernoulli(q_c), E[X²] = Σq(1−q) + (Σq)².
      for (let p = 0; p < users; p++) {
        let keptSum = 0;
        let keptVariance = 0;
        for (let i = followerStart[p]; i < followerStart[p + 1]; i++) {
          const q = kept[followers[i]];
          keptSum += q;
          keptVariance += q * (1 - q);
        }
        writes += post[p] * (keptVariance + keptSum * keptSum);
      }
      for (let c = 0; c < users; c++) {
        const mu = read[c];
        if (mu === 0) continue;
        let postsToC = 0;
        for (let i = followeeStart[c]; i < followeeStart[c + 1]; i++) postsToC += post[followees[i]];
        const v = activeVariance(mu, windowSeconds);
        writes += postsToC * postsToC * v.activeTime;
        fetches += followeeCount(c) * followeeCount(c) * v.rebuilds;
        covariance += postsToC * followeeCount(c) * v.activeTimeRebuilds;
      }
      break;
    }
  }
  return {
    writesVarianceRate: writes,
    fetchesVarianceRate: fetches,
    costVarianceRate: cw * cw * writes + cf * cf * fetches + 2 * cw * cf * covariance,
  };
}

/**
 * The long-run variance (and covariance) rates of one reader's activity
 * under active-push, for reads at rate μ > 0 and window W, from the
 * renewal–reward theorem over the exponential gaps X between its reads
 * (r = e^{−μW}, the chance a gap outlasts W):
 *
 *   activeTime          Var(time active)/T     = 2·(r(1 − r)/μ − W·r²)
 *   rebuilds            Var(rebuild reads)/T   = μ·r·(1 − 2μ·W·r)
 *   activeTimeRebuilds  Cov(time active, rebuild reads)/T = −r·(1 − r − 2μ·W·r)
 *
 * The writes into the reader's timeline, with Λ the post rate of its
 * followees, add Λ²·activeTime to the compound-Poisson part (posts within W
 * of each other find it in the same state); its fetches are followees ×
 * rebuilds; the two covary through Λ·followees·activeTimeRebuilds.
 */
function activeVariance(mu: number, windowSeconds: number) {
  const r = Math.exp(-mu * windowSeconds);
  return {
    activeTime: 2 * ((r * (1 - r)) / mu - windowSeconds * r * r),
    rebuilds: mu * r * (1 - 2 * mu * windowSeconds * r),
    activeTimeRebuilds: -r * (1 - r - 2 * mu * windowSeconds * r),
  };
}

/** How many standard deviations a run's figure may stray from the theory and still agree: ±3σ, missed by chance 0.3% of the time. */
export const AGREEMENT_SIGMAS = 3;

/** A simulated rate beside its analytic value: the standard deviation of a run of this length, the z-score and whether it is within ±3σ. */
export interface RateAgreement {
  analytic: number;
  simulated: number;
  /** √(variance rate / T): the standard deviation of the per-second figure over `seconds` simulated. */
  sigma: number;
  /** (simulated − analytic) / sigma; null when sigma is 0 (then they agree only when equal). */
  z: number | null;
  agrees: boolean;
}

/** `simulatedCount` events over `seconds`, against `analyticPerSec` with the given variance rate. */
export function rateAgreement(
  analyticPerSec: number,
  varianceRate: number,
  simulatedCount: number,
  seconds: number,
): RateAgreement {
  if (!(seconds > 0)) throw new Error(`rateAgreement: measured seconds must be positive, got ${seconds}`);
  const simulated = simulatedCount / seconds;
  const sigma = Math.sqrt(varianceRate / seconds);
  const difference = simulated - analyticPerSec;
  const z = sigma > 0 ? difference / sigma : null;
  // A tolerance relative to the figure's size absorbs rounding when there is no noise to compare with.
  const agrees =
    z === null ? Math.abs(difference) <= 1e-9 * Math.max(1, Math.abs(analyticPerSec)) : Math.abs(z) <= AGREEMENT_SIGMAS;
  return { analytic: analyticPerSec, simulated, sigma, z, agrees };
}
