import { EVENT_KIND_NAMES, EV_DELIVER, EV_START, EV_TIMER, type EventKindName } from './event-kinds.js';
import { DROP_LOSS, DROP_PARTITION } from './network.js';
import type { NodeId } from './node-context.js';
import type { EventObserver, FaultRecord, MessageObserver, Simulation } from './simulation.js';
import type { TimeUs } from './time.js';

/** One processed event, as recorders and the determinism check describe it. */
export interface TraceEntry {
  index: number;
  timeUs: TimeUs;
  kind: EventKindName;
  /** The node the event is for; absent for engine-level calls (faults, harness callbacks). */
  node?: string;
  /** Sender of a delivered message. */
  from?: string;
  /** The message's (or the timer data's) `kind` field, when it has a string one. */
  type?: string;
  sizeBytes?: number;
  /** Tag of a timer. */
  tag?: number;
}

/** What a message is, for people reading a trace: by convention the string `kind` field models give every message. */
export function messageType(message: unknown): string | undefined {
  const kind = (message as { kind?: unknown } | null | undefined)?.kind;
  return typeof kind === 'string' ? kind : undefined;
}

export function describeEvent(
  sim: Simulation,
  index: number,
  timeUs: TimeUs,
  kind: number,
  target: number,
  a: number,
  b: number,
  ref?: unknown,
): TraceEntry {
  const entry: TraceEntry = { index, timeUs, kind: EVENT_KIND_NAMES[kind] };
  if (target >= 0) entry.node = sim.nodeName(target);
  if (kind === EV_DELIVER) {
    entry.from = sim.nodeName(a);
    const type = messageType(ref);
    if (type !== undefined) entry.type = type;
    entry.sizeBytes = b;
  } else if (kind === EV_TIMER) {
    const type = messageType(ref);
    if (type !== undefined) entry.type = type;
    entry.tag = a;
  }
  return entry;
}

/** Keeps the last `capacity` events in typed arrays: bounded memory however long the run. */
export class RingTrace implements EventObserver {
  private readonly index: Float64Array;
  private readonly time: Float64Array;
  private readonly kind: Uint8Array;
  private readonly target: Int32Array;
  private readonly a: Float64Array;
  private readonly b: Float64Array;
  private count = 0;

  constructor(
    private readonly sim: Simulation,
    readonly capacity: number,
  ) {
    if (!(capacity >= 1)) throw new RangeError(`trace capacity must be >= 1, got ${capacity}`);
    this.index = new Float64Array(capacity);
    this.time = new Float64Array(capacity);
    this.kind = new Uint8Array(capacity);
    this.target = new Int32Array(capacity);
    this.a = new Float64Array(capacity);
    this.b = new Float64Array(capacity);
  }

  onEvent(index: number, timeUs: TimeUs, kind: number, target: number, a: number, b: number): void {
    const i = this.count % this.capacity;
    this.index[i] = index;
    this.time[i] = timeUs;
    this.kind[i] = kind;
    this.target[i] = target;
    this.a[i] = a;
    this.b[i] = b;
    this.count++;
  }

  /** The recorded events, oldest first. */
  entries(): TraceEntry[] {
    const n = Math.min(this.count, this.capacity);
    const first = this.count - n;
    const out: TraceEntry[] = [];
    for (let k = first; k < this.count; k++) {
      const i = k % this.capacity;
      out.push(
        describeEvent(this.sim, this.index[i], this.time[i], this.kind[i], this.target[i], this.a[i], this.b[i]),
      );
    }
    return out;
  }
}

/** Kinds of trace line: the four kinds of event, then what happens while one is handled. */
export const TRACE_LINE_KINDS = [...EVENT_KIND_NAMES, 'send', 'fault'] as const;
export type TraceLineKind = (typeof TRACE_LINE_KINDS)[number];

/**
 * One line of a JSONL trace (the README's "Event traces" documents it).
 * Event lines (`start`, `deliver`, `timer`, `call`) carry the event's
 * `index` and the trace hash after it; `send` and `fault` lines follow the
 * event they happened in and carry its index (-1 before the first event).
 */
export interface TraceLine {
  index: number;
  timeUs: TimeUs;
  kind: TraceLineKind | 'truncated';
  /** The node the event is for; the sender of a `send`. */
  node?: string;
  /** The sender of a delivered message. */
  from?: string;
  /** The receiver of a sent message. */
  to?: string;
  type?: string;
  sizeBytes?: number;
  /** When a sent message will arrive. */
  arrivalUs?: number;
  /** Why the message never reached its handler: cut by a partition, lost on the link, or arrived at a node that was down. */
  dropped?: 'partition' | 'loss' | 'node-down';
  /** The node was paused: the event waits and is handled when it resumes. */
  held?: true;
  /** A timer set before the node last crashed, or a start of a node that is down: nothing runs. */
  ignored?: true;
  tag?: number;
  /** A `fault` line's kind (crash, partition, heal, clock-jump, …), the nodes it names and its detail. */
  fault?: string;
  nodes?: string[];
  detail?: string;
  /** Low 32 bits of the trace hash after this event, as 8 hex digits. */
  hash?: string;
  /** A `truncated` line, the last of a trace that reached its limit: what to do. */
  note?: string;
}

