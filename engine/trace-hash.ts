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
    let k = Math.imul(v | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    let h = this.h1 ^ k;
    h = (h << 13) | (h >>> 19);
    this.h1 = (Math.imul(h, 5) + 0xe6546b64) | 0;

    let j = Math.imul(v | 0, 0x85ebca77);
    j = (j << 17) | (j >>> 15);
    j = Math.imul(j, 0xc2b2ae3d);
    let g = this.h2 ^ j ^ this.h1;
    g = (g << 19) | (g >>> 13);
    this.h2 = (Math.imul(g, 9) + 0x52dce729) | 0;
  }

  /** Mixes a non-negative integer below 2^53 as two 32-bit words. */
  mixWide(v: number): void {
    this.mix(v >>> 0);
    this.mix((v / 4294967296) | 0);
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
