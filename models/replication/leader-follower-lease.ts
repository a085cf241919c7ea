import type { LeaderFollowerSettings } from './leader-follower-settings.js';

/**
 * The lease for a failure timeout, given that no clock drifts by more than
 * `maxDriftPpm`: a follower that answered an append may vote for another
 * leader once `failureTimeoutUs` has passed on its clock since it received
 * it, at least failureTimeout / (1 + d) of true time after it was sent; a
 * lease of failureTimeout × (1 − d) / (1 + d) on the leader's clock has
 * ended by then, however fast that follower's clock and slow the leader's.
 */
export function leaseUs(failureTimeoutUs: number, maxDriftPpm: number): number {
  return Math.floor((failureTimeoutUs * (1_000_000 - maxDriftPpm)) / (1_000_000 + maxDriftPpm));
}

/**
 * A leader's lease under fencing, on its own clock. Owns, per follower, the
 * send time of the latest append it acknowledged in this epoch (renewing
 * from the send, not the answer, keeps the lease inside the followers'
 * failure timeouts). Promises: `held` is true only while a majority, the
 * leader included, acknowledged appends sent within `leaseUs`; without
 * fencing it always is.
 */
export class LeaderLease {
  private readonly ackedSentLocalUs: Float64Array;
  private readonly majority: number;
  private ledSinceLocalUs = 0;

  constructor(private readonly p: LeaderFollowerSettings) {
    this.ackedSentLocalUs = new Float64Array(p.replicas.length);
    this.majority = Math.floor(p.replicas.length / 2) + 1;
  }

  /** A new epoch's lease: no follower has acknowledged anything yet. */
  begin(localUs: number): void {
    this.ledSinceLocalUs = localUs;
    this.ackedSentLocalUs.fill(-Infinity);
  }

  /** Follower `f` acknowledged an append the leader sent at `sentLocalUs`. */
  renew(f: number, sentLocalUs: number): void {
    if (sentLocalUs > this.ackedSentLocalUs[f]) this.ackedSentLocalUs[f] = sentLocalUs;
  }

  held(localUs: number): boolean {
    if (!this.p.fencing) return true;
    let holders = 1;
    for (let f = 0; f < this.ackedSentLocalUs.length; f++)
      if (f !== this.p.index && this.ackedSentLocalUs[f] > localUs - this.p.leaseUs) holders++;
    return holders >= this.majority;
  }

  /** Past its first failure timeout, while its first heartbeats are still being answered, a leader without the lease has lost it. */
  lost(localUs: number): boolean {
    return localUs - this.ledSinceLocalUs >= this.p.failureTimeout;
  }
}
