import type { NodeContext, NodeId } from '../../engine/index.js';
import type { Ping } from '../kit/request-messages.js';

export interface FailoverPolicy {
  /** The floating address (virtual IP) clients send to. */
  address: string;
  heartbeatUs: number;
  /** Heartbeats in a row left unanswered before the holder is taken for dead. */
  failAfter: number;
}

/**
 * Active-passive failover on a floating address, as keepalived runs VRRP: the
 * node holding the address is active; every other node heartbeats the holder
 * each interval and claims the address once `failAfter` heartbeats in a row
 * went unanswered. A heartbeat counts as missed when the next one is due, so
 * detection takes failAfter to failAfter + 1 intervals after the holder dies.
 * A node that comes back finds the address held elsewhere and stays passive
 * (no preemption, so a flapping node does not move traffic twice).
 */
export class FailoverMonitor {
  private readonly address: NodeId;
  /** Id of the heartbeat awaiting its pong, 0 when none. Heartbeats count down from -1, apart from every other id. */
  private outstanding = 0;
  private nextId = -1;
  private misses = 0;
  private watched: NodeId = -1;

  constructor(
    private readonly ctx: NodeContext,
    private readonly policy: FailoverPolicy,
    /** The timer tag the owner routes back to `onTimer`. */
    private readonly tag: number,
  ) {
    this.address = ctx.lookup(policy.address);
  }

  start(): void {
    this.onTimer();
  }

  /** For inspection: whether this node holds the address, and heartbeats to the holder missed in a row. */
  inspect(): { holdsAddress: boolean; heartbeatsMissed: number } {
    return { holdsAddress: this.ctx.holderOf(this.address) === this.ctx.id, heartbeatsMissed: this.misses };
  }

  onTimer(): void {
    const ctx = this.ctx;
    const holder = ctx.holderOf(this.address);
    if (holder === ctx.id) {
      this.outstanding = 0;
      this.misses = 0;
    } else {
      if (holder !== this.watched) {
        this.watched = holder;
        this.outstanding = 0;
        this.misses = 0;
      }
      if (this.outstanding !== 0) this.misses++;
      if (this.misses >= this.policy.failAfter) {
        ctx.claimAddress(this.address);
        this.outstanding = 0;
        this.misses = 0;
      } else {
        this.outstanding = this.nextId--;
        ctx.send(holder, { kind: 'ping', id: this.outstanding } satisfies Ping, 0);
      }
    }
    ctx.setTimer(this.policy.heartbeatUs, this.tag);
  }

  /** True when the pong answers a heartbeat (current or late), which the owner then ignores. */
  onPong(id: number): boolean {
    if (id >= 0) return false;
    if (id === this.outstanding) {
      this.outstanding = 0;
      this.misses = 0;
    }
    return true;
  }
}
