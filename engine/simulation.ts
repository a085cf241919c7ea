import { Clocks } from './clocks.js';
import { EV_CALL, EV_DELIVER, EV_START, EV_TIMER } from './event-kinds.js';
import type { EventQueue } from './event-queue.js';
import { HeapEventQueue } from './heap-event-queue.js';
import {
  DROP_LOSS,
  DROP_PARTITION,
  NODE_LIMIT,
  Network,
  type Degradation,
  type LinkSpec,
  type NetworkConfig,
} from './network.js';
import { NameIndex } from './name-index.js';
import { NodeContext, type NodeId, type Process, type ProcessFactory, type TimerHandle } from './node-context.js';
import type { Cut } from './partition.js';
import { deriveStream, RandomStream } from './random-stream.js';
import { toTicks, type DurationUs, type TimeUs } from './time.js';
import { digestPayload } from './payload-digest.js';
import { TraceHash } from './trace-hash.js';
import { TypedEventQueue } from './typed-event-queue.js';

export interface SimulationOptions {
  /** Every random number in the run derives from this. */
  seed: number | string;
  network?: NetworkConfig;
  /** `typed` (default) is the fast queue; `heap` is the heap-js reference. */
  queue?: 'typed' | 'heap';
}

export interface NodeSpec<D extends object = Record<string, unknown>> {
  /** Unique; also the node's path for deriving its random streams. */
  name: string;
  region?: string;
  /** A label for selecting nodes together in faults (`server`, `replica`). */
  group?: string;
  process: ProcessFactory<D>;
  /** Initial durable state, kept across crashes. */
  durable?: () => D;
  clock?: { offsetUs?: number; driftPpm?: number };
  /**
   * A 32-bit digest of a message this node receives, folded into the trace
   * hash at delivery; by default `digestPayload`, which walks the message's
   * structure. A model with large or shared payloads can supply a cheaper one,
   * as long as different contents give different digests.
   */
  digestMessage?: (message: unknown) => number;
}

export interface RunOptions {
  /** Stop before the first event later than this; the clock then reads `untilUs`. */
  untilUs?: TimeUs;
  /** Stop after processing this many events in this call. */
  maxEvents?: number;
}

/**
 * Called for every processed event, before its handler runs (so the node's
 * state is still what the event finds); used by the determinism check, trace
 * recorders and samplers. `ref` is the message or the timer's data.
 */
export interface EventObserver {
  onEvent(
    index: number,
    timeUs: TimeUs,
    kind: number,
    target: number,
    a: number,
    b: number,
    hashLow: number,
    ref: unknown,
  ): void;
  /** Called for every entry of the fault log, as it is logged. */
  onFault?(record: FaultRecord): void;
}

/**
 * Told of every message a running node sends, when it is sent: `arrivalUs` is
 * when it will arrive, or DROP_PARTITION / DROP_LOSS when the network drops
 * it. For message diagrams; it sees the message but must not change it.
 */
export interface MessageObserver {
  onSend(sentUs: TimeUs, from: NodeId, to: NodeId, arrivalUs: number, message: unknown, sizeBytes: number): void;
}

/** An event waiting in the queue, as `Simulation.pendingEvents` lists it. */
export interface PendingEvent {
  timeUs: TimeUs;
  kind: number;
  /** The node it is for; -1 for engine-level calls. */
  target: number;
  a: number;
  b: number;
  ref: unknown;
  /** Held at a paused node until it resumes (its time is when it fell due). */
  held: boolean;
}

export interface FaultRecord {
  timeUs: TimeUs;
  kind: string;
  nodes: string[];
  detail?: string;
}

export interface MessageStats {
  sent: number;
  delivered: number;
  duplicated: number;
  droppedByPartition: number;
  droppedByLoss: number;
  /** Arrived at a crashed node, or sent by a node that was not running. */
  droppedAtDownNode: number;
}

export interface RunResult {
  seed: number | string;
  /** 16 hex digits over every processed event; equal seeds give equal hashes. */
  traceHash: string;
  events: number;
  simulatedUs: TimeUs;
  messages: MessageStats;
  faults: FaultRecord[];
}

/** Purposes starting with `@` belong to the engine, so no model can draw the network's numbers. */
export const NETWORK_PURPOSE = '@network';

