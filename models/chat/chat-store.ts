import { z } from 'zod';
import type { NodeContext, NodeId } from '../../engine/index.js';
import type { ChatLog } from '../measure/chat-log.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { durationUs, positiveInt } from '../kit/units.js';
import type {
  ChatAppend,
  ChatAppendReply,
  ChatCursorUpdate,
  ChatEnvelope,
  ChatFanout,
  ChatRoute,
  ChatRoutesRequest,
  ChatRoutesSnapshot,
  ChatStoreSync,
  ChatStoreSyncReply,
} from './chat-messages.js';
import { chatPopulationOf, conversationIndex, type ChatPopulation } from './chat-population.js';
import type { ChatDirectoryParams } from './chat-directory.js';
import { ChatWorkers, type ChatJob } from './chat-server-workers.js';

type StoreMessage = ChatAppend | ChatStoreSync | ChatCursorUpdate | ChatRoute | ChatRoutesSnapshot;

/** What a store node keeps on disk: it survives a crash. */
interface StoreDisk {
  /** Per conversation of this shard (by conversation div store nodes): its messages, seq − 1 indexing. */
  logs?: (ChatEnvelope[] | undefined)[];
  /** Per conversation of this shard: every message up to this seq has been fanned out. */
  fannedOut?: Int32Array;
  /** Per (member, device) of the population: the highest contiguous seq the device acknowledged (see cursorSlot). */
  cursors?: Int32Array;
  /** (sender device, clientMessageId) → seq, for dedupe. */
  seen?: Map<number, number>;
}

const JOB_DONE = 1;
const REGISTER = 2;
const OP_APPEND = 1;
const OP_FANOUT = 2;
const OP_SYNC = 3;

const NO_MESSAGES: readonly ChatEnvelope[] = [];

/** What every node of a chat-store component shares. */
export interface ChatStoreRuntime {
  readonly params: ChatStoreParams;
  readonly chats: ChatLog;
  readonly metrics: ComponentMetrics;
  readonly directoryNode: string;
  /** The directory's statusInterval: how often the store registers with it. */
  readonly statusIntervalUs: number;
  readonly nodes: number;
  population(): ChatPopulation;
}

/**
 * One shard of the chat message store: conversation c lives on node
 * c mod nodes.
 *
 * Append: a worker job of appendTime; then, unless the store already has
 * (sender device, clientMessageId) (dedupe: it answers with the seq it gave
 * before), the message gets the conversation's next sequence number
 * (1, 2, 3 …: the log's length, on disk, so numbers never repeat after a
 * crash), is stored, acknowledged to the server, and queued for fan-out.
 *
 * Fan-out: a worker job of fanoutTime per recipient device (every member's
 * devices but the sender's own device: its other devices get it too), so a
 * big group's message holds a worker long and everything queues behind it.
 * When done it sends one `chat-fanout` per server holding recipients (by its
 * copy of the session table, from the directory and from syncs) and counts
 * a push notification for each member (the sender aside) with no device
 * routed. A fan-out finishing sends every earlier message of its
 * conversation not yet fanned out, so devices get them in order; the
 * fanned-out mark is on disk and a restarted store fans out what its crash
 * interrupted, once the directory has sent its routes.
 *
 * Cursors (on disk): each device's highest contiguous acknowledged seq per
 * conversation. Sync (a job of syncTime per conversation covered): every
 * message after the device's cursor, oldest first per conversation, to the
 * asking server (an empty answer too), which the store from then on routes
 * the device to.
 */
export class ChatStore implements InspectableProcess<StoreMessage> {
  private population!: ChatPopulation;
  private devicesPerUser = 1;
  private logs: (ChatEnvelope[] | undefined)[] = [];
  private fannedOut: Int32Array = new Int32Array(0);
  private cursors: Int32Array = new Int32Array(0);
  private seen = new Map<number, number>();
  /** Per device: the node of the server holding its session, −1 for none (volatile: the directory resends it). */
  private routes = new Int32Array(0);
  private routeIncarnations = new Int32Array(0);
  private routed = false;
  private readonly workers: ChatWorkers;
  /** Per server node id: the recipient devices of the message being fanned out, and the servers with some, in order. */
  private batches: (number[] | undefined)[] = [];
  private readonly batched: NodeId[] = [];
  private directory: NodeId = -1;
  private stored = 0;
  /** Messages stored and not fanned out yet. */
  private unsent = 0;

