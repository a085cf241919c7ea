import { z } from 'zod';
import type { NodeContext, NodeId, RandomStream } from '../../engine/index.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { InstanceContext, ModelDefinition } from '../kit/model-contract.js';
import { durationUs, fraction, positiveDurationUs, positiveInt, ratePerSec, sizeBytes } from '../kit/units.js';
import type { ChatLog } from '../measure/chat-log.js';
import type { OperationMetrics, RequestMetrics } from '../measure/request-metrics.js';
import { rateShapeOf, rateShapeParam } from '../workload/rate-shape.js';
import { ShapedArrivals } from '../workload/shaped-arrivals.js';
import {
  ChatDevice,
  newDeviceDurable,
  type ChatDeviceDurable,
  type ChatDeviceHost,
  type ChatDeviceSettings,
} from './chat-device.js';
import { CHAT_PROTOCOLS, type ChatToDevice } from './chat-messages.js';
import { chatPopulationKey, generateChatPopulation, type ChatPopulation } from './chat-population.js';
import {
  DEFAULT_HEARTBEAT_INTERVAL_US,
  DEFAULT_HEARTBEAT_TIMEOUT_US,
  DEFAULT_POLL_INTERVAL_US,
  DEFAULT_POLL_TIMEOUT_US,
  DEFAULT_SETUP_ROUND_TRIPS,
  PROTOCOL_BEHAVIOUR,
} from './chat-protocols.js';
import { reconnectParams, reconnectPolicyOf } from './reconnect-policy.js';

/** Timer tags of the client node (its devices use 2–8, see DEVICE_TIMERS); data: the device's index. */
const ARRIVAL = 1;
const FIRST_CONNECT = 9;
const APP_TOGGLE = 10;

/**
 * The most messages a second one user may write. Rates past it are typing
 * errors (1e6/s), and a run would spend minutes on them before its memory
 * guard stopped it.
 */
const MAX_MESSAGE_RATE_PER_SEC = 100;

/** Devices one user may have: a phone and linked devices, with room to spare. */
const MAX_DEVICES_PER_USER = 64;

/**
 * The most (conversation member × device) pairs a run may hold: each is a
 * cursor on every store node and a slot in the devices' state, so a typo in
 * a group count would otherwise exhaust the memory before the run starts.
 */
const MAX_MEMBER_DEVICES = 2 ** 25;

/** Devices in a run at most: ChatLog keys a message by sender device × 2^32 + its number, exact below 2^53. */
const MAX_DEVICES = 2 ** 21;

/** Offline periods of each device: online for Exp(mean onlineUs), then offline for Exp(mean offlineUs), and again. */
interface OfflinePeriods {
  onlineUs: number;
  offlineUs: number;
}

/** What every client node of the workload shares. */
interface ChatClientsShared {
  settings: ChatDeviceSettings;
  population: ChatPopulation;
  chats: ChatLog;
  requests: RequestMetrics;
  sendOperation: OperationMetrics;
  connectOperation: OperationMetrics;
  directoryName: string;
  messageRatePerSec: number;
  shape: ReturnType<typeof rateShapeOf>;
  stopAtUs: number | undefined;
  groupShare: number;
  connectSpreadUs: number;
  offline: OfflinePeriods | undefined;
}

/**
 * One chat user: its devices (each with its own connection, cursors and
 * outbox, see ChatDevice) and the messages it writes. Messages come at
 * Poisson times of messageRate (per user); each goes to one of the user's
 * groups with probability groupShare (to a one-to-one conversation
 * otherwise; all to whichever kind the user has when it lacks the other),
 * picked uniformly, and leaves from a device picked uniformly among the
 * connected ones, or, when none is connected, among those in the app (it
 * waits in that device's outbox until it connects). A user with no device
 * in the app (all offline on purpose) writes nothing: messageRate is the
 * rate while the user has the app open.
 */
export class ChatClientNode implements InspectableProcess<ChatToDevice> {
  private readonly devices: ChatDevice[] = [];
  private readonly arrivals: ShapedArrivals;
  private readonly picking: RandomStream;
  private readonly appRng: RandomStream;
  private readonly firstDevice: number;
  private nextWire = 0;
  /** Messages the user did not write because no device was in the app. */
  private skipped = 0;