/**
 * Floating addresses (virtual IPs) take ids from here up, above every node id,
 * so `send` tells them apart with the range check it makes anyway.
 */
export const FIRST_ADDRESS_ID = NODE_LIMIT;

const NODE_FIELDS = 8;
const ST = 0;
const INC = 1;
const SENT = 2;
const FLAGS = 3;
const NET = 4;
/** FLAGS: bit 0, the network stream is seeded; the bits above, the node's digester in `digesters` (0: the default). */
const SEEDED = 1;
const DIGESTER_SHIFT = 1;

const UP = 0;
const DOWN = 1;
const PAUSED = 2;

/**
 * The kernel: one event queue, one clock of true time, nodes, a network and
 * faults. It knows nothing of what models do; it only delivers their messages
 * and timers in a total order (time, then sequence).
 */
export class Simulation {
  readonly seed: number | string;
  readonly network: Network;
  readonly clocks = new Clocks();
  nowUs: TimeUs = 0;

  private readonly queue: EventQueue;
  private readonly hash = new TraceHash();
  private eventCount = 0;
  /** The observers as one (a fan-out when there are several), so the run loop tests a single field. */
  private observer: EventObserver | null = null;
  private readonly observerList: EventObserver[] = [];
  private messageObserver: MessageObserver | null = null;
  private readonly messageObserverList: MessageObserver[] = [];

  private readonly names: string[] = [];
  /** The distinct digesters nodes supply of their own (a model's, shared by its nodes); a node's record says which. */
  private readonly digesters: ((message: unknown) => number)[] = [digestPayload];
  /** Few nodes have a group: kept apart, not in an array a million long. */
  private readonly groups = new Map<NodeId, string>();
  private readonly ids = new NameIndex(this.names);
  private readonly groupMembers = new Map<string, NodeId[]>();
  /**
   * Per node, one record of NODE_FIELDS numbers (status, incarnation, messages
   * sent, flags, network stream): what an event and its handler's sends read,
   * in one or two cache lines rather than one line in each of five arrays.
   */
  private nodeState = new Float64Array(NODE_FIELDS * 16);
  private readonly processes: (Process | null)[] = [];
  private readonly factories: ProcessFactory<any>[] = [];
  /** Made when first asked for (usually at the node's start), so adding a million nodes stays quick. */
  private readonly contexts: (NodeContext<any> | undefined)[] = [];
  /**
   * Every node's network stream is four numbers of its record (RandomStream.writeTo),
   * seeded at its first send: with a million nodes, a stream object each was a
   * fifth of the memory. `netStream` is the object they take turns in.
   */
  private readonly netStream = new RandomStream(NETWORK_PURPOSE);
  /** Events that reached a paused node, flattened as (kind, a, b, ref, handle) tuples. */
  private readonly held = new Map<NodeId, unknown[]>();
  /** Handles of held timers not cancelled since, so a model can still cancel them. */
  private readonly heldTimers = new Set<TimerHandle>();
  private readonly crashListeners: ((id: NodeId) => void)[] = [];
  private readonly addressNames: string[] = [];
  /** The node each floating address delivers to: the last to claim it, up or down. */
  private readonly addressHolders: NodeId[] = [];
  private readonly addressIds = new Map<string, NodeId>();

  readonly messages: MessageStats = {
    sent: 0,
    delivered: 0,
    duplicated: 0,
    droppedByPartition: 0,
    droppedByLoss: 0,
    droppedAtDownNode: 0,
  };
  readonly faultLog: FaultRecord[] = [];

  constructor(options: SimulationOptions) {
    this.seed = options.seed;
    this.network = new Network(options.network);
    this.queue = options.queue === 'heap' ? new HeapEventQueue() : new TypedEventQueue();
  }

  // ---- building -----------------------------------------------------------

