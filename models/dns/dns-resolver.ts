import type { NodeContext, NodeId, RandomStream, TimerHandle } from '../../engine/index.js';
import type { DnsAnswer, DnsLookup } from './dns-messages.js';

export interface DnsResolution {
  /** Node names of the DNS servers, asked in turn. */
  servers: readonly string[];
  /** The name looked up. */
  name: string;
  /** Ask again (the next server) when a lookup has no answer after this long. */
  lookupTimeoutUs: number;
}

/**
 * A client's stub resolver with its cache: one lookup at a time, the answer
 * kept for its TTL, a new lookup only when a request finds the cache expired
 * (as an OS or language runtime cache does, with no prefetch). The first
 * answer is kept for a random share of its TTL, as if the client had
 * resolved at a random time before the run: clients started at different
 * times do not re-resolve in lockstep, and that spread is what makes a
 * failover reach clients gradually over one TTL.
 */
export class DnsResolver {
  /** The addresses of the latest answer; empty before the first and for an unknown name. */
  addresses: readonly NodeId[] = [];
  private readonly servers: NodeId[];
  private server: number;
  private expiresUs = -1;
  private answered = false;
  private lookupId = 0;
  private outstanding = false;
  private timer: TimerHandle | -1 = -1;

  constructor(
    private readonly ctx: NodeContext,
    private readonly resolution: DnsResolution,
    private readonly rng: RandomStream,
    /** The timer tag the owner routes back to `lookupTimedOut`. */
    private readonly timeoutTag: number,
  ) {
    if (resolution.servers.length === 0) throw new RangeError('a DNS resolver needs at least one server');
    this.servers = resolution.servers.map((name) => ctx.lookup(name));
    this.server = this.servers.length === 1 ? 0 : rng.int(this.servers.length);
  }

  /** Whether the cached answer may be used now; when not, a lookup is on its way and the caller waits for the answer. */
  fresh(): boolean {
    if (this.ctx.nowUs < this.expiresUs) return true;
    if (!this.outstanding) this.lookup();
    return false;
  }

  /** Takes an answer; true when it is the one awaited, and the cache is fresh again. */
  onAnswer(answer: DnsAnswer): boolean {
    if (!this.outstanding || answer.id !== this.lookupId) return false;
    this.outstanding = false;
    if (this.timer !== -1) this.ctx.cancelTimer(this.timer);
    this.timer = -1;
    this.addresses = answer.addresses;
    const ttl = this.answered ? answer.ttlUs : Math.ceil((1 - this.rng.nextDouble()) * answer.ttlUs);
    this.answered = true;
    this.expiresUs = this.ctx.nowUs + ttl;
    return true;
  }

  /** The lookup timer fired; true when that lookup is still unanswered (it is abandoned, and the next goes to another server). */
  lookupTimedOut(id: number): boolean {
    if (!this.outstanding || id !== this.lookupId) return false;
    this.outstanding = false;
    this.timer = -1;
    this.server = (this.server + 1) % this.servers.length;
    return true;
  }

  private lookup(): void {
    const id = ++this.lookupId;
    this.outstanding = true;
    this.ctx.send(
      this.servers[this.server],
      { kind: 'dns-lookup', id, name: this.resolution.name } satisfies DnsLookup,
      0,
    );
    this.timer = this.ctx.setTimer(this.resolution.lookupTimeoutUs, this.timeoutTag, id);
  }
}