  constructor(
    private readonly ctx: NodeContext<StoreDisk>,
    private readonly runtime: ChatStoreRuntime,
    private readonly node: number,
  ) {
    this.workers = new ChatWorkers(ctx, runtime.params.workers, JOB_DONE, runtime.metrics, node);
  }

  inspect(): InspectedState {
    return {
      messagesStored: this.stored,
      notFannedOut: this.unsent,
      routesKnown: this.routed,
      workersBusy: this.workers.inService,
      jobsQueued: this.workers.queued,
    };
  }

  onStart(): void {
    const p = (this.population = this.runtime.population());
    this.devicesPerUser = p.devicesPerUser;
    const shardSize = Math.ceil((p.conversations - this.node) / this.runtime.nodes);
    const disk = this.ctx.durable;
    this.logs = disk.logs ??= new Array<ChatEnvelope[] | undefined>(Math.max(shardSize, 0));
    this.fannedOut = disk.fannedOut ??= new Int32Array(Math.max(shardSize, 0));
    this.cursors = disk.cursors ??= new Int32Array(p.members.length * p.devicesPerUser);
    this.seen = disk.seen ??= new Map();
    for (let i = 0; i < this.logs.length; i++) {
      const stored = this.logs[i]?.length ?? 0;
      this.stored += stored;
      this.unsent += stored - this.fannedOut[i];
    }
    this.routes = new Int32Array(p.users * p.devicesPerUser).fill(-1);
    this.routeIncarnations = new Int32Array(p.users * p.devicesPerUser);
    this.directory = this.ctx.lookup(this.runtime.directoryNode);
    this.ctx.send(this.directory, { kind: 'chat-routes-request', full: true } satisfies ChatRoutesRequest, 0);
    this.ctx.setTimer(this.runtime.statusIntervalUs, REGISTER);
  }

  onMessage(from: NodeId, message: StoreMessage): void {
    const params = this.runtime.params;
    switch (message.kind) {
      case 'chat-append':
        this.workers.submit(OP_APPEND, params.appendTime, message, from);
        return;
      case 'chat-store-sync': {
        // The asking server holds the device's session now.
        this.routes[message.device] = from;
        this.routeIncarnations[message.device] = message.incarnation;
        const covered = message.conversation >= 0 ? 1 : this.conversationsHere(message.device);
        this.workers.submit(OP_SYNC, params.syncTime * covered, message, from);
        return;
      }
      case 'chat-cursor': {
        const slot = this.cursorSlot(message.device, message.conversation);
        if (slot >= 0 && message.seq > this.cursors[slot]) this.cursors[slot] = message.seq;
        return;
      }
      case 'chat-route': {
        const device = message.device;
        if (message.open) {
          this.routes[device] = message.server;
          this.routeIncarnations[device] = message.incarnation;
        } else if (this.routes[device] === message.server && this.routeIncarnations[device] === message.incarnation) {
          this.routes[device] = -1;
        }
        return;
      }
      case 'chat-routes-snapshot':
        this.routes.set(message.serverOf.subarray(0, this.routes.length));
        this.routeIncarnations.set(message.incarnationOf.subarray(0, this.routes.length));
        if (!this.routed) {
          this.routed = true;
          this.resumeFanouts();
        }
        return;
    }
  }

  onTimer(tag: number, data: unknown): void {
    if (tag === REGISTER) {
      this.ctx.send(this.directory, { kind: 'chat-routes-request', full: false } satisfies ChatRoutesRequest, 0);
      this.ctx.setTimer(this.runtime.statusIntervalUs, REGISTER);
      return;
    }
    const job = this.workers.done(data as ChatJob);
    switch (job.op) {
      case OP_APPEND:
        this.append(job.from, job.data as ChatAppend);
        break;
      case OP_FANOUT:
        this.fanOut(job.from, job.data as number);
        break;
      case OP_SYNC:
        this.sync(job.from, job.data as ChatStoreSync);
        break;
    }
    this.workers.release(job);
  }