  addNode<D extends object = Record<string, unknown>>(spec: NodeSpec<D>): NodeId {
    if (this.ids.has(spec.name)) throw new RangeError(`node "${spec.name}" is already defined`);
    const id = this.names.length;
    const region = spec.region ?? 'default';
    this.network.addNode(id, this.network.region(region));
    this.clocks.add(id, spec.clock?.offsetUs ?? 0, spec.clock?.driftPpm ?? 0);
    this.names.push(spec.name);
    this.ids.add(id);
    if (spec.group !== undefined) {
      this.groups.set(id, spec.group);
      let members = this.groupMembers.get(spec.group);
      if (members === undefined) this.groupMembers.set(spec.group, (members = []));
      members.push(id);
    }
    if (NODE_FIELDS * id >= this.nodeState.length) this.growNodeArrays();
    this.nodeState[NODE_FIELDS * id + ST] = UP;
    this.processes.push(null);
    this.factories.push(spec.process);
    if (spec.digestMessage !== undefined && spec.digestMessage !== digestPayload) {
      let digester = this.digesters.indexOf(spec.digestMessage);
      if (digester < 0) digester = this.digesters.push(spec.digestMessage) - 1;
      this.nodeState[NODE_FIELDS * id + FLAGS] = digester << DIGESTER_SHIFT;
    }
    this.contexts.push(spec.durable === undefined ? undefined : new NodeContext<D>(this, id, spec.durable()));
    this.queue.push(this.nowUs, EV_START, id, 0, 0, null);
    return id;
  }

  /**
   * A floating address (a virtual IP) that `holder` answers first. Messages
   * sent to it go to whichever node holds it when they are sent; a node takes
   * it over with `claimAddress`, as VRRP does with a gratuitous ARP.
   */
  addAddress(name: string, holder: NodeId): NodeId {
    if (this.ids.has(name) || this.addressIds.has(name))
      throw new RangeError(`"${name}" already names a node or an address`);
    if (!(Number.isInteger(holder) && holder >= 0 && holder < this.names.length))
      throw new RangeError(`address "${name}": no node with id ${holder}`);
    const id = FIRST_ADDRESS_ID + this.addressNames.length;
    this.addressNames.push(name);
    this.addressHolders.push(holder);
    this.addressIds.set(name, id);
    return id;
  }

  /** Overrides one direction of the link between two nodes (both directions with `bothWays`). */
  setLink(from: string, to: string, spec: LinkSpec, bothWays = false): void {
    this.network.setLink(this.nodeId(from), this.nodeId(to), spec);
    if (bothWays) this.network.setLink(this.nodeId(to), this.nodeId(from), spec);
  }

  get nodeCount(): number {
    return this.names.length;
  }

  nodeId(name: string): NodeId {
    const id = this.ids.get(name);
    if (id === undefined) throw new RangeError(`no node named "${name}"`);
    return id;
  }

  nodeName(id: NodeId): string {
    return this.names[id];
  }

  /** The id of a node or of a floating address, by name. */
  lookup(name: string): NodeId {
    const id = this.ids.get(name) ?? this.addressIds.get(name);
    if (id === undefined) throw new RangeError(`no node or address named "${name}"`);
    return id;
  }

  /** The node a floating address delivers to now. */
  holderOf(address: NodeId): NodeId {
    const holder = this.addressHolders[address - FIRST_ADDRESS_ID];
    if (holder === undefined) throw new RangeError(`${address} is not a floating address`);
    return holder;
  }

  /** Moves a floating address to `node` from the next send on; a change of holder is logged. */
  claimAddress(node: NodeId, address: NodeId): void {
    const previous = this.holderOf(address);
    if (previous === node) return;
    this.addressHolders[address - FIRST_ADDRESS_ID] = node;
    this.log(
      'claim-address',
      [node],
      `${this.addressNames[address - FIRST_ADDRESS_ID]} (from ${this.names[previous]})`,
    );
  }

  /** Members of a group in insertion order (empty if none). */
  group(group: string): readonly NodeId[] {
    return this.groupMembers.get(group) ?? [];
  }

  /**
   * Resolves node selectors: `*` is every node, otherwise each entry is a node
   * name or a group name. Unknown names are an error, so a typo in a fault
   * schedule cannot silently hit nothing.
   */
  resolve(selector: string | readonly string[]): NodeId[] {
    const entries = typeof selector === 'string' ? [selector] : selector;
    const out: NodeId[] = [];
    const seen = new Set<NodeId>();
    const add = (id: NodeId) => {
      if (!seen.has(id)) {
        seen.add(id);
        out.push(id);
      }
    };
    for (const entry of entries) {
      if (entry === '*') {
        for (let id = 0; id < this.names.length; id++) add(id);
      } else if (this.ids.has(entry)) {
        add(this.ids.get(entry)!);
      } else if (this.groupMembers.has(entry)) {
        for (const id of this.groupMembers.get(entry)!) add(id);
      } else {
        throw new RangeError(`"${entry}" is neither a node nor a group`);
      }
    }
    return out;
  }

