import { distribution, type NodeContext, type RandomStream, SECOND, type TimeUs } from '../../engine/index.js';
import { peakRate, rateAt, type RateShape } from './rate-shape.js';

/**
 * The arrival times of an open-loop workload: candidates at Poisson times of
 * the shape's peak rate, each kept with probability rate(t)/peak (thinning),
 * which is an exact Poisson process of the shaped rate; none from `stopAtUs`
 * on. The owner arms the first candidate at its start and, at each candidate's
 * timer, asks `keep()`, acts on an arrival, then calls `scheduleNext()`.
 */
export class ShapedArrivals {
  private readonly interarrival;
  private readonly rng: RandomStream;
  private readonly shape: RateShape;
  private readonly peakRatePerSec: number;

  constructor(
    private readonly ctx: NodeContext<any>,
    private readonly ratePerSec: number,
    shape: RateShape | undefined,
    private readonly stopAtUs: TimeUs | undefined,
    /** The owner's timer tag for a candidate arrival. */
    private readonly tag: number,
  ) {
    if (!(ratePerSec > 0)) throw new RangeError(`ratePerSec must be > 0, got ${ratePerSec}`);
    this.shape = shape ?? { type: 'constant' };
    this.peakRatePerSec = peakRate(this.shape, ratePerSec);
    this.interarrival = distribution({ type: 'exponential', mean: SECOND / this.peakRatePerSec });
    this.rng = ctx.random('arrivals');
  }

  /** The rate at this moment: the shape's, or 0 once stopped. */
  rateNow(): number {
    const stopped = this.stopAtUs !== undefined && this.ctx.nowUs >= this.stopAtUs;
    return stopped ? 0 : rateAt(this.shape, this.ratePerSec, this.ctx.nowUs);
  }

  /** Whether the candidate whose timer fires now is an arrival. */
  keep(): boolean {
    return (
      this.shape.type === 'constant' ||
      this.rng.nextDouble() * this.peakRatePerSec < rateAt(this.shape, this.ratePerSec, this.ctx.nowUs)
    );
  }

  /** Arms the next candidate, unless it would come at or after `stopAtUs`. */
  scheduleNext(): void {
    const next = this.interarrival.sample(this.rng);
    if (this.stopAtUs !== undefined && this.ctx.nowUs + next >= this.stopAtUs) return;
    this.ctx.setTimer(next, this.tag);
  }
}
