import { DeadlineHeap } from '../parts/deadline-heap.js';
import { Deque } from '../parts/deque.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { StreamRecord, TopicRecord } from '../measure/delivery-log.js';
import type { QueueSettings } from './queue-settings.js';

/** Where a message is: waiting out its delay, ready to be received, received and not yet deleted, or no longer held. */
const DELAYED = 0;
const VISIBLE = 1;
const IN_FLIGHT = 2;
const GONE = 3;

/** One stored copy of a message. Held in the queue's disk when it is durable, so it outlives a crash. */
export interface QueuedMessage {
  /** The queue's own number for this copy (a producer's retry may store a message twice). */
  readonly seq: number;
  /** The delivery log's id. */
  readonly message: number;
  readonly key: number;
  readonly sizeBytes: number;
  readonly priority: number;
  /** True time it was stored, for the time-in-queue measurement. */
  readonly storedUs: number;
  /** On the broker's clock: when retention deletes it. */
  readonly expiresAtLocalUs: number;
  /** On the broker's clock: when its delay or its visibility timeout ends. */
  visibleAtLocalUs: number;
  receiveCount: number;
  /** The latest receipt handed out for it (0: none since the broker started); only it may delete the message. */
  receipt: number;
  state: number;
}

/** What a durable queue keeps on disk: every message it holds, and what it moved to its dead-letter queue. */
export interface QueueDisk {
  readonly held: Map<number, QueuedMessage>;
  /** Ids dead-lettered, in the order they were moved (SQS's dead-letter queue, kept for inspection). */
  readonly deadLetters: number[];
  nextSeq: number;
  /** Receipts stay unique across restarts, so a receipt from before a crash never deletes a later delivery. */
  nextReceipt: number;
}

export function emptyQueueDisk(): QueueDisk {
  return { held: new Map(), deadLetters: [], nextSeq: 0, nextReceipt: 1 };
}

/** A FIFO queue's message group: its messages in order, at most one of them in flight. */
interface MessageGroup {
  readonly messages: Deque<QueuedMessage>;
  inFlight: boolean;
  /** Listed in the queue's ready groups. */
  ready: boolean;
}

/** Where one queue records what happens to its messages. */
export interface QueueRecorder {
  readonly topic: TopicRecord;
  readonly stream: StreamRecord;
  readonly metrics: ComponentMetrics;
  /** The broker node's index in its component, for the metrics. */
  readonly node: number;
  /** Prefix of this queue's detail names: empty for a queue, `<subscription>.` for a pub-sub subscription. */
  readonly prefix: string;
  /** Sends a dead-lettered message on to the dead-letter queue component, when the settings name one. */
  readonly deadLetterTo: ((m: QueuedMessage, nowUs: number) => void) | null;
}

/** Detail names, each under the queue's prefix. */
export const QUEUE_COUNTS = ['deadLettered', 'redeliveries', 'expired', 'dropped'] as const;
export const QUEUE_LEVELS = ['visible', 'inFlight', 'delayed'] as const;

/**
 * One queue (SQS, a RabbitMQ queue) or one pub-sub subscription, without the
 * network: messages are stored, wait out their delay, are received (taken
 * highest priority first, oldest first within a priority; in a FIFO queue one
 * at a time per key), stay invisible for the visibility timeout, and are
 * deleted by their latest receipt; one whose timeout ends goes back to the
 * front of its line, or to the dead-letter queue once it has been received
 * maxReceiveCount times. Every deadline is on the broker's clock: `advance`
 * acts on those its clock has reached, whatever true time says.
 *
 * Costs: store, take and delete are O(1) besides a heap push or pop of their
 * deadline (O(log n)); lines and heaps are never searched, their stale
 * entries are skipped when they reach the front.
 */