  context(id: NodeId): NodeContext<any> {
    if (!(id >= 0 && id < this.names.length)) throw new RangeError(`no node with id ${id}`);
    return (this.contexts[id] ??= new NodeContext(this, id, undefined));
  }

  regionOf(id: NodeId): string {
    return this.network.regionName(this.network.regionOf(id));
  }

  groupOf(id: NodeId): string | undefined {
    return this.groups.get(id);
  }

  /** The running process of a node (null while it is down): for inspecting model state. */
  process(id: NodeId): Process | null {
    return this.processes[id];
  }

  isUp(id: NodeId): boolean {
    return this.nodeState[NODE_FIELDS * id + ST] === UP;
  }

  isPaused(id: NodeId): boolean {
    return this.nodeState[NODE_FIELDS * id + ST] === PAUSED;
  }

  /** A stream for (component path, purpose), independent of all others in this run. */
  stream(componentPath: string, purpose: string): RandomStream {
    return deriveStream(this.seed, componentPath, purpose);
  }

  /** Observers are told of each event in the order they were added. */
  addObserver(observer: EventObserver): void {
    this.observerList.push(observer);
    this.observer = fanOut(this.observerList);
  }

  removeObserver(observer: EventObserver): void {
    const i = this.observerList.indexOf(observer);
    if (i >= 0) this.observerList.splice(i, 1);
    this.observer = fanOut(this.observerList);
  }

  addMessageObserver(observer: MessageObserver): void {
    this.messageObserverList.push(observer);
    this.messageObserver = fanOutMessages(this.messageObserverList);
  }

  removeMessageObserver(observer: MessageObserver): void {
    const i = this.messageObserverList.indexOf(observer);
    if (i >= 0) this.messageObserverList.splice(i, 1);
    this.messageObserver = fanOutMessages(this.messageObserverList);
  }

  // ---- what models call through their context ------------------------------

  localTimeUs(id: NodeId): TimeUs {
    return this.clocks.localTimeUs(id, this.nowUs);
  }

  /** `latencyUs`: a one-way delay chosen by the sender in place of the link's latency and jitter (-1: the link's). */
  send(from: NodeId, to: NodeId, message: unknown, sizeBytes: number, latencyUs = -1): void {
    // Resolved at send time: a message already in flight stays with the old holder (and is lost if it is down).
    if (!(to >= 0 && to < this.names.length)) to = this.resolveAddress(from, to);
    const m = this.messages;
    m.sent++;
    this.nodeState[NODE_FIELDS * from + SENT]++;
    if (this.nodeState[NODE_FIELDS * from + ST] !== UP) {
      m.droppedAtDownNode++;
      return;
    }
    const rng = this.netStream;
    if ((this.nodeState[NODE_FIELDS * from + FLAGS] & SEEDED) === 0) {
      deriveStream(this.seed, this.names[from], NETWORK_PURPOSE).writeTo(this.nodeState, NODE_FIELDS * from + NET);
      this.nodeState[NODE_FIELDS * from + FLAGS] |= SEEDED;
    }
    rng.readFrom(this.nodeState, NODE_FIELDS * from + NET);
    const net = this.network;
    const arrival = net.transmit(from, to, sizeBytes, this.nowUs, rng, latencyUs);
    rng.writeTo(this.nodeState, NODE_FIELDS * from + NET);
    if (this.messageObserver !== null) this.messageObserver.onSend(this.nowUs, from, to, arrival, message, sizeBytes);
    if (arrival < 0) {
      if (arrival === DROP_PARTITION) m.droppedByPartition++;
      else if (arrival === DROP_LOSS) m.droppedByLoss++;
      return;
    }
    this.queue.push(arrival, EV_DELIVER, to, from, sizeBytes, message);
    if (net.duplicateArrivalUs >= 0) {
      m.duplicated++;
      this.queue.push(net.duplicateArrivalUs, EV_DELIVER, to, from, sizeBytes, message);
    }
  }

