import type { FaultRecord, MessageObserver, NodeId, Simulation, TimeUs } from '../../engine/index.js';

/** Faults that change who can reach whom or who is up: the window is centred on the first of these. */
const REACHABILITY_FAULTS: ReadonlySet<string> = new Set(['crash', 'pause', 'partition']);
/** Faults that only bend clocks or links: the window falls back on the first of these when no fault above happens. */
const OTHER_FAULTS: ReadonlySet<string> = new Set(['degrade', 'clock-jump', 'clock-drift']);

/** Where the diagram's window lies: around `atUs` when given, else around the first fault (see above). */
export interface DiagramWindowOptions {
  atUs?: TimeUs;
  beforeUs: number;
  afterUs: number;
}

export const DEFAULT_DIAGRAM_WINDOW: DiagramWindowOptions = { beforeUs: 250_000, afterUs: 1_500_000 };

/**
 * Sampling slots, each a whole number of the one before: once a window holds
 * more messages than the capture keeps, it keeps the first of each kind per
 * pair of nodes (delivered and dropped apart) in each slot, slots counted
 * from the centre, and widens the slots until the sample fits.
 */
const SAMPLE_SLOTS_US = [1_000, 5_000, 10_000, 50_000, 100_000, 500_000, 1_000_000, 5_000_000, 10_000_000];
/** The lead-up: the most recent messages, kept until the centre is known. */
const RING_CAP = 2048;
/** Messages kept from one window; past it the capture samples (see above), and past the widest slot ends the window early. */
export const STORE_CAP = 8192;

/** The key a message is sampled under: its kind, pair, fate, and slot of `slotUs` counted from `atUs`. */
export function sampleKey(m: CapturedMessage, atUs: number, slotUs: number): string {
  return `${m.kind} ${m.arrivalUs < 0 ? '-' : '+'} ${m.from} ${m.to} ${Math.floor((m.sentUs - atUs) / slotUs)}`;
}

/** A message as the diagram needs it; `arrivalUs` is negative (the network's DROP_* code) when it was dropped. */
export interface CapturedMessage {
  sentUs: TimeUs;
  from: NodeId;
  to: NodeId;
  arrivalUs: number;
  kind: string;
}

/** Typed columns for messages, so a long run keeps no objects. */
class Columns {
  readonly sentUs: Float64Array;
  readonly arrivalUs: Float64Array;
  readonly from: Int32Array;
  readonly to: Int32Array;
  readonly kind: Int32Array;

  constructor(size: number) {
    this.sentUs = new Float64Array(size);
    this.arrivalUs = new Float64Array(size);
    this.from = new Int32Array(size);
    this.to = new Int32Array(size);
    this.kind = new Int32Array(size);
  }

  set(i: number, sentUs: number, from: number, to: number, arrivalUs: number, kind: number): void {
    this.sentUs[i] = sentUs;
    this.arrivalUs[i] = arrivalUs;
    this.from[i] = from;
    this.to[i] = to;
    this.kind[i] = kind;
  }

  /** Copies row `from` of `source` (this by default) into row `to`. */
  copy(to: number, from: number, source: Columns = this): void {
    const s = source;
    this.set(to, s.sentUs[from], s.from[from], s.to[from], s.arrivalUs[from], s.kind[from]);
  }
}

/**
 * Keeps the messages sent in a window around the run's first fault that
 * changes reachability or membership (or around a time the scenario names),
 * for a Lamport-style diagram: a ring of the most recent messages until the
 * centre is known, then what follows until the window ends, when it detaches
 * itself. Until a reachability fault happens, a window around a clock or
 * link fault is kept in case none does. Memory is bounded: past STORE_CAP
 * messages it keeps a sample (see SAMPLE_SLOTS_US) and counts the rest. It
 * only reads what the engine tells it, so the run is unchanged.
 */
export class MessageCapture implements MessageObserver {
  /** The fault the window is centred on; null until one happens, and when the scenario names the time. */
  fault: FaultRecord | null = null;
  /** The window's centre; null until known. */
  atUs: TimeUs | null = null;
  /** Where the window starts: `before` ahead of the centre, or later when the lead-up overflowed the ring. */
  fromUs: TimeUs = 0;
  /** When the window ended: its planned end, or earlier when even the widest sample outgrew STORE_CAP; null while open. */
  endUs: TimeUs | null = null;
  /** Every message sent in the window, kept or not. */
  sent = 0;
  /** 0 while every message is kept; else the sampling slot (see SAMPLE_SLOTS_US). */
  slotUs = 0;
  /** True when the window ended early. */
  capped = false;

  private readonly options: DiagramWindowOptions;
  private readonly ring = new Columns(RING_CAP);
  private ringHead = 0;
  private ringCount = 0;
  /** Send time of the last message the ring let go: the lead-up cannot start after it. */
  private evictedUs = -Infinity;
  private readonly store = new Columns(STORE_CAP);
  private count = 0;
  /** While sampling, the keys (see sampleKey) already kept. */
  private readonly sampled = new Set<string>();
  private readonly kinds: string[] = [];
  private readonly kindIds = new Map<string, number>();
  private faultsSeen = 0;
  /** True once the window is centred for good (a reachability fault, or the scenario's time). */
  private settled = false;

  constructor(
    private readonly sim: Simulation,
    options: Partial<DiagramWindowOptions> = {},
  ) {
    this.options = { ...DEFAULT_DIAGRAM_WINDOW, ...options };
  }

