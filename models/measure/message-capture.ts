import type { FaultRecord, MessageObserver, NodeId, Simulation, TimeUs } from '../../engine/index.js';

/** The fault kinds a diagram is centred on (not address claims or autoscaling, which the fault log also holds). */
const FAULT_KINDS: ReadonlySet<string> = new Set([
  'crash',
  'pause',
  'partition',
  'degrade',
  'clock-jump',
  'clock-drift',
]);

/** At most this many messages in a diagram: enough to follow a protocol, few enough to draw and read. */
export const DIAGRAM_MESSAGE_CAP = 2000;
/** What led up to the fault... */
const BEFORE_FAULT_US = 250_000;
/** ...and how it played out, unless the cap is reached first. */
const AFTER_FAULT_US = 1_750_000;
/** Messages kept from before the fault, so the part after it keeps most of the cap. */
const BEFORE_CAP = DIAGRAM_MESSAGE_CAP / 8;

/** A message as the diagram needs it; `arrivalUs` is negative (the network's DROP_* code) when it was dropped. */
export interface CapturedMessage {
  sentUs: TimeUs;
  from: NodeId;
  to: NodeId;
  arrivalUs: number;
  kind: string;
}

/**
 * Keeps the messages sent around the run's first fault, for a Lamport-style
 * diagram: a ring of the most recent ones until the fault, then every message
 * until the window ends or the cap is reached, when it detaches itself. It
 * only reads what the engine tells it, so the run is unchanged.
 */
export class MessageCapture implements MessageObserver {
  /** The fault the window is centred on; null until one happens. */
  fault: FaultRecord | null = null;
  /** When the window ended: its planned end, or the send time of the last message kept when the cap cut it short; null while capturing. */
  endUs: TimeUs | null = null;
  capped = false;
  private readonly sentUs = new Float64Array(DIAGRAM_MESSAGE_CAP);
  private readonly arrivalUs = new Float64Array(DIAGRAM_MESSAGE_CAP);
  private readonly from = new Int32Array(DIAGRAM_MESSAGE_CAP);
  private readonly to = new Int32Array(DIAGRAM_MESSAGE_CAP);
  private readonly kind = new Int32Array(DIAGRAM_MESSAGE_CAP);
  private readonly kinds: string[] = [];
  private readonly kindIds = new Map<string, number>();
  /** Before the fault, slots [0, BEFORE_CAP) are a ring starting at `head`. */
  private head = 0;
  private count = 0;
  private faultsSeen = 0;

  constructor(private readonly sim: Simulation) {}

  onSend(sentUs: TimeUs, from: NodeId, to: NodeId, arrivalUs: number, message: unknown): void {
    if (this.fault === null && !this.findFault()) {
      const slot = (this.head + this.count) % BEFORE_CAP;
      if (this.count < BEFORE_CAP) this.count++;
      else this.head = (this.head + 1) % BEFORE_CAP;
      this.put(slot, sentUs, from, to, arrivalUs, message);
      return;
    }
    if (sentUs > this.fault!.timeUs + AFTER_FAULT_US) {
      this.stop(this.fault!.timeUs + AFTER_FAULT_US);
      return;
    }
    this.put(this.count++, sentUs, from, to, arrivalUs, message);
    if (this.count === DIAGRAM_MESSAGE_CAP) {
      this.capped = true;
      this.stop(sentUs);
    }
  }

  /** Ends the capture at the end of the run, if the window was still open. */
  finish(endUs: TimeUs): void {
    if (this.fault === null) this.findFault();
    if (this.fault !== null && this.endUs === null) this.stop(Math.min(endUs, this.fault.timeUs + AFTER_FAULT_US));
  }

  /** The messages kept, in the order they were sent; empty when no fault happened. */
  messages(): CapturedMessage[] {
    if (this.fault === null) return [];
    const out: CapturedMessage[] = [];
    for (let i = 0; i < this.count; i++) {
      out.push({
        sentUs: this.sentUs[i],
        from: this.from[i],
        to: this.to[i],
        arrivalUs: this.arrivalUs[i],
        kind: this.kinds[this.kind[i]],
      });
    }
    return out;
  }

  /** On the first fault, unrolls the ring in send order, keeping what was sent in the lead-up. */
  private findFault(): boolean {
    const log = this.sim.faultLog;
    while (this.faultsSeen < log.length) {
      const record = log[this.faultsSeen++];
      if (!FAULT_KINDS.has(record.kind)) continue;
      this.fault = record;
      const kept: number[] = [];
      for (let i = 0; i < this.count; i++) {
        const slot = (this.head + i) % BEFORE_CAP;
        if (this.sentUs[slot] >= record.timeUs - BEFORE_FAULT_US) kept.push(slot);
      }
      const columns = [this.sentUs, this.arrivalUs, this.from, this.to, this.kind];
      const copies = columns.map((c) => kept.map((slot) => c[slot]));
      columns.forEach((c, j) => c.set(copies[j]));
      this.head = 0;
      this.count = kept.length;
      return true;
    }
    return false;
  }

  private put(slot: number, sentUs: TimeUs, from: NodeId, to: NodeId, arrivalUs: number, message: unknown): void {
    const name =
      typeof (message as { kind?: unknown } | null)?.kind === 'string' ? (message as { kind: string }).kind : 'message';
    let id = this.kindIds.get(name);
    if (id === undefined) {
      this.kindIds.set(name, (id = this.kinds.length));
      this.kinds.push(name);
    }
    this.sentUs[slot] = sentUs;
    this.arrivalUs[slot] = arrivalUs;
    this.from[slot] = from;
    this.to[slot] = to;
    this.kind[slot] = id;
  }

  private stop(endUs: TimeUs): void {
    this.endUs = endUs;
    this.sim.setMessageObserver(null);
  }
}