  constructor(
    private readonly ctx: NodeContext<{ devices?: ChatDeviceDurable[]; starts?: number }>,
    private readonly shared: ChatClientsShared,
    private readonly user: number,
  ) {
    const { population, settings } = shared;
    this.picking = ctx.random('chat-messages');
    this.appRng = ctx.random('chat-app');
    this.arrivals = new ShapedArrivals(ctx, shared.messageRatePerSec, shared.shape, shared.stopAtUs, ARRIVAL);
    const conversations = population.conversationStart[user + 1] - population.conversationStart[user];
    const disks = (ctx.durable.devices ??= Array.from({ length: population.devicesPerUser }, () =>
      newDeviceDurable(conversations),
    ));
    this.firstDevice = user * population.devicesPerUser;
    // Wire ids never repeat across restarts, so a reply to a request of an earlier start matches nothing.
    const starts = (ctx.durable.starts = (ctx.durable.starts ?? 0) + 1);
    this.nextWire = (starts - 1) * 0x1_0000_0000;
    const host: ChatDeviceHost = {
      ctx,
      settings,
      population,
      chats: shared.chats,
      requests: shared.requests,
      sendOperation: shared.sendOperation,
      connectOperation: shared.connectOperation,
      directory: ctx.lookup(shared.directoryName),
      backoff: ctx.random('chat-reconnect'),
      nextWireId: () => this.nextWire++,
    };
    for (let d = 0; d < population.devicesPerUser; d++)
      this.devices.push(new ChatDevice(host, d, this.firstDevice + d, user, disks[d]));
  }

  inspect(): InspectedState {
    let connected = 0;
    let outbox = 0;
    for (const device of this.devices) {
      if (device.online) connected++;
      outbox += device.outboxSize;
    }
    return {
      user: this.user,
      devicesConnected: connected,
      outbox,
      messagesSkippedOffline: this.skipped,
      devices: this.devices.map((d) => d.inspect()),
    };
  }

  onStart(): void {
    const { connectSpreadUs, offline } = this.shared;
    for (let d = 0; d < this.devices.length; d++) {
      // With offline periods, each device starts in its stationary state: in the app with probability on/(on + off).
      if (
        offline !== undefined &&
        this.appRng.nextDouble() * (offline.onlineUs + offline.offlineUs) >= offline.onlineUs
      ) {
        this.ctx.setTimer(this.exponential(offline.offlineUs), APP_TOGGLE, d);
        continue;
      }
      this.ctx.setTimer(connectSpreadUs > 0 ? this.appRng.nextDouble() * connectSpreadUs : 0, FIRST_CONNECT, d);
      if (offline !== undefined) this.ctx.setTimer(this.exponential(offline.onlineUs), APP_TOGGLE, d);
    }
    this.arrivals.scheduleNext();
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === ARRIVAL) {
      if (this.arrivals.keep()) this.write();
      this.arrivals.scheduleNext();
      return;
    }
    const device = this.devices[data as number];
    if (tag === FIRST_CONNECT) device.comeOnline();
    else if (tag === APP_TOGGLE) {
      const offline = this.shared.offline!;
      if (device.inApp) {
        device.goOffline();
        this.ctx.setTimer(this.exponential(offline.offlineUs), APP_TOGGLE, device.index);
      } else {
        device.comeOnline();
        this.ctx.setTimer(this.exponential(offline.onlineUs), APP_TOGGLE, device.index);
      }
    } else device.onTimer(tag);
  }

  onMessage(from: NodeId, message: ChatToDevice): void {
    const device = this.devices[message.device - this.firstDevice];
    if (device === undefined) return;
    device.heardFrom(from);
    switch (message.kind) {
      case 'chat-locate-reply':
        device.onLocateReply(message);
        break;
      case 'chat-hello-reply':
        device.onHelloReply(from, message);
        break;
      case 'chat-connect-reply':
        device.onConnectReply(from, message);
        break;
      case 'chat-closed':
        device.onClosed(from);
        break;
      case 'chat-pong':
        break;
      case 'chat-send-ack':
        device.onSendAck(message);
        break;
      case 'chat-deliver':
        device.onDeliver(message.messages);
        break;
      case 'chat-presence':
        device.onPresence();
        break;
      case 'chat-poll-reply':
        device.onPollReply(from, message);
        break;
    }
  }

  /** The user writes a message: which conversation, from which device. */
  private write(): void {
    const p = this.shared.population;
    const start = p.conversationStart[this.user];
    const groupsFrom = p.groupFrom[this.user];
    const end = p.conversationStart[this.user + 1];
    if (start === end) return;
    const devices = this.devices;
    let connected = 0;
    let inApp = 0;
    for (const device of devices) {
      if (device.online) connected++;
      if (device.inApp) inApp++;
    }
    if (inApp === 0) {
      this.skipped++;
      return;
    }
    const oneToOne = groupsFrom - start;
    const groups = end - groupsFrom;
    const toGroup = groups > 0 && (oneToOne === 0 || this.picking.nextDouble() < this.shared.groupShare);
    const conversation = toGroup
      ? p.userConversations[groupsFrom + this.picking.int(groups)]
      : p.userConversations[start + this.picking.int(oneToOne)];
    // The k-th connected device (or in-app one when none is connected), k uniform.
    let k = this.picking.int(connected > 0 ? connected : inApp);
    for (const device of devices) {
      if (!(connected > 0 ? device.online : device.inApp)) continue;
      if (k-- === 0) {
        device.submit(conversation);
        return;
      }
    }
  }

  private exponential(meanUs: number): number {
    return -meanUs * Math.log(1 - this.appRng.nextDouble());
  }

  /** The device with this index on the node (0 … devicesPerUser − 1): for inspection and tests. */
  device(index: number): ChatDevice {
    return this.devices[index];
  }

  /** Per device: its number, its cursors and outbox (for the end-of-run counts). */
  get durableDevices(): readonly ChatDeviceDurable[] {
    return this.ctx.durable.devices!;
  }
}