  private append(server: NodeId, append: ChatAppend): void {
    const { device, conversation, clientMessageId } = append;
    const key = device * 0x1_0000_0000 + clientMessageId;
    const local = this.localIndex(conversation);
    const dedupe = this.runtime.params.dedupe;
    const earlier = dedupe ? this.seen.get(key) : undefined;
    if (earlier !== undefined || local < 0) {
      if (earlier !== undefined) this.runtime.metrics.countDetail('duplicatesDropped', this.ctx.nowUs);
      this.reply(server, append, earlier ?? -1, true);
      return;
    }
    const log = (this.logs[local] ??= []);
    const seq = log.length + 1;
    const envelope: ChatEnvelope = {
      conversation,
      seq,
      senderDevice: device,
      clientMessageId,
      sentUs: append.sentUs,
      sizeBytes: append.sizeBytes,
    };
    log.push(envelope);
    this.stored++;
    this.unsent++;
    if (dedupe) this.seen.set(key, seq);
    this.runtime.chats.stored(conversation, seq);
    this.runtime.chats.storedMessage(device, clientMessageId);
    this.reply(server, append, seq, false);
    const recipients = this.recipients(conversation);
    this.workers.submit(OP_FANOUT, this.runtime.params.fanoutTime * recipients, conversation, seq);
  }

  private reply(server: NodeId, append: ChatAppend, seq: number, duplicate: boolean): void {
    const reply: ChatAppendReply = {
      kind: 'chat-append-reply',
      id: append.id,
      device: append.device,
      conversation: append.conversation,
      clientMessageId: append.clientMessageId,
      seq,
      duplicate,
    };
    this.ctx.send(server, reply, 0);
  }

  /** Fans out every message of `conversation` up to `seq` not fanned out yet (a later job may have done them). */
  private fanOut(seq: number, conversation: number): void {
    // A restarted store without routes yet would send nothing: resumeFanouts does it when they come.
    if (!this.routed) return;
    const local = this.localIndex(conversation);
    const log = this.logs[local]!;
    for (let s = this.fannedOut[local] + 1; s <= seq; s++) this.fanOutOne(log[s - 1]);
    if (seq > this.fannedOut[local]) {
      this.unsent -= seq - this.fannedOut[local];
      this.fannedOut[local] = seq;
    }
  }

  private fanOutOne(message: ChatEnvelope): void {
    const p = this.population;
    const dpu = this.devicesPerUser;
    const sender = message.senderDevice;
    const senderUser = (sender / dpu) | 0;
    const chats = this.runtime.chats;
    const now = this.ctx.nowUs;
    const c = message.conversation;
    for (let j = p.memberStart[c]; j < p.memberStart[c + 1]; j++) {
      const user = p.members[j];
      let reached = false;
      for (let d = user * dpu; d < (user + 1) * dpu; d++) {
        const server = this.routes[d];
        if (server < 0) continue;
        reached = true;
        if (d === sender) continue;
        let batch = this.batches[server];
        if (batch === undefined) {
          this.batches[server] = batch = [];
          this.batched.push(server);
        }
        batch.push(d);
      }
      if (!reached && user !== senderUser) chats.count('pushNotifications', now);
    }
    // Each batch leaves in its message: the next fan-out starts new ones.
    for (const server of this.batched) {
      const devices = this.batches[server]!;
      this.batches[server] = undefined;
      this.ctx.send(
        server,
        { kind: 'chat-fanout', message, devices } satisfies ChatFanout,
        message.sizeBytes + 4 * devices.length,
      );
    }
    this.batched.length = 0;
  }

  /** After a restart, once routes are known: fan out what the crash interrupted. */
  private resumeFanouts(): void {
    const nodes = this.runtime.nodes;
    for (let local = 0; local < this.logs.length; local++) {
      const stored = this.logs[local]?.length ?? 0;
      if (stored <= this.fannedOut[local]) continue;
      const conversation = local * nodes + this.node;
      const messages = stored - this.fannedOut[local];
      this.workers.submit(
        OP_FANOUT,
        this.runtime.params.fanoutTime * this.recipients(conversation) * messages,
        conversation,
        stored,
      );
    }
  }

  private sync(server: NodeId, request: ChatStoreSync): void {
    const p = this.population;
    const device = request.device;
    const user = (device / this.devicesPerUser) | 0;
    let messages: ChatEnvelope[] | null = null;
    for (let i = p.conversationStart[user]; i < p.conversationStart[user + 1]; i++) {
      const c = p.userConversations[i];
      if (request.conversation >= 0 ? c !== request.conversation : c % this.runtime.nodes !== this.node) continue;
      const log = this.logs[this.localIndex(c)];
      if (log === undefined) continue;
      // A gap's bounds when given, else everything after the device's cursor; a message still queued for fan-out comes too, in order.
      const from =
        request.fromSeq > 0
          ? request.fromSeq
          : this.cursors[i * this.devicesPerUser + (device % this.devicesPerUser)] + 1;
      const last = request.beforeSeq > 0 ? Math.min(log.length, request.beforeSeq - 1) : log.length;
      for (let s = from; s <= last; s++) (messages ??= []).push(log[s - 1]);
    }
    const reply: ChatStoreSyncReply = {
      kind: 'chat-store-sync-reply',
      id: request.id,
      device,
      messages: messages ?? NO_MESSAGES,
    };
    let bytes = 0;
    for (const m of reply.messages) bytes += m.sizeBytes;
    this.ctx.send(server, reply, bytes);
  }

