import { LatencyHistogram } from './latency-histogram.js';
import { WindowIntegral } from './window-series.js';

/**
 * What a run's chat system saw, for the report's chat section
 * (reports/chat/): how long messages took from the sender to each recipient
 * device, the messages lost, duplicated or delivered out of order per
 * conversation, the connection churn (attempts, refusals, reconnect storms
 * after a server crash and how long until every dropped device was back),
 * presence traffic and false "offline" declarations, push notifications, and
 * the load the chosen client protocol puts on the chat servers (requests and
 * frames handled, idle polls).
 *
 * Devices are numbered 0..devices−1 by the client workload (user × devices
 * per user + device). The truth of who is connected where is kept here, from
 * what clients and servers report, so a crash can be measured from the
 * moment it happens rather than from when clients notice.
 *
 * Totals count from the warm-up's end (measureFromUs); the per-window arrays
 * cover the whole run. Measurement only: nothing here changes what a model
 * does.
 */
export const CHAT_COUNTERS = [
  /** Messages clients sent (first attempts; resends are not counted again). */
  'messagesSent',
  /** Sends the chat service acknowledged to the sender. */
  'messagesAcknowledged',
  /** First arrivals of a message at a recipient device. */
  'deliveries',
  /** Arrivals of a message a device already had. */
  'duplicates',
  /** Arrivals ahead of an earlier message of the same conversation the device still lacked. */
  'outOfOrder',
  /** Connection attempts (first connects and reconnects), refused ones, and ones that failed (timeout, dead server). */
  'connectAttempts',
  'connectsRefused',
  'connectsFailed',
  /** Connections established, and lost (server crash, heartbeat timeout, refused send). */
  'connections',
  'disconnections',
  /** Presence changes delivered to contacts' devices, and offline declarations for users that had a live connection. */
  'presenceUpdates',
  'falseOffline',
  /** Push notifications sent for messages to users with no connected device. */
  'pushNotifications',
  /** Polls answered (short and long polling), and those answered with nothing. */
  'polls',
  'emptyPolls',
  /** Heartbeats the servers received. */
  'heartbeats',
  /** Requests and frames the chat servers handled, of every kind: their load. */
  'serverOperations',
] as const;

export type ChatCounter = (typeof CHAT_COUNTERS)[number];

/** The bits of a conversation's marks: what went wrong in it at least once. */
const MARKS = { duplicates: 1, outOfOrder: 2, undelivered: 4 } as const;

/** The guide's delivery target ("ideally under 100ms"): the report gives the share of deliveries within it. */
export const CHAT_DELIVERY_TARGET_US = 100_000;

export class ChatLog {
  /** Send → first arrival at each recipient device, messages sent after the warm-up. */
  readonly deliveryLatency = new LatencyHistogram();
  /** Of those, the ones that took at most CHAT_DELIVERY_TARGET_US. */
  deliveriesWithinTarget = 0;
  /** From the start of a connect attempt (the locate) to its session opening, every successful attempt of the run, the warm-up's included. */
  readonly connectSetup = new LatencyHistogram();
  readonly totals: Record<ChatCounter, number>;
  readonly perWindow: Record<ChatCounter, Float64Array>;
  /** Devices connected, integrated per window (mean and peak). */
  readonly connected: WindowIntegral;
  /** The client protocol of each chat-client workload, by workload name. */
  readonly protocols = new Map<string, string>();
  /** Messages acknowledged to their sender that the service no longer has: acknowledged, then lost before being stored. */
  lost = 0;
  /** Messages stored that some recipient device that was connected at the end still lacked then. */
  undeliveredAtEnd = 0;
  /** Each server crash that dropped devices: when, how many, and when the last of them was connected again (NaN if never). */
  readonly outages: ChatOutage[] = [];
  /** Per conversation, the MARKS of what went wrong in it. */
  private conversationMarks = new Uint8Array(0);
  /** Per device: the node of the server it is connected to, −1 when not connected. */
  private serverOf = new Int32Array(0);
  /** Outages some dropped device is still away from, with when the latest of them came back. */
  private readonly openOutages: { outage: ChatOutage; waiting: Set<number>; lastBackUs: number }[] = [];
  /** Messages acknowledged on receipt and not stored yet, by messageKey, with the acknowledging server's node. */
  private readonly unstored = new Map<number, number>();
  /** Messages counted in `lost`, by messageKey. */
  private readonly lostKeys = new Set<number>();
  /** Every message a store has, by messageKey, while some server acknowledges on receipt (see `tracksAcksOnReceipt`); null otherwise. */
  private storedKeys: Set<number> | null = null;
  /** Per conversation: the highest sequence number a store assigned (0 before any); grown on demand. */
  private storedSeqs = new Int32Array(0);
  /** Messages clients still held unacknowledged at the end (sent, never acknowledged: queued, or lost on the way). */
  pendingAtEnd = 0;
  /** What `finish` runs: end-of-run figures that only the models can work out (see `onFinish`). */
  private readonly finishHooks: (() => void)[] = [];
  private finished = false;
  /** Listeners to every in-order delivery (see `deliveredInOrder`): for checkers and tests, not models. */
  private readonly deliveryListeners: ChatDeliveryListener[] = [];