const groupSpec = z
  .strictObject({
    count: positiveInt.describe('How many groups of this size.'),
    size: z.int().min(2).describe('Members per group, drawn uniformly without replacement from all users.'),
  })
  .describe('Groups of one size: `count` of them, each with `size` members.');

const chatClientsParams = z.strictObject({
  directory: z
    .string()
    .describe(
      'The chat-directory component devices locate their server through; the population is published under its name for the chat servers and stores.',
    ),
  protocol: z
    .enum(CHAT_PROTOCOLS)
    .default('websocket')
    .describe(
      'websocket (push, heartbeats), sse (push stream, sends as POSTs), long-polling (a poll held until a message or pollTimeout, then again at once), or short-polling (a poll every pollInterval).',
    ),
  setupRoundTrips: positiveInt
    .optional()
    .describe(
      'Round trips to open a session, the connect request included; by protocol when absent: websocket 3 (TCP, TLS, upgrade), sse 3, long-polling 2, short-polling 2.',
    ),
  heartbeatInterval: positiveDurationUs
    .default(DEFAULT_HEARTBEAT_INTERVAL_US)
    .describe('websocket and sse: a heartbeat every this long (default 30s). Polling devices send none.'),
  heartbeatTimeout: positiveDurationUs
    .default(DEFAULT_HEARTBEAT_TIMEOUT_US)
    .describe(
      'websocket and sse: the server is dead when nothing comes from it within this long after a heartbeat (default 10s).',
    ),
  pollInterval: positiveDurationUs
    .default(DEFAULT_POLL_INTERVAL_US)
    .describe("short-polling: a poll every this long, from the previous poll's send (default 5s)."),
  pollTimeout: positiveDurationUs
    .default(DEFAULT_POLL_TIMEOUT_US)
    .describe('long-polling: how long the server holds a poll with nothing to say (default 30s).'),
  connectTimeout: positiveDurationUs
    .default(10_000_000)
    .describe('Each connect step (locate, every set-up round trip) fails when unanswered this long (default 10s).'),
  requestTimeout: positiveDurationUs
    .default(10_000_000)
    .describe(
      'A send is sent again (same clientMessageId) when unacknowledged this long; a poll unanswered this long past its hold means a dead server (default 10s).',
    ),
  gapTimeout: positiveDurationUs
    .default(2_000_000)
    .describe(
      'A gap in a conversation (a later message held, an earlier one missing) still open this long asks the server to sync that conversation (default 2s).',
    ),
  devicesPerUser: positiveInt
    .max(MAX_DEVICES_PER_USER)
    .default(1)
    .describe(`Devices per user, each with its own connection and cursors (at most ${MAX_DEVICES_PER_USER}).`),
  contactsPerUser: z
    .int()
    .min(0)
    .default(5)
    .describe('One-to-one partners per user, random and distinct: one conversation per pair (default 5).'),
  groups: z
    .array(groupSpec)
    .default([])
    .describe('Group conversations, e.g. [{ count: 10, size: 20 }]; none by default.'),
  maxGroupSize: positiveInt
    .default(100)
    .describe(
      'The largest group allowed (default 100, as the guide sets); a bigger group is refused when the scenario is checked.',
    ),
  messageRate: ratePerSec
    .refine((rate) => rate <= MAX_MESSAGE_RATE_PER_SEC, {
      message: `a chat user writes at most ${MAX_MESSAGE_RATE_PER_SEC}/s (a faster sender is a feed, not a person): add users for more traffic`,
    })
    .default(1 / 60)
    .describe(
      `Messages each user writes while in the app, Poisson (default 1/min, at most ${MAX_MESSAGE_RATE_PER_SEC}/s).`,
    ),
  shape: rateShapeParam
    .optional()
    .describe('How the message rate changes over time (ramp, spike, diurnal); constant when absent.'),
  groupShare: fraction
    .default(0.3)
    .describe(
      "Share of a user's messages that go to its groups, the rest to its one-to-one conversations (default 30%).",
    ),
  messageSize: sizeBytes.default(100).describe("Bytes per message (default 100B, the guide's text message)."),
  reconnect: reconnectParams.default({ policy: 'jittered-backoff', base: 1_000_000, max: 30_000_000, multiplier: 2 }),
  connectSpread: durationUs
    .default(1_000_000)
    .describe(
      'Devices make their first connect at a uniform time in [0, connectSpread], not all at once (default 1s).',
    ),
  offline: z
    .strictObject({
      every: positiveDurationUs.describe('Mean time a device stays in the app before going offline (exponential).'),
      for: positiveDurationUs.describe('Mean time it stays offline (exponential).'),
    })
    .optional()
    .describe(
      'Offline periods per device, independent: in the app for Exp(every), then offline (session closed) for Exp(for), and again; online share every/(every + for), from the start. Always online when absent.',
    ),
  stopAt: durationUs
    .optional()
    .describe('No new messages from this simulated time on (a quiet end, for counting what is left undelivered).'),
});

