import type { NodeId, TimerHandle } from './ids.js';
import type { RandomStream } from './random-stream.js';
import type { DurationUs, TimeUs } from './time.js';

export type { NodeId, TimerHandle } from './ids.js';

/**
 * One incarnation of a node's behaviour: a plain state machine. Its fields are
 * the node's volatile state: a crash discards the instance, and a restart asks
 * the factory for a new one. Whatever must survive a crash lives in
 * `ctx.durable`.
 */
export interface Process<M = unknown> {
  /** Runs when the node first starts and after every restart. */
  onStart?(): void;
  onMessage(from: NodeId, message: M, sizeBytes: number): void;
  onTimer?(tag: number, data: unknown): void;
}

export type ProcessFactory<D extends object = Record<string, unknown>> = (ctx: NodeContext<D>) => Process<any>;

/** What a node's context asks of the simulation that hosts it (the `Simulation` implements it). */
export interface NodeHost {
  readonly nowUs: TimeUs;
  localTimeUs(id: NodeId): TimeUs;
  send(from: NodeId, to: NodeId, message: unknown, sizeBytes: number, latencyUs?: DurationUs): void;
  setTimer(node: NodeId, delayUs: DurationUs, tag: number, data: unknown): TimerHandle;
  cancelTimer(handle: TimerHandle): boolean;
  stream(componentPath: string, purpose: string): RandomStream;
  lookup(name: string): NodeId;
  holderOf(address: NodeId): NodeId;
  claimAddress(node: NodeId, address: NodeId): void;
  group(group: string): readonly NodeId[];
  nodeName(id: NodeId): string;
  regionOf(id: NodeId): string;
  groupOf(id: NodeId): string | undefined;
}

/**
 * What a model sees of the engine: its own identity, the clocks, the network
 * and timers. One context per node, kept across crashes.
 */
export class NodeContext<D extends object = Record<string, unknown>> {
  // Few fields, as a million nodes have a million contexts: the name, region and group are the
  // host's, and the first stream sits in fields, others in a Map (a Map each was a third of the memory).
  private firstPurpose: string | undefined;
  private firstStream: RandomStream | undefined;
  private moreStreams: Map<string, RandomStream> | undefined;

  constructor(
    private readonly sim: NodeHost,
    readonly id: NodeId,
    /** The initial durable state; an empty object is made on first use when there is none. */
    private disk: D | undefined,
  ) {}

  get name(): string {
    return this.sim.nodeName(this.id);
  }

  get region(): string {
    return this.sim.regionOf(this.id);
  }

  /** A label for selecting nodes together in faults (`server`, `replica`), if the node has one. */
  get group(): string | undefined {
    return this.sim.groupOf(this.id);
  }

  /** State that survives crashes (a disk). Everything else is lost at a crash. */
  get durable(): D {
    return (this.disk ??= {} as D);
  }

  /** True simulated time: for measuring, not for protocol logic (use `localTimeUs`). */
  get nowUs(): TimeUs {
    return this.sim.nowUs;
  }

  /** This node's clock, with its offset, drift and jumps. */
  localTimeUs(): TimeUs {
    return this.sim.localTimeUs(this.id);
  }

  send(to: NodeId, message: unknown, sizeBytes = 0): void {
    this.sim.send(this.id, to, message, sizeBytes);
  }

  /**
   * Sends with a one-way delay the model drew itself (a model of its own
   * messages' latency) instead of the link's latency and jitter. The network
   * still decides everything else as for `send`: a partition in force now
   * drops it, loss, duplication, degradations (their factor and extra delay
   * apply to `latencyUs`), bandwidth and FIFO order apply, and a node down when
   * it arrives loses it.
   */
  sendWithLatency(to: NodeId, message: unknown, sizeBytes: number, latencyUs: DurationUs): void {
    if (!(latencyUs >= 0)) throw new RangeError(`sendWithLatency: latencyUs must be >= 0, got ${latencyUs}`);
    this.sim.send(this.id, to, message, sizeBytes, latencyUs);
  }

  /**
   * Fires `onTimer(tag, data)` after `delayUs` measured on this node's clock
   * (drift stretches it; jumps do not). Lost if the node crashes first.
   */
  setTimer(delayUs: DurationUs, tag = 0, data?: unknown): TimerHandle {
    return this.sim.setTimer(this.id, delayUs, tag, data);
  }

  cancelTimer(handle: TimerHandle): boolean {
    return this.sim.cancelTimer(handle);
  }

  /**
   * This node's stream for one purpose, independent of every other node and
   * purpose. Purposes starting with `@` are reserved for the engine.
   */
  random(purpose: string): RandomStream {
    if (purpose.startsWith('@'))
      throw new RangeError(`random purpose "${purpose}": names starting with @ are reserved for the engine`);
    if (purpose === this.firstPurpose) return this.firstStream!;
    let stream = this.moreStreams?.get(purpose);
    if (stream !== undefined) return stream;
    stream = this.sim.stream(this.name, purpose);
    if (this.firstPurpose === undefined) {
      this.firstPurpose = purpose;
      this.firstStream = stream;
    } else {
      (this.moreStreams ??= new Map()).set(purpose, stream);
    }
    return stream;
  }

  /** The id of the node or floating address (virtual IP) with this name. */
  lookup(name: string): NodeId {
    return this.sim.lookup(name);
  }

  /** The node a floating address delivers to now (what VRRP adverts tell the other routers). */
  holderOf(address: NodeId): NodeId {
    return this.sim.holderOf(address);
  }

  /** Takes a floating address over (VRRP, a gratuitous ARP): messages sent to it from now on reach this node. */
  claimAddress(address: NodeId): void {
    this.sim.claimAddress(this.id, address);
  }

  /** Every node in a group, in the order they were added. */
  members(group: string): readonly NodeId[] {
    return this.sim.group(group);
  }
}
