import type { NodeContext, NodeId, TimerHandle } from '../../engine/index.js';
import type { LeaderFollowerSettings } from './leader-follower-settings.js';
import type { ReplicaDisk } from './leader-follower-disk.js';
import {
  ENTRY_BYTES,
  MAX_BATCH_ENTRIES,
  MESSAGE_HEADER_BYTES,
  type Fetch,
  type FetchReply,
} from './leader-follower-messages.js';
import { NO_ENTRIES } from './replication-log.js';

/**
 * Catch-up before leading: a replica promoted behind a voter that may not
 * lead fetches that voter's log, in batches, before it takes over, so no
 * write acknowledged with the voter's copy is lost. Owns the epoch it won,
 * whom the round heard from, the source voter and the one fetch in flight;
 * serves such fetches for other replicas too. Promises: a fetch unanswered
 * within the election wait fires the replica's timer (the promotion fails);
 * replies to anything but the fetch in flight are not `answers`.
 */
export class CatchUp {
  /** The epoch it is to lead once caught up. */
  epoch = 0;
  /** Replica indexes the promotion round heard from. */
  reachable: readonly number[] = [];
  private source = 0;
  private prevIndex = 0;
  private timer: TimerHandle | -1 = -1;

  /** `ids`: the replicas' node ids by index, filled when the replica starts; `timerTag`: the replica's timer tag for a fetch going unanswered. */
  constructor(
    private readonly ctx: NodeContext,
    private readonly p: LeaderFollowerSettings,
    private readonly disk: ReplicaDisk,
    private readonly ids: readonly NodeId[],
    private readonly timerTag: number,
  ) {}

  /** Starts taking the log of `source` (a replica index) after its own. */
  begin(epoch: number, reachable: readonly number[], source: number): void {
    this.epoch = epoch;
    this.reachable = reachable;
    this.source = source;
    this.fetch(this.disk.log.length);
  }

  /** Asks the source for its log after `prevIndex`. */
  fetch(prevIndex: number): void {
    this.prevIndex = prevIndex;
    const m: Fetch = { kind: 'lf-fetch', epoch: this.epoch, prevIndex, prevEpoch: this.disk.log.epochAt(prevIndex) };
    this.ctx.send(this.ids[this.source], m, MESSAGE_HEADER_BYTES);
    if (this.timer !== -1) this.ctx.cancelTimer(this.timer);
    this.timer = this.ctx.setTimer(this.p.electionWait, this.timerTag);
  }

  /** Whether `m` answers the fetch in flight. */
  answers(m: FetchReply): boolean {
    return m.epoch === this.epoch && m.prevIndex === this.prevIndex;
  }

  /** Caught up: the fetch deadline is no longer needed. */
  finish(): void {
    if (this.timer !== -1) this.ctx.cancelTimer(this.timer);
    this.timer = -1;
  }

  /** The replica's timer for this fetch fired. */
  timedOut(): void {
    this.timer = -1;
  }

  /** Serves a promoted replica this one's log, unless this one has joined or promised a newer epoch since: those entries are not the asker's to lead. */
  serve(from: NodeId, m: Fetch): void {
    if (this.disk.epoch > m.epoch || this.disk.promised > m.epoch) return;
    const log = this.disk.log;
    const agree = m.prevIndex <= log.length && log.epochAt(m.prevIndex) === m.prevEpoch;
    const last = agree ? Math.min(log.length, m.prevIndex + MAX_BATCH_ENTRIES) : m.prevIndex;
    const reply: FetchReply = {
      kind: 'lf-fetch-reply',
      epoch: m.epoch,
      prevIndex: m.prevIndex,
      agree,
      entries: agree ? log.slice(m.prevIndex + 1, last) : NO_ENTRIES,
      more: agree && last < log.length,
    };
    this.ctx.send(from, reply, MESSAGE_HEADER_BYTES + ENTRY_BYTES * (last - m.prevIndex));
  }
}
