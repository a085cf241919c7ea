/** One purge as the scenario gives it: at true time `atUs`, keys from..to (inclusive). */
export interface PurgeSpec {
  atUs: number;
  keys: readonly [number, number];
}

/**
 * The purges of a run, and what they mean for versions. A purge stands for
 * objects replaced at the origin: from its time on the origin serves the new
 * content, so the content version of a key (as every PoP sees it) is 1 plus
 * the purges of that key up to when the copy left the origin. A copy older
 * than the key's current version is stale: a PoP that serves one (because
 * it has not applied the purge yet, or filled from a parent that has not)
 * serves stale content. The CDN serves static objects: writes at the origin
 * are outside this model.
 */
export class PurgeSchedule {
  constructor(readonly purges: readonly PurgeSpec[]) {}

  /** The content version of `key` at true time `nowUs`. */
  versionAt(key: number, nowUs: number): number {
    let version = 1;
    const purges = this.purges;
    for (let i = 0; i < purges.length; i++) {
      const p = purges[i];
      if (p.atUs <= nowUs && key >= p.keys[0] && key <= p.keys[1]) version++;
    }
    return version;
  }

  /** The version of `key` once the purges in `applied` (flags by purge index) are known: what a PoP that applied them must not store below. */
  versionKnown(key: number, applied: Uint8Array): number {
    let version = 1;
    const purges = this.purges;
    for (let i = 0; i < purges.length; i++) {
      const p = purges[i];
      if (applied[i] === 1 && key >= p.keys[0] && key <= p.keys[1]) version++;
    }
    return version;
  }
}
