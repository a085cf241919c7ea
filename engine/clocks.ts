import type { DurationUs, TimeUs } from './time.js';

/**
 * Every node's local clock: local(t) = baseLocal + (t - baseTrue) · (1 + drift·10⁻⁶).
 * A jump or a drift change re-bases the line at the current true time, so the
 * clock stays continuous except where a jump is asked for (forwards or back, as
 * NTP stepping does). The engine itself only ever runs on true time.
 */
export class Clocks {
  private baseTrue = new Float64Array(16);
  private baseLocal = new Float64Array(16);
  private driftPpm = new Float64Array(16);

  /** Registers node `id` with an initial offset and drift. */
  add(id: number, offsetUs: number, driftPpm: number): void {
    if (id >= this.baseTrue.length) this.grow(id + 1);
    this.baseTrue[id] = 0;
    this.baseLocal[id] = offsetUs;
    this.driftPpm[id] = driftPpm;
  }

  /** The node's reading at true time `nowUs`, rounded to whole microseconds. */
  localTimeUs(id: number, nowUs: TimeUs): TimeUs {
    return Math.round(this.baseLocal[id] + (nowUs - this.baseTrue[id]) * (1 + this.driftPpm[id] * 1e-6));
  }

  /** Steps the clock by `deltaUs` (negative steps it back). */
  jump(id: number, nowUs: TimeUs, deltaUs: DurationUs): void {
    this.rebase(id, nowUs);
    this.baseLocal[id] += deltaUs;
  }

  setDrift(id: number, nowUs: TimeUs, driftPpm: number): void {
    this.rebase(id, nowUs);
    this.driftPpm[id] = driftPpm;
  }

  drift(id: number): number {
    return this.driftPpm[id];
  }

  /**
   * True time that passes while the node's clock advances `localDelayUs`:
   * timers run on the node's own (drifting) oscillator, but jumps do not move
   * them, as with a monotonic clock.
   */
  trueDelayUs(id: number, localDelayUs: DurationUs): number {
    const drift = this.driftPpm[id];
    return drift === 0 ? localDelayUs : localDelayUs / (1 + drift * 1e-6);
  }

  private rebase(id: number, nowUs: TimeUs): void {
    this.baseLocal[id] = this.baseLocal[id] + (nowUs - this.baseTrue[id]) * (1 + this.driftPpm[id] * 1e-6);
    this.baseTrue[id] = nowUs;
  }

  private grow(min: number): void {
    let cap = this.baseTrue.length;
    while (cap < min) cap *= 2;
    const resize = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.baseTrue = resize(this.baseTrue);
    this.baseLocal = resize(this.baseLocal);
    this.driftPpm = resize(this.driftPpm);
  }
}