export type ChatClientsParams = z.output<typeof chatClientsParams>;

/** The settings devices run with, defaults per protocol applied. */
export function chatDeviceSettings(params: ChatClientsParams): ChatDeviceSettings {
  return {
    protocol: params.protocol,
    behaviour: PROTOCOL_BEHAVIOUR[params.protocol],
    setupRoundTrips: params.setupRoundTrips ?? DEFAULT_SETUP_ROUND_TRIPS[params.protocol],
    heartbeatIntervalUs: params.heartbeatInterval,
    heartbeatTimeoutUs: params.heartbeatTimeout,
    pollIntervalUs: params.pollInterval,
    pollTimeoutUs: params.pollTimeout,
    connectTimeoutUs: params.connectTimeout,
    requestTimeoutUs: params.requestTimeout,
    gapTimeoutUs: params.gapTimeout,
    reconnect: reconnectPolicyOf(params.reconnect),
    messageSizeBytes: params.messageSize,
  };
}

/**
 * The population of a chat-clients workload with `users` nodes, built once
 * per run from the workload's own random stream and shared under the
 * directory's name.
 */
function publishPopulation(params: ChatClientsParams, ctx: InstanceContext): ChatPopulation {
  return ctx.shared(chatPopulationKey(params.directory), () =>
    generateChatPopulation(
      {
        users: ctx.nodeNames.length,
        devicesPerUser: params.devicesPerUser,
        contactsPerUser: params.contactsPerUser,
        groups: params.groups,
      },
      ctx.stream(ctx.name, 'chat-population'),
    ),
  );
}

