/**
 * A rolling 64-bit hash of processed events, as two independent 32-bit
 * MurmurHash3-style lanes. Cheap enough to run on every event; any change in
 * the order, time, kind, endpoints, arguments or message contents of events
 * changes it (see `Simulation.run`).
 */
export class TraceHash {
  private h1 = 0x9747b28c | 0;
  private h2 = 0x85ebca6b | 0;

  mix(v: number): void {
    this.h1 = lane1(this.h1, v);
    this.h2 = lane2(this.h2, this.h1, v);
  }

  /** Mixes a non-negative integer below 2^53 as two 32-bit words. */
  mixWide(v: number): void {
    this.mix(v >>> 0);
    this.mix((v / 4294967296) | 0);
  }

  /**
   * One event, as `mixWide(timeUs)` then `mix` of each word, in one call that
   * keeps the lanes in locals: the run loop's hashing cost a third less.
   */
  mixEvent(timeUs: number, kind: number, target: number, a: number, b: number): void {
    let h1 = this.h1;
    let h2 = this.h2;
    const low = timeUs >>> 0;
    const high = (timeUs / 4294967296) | 0;
    h1 = lane1(h1, low);
    h2 = lane2(h2, h1, low);
    h1 = lane1(h1, high);
    h2 = lane2(h2, h1, high);
    h1 = lane1(h1, kind);
    h2 = lane2(h2, h1, kind);
    h1 = lane1(h1, target);
    h2 = lane2(h2, h1, target);
    h1 = lane1(h1, a);
    h2 = lane2(h2, h1, a);
    h1 = lane1(h1, b);
    h2 = lane2(h2, h1, b);
    this.h1 = h1;
    this.h2 = h2;
  }

  /** Low 32 bits of the current state, for cheap per-event comparison. */
  get low(): number {
    return this.h1;
  }

  /** 16 hex digits. */
  digest(): string {
    const f = (x: number) => {
      x ^= x >>> 16;
      x = Math.imul(x, 0x85ebca6b);
      x ^= x >>> 13;
      x = Math.imul(x, 0xc2b2ae35);
      x ^= x >>> 16;
      return (x >>> 0).toString(16).padStart(8, '0');
    };
    return f(this.h1 ^ this.h2) + f(this.h2 + Math.imul(this.h1, 31));
  }
}

function lane1(h1: number, v: number): number {
  let k = Math.imul(v | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let h = h1 ^ k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** The second lane also takes in the first lane's new state. */
function lane2(h2: number, h1: number, v: number): number {
  let j = Math.imul(v | 0, 0x85ebca77);
  j = (j << 17) | (j >>> 15);
  j = Math.imul(j, 0xc2b2ae3d);
  let g = h2 ^ j ^ h1;
  g = (g << 19) | (g >>> 13);
  return (Math.imul(g, 9) + 0x52dce729) | 0;
}