  private resolveAddress(from: NodeId, to: NodeId): NodeId {
    const holder = this.addressHolders[to - FIRST_ADDRESS_ID];
    if (holder === undefined) throw new RangeError(`${this.names[from]} sent to unknown node id ${to}`);
    return holder;
  }

  setTimer(node: NodeId, delayUs: DurationUs, tag: number, data: unknown): TimerHandle {
    const trueDelay = toTicks(this.clocks.trueDelayUs(node, delayUs));
    return this.queue.push(this.nowUs + trueDelay, EV_TIMER, node, tag, this.nodeState[NODE_FIELDS * node + INC], data);
  }

  cancelTimer(handle: TimerHandle): boolean {
    return this.queue.cancel(handle) || (this.heldTimers.size > 0 && this.heldTimers.delete(handle));
  }

  /** Messages the node has sent, including those the network then dropped. */
  sentBy(id: NodeId): number {
    return this.nodeState[NODE_FIELDS * id + SENT];
  }

  /** Calls `listener` whenever a node crashes, after its process is gone (for metrics that must forget what it held). */
  onCrash(listener: (id: NodeId) => void): void {
    this.crashListeners.push(listener);
  }

  /** Runs `fn` at true time `atUs` (for harnesses, workloads and faults, not per-event work). */
  at(atUs: TimeUs, fn: () => void): TimerHandle {
    if (!(atUs >= this.nowUs))
      throw new RangeError(`cannot schedule at ${atUs}us: the clock already reads ${this.nowUs}us`);
    return this.queue.push(Math.ceil(atUs), EV_CALL, -1, 0, 0, fn);
  }

  // ---- faults ----------------------------------------------------------------

  /**
   * Volatile state and pending timers are lost; messages to the node are
   * dropped until restart. `reason` names it in the fault log (an autoscaler
   * stopping an instance logs `scale-in`, which is not a fault).
   */
  crash(id: NodeId, reason = 'crash'): void {
    if (this.nodeState[NODE_FIELDS * id + ST] === DOWN) return;
    this.nodeState[NODE_FIELDS * id + ST] = DOWN;
    this.nodeState[NODE_FIELDS * id + INC]++;
    this.processes[id] = null;
    this.dropHeld(id);
    this.log(reason, [id]);
    for (const listener of this.crashListeners) listener(id);
  }

  /** A crashed node comes back with its durable state and a fresh process. */
  restart(id: NodeId, reason = 'restart'): void {
    if (this.nodeState[NODE_FIELDS * id + ST] !== DOWN) return;
    this.nodeState[NODE_FIELDS * id + ST] = UP;
    this.log(reason, [id]);
    this.startProcess(id);
  }

  /**
   * A stop-the-world pause: messages and timers wait, and are handled at
   * resume in the order they fell due, before anything else at that instant.
   */
  pause(id: NodeId): void {
    if (this.nodeState[NODE_FIELDS * id + ST] !== UP) return;
    this.nodeState[NODE_FIELDS * id + ST] = PAUSED;
    this.log('pause', [id]);
  }

  resume(id: NodeId): void {
    if (this.nodeState[NODE_FIELDS * id + ST] !== PAUSED) return;
    this.nodeState[NODE_FIELDS * id + ST] = UP;
    this.log('resume', [id]);
    const waiting = this.held.get(id);
    this.held.delete(id);
    if (waiting === undefined) return;
    let i = 0;
    for (; i < waiting.length && this.nodeState[NODE_FIELDS * id + ST] === UP; i += 5) {
      const kind = waiting[i] as number;
      const a = waiting[i + 1] as number;
      const ref = waiting[i + 3];
      if (kind === EV_DELIVER) {
        this.messages.delivered++;
        this.processes[id]!.onMessage(a, ref, waiting[i + 2] as number);
      } else if (kind === EV_TIMER) {
        if (this.heldTimers.delete(waiting[i + 4] as TimerHandle)) this.processes[id]!.onTimer?.(a, ref);
      } else if (this.processes[id] === null) {
        this.startProcess(id);
      }
    }
    if (i < waiting.length) {
      // A handler took the node down again: what is left waits, or is lost with a crash.
      this.held.set(id, waiting.slice(i).concat(this.held.get(id) ?? []));
      if (this.nodeState[NODE_FIELDS * id + ST] === DOWN) this.dropHeld(id);
    }
  }