export const chatClientsModel: ModelDefinition<typeof chatClientsParams> = {
  type: 'chat-clients',
  role: 'workload',
  description:
    'Chat users, one per node, each with devices that connect to chat servers (websocket, sse, long or short polling), send one-to-one and group messages, receive them in order per conversation, ack, heartbeat and reconnect by a policy.',
  params: chatClientsParams,
  references: (params) => [{ path: ['directory'], component: params.directory, type: 'chat-directory' }],
  check(params, instance) {
    const problems: { path: (string | number)[]; message: string }[] = [];
    const users = instance.nodeCount;
    if (params.contactsPerUser > users - 1)
      problems.push({
        path: ['contactsPerUser'],
        message: `is ${params.contactsPerUser}, but with ${users} users (one per node) each has at most ${users - 1} partners: lower it or add nodes`,
      });
    if (users * params.devicesPerUser > MAX_DEVICES)
      problems.push({
        path: ['devicesPerUser'],
        message: `${users} users with ${params.devicesPerUser} devices each make ${users * params.devicesPerUser} devices, above the ${MAX_DEVICES} a run can tell apart: fewer users or devices`,
      });
    let memberships = users * Math.min(params.contactsPerUser, users - 1);
    for (const g of params.groups) memberships += g.count * g.size;
    if (memberships * params.devicesPerUser > MAX_MEMBER_DEVICES)
      problems.push({
        path: ['groups'],
        message: `the conversations have ${memberships} members in all, × ${params.devicesPerUser} devices each = ${memberships * params.devicesPerUser} cursors, above the ${MAX_MEMBER_DEVICES} a run holds: fewer or smaller groups, fewer contacts or devices`,
      });
    params.groups.forEach((g, i) => {
      if (g.size > params.maxGroupSize)
        problems.push({
          path: ['groups', i, 'size'],
          message: `a group of ${g.size} members is above maxGroupSize (${params.maxGroupSize}): make the group smaller or raise maxGroupSize`,
        });
      else if (g.size > users)
        problems.push({
          path: ['groups', i, 'size'],
          message: `a group of ${g.size} members needs at least ${g.size} users, but the workload has ${users} nodes (one user each)`,
        });
    });
    return problems;
  },
  checkAmong(_params, self, instances) {
    const first = instances.find((i) => i.type === 'chat-clients');
    return first === undefined || first.name === self
      ? []
      : [
          {
            path: ['type'],
            message: `a run holds one chat-clients workload (its device numbers are the run's chat record), and "${first.name}" is one already; compare protocols or settings with variants`,
          },
        ];
  },
  instantiate(params, ctx) {
    const chats = ctx.chats;
    if (chats.protocols.size > 0 && !chats.protocols.has(ctx.name))
      throw new Error(
        `${ctx.name}: a run holds one chat-clients workload (device numbers are shared with the run's chat record), and "${[...chats.protocols.keys()][0]}" is one already; compare protocols with variants`,
      );
    const population = publishPopulation(params, ctx);
    chats.protocols.set(ctx.name, params.protocol);
    chats.devices(population.users * population.devicesPerUser);
    chats.conversations(population.conversations);
    const shared: ChatClientsShared = {
      settings: chatDeviceSettings(params),
      population,
      chats,
      requests: ctx.requests,
      sendOperation: ctx.requests.operation('send'),
      connectOperation: ctx.requests.operation('connect'),
      directoryName: ctx.nodesOf(params.directory)[0],
      messageRatePerSec: params.messageRate,
      shape: rateShapeOf(params.shape),
      stopAtUs: params.stopAt,
      groupShare: params.groupShare,
      connectSpreadUs: params.connectSpread,
      offline: params.offline && { onlineUs: params.offline.every, offlineUs: params.offline.for },
    };
    const nodes: (ChatClientNode | undefined)[] = new Array(population.users);
    chats.onFinish(() => finishCounts(population, chats, nodes));
    // A user's node crashing drops its devices' connections at that moment (their servers notice later).
    let userOf: Map<number, number> | null = null;
    ctx.onCrash((node, atUs) => {
      userOf ??= new Map(ctx.nodeNames.map((name, user) => [ctx.nodeId(name), user]));
      const user = userOf.get(node);
      if (user === undefined) return;
      for (let d = 0; d < population.devicesPerUser; d++)
        chats.deviceDisconnected(user * population.devicesPerUser + d, atUs);
    });
    return (user) => (nodeCtx) => (nodes[user] = new ChatClientNode(nodeCtx, shared, user));
  },
};

/**
 * At the end of the run: messages still in devices' outboxes (`pendingAtEnd`),
 * and stored messages that some device connected at the end had not
 * delivered (`undeliveredAtEnd`: per conversation, the stored seq less the
 * lowest cursor among its members' connected devices).
 */
function finishCounts(
  population: ChatPopulation,
  chats: ChatLog,
  nodes: readonly (ChatClientNode | undefined)[],
): void {
  const lowestCursor = new Float64Array(population.conversations).fill(Number.POSITIVE_INFINITY);
  for (let user = 0; user < nodes.length; user++) {
    const node = nodes[user];
    if (node === undefined) continue;
    const start = population.conversationStart[user];
    const end = population.conversationStart[user + 1];
    node.durableDevices.forEach((disk, d) => {
      chats.pendingAtEnd += disk.outbox.size;
      if (!chats.isConnected(user * population.devicesPerUser + d)) return;
      for (let i = 0; i < end - start; i++) {
        const c = population.userConversations[start + i];
        lowestCursor[c] = Math.min(lowestCursor[c], disk.expected[i] - 1);
      }
    });
  }
  for (let c = 0; c < population.conversations; c++)
    if (lowestCursor[c] !== Number.POSITIVE_INFINITY) chats.undelivered(c, chats.storedSeq(c) - lowestCursor[c]);
}