  /** Conversations of the device's user held on this shard. */
  private conversationsHere(device: number): number {
    const p = this.population;
    const user = (device / this.devicesPerUser) | 0;
    let n = 0;
    for (let i = p.conversationStart[user]; i < p.conversationStart[user + 1]; i++)
      if (p.userConversations[i] % this.runtime.nodes === this.node) n++;
    return n;
  }

  /** Recipient devices of a message: every member device but the sender's. */
  private recipients(conversation: number): number {
    const p = this.population;
    return (p.memberStart[conversation + 1] - p.memberStart[conversation]) * this.devicesPerUser - 1;
  }

  /** The conversation's slot in this shard's arrays, −1 when it is not this shard's (or does not exist). */
  private localIndex(conversation: number): number {
    const nodes = this.runtime.nodes;
    if (conversation < 0 || conversation >= this.population.conversations || conversation % nodes !== this.node)
      return -1;
    return (conversation / nodes) | 0;
  }

  /** Where (device, conversation)'s cursor is: its user's row position of the conversation, times devices, plus the device's number; −1 when not a member. */
  private cursorSlot(device: number, conversation: number): number {
    const p = this.population;
    const user = (device / this.devicesPerUser) | 0;
    if (user < 0 || user >= p.users) return -1;
    const position = conversationIndex(p, user, conversation);
    if (position < 0) return -1;
    return (p.conversationStart[user] + position) * this.devicesPerUser + (device % this.devicesPerUser);
  }
}

export const chatStoreParams = z.strictObject({
  directory: z
    .string()
    .describe(
      'The chat-directory component: its population (members, devices) and its session table (routes for fan-out).',
    ),
  workers: positiveInt.default(4).describe('Workers per store node, fed first come first served.'),
  appendTime: durationUs.default(200).describe('Worker time to store one message (assign its seq, write it).'),
  fanoutTime: durationUs
    .default(10)
    .describe('Worker time per recipient device of a stored message (look up its route, hand it to its server).'),
  syncTime: durationUs
    .default(100)
    .describe(
      "Worker time per conversation a device's sync covers on this shard (read its cursor and the messages after it).",
    ),
  dedupe: z
    .boolean()
    .default(true)
    .describe(
      'Drop a resent message the store already has, by (sender device, clientMessageId), answering with its seq; false: store it again under a new seq (recipients see a duplicate).',
    ),
});

export type ChatStoreParams = z.output<typeof chatStoreParams>;

export const chatStoreModel: ModelDefinition<typeof chatStoreParams> = {
  type: 'chat-store',
  role: 'component',
  description:
    "The chat message store, sharded by conversation (conversation mod nodes): durable per-conversation sequence numbers and logs, dedupe of resends, per-device cursors, fan-out of each message to every member device (the sender's other devices too) via their servers at a cost per recipient, push notifications for members with no connected device, and sync after a reconnect.",
  params: chatStoreParams,
  references: (params) => [{ path: ['directory'], component: params.directory, type: 'chat-directory' }],
  instantiate(params, ctx) {
    const metrics = ctx.componentMetrics(params.workers);
    metrics.noteDetail('duplicatesDropped', 0);
    let population: ChatPopulation | null = null;
    const runtime: ChatStoreRuntime = {
      params,
      chats: ctx.chats,
      metrics,
      directoryNode: ctx.nodesOf(params.directory)[0],
      statusIntervalUs: (ctx.paramsOf(params.directory) as unknown as ChatDirectoryParams).statusInterval,
      nodes: ctx.nodeNames.length,
      population: () => (population ??= chatPopulationOf(ctx, params.directory)),
    };
    const indexOf = new Map<NodeId, number>();
    ctx.onCrash((node, atUs) => {
      const index = indexOf.get(node);
      if (index !== undefined) metrics.nodeLost(index, atUs);
    });
    return (nodeIndex) => (nodeCtx) => {
      indexOf.set(nodeCtx.id, nodeIndex);
      return new ChatStore(nodeCtx, runtime, nodeIndex);
    };
  },
};