  onSend(sentUs: TimeUs, from: NodeId, to: NodeId, arrivalUs: number, message: unknown): void {
    const kind = this.kindId(message);
    if (!this.settled) this.findCentre(sentUs);
    if (this.atUs !== null && this.endUs === null) {
      if (sentUs > this.atUs + this.options.afterUs) this.close(this.atUs + this.options.afterUs);
      else this.keep(sentUs, from, to, arrivalUs, kind);
    }
    if (!this.settled) this.remember(sentUs, from, to, arrivalUs, kind);
  }

  /** Ends the capture at the end of the run, if the window was still open. */
  finish(endUs: TimeUs): void {
    if (!this.settled) this.findCentre(endUs);
    if (this.atUs !== null && this.endUs === null) this.close(Math.min(endUs, this.atUs + this.options.afterUs));
  }

  /** The messages kept, in the order they were sent; empty when there is no window. */
  messages(): CapturedMessage[] {
    const out: CapturedMessage[] = [];
    if (this.atUs !== null) for (let i = 0; i < this.count; i++) out.push(this.row(i));
    return out;
  }

  private row(i: number): CapturedMessage {
    const s = this.store;
    return {
      sentUs: s.sentUs[i],
      from: s.from[i],
      to: s.to[i],
      arrivalUs: s.arrivalUs[i],
      kind: this.kinds[s.kind[i]],
    };
  }

  /** Opens the window once its centre is known: the scenario's time, or a new fault in the log. */
  private findCentre(nowUs: TimeUs): void {
    const at = this.options.atUs;
    if (at !== undefined) {
      if (nowUs >= at) this.open(at, null, true);
      return;
    }
    const log = this.sim.faultLog;
    while (this.faultsSeen < log.length) {
      const record = log[this.faultsSeen++];
      if (REACHABILITY_FAULTS.has(record.kind)) {
        this.open(record.timeUs, record, true);
        return;
      }
      if (this.atUs === null && OTHER_FAULTS.has(record.kind)) this.open(record.timeUs, record, false);
    }
  }

  /** Starts a window centred on `atUs` (dropping any earlier one) with the lead-up the ring holds. */
  private open(atUs: TimeUs, fault: FaultRecord | null, settled: boolean): void {
    this.atUs = atUs;
    this.fault = fault;
    this.settled = settled;
    this.endUs = null;
    this.sent = 0;
    this.count = 0;
    this.slotUs = 0;
    this.capped = false;
    this.sampled.clear();
    const start = atUs - this.options.beforeUs;
    this.fromUs = Math.max(start, this.evictedUs);
    const r = this.ring;
    const slot = (i: number) => (this.ringHead + i) % RING_CAP;
    let first = this.ringCount;
    while (first > 0 && r.sentUs[slot(first - 1)] >= start && r.sentUs[slot(first - 1)] > this.evictedUs) first--;
    for (let i = first; i < this.ringCount; i++) {
      const j = slot(i);
      this.keep(r.sentUs[j], r.from[j], r.to[j], r.arrivalUs[j], r.kind[j]);
    }
  }

  private keep(sentUs: TimeUs, from: NodeId, to: NodeId, arrivalUs: number, kind: number): void {
    if (this.count === STORE_CAP && !this.sample()) {
      this.capped = true;
      this.close(sentUs);
      return;
    }
    this.sent++;
    this.store.set(this.count, sentUs, from, to, arrivalUs, kind);
    if (this.slotUs === 0) this.count++;
    else {
      const key = sampleKey(this.row(this.count), this.atUs!, this.slotUs);
      if (!this.sampled.has(key)) {
        this.sampled.add(key);
        this.count++;
      }
    }
  }

  /**
   * Makes room by widening the sampling slot until the sample is at most
   * half the store (the first of each key per slot, in send order); false
   * when even the widest slot cannot.
   */
  private sample(): boolean {
    for (const slotUs of SAMPLE_SLOTS_US) {
      if (slotUs <= this.slotUs) continue;
      this.sampled.clear();
      let kept = 0;
      for (let i = 0; i < this.count; i++) {
        const key = sampleKey(this.row(i), this.atUs!, slotUs);
        if (this.sampled.has(key)) continue;
        this.sampled.add(key);
        this.store.copy(kept++, i);
      }
      this.count = kept;
      this.slotUs = slotUs;
      if (kept <= STORE_CAP / 2) return true;
    }
    return false;
  }

  private remember(sentUs: TimeUs, from: NodeId, to: NodeId, arrivalUs: number, kind: number): void {
    let slot: number;
    if (this.ringCount < RING_CAP) slot = (this.ringHead + this.ringCount++) % RING_CAP;
    else {
      slot = this.ringHead;
      this.evictedUs = this.ring.sentUs[slot];
      this.ringHead = (this.ringHead + 1) % RING_CAP;
    }
    this.ring.set(slot, sentUs, from, to, arrivalUs, kind);
  }

  private kindId(message: unknown): number {
    const name =
      typeof (message as { kind?: unknown } | null)?.kind === 'string' ? (message as { kind: string }).kind : 'message';
    let id = this.kindIds.get(name);
    if (id === undefined) {
      this.kindIds.set(name, (id = this.kinds.length));
      this.kinds.push(name);
    }
    return id;
  }

  private close(endUs: TimeUs): void {
    this.endUs = endUs;
    if (this.settled) this.sim.removeMessageObserver(this);
  }
}