export class MessageQueue {
  /** Priority levels, highest first, each with its line of visible messages (and stale entries). */
  private readonly levels: number[] = [];
  private readonly lines: Deque<QueuedMessage>[] = [];
  private readonly groups = new Map<number, MessageGroup>();
  private readonly readyGroups = new Deque<MessageGroup>();
  private readonly byReceipt = new Map<number, QueuedMessage>();
  private readonly visibilityEnds = new DeadlineHeap<QueuedMessage>();
  private readonly delayEnds = new DeadlineHeap<QueuedMessage>();
  /** Messages in the order stored, for retention. */
  private readonly retained = new Deque<QueuedMessage>();
  private readonly names: {
    deadLettered: string;
    redeliveries: string;
    expired: string;
    dropped: string;
    visible: string;
    inFlight: string;
    delayed: string;
  };
  visible = 0;
  inFlight = 0;
  delayed = 0;

  constructor(
    readonly settings: QueueSettings,
    private readonly disk: QueueDisk,
    private readonly recorder: QueueRecorder,
    localNowUs: number,
    nowUs: number,
  ) {
    const p = recorder.prefix;
    this.names = {
      deadLettered: `${p}deadLettered`,
      redeliveries: `${p}redeliveries`,
      expired: `${p}expired`,
      dropped: `${p}dropped`,
      visible: `${p}visible`,
      inFlight: `${p}inFlight`,
      delayed: `${p}delayed`,
    };
    this.restore(localNowUs, nowUs);
  }

  /** Messages held: visible, delayed and in flight. */
  get depth(): number {
    return this.disk.held.size;
  }

  get deadLettered(): number {
    return this.disk.deadLetters.length;
  }

  hasRoom(): boolean {
    const max = this.settings.maxDepth;
    return max === undefined || this.disk.held.size < max;
  }

  /** Stores a copy of `message`, invisible for `delayUs` (the queue's own delay when 0). */
  store(
    message: number,
    key: number,
    sizeBytes: number,
    priority: number,
    delayUs: number,
    localNowUs: number,
    nowUs: number,
  ): void {
    const disk = this.disk;
    this.recorder.stream.restored(message);
    const delay = delayUs > 0 ? delayUs : this.settings.delay;
    const m: QueuedMessage = {
      seq: disk.nextSeq++,
      message,
      key,
      sizeBytes,
      priority,
      storedUs: nowUs,
      expiresAtLocalUs: localNowUs + this.settings.retention,
      visibleAtLocalUs: localNowUs + delay,
      receiveCount: 0,
      receipt: 0,
      state: DELAYED,
    };
    disk.held.set(m.seq, m);
    this.retained.push(m);
    this.recorder.metrics.recordArrival(false, nowUs);
    this.recorder.metrics.queueChanged(this.recorder.node, 1, nowUs);
    if (delay > 0) {
      this.delayed++;
      this.delayEnds.push(m.visibleAtLocalUs, m);
    } else {
      this.makeVisible(m, false);
    }
  }

  /**
   * Receives the next visible message, if any: it becomes invisible for
   * `visibilityUs` on the broker's clock and gets a new receipt.
   */
  take(localNowUs: number, visibilityUs: number, nowUs: number): QueuedMessage | null {
    const m = this.settings.fifo ? this.takeFromGroups() : this.takeByPriority();
    if (m === null) return null;
    this.visible--;
    this.inFlight++;
    m.state = IN_FLIGHT;
    if (m.receipt !== 0) this.byReceipt.delete(m.receipt);
    m.receipt = this.disk.nextReceipt++;
    this.byReceipt.set(m.receipt, m);
    if (++m.receiveCount > 1) this.recorder.metrics.countDetail(this.names.redeliveries, nowUs);
    m.visibleAtLocalUs = localNowUs + visibilityUs;
    this.visibilityEnds.push(m.visibleAtLocalUs, m, m.receipt);
    return m;
  }

  /** Deletes the message if `receipt` is its latest (even once its visibility ended, until it is received again). */
  delete(message: number, receipt: number, nowUs: number): boolean {
    const m = this.byReceipt.get(receipt);
    if (m === undefined || m.message !== message) return false;
    this.leave(m, nowUs);
    this.recorder.metrics.recordServed(m.storedUs, nowUs);
    return true;
  }

