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

export class ChatLog {
  /** Send → first arrival at each recipient device, messages sent after the warm-up. */
  readonly deliveryLatency = new LatencyHistogram();
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
  /** Per device: the node of the server it is connected to, −1 when not connected. */
  private serverOf = new Int32Array(0);
  private readonly openOutages: { outage: ChatOutage; waiting: Set<number> }[] = [];

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

  count(counter: ChatCounter, nowUs: number, n = 1): void {
    this.perWindow[counter][Math.min(Math.floor(nowUs / this.windowUs), this.windows - 1)] += n;
    if (nowUs >= this.measureFromUs) this.totals[counter] += n;
  }

  /** A message sent at `sentUs` first reached a recipient device at `nowUs`. */
  delivered(sentUs: number, nowUs: number): void {
    this.count('deliveries', nowUs);
    if (sentUs >= this.measureFromUs) this.deliveryLatency.record(nowUs - sentUs);
  }

  /** Device `device` is connected to the server on node `server` from `nowUs`. */
  deviceConnected(device: number, server: number, nowUs: number): void {
    if (this.serverOf[device] < 0) this.connected.add(1, nowUs);
    this.serverOf[device] = server;
    this.count('connections', nowUs);
    for (let i = this.openOutages.length - 1; i >= 0; i--) {
      const open = this.openOutages[i];
      if (open.waiting.delete(device) && open.waiting.size === 0) {
        open.outage.allReconnectedUs = nowUs;
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
    const outage: ChatOutage = { server, atUs: nowUs, devicesDropped: waiting.size, allReconnectedUs: Number.NaN };
    this.outages.push(outage);
    this.openOutages.push({ outage, waiting });
  }

  /** Every count, for the trace hash; empty without a chat workload, so other runs keep their hashes. */
  results(): Record<string, unknown> {
    if (this.protocols.size === 0) return {};
    return {
      chat: [
        CHAT_COUNTERS.map((c) => [this.totals[c], Array.from(this.perWindow[c])]),
        this.deliveryLatency.summary(),
        this.lost,
        this.undeliveredAtEnd,
        this.outages.map((o) => [o.server, o.atUs, o.devicesDropped, o.allReconnectedUs]),
      ],
    };
  }
}

export interface ChatOutage {
  /** The crashed server's node id. */
  readonly server: number;
  readonly atUs: number;
  readonly devicesDropped: number;
  allReconnectedUs: number;
}