/** Which lines a trace keeps; an absent field keeps every value, several values of one field are alternatives. */
export interface TraceFilter {
  /** Lines naming one of these nodes (as the event's node, sender or receiver, or among a fault's nodes). */
  nodes?: readonly string[];
  /** `message` stands for `send` and `deliver`. */
  kinds?: readonly (TraceLineKind | 'message')[];
  /** Message types (their `kind` field). */
  types?: readonly string[];
  /** Lines at `fromUs` or later and before `toUs`. */
  fromUs?: TimeUs;
  toUs?: TimeUs;
}

export interface TraceOptions {
  filter?: TraceFilter;
  /** Lines kept at most; past it one `truncated` line says so and the trace stops (default: no limit). */
  maxLines?: number;
}

/**
 * Observes events, sends and faults (attach it with `attach`) and hands every
 * line its filter keeps to `take`, as an object: for tools that look at the
 * lines themselves (a replay comparing them, a window being recorded).
 * `JsonlTrace` writes them out.
 */
export class LineTrace implements EventObserver, MessageObserver {
  /** Lines kept, the `truncated` line apart. */
  lines = 0;
  /** Set when the limit was reached: the event index and time of the first line left out. */
  truncatedAt: { index: number; timeUs: TimeUs } | null = null;
  private readonly nodes: ReadonlySet<string> | null;
  private readonly kinds: ReadonlySet<string> | null;
  private readonly types: ReadonlySet<string> | null;
  private readonly fromUs: number;
  private readonly toUs: number;
  private readonly maxLines: number;

  constructor(
    private readonly sim: Simulation,
    private readonly take: (line: TraceLine) => void,
    options: TraceOptions = {},
  ) {
    const f = options.filter ?? {};
    this.nodes = f.nodes === undefined ? null : new Set(f.nodes);
    const kinds = f.kinds?.flatMap((k) => (k === 'message' ? ['send', 'deliver'] : [k]));
    this.kinds = kinds === undefined ? null : new Set(kinds);
    this.types = f.types === undefined ? null : new Set(f.types);
    this.fromUs = f.fromUs ?? -Infinity;
    this.toUs = f.toUs ?? Infinity;
    this.maxLines = options.maxLines ?? Infinity;
    if (!(this.maxLines >= 1)) throw new RangeError(`a trace's line limit must be >= 1, got ${options.maxLines}`);
  }

  /** Starts observing `sim` (the one given to the constructor). */
  attach(): this {
    this.sim.addObserver(this);
    this.sim.addMessageObserver(this);
    return this;
  }

  detach(): void {
    this.sim.removeObserver(this);
    this.sim.removeMessageObserver(this);
  }

  // Time, kind and nodes are tested before a line is made: a narrow filter then costs little.

  onEvent(
    index: number,
    timeUs: TimeUs,
    kind: number,
    target: number,
    a: number,
    b: number,
    hashLow: number,
    ref: unknown,
  ): void {
    if (!this.open(timeUs, EVENT_KIND_NAMES[kind])) return;
    if (this.nodes !== null && !this.namesNode(target, kind === EV_DELIVER ? a : -1)) return;
    const sim = this.sim;
    const line: TraceLine = describeEvent(sim, index, timeUs, kind, target, a, b, ref);
    if (kind === EV_DELIVER) {
      if (sim.isPaused(target)) line.held = true;
      else if (!sim.isUp(target)) line.dropped = 'node-down';
    } else if (kind === EV_TIMER) {
      if (b !== sim.incarnationOf(target)) line.ignored = true;
      else if (sim.isPaused(target)) line.held = true;
    } else if (kind === EV_START) {
      if (sim.isPaused(target)) line.held = true;
      else if (!sim.isUp(target)) line.ignored = true;
    }
    line.hash = (hashLow >>> 0).toString(16).padStart(8, '0');
    this.emit(line);
  }

