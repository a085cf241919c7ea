import { describe, expect, it } from 'vitest';
import type { NodeContext, NodeId, Process } from '../engine/node-context.js';
import { Simulation } from '../engine/simulation.js';
import { chatClientsModel, type ChatClientNode } from '../models/chat/chat-clients.js';
import type { ChatEnvelope, ChatFromDevice, ChatLocate, ChatToDevice } from '../models/chat/chat-messages.js';
import { CacheLog } from '../models/measure/cache-log.js';
import { ChatLog } from '../models/measure/chat-log.js';
import { DeliveryLog } from '../models/measure/delivery-log.js';
import { FeedLog } from '../models/measure/feed-log.js';
import { HistoryRecorder } from '../models/measure/history-recorder.js';
import { RequestMetrics } from '../models/measure/request-metrics.js';
import { ShardLog } from '../models/measure/shard-log.js';
import { StalenessProbes } from '../models/measure/staleness-probes.js';
import { instanceContext } from '../scenarios/harness/instance-context.js';

/**
 * The device state machine against a hand-played server: one node, `srv-1`,
 * answers as both the directory and the chat server, records what devices
 * send, and pushes whatever messages a test makes up. Two users with one
 * one-to-one conversation (id 0); devices 0, 1 … of user 0 first. Links are
 * 1 ms each way.
 */

const MS = 1000;

interface Received {
  atUs: number;
  message: ChatFromDevice | ChatLocate;
}

class FakeServer implements Process<ChatFromDevice | ChatLocate> {
  readonly received: Received[] = [];
  /** Answers nothing while true (a dead or cut-off server). */
  mute = false;
  /** Acknowledge sends (with seqs 1, 2, … per conversation). */
  ackSends = true;
  /** Acknowledge on receipt first (seq −1), then again with the seq, as a server in ackMode on-receipt does. */
  ackOnReceipt = false;
  /** Hold long polls until this long has passed or `deliver` finds one. */
  private readonly heldPolls = new Map<number, { from: NodeId; id: number }>();
  private readonly seqs = new Map<number, number>();

  constructor(
    readonly ctx: NodeContext,
    private readonly chats: ChatLog,
  ) {}

  onMessage(from: NodeId, message: ChatFromDevice | ChatLocate): void {
    this.received.push({ atUs: this.ctx.nowUs, message });
    if (this.mute) return;
    const reply = (m: ChatToDevice) => this.ctx.send(from, m, 0);
    const device = message.device;
    switch (message.kind) {
      case 'chat-locate':
        reply({ kind: 'chat-locate-reply', id: message.id, device, server: this.ctx.id, retryAfterUs: 0 });
        break;
      case 'chat-hello':
        reply({ kind: 'chat-hello-reply', id: message.id, device, step: message.step });
        break;
      case 'chat-connect':
        this.chats.deviceConnected(device, this.ctx.id, this.ctx.nowUs);
        reply({ kind: 'chat-connect-reply', id: message.id, device, retryAfterUs: 0 });
        break;
      case 'chat-heartbeat':
        reply({ kind: 'chat-pong', device });
        break;
      case 'chat-send': {
        if (!this.ackSends) break;
        const seq = (this.seqs.get(message.conversation) ?? 0) + 1;
        this.seqs.set(message.conversation, seq);
        const { id, conversation, clientMessageId } = message;
        if (this.ackOnReceipt) reply({ kind: 'chat-send-ack', id, device, conversation, clientMessageId, seq: -1 });
        reply({ kind: 'chat-send-ack', id, device, conversation, clientMessageId, seq });
        break;
      }
      case 'chat-poll':
        if (message.waitUs === 0) this.answerPoll(from, device, message.id, []);
        else {
          this.heldPolls.set(device, { from, id: message.id });
          this.ctx.setTimer(message.waitUs, 0, { device, id: message.id });
        }
        break;
      case 'chat-close':
        this.chats.deviceClosed(device, this.ctx.id, this.ctx.nowUs);
        break;
    }
  }

  onTimer(_tag: number, data: unknown): void {
    const { device, id } = data as { device: number; id: number };
    const held = this.heldPolls.get(device);
    if (held === undefined || held.id !== id) return;
    this.heldPolls.delete(device);
    this.answerPoll(held.from, device, id, []);
  }

  private answerPoll(to: NodeId, device: number, id: number, messages: ChatEnvelope[]): void {
    const reply: ChatToDevice = { kind: 'chat-poll-reply', id, device, messages, presence: [], noSession: false };
    this.ctx.send(to, reply, 0);
  }