  /** A received message becomes visible `timeoutUs` from now on the broker's clock (at once for 0). */
  changeVisibility(message: number, receipt: number, timeoutUs: number, localNowUs: number, nowUs: number): void {
    const m = this.byReceipt.get(receipt);
    if (m === undefined || m.message !== message || m.state !== IN_FLIGHT) return;
    if (timeoutUs <= 0) {
      this.visibilityEnded(m, nowUs);
      return;
    }
    m.visibleAtLocalUs = localNowUs + timeoutUs;
    this.visibilityEnds.push(m.visibleAtLocalUs, m, m.receipt);
  }

  /** Acts on every deadline the broker's clock has reached: visibility timeouts, delays, retention. */
  advance(localNowUs: number, nowUs: number): void {
    const ends = this.visibilityEnds;
    while (ends.earliest <= localNowUs) {
      const m = ends.topItem;
      const stillDue = m.state === IN_FLIGHT && m.receipt === ends.topTag && m.visibleAtLocalUs === ends.earliest;
      ends.pop();
      if (stillDue) this.visibilityEnded(m, nowUs);
    }
    const delays = this.delayEnds;
    while (delays.earliest <= localNowUs) {
      const m = delays.topItem;
      const stillDue = m.state === DELAYED && m.visibleAtLocalUs === delays.earliest;
      delays.pop();
      if (stillDue) {
        this.delayed--;
        this.makeVisible(m, false);
      }
    }
    const retained = this.retained;
    while (retained.length > 0) {
      const m = retained.front();
      if (m.state !== GONE && m.expiresAtLocalUs > localNowUs) break;
      retained.shift();
      if (m.state === GONE) continue;
      this.leave(m, nowUs);
      this.recorder.stream.removed(m.message, 'expired', nowUs);
      this.recorder.metrics.countDetail(this.names.expired, nowUs);
    }
  }

  /** The earliest deadline on the broker's clock (possibly a stale one, which costs only an early wake-up); Infinity for none. */
  nextDeadlineLocalUs(): number {
    const retention = this.retained.length === 0 ? Infinity : this.retained.front().expiresAtLocalUs;
    return Math.min(this.visibilityEnds.earliest, this.delayEnds.earliest, retention);
  }

  /** The ids this queue would still deliver: every message it holds. */
  heldIds(out: number[]): void {
    for (const m of this.disk.held.values()) out.push(m.message);
  }

  /** A crash of a broker without a disk: every message it held is lost. */
  dropAll(nowUs: number): void {
    for (const m of this.disk.held.values()) {
      m.state = GONE;
      this.recorder.stream.removed(m.message, 'dropped', nowUs);
      this.recorder.metrics.countDetail(this.names.dropped, nowUs);
    }
    this.disk.held.clear();
  }

  /** Notes the queue's levels in the component's details (their largest per window). */
  noteLevels(nowUs: number): void {
    const metrics = this.recorder.metrics;
    metrics.noteWindowMax(this.names.visible, this.visible, nowUs);
    metrics.noteWindowMax(this.names.inFlight, this.inFlight, nowUs);
    metrics.noteWindowMax(this.names.delayed, this.delayed, nowUs);
  }

  /** Counted details start at zero, so a run where nothing happened still shows them. */
  static initDetails(metrics: ComponentMetrics, prefix: string): void {
    for (const name of QUEUE_COUNTS) metrics.noteDetail(`${prefix}${name}`, 0);
  }

  /** Its visibility timeout ended (or a consumer released it): visible again at the front, or dead-lettered. */
  private visibilityEnded(m: QueuedMessage, nowUs: number): void {
    this.inFlight--;
    if (this.settings.fifo) this.groupOf(m.key).inFlight = false;
    const max = this.settings.maxReceiveCount;
    if (max !== undefined && m.receiveCount >= max) {
      this.leave(m, nowUs, false);
      this.disk.deadLetters.push(m.message);
      this.recorder.stream.deadLettered(m.message, nowUs);
      this.recorder.metrics.countDetail(this.names.deadLettered, nowUs);
      this.recorder.deadLetterTo?.(m, nowUs);
      return;
    }
    this.makeVisible(m, true);
  }

