import type { NodeContext, NodeId } from '../../engine/index.js';
import type { LeaderFollowerSettings } from './leader-follower-settings.js';
import type { ReplicaDisk } from './leader-follower-disk.js';
import type { AppliedRegisters } from './leader-follower-registers.js';
import { MESSAGE_HEADER_BYTES } from './leader-follower-messages.js';
import type { StoreRequest, StoreResponse } from './store-messages.js';

/**
 * Where reads are served (the `reads` setting) and what they see. Promises: a
 * follower serves a read only as `reads` allows, from its own copy; the
 * leader's reads skip writes not yet replicated as the mode requires, so they
 * never show a write that may still be lost.
 */
export class ReadRouting {
  constructor(
    private readonly ctx: NodeContext,
    private readonly p: LeaderFollowerSettings,
    private readonly disk: ReplicaDisk,
    private readonly registers: AppliedRegisters,
  ) {}

  /** Whether a follower may serve `request` itself rather than leave it to the leader. */
  servesLocally(request: StoreRequest): boolean {
    if (this.p.reads === 'any') return true;
    // A longer log is not enough: one on another epoch's branch may lack the session's entry however long it is.
    return this.p.reads === 'read-your-writes' && this.disk.log.holds(request.sessionVersion ?? 0);
  }

  /** Whether a follower passes a request it does not serve on to the leader: every one with forwarding, reads under read-your-writes. */
  passesOn(request: StoreRequest): boolean {
    return this.p.forwarding || (request.op === 'read' && this.p.reads === 'read-your-writes');
  }

  /** Answers a read with the newest value written at or before log index `visibleUpTo`. */
  serve(client: NodeId, request: StoreRequest, visibleUpTo: number): void {
    const now = this.ctx.nowUs;
    const log = this.disk.log;
    this.p.metrics.recordArrival(false, now);
    let version = this.registers.indexOf(request.key);
    while (version > visibleUpTo) version = log.previousOfKeyAt(version);
    const response: StoreResponse = {
      kind: 'store-response',
      id: request.id,
      status: 'ok',
      value: version === 0 ? null : log.valueAt(version),
      version: log.versionOf(version),
    };
    this.ctx.send(client, response, MESSAGE_HEADER_BYTES);
    this.p.metrics.recordServed(now, now);
  }
}