  /** Pushes messages to a device on user node `phone`: a frame, or the answer to its held long poll. */
  deliver(phone: NodeId, device: number, messages: ChatEnvelope[]): void {
    const held = this.heldPolls.get(device);
    if (held !== undefined) {
      this.heldPolls.delete(device);
      this.answerPoll(held.from, device, held.id, messages);
      return;
    }
    this.ctx.send(phone, { kind: 'chat-deliver', device, messages } satisfies ChatToDevice, 0);
  }

  /** What device `device` sent, of one kind, with arrival times. */
  from<K extends (ChatFromDevice | ChatLocate)['kind']>(
    device: number,
    kind: K,
  ): { atUs: number; message: Extract<ChatFromDevice | ChatLocate, { kind: K }> }[] {
    return this.received.filter((r) => r.message.device === device && r.message.kind === kind) as never;
  }
}

interface Rig {
  sim: Simulation;
  chats: ChatLog;
  server: FakeServer;
  phones: NodeId[];
  node(user: number): ChatClientNode;
  /** In-order deliveries: [device, conversation, seq, true time]. */
  deliveries: [number, number, number, number][];
}

const envelope = (seq: number, senderDevice = 0, conversation = 0, sentUs = 0): ChatEnvelope => ({
  conversation,
  seq,
  senderDevice,
  clientMessageId: seq,
  sentUs,
  sizeBytes: 100,
});

function rig(params: Record<string, unknown>): Rig {
  const sim = new Simulation({ seed: 3, network: { sameRegionRttUs: { type: 'constant', value: 2 * MS } } });
  const durationUs = 60_000_000;
  const windowUs = 1_000_000;
  const chats = new ChatLog(windowUs, 60, 0);
  let server: FakeServer | undefined;
  sim.addNode({ name: 'srv-1', process: (ctx) => (server = new FakeServer(ctx, chats)) });
  const shared = new Map<string, unknown>();
  const wiring = instanceContext(sim, {
    name: 'users',
    nodeNames: ['phone-1', 'phone-2'],
    nodesOf: () => ['srv-1'],
    requests: new RequestMetrics({ windowUs, durationUs, availabilityThresholdUs: 1_000_000, measureFromUs: 0 }),
    history: new HistoryRecorder(sim),
    probes: new StalenessProbes(),
    deliveries: new DeliveryLog(),
    caches: new CacheLog(windowUs, 1),
    shards: new ShardLog(windowUs, 1),
    feeds: new FeedLog(windowUs, 1, 0),
    chats,
    shared: <T>(key: string, build: () => T): T => {
      if (!shared.has(key)) shared.set(key, build());
      return shared.get(key) as T;
    },
    paramsOf: () => ({}),
    metricsOf: () => undefined,
    componentMetrics: () => {
      throw new Error('not used');
    },
  });
  const parsed = chatClientsModel.params.parse({
    directory: 'directory',
    contactsPerUser: 1,
    connectSpread: 0,
    messageRate: '1/s',
    stopAt: 0,
    ...params,
  });
  const factory = chatClientsModel.instantiate(parsed, wiring);
  const phones = [0, 1].map((i) => sim.addNode({ name: `phone-${i + 1}`, process: factory(i) }));
  const deliveries: Rig['deliveries'] = [];
  chats.onDelivery((device, conversation, seq, _sender, nowUs) => deliveries.push([device, conversation, seq, nowUs]));
  sim.run({ untilUs: 0 });
  return {
    sim,
    chats,
    server: server!,
    phones,
    node: (user) => sim.process(phones[user]) as unknown as ChatClientNode,
    deliveries,
  };
}