  /** No longer held: deleted, dead-lettered or expired. */
  private leave(m: QueuedMessage, nowUs: number, counted = true): void {
    if (counted) {
      if (m.state === IN_FLIGHT) {
        this.inFlight--;
        if (this.settings.fifo) this.releaseGroup(this.groupOf(m.key));
      } else if (m.state === VISIBLE) this.visible--;
      else if (m.state === DELAYED) this.delayed--;
    } else if (this.settings.fifo) this.releaseGroup(this.groupOf(m.key));
    if (m.receipt !== 0) this.byReceipt.delete(m.receipt);
    m.state = GONE;
    this.disk.held.delete(m.seq);
    this.recorder.metrics.queueChanged(this.recorder.node, -1, nowUs);
  }

  /** Into its line: at the back when new, at the front when its visibility ended (as RabbitMQ requeues near the head). */
  private makeVisible(m: QueuedMessage, front: boolean): void {
    m.state = VISIBLE;
    this.visible++;
    if (this.settings.fifo) {
      const group = this.groupOf(m.key);
      if (front) group.messages.unshift(m);
      else group.messages.push(m);
      this.readyIfIdle(group);
      return;
    }
    const line = this.lineOf(m.priority);
    if (front) line.unshift(m);
    else line.push(m);
  }

  private takeByPriority(): QueuedMessage | null {
    if (this.visible === 0) return null;
    for (let i = 0; i < this.lines.length; i++) {
      const line = this.lines[i];
      while (line.length > 0) {
        const m = line.shift();
        if (m.state === VISIBLE) return m;
      }
    }
    return null;
  }

  private takeFromGroups(): QueuedMessage | null {
    while (this.readyGroups.length > 0) {
      const group = this.readyGroups.shift();
      group.ready = false;
      while (group.messages.length > 0) {
        const m = group.messages.shift();
        if (m.state !== VISIBLE) continue;
        group.inFlight = true;
        return m;
      }
    }
    return null;
  }

  /** Its message in flight is done with: the group may deliver its next. */
  private releaseGroup(group: MessageGroup): void {
    group.inFlight = false;
    this.readyIfIdle(group);
  }

  /** Lists the group as ready when it has a message and none in flight. */
  private readyIfIdle(group: MessageGroup): void {
    if (!group.inFlight && !group.ready && group.messages.length > 0) {
      group.ready = true;
      this.readyGroups.push(group);
    }
  }

  private groupOf(key: number): MessageGroup {
    let group = this.groups.get(key);
    if (group === undefined) {
      group = { messages: new Deque(), inFlight: false, ready: false };
      this.groups.set(key, group);
    }
    return group;
  }

  private lineOf(priority: number): Deque<QueuedMessage> {
    const levels = this.levels;
    let i = 0;
    while (i < levels.length && levels[i] > priority) i++;
    if (i < levels.length && levels[i] === priority) return this.lines[i];
    const line = new Deque<QueuedMessage>();
    levels.splice(i, 0, priority);
    this.lines.splice(i, 0, line);
    return line;
  }

  /**
   * After a restart: the disk's messages are back, none in flight (receipts
   * were volatile), so those received are visible again, or dead-lettered if
   * received maxReceiveCount times already; those past retention expire.
   */
  private restore(localNowUs: number, nowUs: number): void {
    const held = this.disk.held;
    if (held.size === 0) return;
    this.recorder.metrics.queueChanged(this.recorder.node, held.size, nowUs);
    for (const m of held.values()) {
      m.receipt = 0;
      this.retained.push(m);
      if (m.state === IN_FLIGHT) {
        this.inFlight++;
        this.visibilityEnded(m, nowUs);
      } else if (m.state === DELAYED && m.visibleAtLocalUs > localNowUs) {
        this.delayed++;
        this.delayEnds.push(m.visibleAtLocalUs, m);
      } else {
        this.makeVisible(m, false);
      }
    }
    this.advance(localNowUs, nowUs);
  }
}