  constructor(
    private readonly windowUs: number,
    private readonly windows: number,
    readonly measureFromUs: number,
  ) {
    this.totals = Object.fromEntries(CHAT_COUNTERS.map((c) => [c, 0])) as Record<ChatCounter, number>;
    this.perWindow = Object.fromEntries(CHAT_COUNTERS.map((c) => [c, new Float64Array(windows)])) as Record<
      ChatCounter,
      Float64Array
    >;
    this.connected = new WindowIntegral(windowUs, windows);
  }

  /** Sizes the device table; the client workload calls it once when built. */
  devices(count: number): void {
    if (count > this.serverOf.length) {
      const grown = new Int32Array(count).fill(-1);
      grown.set(this.serverOf);
      this.serverOf = grown;
    }
  }

  /** Sizes the per-conversation marks; the client workload calls it once when built. */
  conversations(count: number): void {
    if (count > this.conversationMarks.length) {
      const grown = new Uint8Array(count);
      grown.set(this.conversationMarks);
      this.conversationMarks = grown;
    }
  }

  /** A duplicate or out-of-order arrival in `conversation`: counted, and the conversation marked as having had one (after the warm-up). */
  countIn(conversation: number, counter: 'duplicates' | 'outOfOrder', nowUs: number): void {
    this.count(counter, nowUs);
    if (nowUs >= this.measureFromUs) this.conversationMarks[conversation] |= MARKS[counter];
  }

  /** `messages` stored messages of `conversation` that some device connected at the end still lacked. */
  undelivered(conversation: number, messages: number): void {
    if (messages <= 0) return;
    this.undeliveredAtEnd += messages;
    this.conversationMarks[conversation] |= MARKS.undelivered;
  }

  /** The conversations that had a duplicate, an out-of-order arrival, or messages undelivered at the end, of all of them. */
  conversationsWith(kind: keyof typeof MARKS): number {
    let n = 0;
    for (const marks of this.conversationMarks) if ((marks & MARKS[kind]) !== 0) n++;
    return n;
  }

  get conversationCount(): number {
    return this.conversationMarks.length;
  }

  count(counter: ChatCounter, nowUs: number, n = 1): void {
    this.perWindow[counter][Math.min(Math.floor(nowUs / this.windowUs), this.windows - 1)] += n;
    if (nowUs >= this.measureFromUs) this.totals[counter] += n;
  }

  /** A message sent at `sentUs` first reached a recipient device at `nowUs`. */
  delivered(sentUs: number, nowUs: number): void {
    this.count('deliveries', nowUs);
    if (sentUs < this.measureFromUs) return;
    this.deliveryLatency.record(nowUs - sentUs);
    if (nowUs - sentUs <= CHAT_DELIVERY_TARGET_US) this.deliveriesWithinTarget++;
  }