  /** Replaces any partition in force. */
  partition(cut: Cut, detail: string): void {
    this.network.cut = cut;
    this.log('partition', cut.groups.flat(), detail);
  }

  heal(): void {
    if (this.network.cut === null) return;
    this.network.cut = null;
    this.log('heal', []);
  }

  jumpClock(id: NodeId, deltaUs: DurationUs): void {
    this.clocks.jump(id, this.nowUs, deltaUs);
    this.log('clock-jump', [id], `${deltaUs}us`);
  }

  setClockDrift(id: NodeId, driftPpm: number): void {
    this.clocks.setDrift(id, this.nowUs, driftPpm);
    this.log('clock-drift', [id], `${driftPpm}ppm`);
  }

  degradeLinks(d: Degradation, nodes: NodeId[]): void {
    this.network.degrade(d);
    const parts = [`x${d.latencyFactor}`];
    if (d.extraLatencyUs > 0) parts.push(`+${d.extraLatencyUs}us`);
    if (d.lossProbability > 0) parts.push(`loss ${d.lossProbability}`);
    this.log('degrade', nodes, `${d.id}: ${parts.join(', ')}`);
  }

  restoreLinks(id?: string): void {
    this.network.restore(id);
    this.log('restore-links', [], id);
  }

  private log(kind: string, nodes: NodeId[], detail?: string): void {
    const record: FaultRecord = { timeUs: this.nowUs, kind, nodes: nodes.map((id) => this.names[id]) };
    if (detail !== undefined) record.detail = detail;
    this.faultLog.push(record);
    this.observer?.onFault?.(record);
  }

  // ---- running -------------------------------------------------------------

  run(options: RunOptions = {}): RunResult {
    this.advance(options);
    return this.result();
  }

  /** `run` without building its result: for callers that stop often (checkpoints, stepping through a window). */
  advance(options: RunOptions = {}): void {
    const until = options.untilUs ?? Infinity;
    const maxEvents = options.maxEvents ?? Infinity;
    const q = this.queue;
    const hash = this.hash;
    const processes = this.processes;
    let processed = 0;
    // The node records are read through `this`, not kept in a local: a call (`at`) may add nodes, which replaces them.

    while (processed < maxEvents && q.pop(until)) {
      processed++;
      const t = q.currentTimeUs;
      const kind = q.currentKind;
      const target = q.currentTarget;
      const a = q.currentA;
      const b = q.currentB;
      this.nowUs = t;
      hash.mixEvent(t, kind, target, a, b);
      if (kind === EV_DELIVER) {
        // The default digester is called directly, so the call can be inlined.
        const digester = this.nodeState[NODE_FIELDS * target + FLAGS] >>> DIGESTER_SHIFT;
        hash.mix(digester === 0 ? digestPayload(q.currentRef) : this.digesters[digester](q.currentRef));
      }
      const index = this.eventCount++;
      if (this.observer !== null) this.observer.onEvent(index, t, kind, target, a, b, hash.low, q.currentRef);

      if (kind === EV_DELIVER) {
        const s = this.nodeState[NODE_FIELDS * target + ST];
        if (s === UP) {
          this.messages.delivered++;
          processes[target]!.onMessage(a, q.currentRef, b);
        } else if (s === PAUSED) {
          this.hold(target, kind, a, b, q.currentRef, q.currentHandle);
        } else {
          this.messages.droppedAtDownNode++;
        }
      } else if (kind === EV_TIMER) {
        if (b !== this.nodeState[NODE_FIELDS * target + INC]) continue;
        const s = this.nodeState[NODE_FIELDS * target + ST];
        if (s === UP) processes[target]!.onTimer?.(a, q.currentRef);
        else if (s === PAUSED) this.hold(target, kind, a, b, q.currentRef, q.currentHandle);
      } else if (kind === EV_CALL) {
        (q.currentRef as () => void)();
      } else if (kind === EV_START) {
        const s = this.nodeState[NODE_FIELDS * target + ST];
        if (s === UP && processes[target] === null) this.startProcess(target);
        else if (s === PAUSED) this.hold(target, kind, a, b, null, -1);
      }
    }
    if (until !== Infinity && until > this.nowUs && processed < maxEvents) this.nowUs = until;
  }

