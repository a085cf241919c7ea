import type { NodeContext, NodeId } from '../../engine/index.js';
import type { LeaderFollowerSettings } from './leader-follower-settings.js';
import type { ReplicaDisk } from './leader-follower-disk.js';
import { MESSAGE_HEADER_BYTES, type Poll, type PollReply } from './leader-follower-messages.js';

/**
 * A promotion round this replica runs as candidate: it polls the others for
 * their logs (and, with fencing, their votes) and picks the replica to
 * promote. Owns the round's epoch and what each replica answered. Promises:
 * the winner may lead (is before `promotable`) and is the most up-to-date
 * voter that may (newest last epoch, then longest log, then replica order);
 * with fencing it won only with a majority of votes; without, its epoch is one
 * no round on the other side of a partition can pick for another replica.
 */
export class PromotionRound {
  /** The round's number, which the winner leads with fencing. */
  epoch = 0;
  /** Decided: the replica to promote, the epoch it is to lead, the replicas the round heard from (itself included), and a voter ahead of the winner whose log it must take first (-1: none). */
  winner = -1;
  winnerEpoch = 0;
  reachable: readonly number[] = [];
  source = -1;
  private readonly n: number;
  private readonly majority: number;
  private replies = 0;
  /** The newest epoch any replica that answered has joined. */
  private maxEpoch = 0;
  /** The highest promise met, in this round or an earlier one: the next round starts above it. */
  private highestEpochSeen = 0;
  private readonly replied: Uint8Array;
  private readonly voted: Uint8Array;
  private readonly theirLastEpoch: Int32Array;
  private readonly theirLength: Int32Array;

  /** `ids`: the replicas' node ids by index, filled when the replica starts. */
  constructor(
    private readonly ctx: NodeContext,
    private readonly p: LeaderFollowerSettings,
    private readonly disk: ReplicaDisk,
    private readonly ids: readonly NodeId[],
  ) {
    this.n = p.replicas.length;
    this.majority = Math.floor(this.n / 2) + 1;
    this.replied = new Uint8Array(this.n);
    this.voted = new Uint8Array(this.n);
    this.theirLastEpoch = new Int32Array(this.n);
    this.theirLength = new Int32Array(this.n);
  }

  /** Opens a round above every epoch it knows of and polls the others. */
  start(): void {
    // It promises its own round only once the round has won: until then a live leader may still turn up.
    this.epoch = Math.max(this.disk.epoch, this.disk.promised, this.highestEpochSeen) + 1;
    this.replies = 0;
    this.maxEpoch = this.disk.epoch;
    this.replied.fill(0);
    this.voted.fill(0);
    const poll: Poll = {
      kind: 'lf-poll',
      epoch: this.epoch,
      lastEpoch: this.disk.log.lastEpoch(),
      length: this.disk.log.length,
    };
    for (let f = 0; f < this.n; f++) if (f !== this.p.index) this.ctx.send(this.ids[f], poll, MESSAGE_HEADER_BYTES);
  }

  hasReplied(f: number): boolean {
    return this.replied[f] === 1;
  }

  /** Notes replica `f`'s answer (one that sees no leader); true once every other replica has answered. */
  record(f: number, m: PollReply): boolean {
    this.replied[f] = 1;
    this.voted[f] = m.vote ? 1 : 0;
    this.theirLastEpoch[f] = m.lastEpoch;
    this.theirLength[f] = m.length;
    if (m.currentEpoch > this.maxEpoch) this.maxEpoch = m.currentEpoch;
    if (m.promised > this.highestEpochSeen) this.highestEpochSeen = m.promised;
    return ++this.replies === this.n - 1;
  }

  /** Picks the winner from the answers so far; false if the round failed (short of votes, or no replica that may lead answered). */
  decide(): boolean {
    const log = this.disk.log;
    let votes = 1;
    const promotable = this.p.promotable;
    let best = this.p.index < promotable ? this.p.index : -1;
    let bestLastEpoch = best === -1 ? -1 : log.lastEpoch();
    let bestLength = log.length;
    // The most up-to-date voter, whether or not it may lead: a write it acknowledged may be on no replica that may.
    let newest = this.p.index;
    let newestLastEpoch = log.lastEpoch();
    let newestLength = log.length;
    const reachable = [this.p.index];
    for (let f = 0; f < this.n; f++) {
      if (this.replied[f] === 0) continue;
      reachable.push(f);
      if (this.p.fencing && this.voted[f] === 0) continue;
      votes++;
      const lastEpoch = this.theirLastEpoch[f];
      const length = this.theirLength[f];
      if (f < promotable && (best === -1 || aheadOf(lastEpoch, length, f, bestLastEpoch, bestLength, best))) {
        best = f;
        bestLastEpoch = lastEpoch;
        bestLength = length;
      }
      if (aheadOf(lastEpoch, length, f, newestLastEpoch, newestLength, newest)) {
        newest = f;
        newestLastEpoch = lastEpoch;
        newestLength = length;
      }
    }
    if ((this.p.fencing && votes < this.majority) || best === -1) return false;
    this.winner = best;
    this.winnerEpoch = this.p.fencing ? this.epoch : this.unvotedEpoch(Math.max(this.disk.epoch, this.maxEpoch), best);
    this.reachable = reachable;
    this.source = newestLastEpoch === bestLastEpoch && newestLength === bestLength ? -1 : newest;
    return true;
  }

  /**
   * Without fencing no vote makes an epoch one leader's, so rounds on both
   * sides of a partition could pick the same number: the number itself names
   * the leader instead (epoch mod replicas), above every epoch seen.
   */
  private unvotedEpoch(above: number, leader: number): number {
    return (Math.floor(above / this.n) + 1) * this.n + leader;
  }
}

/** Most up-to-date first: newest last epoch, then longest log, then replica order. */
function aheadOf(
  lastEpoch: number,
  length: number,
  index: number,
  otherLastEpoch: number,
  otherLength: number,
  otherIndex: number,
): boolean {
  if (lastEpoch !== otherLastEpoch) return lastEpoch > otherLastEpoch;
  if (length !== otherLength) return length > otherLength;
  return index < otherIndex;
}