  /** Device `device` is connected to the server on node `server` from `nowUs`. */
  deviceConnected(device: number, server: number, nowUs: number): void {
    if (this.serverOf[device] < 0) this.connected.add(1, nowUs);
    this.serverOf[device] = server;
    this.count('connections', nowUs);
    for (let i = this.openOutages.length - 1; i >= 0; i--) {
      const open = this.openOutages[i];
      if (!open.waiting.delete(device)) continue;
      open.lastBackUs = nowUs;
      open.outage.reconnected++;
      open.outage.waitedUs += nowUs - open.outage.atUs;
      if (open.waiting.size === 0) {
        open.outage.allReconnectedUs = nowUs;
        this.openOutages.splice(i, 1);
      }
    }
  }

  /**
   * Device `device` went offline on purpose at `nowUs` (its user closed the
   * app): a disconnection if it was connected, and an outage that dropped it
   * no longer waits for it; one left waiting for nobody ends when the last
   * device that did come back came back (at the crash when none did).
   */
  deviceWentOffline(device: number, nowUs: number): void {
    this.deviceDisconnected(device, nowUs);
    for (let i = this.openOutages.length - 1; i >= 0; i--) {
      const open = this.openOutages[i];
      if (open.waiting.delete(device) && open.waiting.size === 0) {
        open.outage.allReconnectedUs = open.lastBackUs;
        this.openOutages.splice(i, 1);
      }
    }
  }

  /** Device `device` lost or closed its connection at `nowUs` (a no-op when it was not connected). */
  deviceDisconnected(device: number, nowUs: number): void {
    if (this.serverOf[device] < 0) return;
    this.serverOf[device] = -1;
    this.connected.add(-1, nowUs);
    this.count('disconnections', nowUs);
  }

  /** A device's connect attempt that started at `attemptStartUs` opened its session at `nowUs`. */
  sessionSetUp(attemptStartUs: number, nowUs: number): void {
    this.connectSetup.record(nowUs - attemptStartUs);
  }

  /** Devices in the table (every chat-clients workload's, together). */
  get deviceCount(): number {
    return this.serverOf.length;
  }

  /**
   * A server closed `device`'s session (it went silent, or closed it): a
   * disconnection only while ChatLog has the device on that server, so an
   * old server's late close does not drop a device already connected to
   * another one.
   */
  deviceClosed(device: number, server: number, nowUs: number): void {
    if (this.serverOf[device] === server) this.deviceDisconnected(device, nowUs);
  }

  /**
   * A server acknowledged a send on receipt (before any store had it), as
   * (sender device, clientMessageId): it is lost if that server crashes
   * before the message reaches a store (see `storedMessage`,
   * `serverLostUnstored`).
   */
  acknowledgedUnstored(device: number, clientMessageId: number, server: number): void {
    const key = messageKey(device, clientMessageId);
    // A resend of a message a store has already (its first ack was lost): nothing a crash could lose.
    if (this.storedKeys?.has(key)) return;
    this.unstored.set(key, server);
  }

  /**
   * Some server acknowledges sends on receipt: from now on ChatLog keeps
   * which messages the stores have, so the resend of a stored message, acked
   * on receipt again, is not counted lost when that server crashes. A chat
   * server calls it when built, before any message is stored.
   */
  tracksAcksOnReceipt(): void {
    this.storedKeys ??= new Set();
  }

  /** A store stored (device, clientMessageId) for the first time: no longer at risk, and no longer lost if a crash had counted it. */
  storedMessage(device: number, clientMessageId: number): void {
    if (this.storedKeys === null && this.unstored.size === 0 && this.lostKeys.size === 0) return;
    const key = messageKey(device, clientMessageId);
    this.storedKeys?.add(key);
    this.unstored.delete(key);
    if (this.lostKeys.delete(key)) this.lost--;
  }

  /**
   * The server on node `server` crashed: every message it acknowledged on
   * receipt that no store has yet is lost (`lost`), unless a copy already on
   * its way still reaches the store (then `storedMessage` takes it back).
   */
  serverLostUnstored(server: number): void {
    for (const [key, holder] of this.unstored) {
      if (holder !== server) continue;
      this.unstored.delete(key);
      this.lostKeys.add(key);
      this.lost++;
    }
  }