describe('chat devices against a hand-played server', () => {
  it("connects in the protocol's set-up round trips after locating, then syncs", () => {
    const r = rig({ protocol: 'websocket' });
    r.sim.run({ untilUs: 50 * MS });
    const kinds = r.server.received.filter((x) => x.message.device === 0).map((x) => [x.message.kind, x.atUs]);
    // Locate (1 RTT), hellos for TCP and TLS, the upgrade as the connect: 3 set-up round trips, then the sync.
    expect(kinds).toEqual([
      ['chat-locate', 1 * MS],
      ['chat-hello', 3 * MS],
      ['chat-hello', 5 * MS],
      ['chat-connect', 7 * MS],
      ['chat-sync', 9 * MS],
    ]);
    expect(r.server.from(0, 'chat-sync')[0].message.conversation).toBe(-1);
    expect(r.chats.isConnected(0)).toBe(true);

    const polling = rig({ protocol: 'short-polling' });
    polling.sim.run({ untilUs: 50 * MS });
    expect(polling.server.from(0, 'chat-hello').length).toBe(1);
    expect(polling.server.from(0, 'chat-connect')[0].atUs).toBe(5 * MS);
  });

  it('delivers each conversation in seq order: holds arrivals ahead of a gap, drops duplicates, acks the cursor', () => {
    const r = rig({});
    r.sim.run({ untilUs: 20 * MS });
    // Device 1 (user 1) gets seqs 2 and 3, then 1, then 2 again.
    r.server.deliver(r.phones[1], 1, [envelope(2), envelope(3)]);
    r.sim.run({ untilUs: 30 * MS });
    expect(r.deliveries).toEqual([]);
    r.server.deliver(r.phones[1], 1, [envelope(1)]);
    r.sim.run({ untilUs: 40 * MS });
    r.server.deliver(r.phones[1], 1, [envelope(2)]);
    r.sim.run({ untilUs: 100 * MS });
    expect(r.deliveries).toEqual([
      [1, 0, 1, 31 * MS],
      [1, 0, 2, 31 * MS],
      [1, 0, 3, 31 * MS],
    ]);
    expect(r.chats.totals.outOfOrder).toBe(2);
    expect(r.chats.totals.duplicates).toBe(1);
    expect(r.chats.totals.deliveries).toBe(3);
    // One ack, with the cursor after the gap filled.
    expect(r.server.from(1, 'chat-ack').map((a) => [a.message.conversation, a.message.seq, a.atUs])).toEqual([
      [0, 3, 32 * MS],
    ]);
  });

  it("a device's own messages move its cursor without counting as deliveries", () => {
    const r = rig({ devicesPerUser: 2 });
    r.sim.run({ untilUs: 20 * MS });
    // Device 0 (user 0) writes: the fake server acks with seq 1. Its echo then comes, then seq 2 from device 2.
    r.sim.at(20 * MS, () => r.node(0).device(0).submit(0));
    r.sim.run({ untilUs: 30 * MS });
    expect(r.chats.totals.messagesAcknowledged).toBe(1);
    r.server.deliver(r.phones[0], 0, [envelope(1, 0), envelope(2, 2)]);
    r.sim.run({ untilUs: 40 * MS });
    expect(r.deliveries).toEqual([[0, 0, 2, 31 * MS]]);
    expect(r.chats.totals.duplicates).toBe(0);
    expect(r.chats.totals.outOfOrder).toBe(0);
  });

  it('an on-receipt ack empties the outbox; the seq that follows moves the cursor', () => {
    const r = rig({});
    r.server.ackOnReceipt = true;
    r.sim.run({ untilUs: 20 * MS });
    r.sim.at(20 * MS, () => r.node(0).device(0).submit(0));
    r.sim.run({ untilUs: 30 * MS });
    expect(r.chats.totals.messagesAcknowledged).toBe(1);
    expect(r.node(0).device(0).outboxSize).toBe(0);
    r.server.deliver(r.phones[0], 0, [envelope(2, 2)]);
    r.sim.run({ untilUs: 40 * MS });
    expect(r.deliveries).toEqual([[0, 0, 2, 31 * MS]]);
    expect(r.chats.totals.outOfOrder).toBe(0);
  });

  it('a message stored twice under two seqs (a store without dedupe) is delivered once, the copy counted', () => {
    const r = rig({});
    r.sim.run({ untilUs: 20 * MS });
    const copy = (seq: number): ChatEnvelope => ({ ...envelope(seq, 0), clientMessageId: 7 });
    r.server.deliver(r.phones[1], 1, [copy(1), copy(2), envelope(3)]);
    r.sim.run({ untilUs: 30 * MS });
    expect(r.deliveries.map((d) => d[2])).toEqual([1, 3]);
    expect(r.chats.totals.duplicates).toBe(1);
    expect(r.server.from(1, 'chat-ack').at(-1)!.message.seq).toBe(3);
  });

  it('a gap still open after gapTimeout asks the server for the missing seqs only, again until it fills', () => {
    const r = rig({ gapTimeout: '100ms' });
    r.sim.run({ untilUs: 20 * MS });
    r.server.deliver(r.phones[1], 1, [envelope(4), envelope(2)]);
    r.sim.run({ untilUs: 250 * MS });
    const gapSyncs = () =>
      r.server
        .from(1, 'chat-sync')
        .filter((s) => s.message.conversation === 0)
        .map((s) => [s.atUs, s.message.fromSeq, s.message.beforeSeq]);
    // Held 2 and 4: the gaps are [1, 2) and [3, 4), so what the device holds does not come again.
    expect(gapSyncs()).toEqual([
      [122 * MS, 1, 2],
      [122 * MS, 3, 4],
      [222 * MS, 1, 2],
      [222 * MS, 3, 4],
    ]);
    r.server.deliver(r.phones[1], 1, [envelope(1)]);
    r.sim.run({ untilUs: 350 * MS });
    expect(gapSyncs().slice(4)).toEqual([[322 * MS, 3, 4]]);
    r.server.deliver(r.phones[1], 1, [envelope(3)]);
    r.sim.run({ untilUs: 600 * MS });
    expect(r.deliveries.map((d) => d[2])).toEqual([1, 2, 3, 4]);
    expect(gapSyncs().length).toBe(5);
    expect(r.chats.totals.duplicates).toBe(0);
  });

  it('declares a silent server dead after heartbeatTimeout, then reconnects with doubling backoff', () => {
    const r = rig({
      heartbeatInterval: '1s',
      heartbeatTimeout: '300ms',
      connectTimeout: '200ms',
      reconnect: { policy: 'backoff', base: '100ms', max: '10s' },
    });
    r.sim.run({ untilUs: 500 * MS });
    r.server.mute = true;
    // The session opened at 8 ms; its first heartbeat leaves at 1.008 s and nothing answers by 1.308 s.
    r.sim.run({ untilUs: 1_307 * MS });
    expect(r.chats.isConnected(0)).toBe(true);
    r.sim.run({ untilUs: 1_309 * MS });
    expect(r.chats.isConnected(0)).toBe(false);
    r.sim.run({ untilUs: 3_500 * MS });
    // Attempt n waits 100 ms · 2^(n−1) after the previous one's 200 ms timeout (the first after the loss itself).
    const locates = r.server.from(0, 'chat-locate').map((l) => l.atUs);
    expect(locates.slice(1)).toEqual([1_409 * MS, 1_809 * MS, 2_409 * MS, 3_409 * MS]);
    // Each asks the directory to avoid the server the device lost, which is up for the directory but cut off from it.
    const srv = r.sim.nodeId('srv-1');
    expect(r.server.from(0, 'chat-locate').map((l) => l.message.avoid)).toEqual([-1, srv, srv, srv, srv]);
    r.server.mute = false;
    r.sim.run({ untilUs: 10_000 * MS });
    expect(r.chats.isConnected(0)).toBe(true);
    // Both users' devices went through the same four failed attempts.
    expect(r.chats.totals.connectsFailed).toBe(8);
    expect(r.server.from(1, 'chat-locate').map((l) => l.atUs)).toEqual(
      r.server.from(0, 'chat-locate').map((l) => l.atUs),
    );
  });

  it('immediate reconnects wait only for the timeouts; jittered ones wait a uniform share of the backoff', () => {
    const gaps = (policy: string) => {
      const r = rig({
        heartbeatInterval: '1s',
        heartbeatTimeout: '300ms',
        connectTimeout: '200ms',
        reconnect: { policy, base: '100ms', max: '10s' },
      });
      r.sim.run({ untilUs: 500 * MS });
      r.server.mute = true;
      r.sim.run({ untilUs: 6_000 * MS });
      const locates = r.server.from(0, 'chat-locate').map((l) => l.atUs);
      return locates.slice(2).map((t, i) => t - locates[i + 1] - 200 * MS);
    };
    expect(new Set(gaps('immediate'))).toEqual(new Set([0]));
    const jittered = gaps('jittered-backoff');
    jittered.forEach((wait, i) => {
      expect(wait).toBeGreaterThanOrEqual(0);
      expect(wait).toBeLessThanOrEqual(100 * MS * 2 ** (i + 1));
    });
    expect(new Set(jittered).size).toBe(jittered.length);
  });

  it('keeps messages written while disconnected and sends them after connecting; resends unacknowledged ones with the same id', () => {
    const r = rig({ requestTimeout: '1s' });
    r.server.ackSends = false;
    // Written at 2 ms, while the device is still locating.
    r.sim.at(2 * MS, () => r.node(0).device(0).submit(0));
    r.sim.run({ untilUs: 3_000 * MS });
    const sends = r.server.from(0, 'chat-send');
    expect(sends.map((s) => s.atUs)).toEqual([9 * MS, 1_009 * MS, 2_009 * MS]);
    expect(new Set(sends.map((s) => s.message.clientMessageId))).toEqual(new Set([0]));
    expect(new Set(sends.map((s) => s.message.sentUs))).toEqual(new Set([2 * MS]));
    r.server.ackSends = true;
    r.sim.run({ untilUs: 5_000 * MS });
    expect(r.chats.totals.messagesSent).toBe(1);
    expect(r.chats.totals.messagesAcknowledged).toBe(1);
    expect(r.node(0).device(0).outboxSize).toBe(0);
    expect(r.server.from(0, 'chat-send').length).toBe(4);
  });

  it('short polling polls every pollInterval from the connect; long polling polls again as each answer comes, with its cursors', () => {
    const short = rig({ protocol: 'short-polling', pollInterval: '1s' });
    short.sim.run({ untilUs: 4_500 * MS });
    expect(short.server.from(0, 'chat-poll').map((p) => [p.atUs, p.message.waitUs])).toEqual([
      [7 * MS, 0],
      [1_007 * MS, 0],
      [2_007 * MS, 0],
      [3_007 * MS, 0],
      [4_007 * MS, 0],
    ]);
    expect(short.server.from(0, 'chat-heartbeat')).toEqual([]);

    const long = rig({ protocol: 'long-polling', pollTimeout: '1s' });
    long.sim.run({ untilUs: 2_100 * MS });
    expect(long.server.from(1, 'chat-poll').map((p) => p.atUs)).toEqual([7 * MS, 1_009 * MS, 2_011 * MS]);
    long.server.deliver(long.phones[1], 1, [envelope(1)]);
    long.sim.run({ untilUs: 2_200 * MS });
    expect(long.deliveries).toEqual([[1, 0, 1, 2_101 * MS]]);
    const polls = long.server.from(1, 'chat-poll');
    expect(polls.at(-1)!.atUs).toBe(2_102 * MS);
    expect(polls.at(-1)!.message.acks).toEqual([{ conversation: 0, seq: 1 }]);
  });

  it("a user's node crashing drops its devices; restarted, they keep their cursors and outbox (the phone's storage)", () => {
    const r = rig({ requestTimeout: '1s' });
    r.sim.run({ untilUs: 20 * MS });
    r.server.deliver(r.phones[1], 1, [envelope(1)]);
    r.server.ackSends = false;
    r.sim.at(25 * MS, () => r.node(1).device(0).submit(0));
    r.sim.run({ untilUs: 40 * MS });
    r.sim.crash(r.phones[1]);
    expect(r.chats.isConnected(1)).toBe(false);
    r.sim.restart(r.phones[1]);
    r.server.ackSends = true;
    r.sim.run({ untilUs: 100 * MS });
    expect(r.chats.isConnected(1)).toBe(true);
    // The unacknowledged message goes out again with its id; seq 1 is not delivered twice.
    const sends = r.server.from(1, 'chat-send').map((x) => x.message.clientMessageId);
    expect(sends).toEqual([0, 0]);
    r.server.deliver(r.phones[1], 1, [envelope(1), envelope(2)]);
    r.sim.run({ untilUs: 200 * MS });
    expect(r.deliveries.map((d) => d[2])).toEqual([1, 2]);
    expect(r.chats.totals.duplicates).toBe(1);
  });

  it('a device going offline closes its session at once; coming back it re-sends moved cursors, then syncs', () => {
    const r = rig({});
    r.sim.run({ untilUs: 20 * MS });
    r.server.deliver(r.phones[1], 1, [envelope(1), envelope(2)]);
    r.sim.run({ untilUs: 30 * MS });
    const device = r.node(1).device(0);
    r.sim.at(100 * MS, () => device.goOffline());
    r.sim.run({ untilUs: 200 * MS });
    expect(r.chats.isConnected(1)).toBe(false);
    expect(r.server.from(1, 'chat-close').map((c) => c.atUs)).toEqual([101 * MS]);
    r.sim.at(300 * MS, () => device.comeOnline());
    r.sim.run({ untilUs: 400 * MS });
    const after = r.server.received.filter((x) => x.message.device === 1 && x.atUs > 300 * MS);
    expect(after.map((x) => x.message.kind)).toEqual([
      'chat-locate',
      'chat-hello',
      'chat-hello',
      'chat-connect',
      'chat-ack',
      'chat-sync',
    ]);
    expect(r.chats.isConnected(1)).toBe(true);
  });
});
