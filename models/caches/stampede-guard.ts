/**
 * What a cache node knows about one key while backend requests for it are in
 * flight: how many, the fetch later misses may join (coalesce) or wait on
 * (lock), and how many writes of the key arrived or committed since, so a
 * fill a write overtook can be told apart. A key has one while anything of it
 * is in flight, and none otherwise (memory follows the keys in flight, not
 * the keys ever seen).
 */
export interface KeyFlight {
  /** Backend requests of this key in flight (gets and writes). */
  inFlight: number;
  /** Writes of the key that arrived or were acknowledged since the flight began: a get sent at an older count was overtaken. */
  writes: number;
  /** The fetch misses join (coalesce), wait for (lock) or leave alone (a background refresh); -1 when none. */
  sharedFetch: number;
  /** lock: the lock's expiry on the node's clock; other misses wait until the value appears or this passes. */
  lockedUntilLocalUs: number;
}

/** Key → its flight, created at the first backend request of a key and dropped when its last one is answered. */
export class KeyFlights {
  private readonly byKey = new Map<number, KeyFlight>();

  get size(): number {
    return this.byKey.size;
  }

  get(key: number): KeyFlight | undefined {
    return this.byKey.get(key);
  }

  /** One more backend request of `key` is in flight. */
  begin(key: number): KeyFlight {
    let flight = this.byKey.get(key);
    if (flight === undefined) {
      flight = { inFlight: 0, writes: 0, sharedFetch: -1, lockedUntilLocalUs: -Infinity };
      this.byKey.set(key, flight);
    }
    flight.inFlight++;
    return flight;
  }

  /** One backend request of `key` was answered (or timed out). */
  end(key: number, flight: KeyFlight): void {
    if (--flight.inFlight === 0) this.byKey.delete(key);
  }
}

/**
 * XFetch (Vattani, Chierichetti & Lowenstein, "Optimal Probabilistic Cache
 * Stampede Prevention", VLDB 2015): a read recomputes the value early when
 *
 *     now − δ · β · ln(u) ≥ expiry,    u ~ U(0, 1]
 *
 * with δ the time the last recomputation took. −ln(u) is exponential with
 * mean 1, so each read's look-ahead is δ·β on average: the hotter the key,
 * the more reads draw and the sooner one of them refreshes before expiry,
 * while a cold key almost never refreshes early.
 */
export function refreshesEarly(nowUs: number, expiresAtUs: number, deltaUs: number, beta: number, u: number): boolean {
  return nowUs - deltaUs * beta * Math.log(1 - u) >= expiresAtUs;
}