  /** A store assigned sequence number `seq` to a message of `conversation` (a store calls it once per stored message). */
  stored(conversation: number, seq: number): void {
    if (conversation >= this.storedSeqs.length) {
      const grown = new Int32Array(Math.max(conversation + 1, 2 * this.storedSeqs.length));
      grown.set(this.storedSeqs);
      this.storedSeqs = grown;
    }
    if (seq > this.storedSeqs[conversation]) this.storedSeqs[conversation] = seq;
  }

  /** The highest sequence number stored in `conversation` so far (0 when none). */
  storedSeq(conversation: number): number {
    return conversation < this.storedSeqs.length ? this.storedSeqs[conversation] : 0;
  }

  /**
   * Device `device` delivered message `seq` of `conversation` to its user,
   * in sequence order (every earlier one already delivered): a recipient's
   * delivery (`delivered`), and told to the delivery listeners.
   */
  deliveredInOrder(
    device: number,
    conversation: number,
    seq: number,
    senderDevice: number,
    sentUs: number,
    nowUs: number,
  ): void {
    this.delivered(sentUs, nowUs);
    for (const listener of this.deliveryListeners) listener(device, conversation, seq, senderDevice, nowUs);
  }

  /** Calls `listener` at every in-order delivery from now on (a checker's or a test's view of each device's stream). */
  onDelivery(listener: ChatDeliveryListener): void {
    this.deliveryListeners.push(listener);
  }

  /** Registers an end-of-run computation (the client workload's undelivered and pending counts), run once by `finish`. */
  onFinish(hook: () => void): void {
    this.finishHooks.push(hook);
  }

  /**
   * Works out the end-of-run figures (`undeliveredAtEnd`, `pendingAtEnd`)
   * from the models' state as the run ends: call it once the run is over,
   * before reading them. Runs once; `results` calls it.
   */
  finish(): void {
    if (this.finished) return;
    this.finished = true;
    for (const hook of this.finishHooks) hook();
  }

  /** Whether `device` holds a connection now (to a server that has not crashed). */
  isConnected(device: number): boolean {
    return this.serverOf[device] >= 0;
  }

  /** The server on node `server` crashed at `nowUs`: every device connected to it is dropped at that moment. */
  serverCrashed(server: number, nowUs: number): void {
    const waiting = new Set<number>();
    for (let device = 0; device < this.serverOf.length; device++) {
      if (this.serverOf[device] !== server) continue;
      waiting.add(device);
      this.deviceDisconnected(device, nowUs);
    }
    if (waiting.size === 0) return;
    const outage: ChatOutage = {
      server,
      atUs: nowUs,
      devicesDropped: waiting.size,
      allReconnectedUs: Number.NaN,
      reconnected: 0,
      waitedUs: 0,
    };
    this.outages.push(outage);
    this.openOutages.push({ outage, waiting, lastBackUs: nowUs });
  }

  /** Every count, for the trace hash; empty without a chat workload, so other runs keep their hashes. */
  results(): Record<string, unknown> {
    if (this.protocols.size === 0) return {};
    this.finish();
    return {
      chat: [
        CHAT_COUNTERS.map((c) => [this.totals[c], Array.from(this.perWindow[c])]),
        this.deliveryLatency.summary(),
        this.lost,
        this.undeliveredAtEnd,
        this.pendingAtEnd,
        Array.from(this.conversationMarks),
        this.outages.map((o) => [o.server, o.atUs, o.devicesDropped, o.allReconnectedUs]),
      ],
    };
  }
}

/** One number per sent message, (sender device, clientMessageId): exact while clientMessageId < 2^32 and device < 2^21. */
function messageKey(device: number, clientMessageId: number): number {
  return device * 0x1_0000_0000 + clientMessageId;
}

/** Told each in-order delivery: which device, which message (conversation, seq, the device that sent it), at what true time. */
export type ChatDeliveryListener = (
  device: number,
  conversation: number,
  seq: number,
  senderDevice: number,
  nowUs: number,
) => void;

export interface ChatOutage {
  /** The crashed server's node id. */
  readonly server: number;
  readonly atUs: number;
  readonly devicesDropped: number;
  allReconnectedUs: number;
  /** Dropped devices connected again, and the sum of their times from the crash until they were. */
  reconnected: number;
  waitedUs: number;
}
