import type { ComponentMetrics } from '../measure/component-metrics.js';

/** Fill bands of a hashed key space the collision counts are kept in: 0–10%, 10–20%, … 90–100%. */
const FILL_BANDS = 10;

/**
 * What a url-shortener's nodes did with ids and links, summed over its nodes
 * and over the whole run (warm-up included: ids are counted from the first),
 * published into the component's report details as each count moves.
 *
 * With counter ranges: ids received in blocks, used, wasted (left in a block
 * when its node crashed, or a block granted twice to a retried lease), held
 * now; received = used + wasted + held. A block whose grant never arrived
 * (lost, or its node was down) is wasted too, but only the allocator knows
 * it: its idsLeased exceeds idsReceived by it. With hashing: attempts and
 * collisions per fill band of the key space (the share of codes taken when
 * the attempt was made): a uniform hash collides with probability f at fill
 * f, so a shorten takes 1/(1 − f) attempts on average.
 */
export class ShortenerTally {
  /** Ids in hand per app node (0-based), for counting what a crash wastes. */
  readonly idsHeld: Float64Array;
  private readonly attemptsByBand = new Float64Array(FILL_BANDS);
  private readonly collisionsByBand = new Float64Array(FILL_BANDS);
  private readonly counts = new Map<string, number>();

  constructor(
    nodes: number,
    private readonly metrics: ComponentMetrics,
  ) {
    this.idsHeld = new Float64Array(nodes);
  }

  /** Adds `by` to count `name` and publishes it. */
  add(name: string, by = 1): void {
    const total = (this.counts.get(name) ?? 0) + by;
    this.counts.set(name, total);
    this.metrics.noteDetail(name, total);
  }

  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  /** A hashed code was tried with `fill` of the key space taken; the band to count its collision in. */
  hashAttempt(fill: number): number {
    const band = Math.min(FILL_BANDS - 1, Math.floor(fill * FILL_BANDS));
    this.add('hashAttempts');
    this.metrics.noteDetail(ATTEMPT_NAMES[band], ++this.attemptsByBand[band]);
    return band;
  }

  hashCollision(band: number): void {
    this.add('hashCollisions');
    this.metrics.noteDetail(COLLISION_NAMES[band], ++this.collisionsByBand[band]);
  }

  /** Attempts and collisions in fill band `band` (0: 0–10% of the key space taken). */
  band(band: number): { attempts: number; collisions: number } {
    return { attempts: this.attemptsByBand[band], collisions: this.collisionsByBand[band] };
  }

  /** Node `node` crashed: the ids it held are never used. */
  nodeCrashed(node: number): void {
    if (this.idsHeld[node] > 0) this.add('idsWasted', this.idsHeld[node]);
    this.idsHeld[node] = 0;
  }

  heldNow(): number {
    let held = 0;
    for (let i = 0; i < this.idsHeld.length; i++) held += this.idsHeld[i];
    return held;
  }
}

const bandNames = (name: string) =>
  Array.from({ length: FILL_BANDS }, (_, band) => `${name}.fill${band * 10}-${band * 10 + 10}%`);
const ATTEMPT_NAMES = bandNames('hashAttempts');
const COLLISION_NAMES = bandNames('hashCollisions');