  onSend(sentUs: TimeUs, from: NodeId, to: NodeId, arrivalUs: number, message: unknown, sizeBytes: number): void {
    if (!this.open(sentUs, 'send') || (this.nodes !== null && !this.namesNode(from, to))) return;
    const sim = this.sim;
    const line: TraceLine = {
      index: sim.events - 1,
      timeUs: sentUs,
      kind: 'send',
      node: sim.nodeName(from),
      to: sim.nodeName(to),
    };
    const type = messageType(message);
    if (type !== undefined) line.type = type;
    line.sizeBytes = sizeBytes;
    if (arrivalUs >= 0) line.arrivalUs = arrivalUs;
    else if (arrivalUs === DROP_PARTITION) line.dropped = 'partition';
    else if (arrivalUs === DROP_LOSS) line.dropped = 'loss';
    this.emit(line);
  }

  onFault(record: FaultRecord): void {
    if (!this.open(record.timeUs, 'fault')) return;
    const nodes = this.nodes;
    if (nodes !== null && !record.nodes.some((n) => nodes.has(n))) return;
    const line: TraceLine = {
      index: this.sim.events - 1,
      timeUs: record.timeUs,
      kind: 'fault',
      fault: record.kind,
      nodes: [...record.nodes],
    };
    if (record.detail !== undefined) line.detail = record.detail;
    this.emit(line);
  }

  /** Whether a line of this time and kind may be kept: inside the window, of a kind asked for, before the limit. */
  private open(timeUs: TimeUs, kind: string): boolean {
    return (
      timeUs >= this.fromUs &&
      timeUs < this.toUs &&
      this.truncatedAt === null &&
      (this.kinds === null || this.kinds.has(kind))
    );
  }

  /** Whether either node (-1: none) is one the filter names. */
  private namesNode(first: number, second: number): boolean {
    const nodes = this.nodes!;
    return (first >= 0 && nodes.has(this.sim.nodeName(first))) || (second >= 0 && nodes.has(this.sim.nodeName(second)));
  }

  private emit(line: TraceLine): void {
    if (this.types !== null && (line.type === undefined || !this.types.has(line.type))) return;
    if (this.lines >= this.maxLines) {
      this.truncatedAt = { index: line.index, timeUs: line.timeUs };
      const note = `the trace reached its limit of ${this.maxLines} lines here; later lines are left out (raise the limit, or filter by node, kind or time)`;
      this.take({ index: line.index, timeUs: line.timeUs, kind: 'truncated', note });
      return;
    }
    this.lines++;
    this.take(line);
  }
}

/** Streams events, sends and faults as JSON lines to `write` (a file stream, say), filtered. */
export class JsonlTrace extends LineTrace {
  constructor(sim: Simulation, write: (line: string) => void, options: TraceOptions = {}) {
    const quotes = new Map<string, string>();
    super(sim, (line) => write(traceLineJson(line, quotes)), options);
  }
}

/**
 * A line as JSON with its newline, written out field by field; `quotes`
 * keeps node names and message types quoted once. About 1.4 times as fast as
 * JSON.stringify of the line (bench/tracing.ts).
 */
function traceLineJson(l: TraceLine, quotes: Map<string, string>): string {
  let s = `{"index":${l.index},"timeUs":${l.timeUs},"kind":"${l.kind}"`;
  if (l.node !== undefined) s += `,"node":${quotedOnce(l.node, quotes)}`;
  if (l.from !== undefined) s += `,"from":${quotedOnce(l.from, quotes)}`;
  if (l.to !== undefined) s += `,"to":${quotedOnce(l.to, quotes)}`;
  if (l.type !== undefined) s += `,"type":${quotedOnce(l.type, quotes)}`;
  if (l.sizeBytes !== undefined) s += `,"sizeBytes":${l.sizeBytes}`;
  if (l.arrivalUs !== undefined) s += `,"arrivalUs":${l.arrivalUs}`;
  if (l.dropped !== undefined) s += `,"dropped":"${l.dropped}"`;
  if (l.held !== undefined) s += ',"held":true';
  if (l.ignored !== undefined) s += ',"ignored":true';
  if (l.tag !== undefined) s += `,"tag":${l.tag}`;
  if (l.fault !== undefined) s += `,"fault":${JSON.stringify(l.fault)}`;
  if (l.nodes !== undefined) s += `,"nodes":${JSON.stringify(l.nodes)}`;
  if (l.detail !== undefined) s += `,"detail":${JSON.stringify(l.detail)}`;
  if (l.hash !== undefined) s += `,"hash":"${l.hash}"`;
  if (l.note !== undefined) s += `,"note":${JSON.stringify(l.note)}`;
  return `${s}}\n`;
}

/** `text` as a JSON string, quoted the first time it is seen and kept in `quotes`. */
function quotedOnce(text: string, quotes: Map<string, string>): string {
  let q = quotes.get(text);
  if (q === undefined) quotes.set(text, (q = JSON.stringify(text)));
  return q;
}