  /** The trace hash so far (16 hex digits): what `result().traceHash` would say if the run ended now. */
  traceHashNow(): string {
    return this.hash.digest();
  }

  /** How many times the node has crashed: a timer set before the last crash carries an older number and is ignored. */
  incarnationOf(id: NodeId): number {
    return this.nodeState[NODE_FIELDS * id + INC];
  }

  /** Every event still to come, in the order they will be handled, then those held at paused nodes: for inspecting a stopped run. */
  pendingEvents(): PendingEvent[] {
    const waiting: PendingEvent[] = this.queue
      .pending()
      .map((e) => ({ timeUs: e.timeUs, kind: e.kind, target: e.target, a: e.a, b: e.b, ref: e.ref, held: false }));
    for (const [id, list] of this.held) {
      for (let i = 0; i < list.length; i += 5) {
        const kind = list[i] as number;
        if (kind === EV_TIMER && !this.heldTimers.has(list[i + 4] as TimerHandle)) continue;
        waiting.push({
          timeUs: this.nowUs,
          kind,
          target: id,
          a: list[i + 1] as number,
          b: list[i + 2] as number,
          ref: list[i + 3],
          held: true,
        });
      }
    }
    return waiting;
  }

  /** Folds a digest of `value` into the trace hash: for a harness to make the hash cover what a run reported, once it is over. */
  foldIntoTraceHash(value: unknown): void {
    this.hash.mix(digestPayload(value));
  }

  result(): RunResult {
    return {
      seed: this.seed,
      traceHash: this.hash.digest(),
      events: this.eventCount,
      simulatedUs: this.nowUs,
      messages: { ...this.messages },
      faults: this.faultLog.map((f) => ({ ...f, nodes: [...f.nodes] })),
    };
  }

  get events(): number {
    return this.eventCount;
  }

  /** Events waiting in the queue. */
  get pending(): number {
    return this.queue.size;
  }

  private growNodeArrays(): void {
    this.nodeState = grown(this.nodeState, new Float64Array(2 * this.nodeState.length));
  }

  private startProcess(id: NodeId): void {
    const process = this.factories[id](this.context(id));
    this.processes[id] = process;
    process.onStart?.();
  }

  private hold(id: NodeId, kind: number, a: number, b: number, ref: unknown, handle: TimerHandle): void {
    let list = this.held.get(id);
    if (list === undefined) this.held.set(id, (list = []));
    list.push(kind, a, b, ref, handle);
    if (kind === EV_TIMER) this.heldTimers.add(handle);
  }

  /** A crash loses what a paused node was holding; held messages count as dropped. */
  private dropHeld(id: NodeId): void {
    const list = this.held.get(id);
    if (list === undefined) return;
    this.held.delete(id);
    for (let i = 0; i < list.length; i += 5) {
      if (list[i] === EV_DELIVER) this.messages.droppedAtDownNode++;
      else if (list[i] === EV_TIMER) this.heldTimers.delete(list[i + 4] as TimerHandle);
    }
  }
}

function grown<T extends Uint8Array | Int32Array | Float64Array>(old: T, to: T): T {
  to.set(old);
  return to;
}

function fanOut(list: readonly EventObserver[]): EventObserver | null {
  if (list.length === 0) return null;
  if (list.length === 1) return list[0];
  const all = [...list];
  return {
    onEvent(index, timeUs, kind, target, a, b, hashLow, ref) {
      for (const o of all) o.onEvent(index, timeUs, kind, target, a, b, hashLow, ref);
    },
    onFault(record) {
      for (const o of all) o.onFault?.(record);
    },
  };
}

function fanOutMessages(list: readonly MessageObserver[]): MessageObserver | null {
  if (list.length === 0) return null;
  if (list.length === 1) return list[0];
  const all = [...list];
  return {
    onSend(sentUs, from, to, arrivalUs, message, sizeBytes) {
      for (const o of all) o.onSend(sentUs, from, to, arrivalUs, message, sizeBytes);
    },
  };
}
