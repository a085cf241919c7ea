import { z } from 'zod';
import type { NodeContext, NodeId, TimerHandle } from '../../engine/index.js';
import type { ChatLog } from '../measure/chat-log.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { InspectableProcess, InspectedState } from '../kit/inspect-contract.js';
import type { ModelDefinition } from '../kit/model-contract.js';
import { durationUs, positiveDurationUs, positiveInt, ratePerSec } from '../kit/units.js';
import type { ChatDirectoryParams } from './chat-directory.js';
import type {
  ChatAppend,
  ChatAppendReply,
  ChatClosed,
  ChatConnect,
  ChatConnectReply,
  ChatCursorUpdate,
  ChatDeliver,
  ChatEnvelope,
  ChatFanout,
  ChatFromDevice,
  ChatHelloReply,
  ChatPoll,
  ChatPollReply,
  ChatPong,
  ChatPresence,
  ChatPresenceFanout,
  ChatPresenceUpdate,
  ChatSend,
  ChatSendAck,
  ChatServerStatus,
  ChatSession,
  ChatSessionsRequest,
  ChatStoreSync,
  ChatStoreSyncReply,
} from './chat-messages.js';
import { chatPopulationOf, type ChatPopulation } from './chat-population.js';
import { ChatWorkers, type ChatJob } from './chat-server-workers.js';

type ServerMessage =
  ChatFromDevice | ChatAppendReply | ChatFanout | ChatStoreSyncReply | ChatPresenceFanout | ChatSessionsRequest;

/** Client protocols by number: the two that push, then the two that poll. */
const WEBSOCKET = 0;
const SSE = 1;
const LONG_POLLING = 2;
const SHORT_POLLING = 3;
const PROTOCOL_CODES: Record<string, number> = {
  websocket: WEBSOCKET,
  sse: SSE,
  'long-polling': LONG_POLLING,
  'short-polling': SHORT_POLLING,
};

/** One device's session on this server. */
interface Session {
  readonly device: number;
  readonly client: NodeId;
  readonly protocol: number;
  /** Its place in `live` (swap-removed). */
  index: number;
  lastHeardLocalUs: number;
  /** Polling protocols: what waits for the next poll. */
  messages: ChatEnvelope[];
  presence: ChatPresence[];
  /** The long poll held open: its wire id (−1 none) and timer. */
  pollId: number;
  pollTimer: TimerHandle;
}

/** A sync relayed to a store node and not answered yet. */
interface PendingSync {
  readonly store: NodeId;
  readonly device: number;
  readonly conversation: number;
  readonly fromSeq: number;
  readonly beforeSeq: number;
  sentLocalUs: number;
}

/** A send relayed to the store and not answered yet. */
interface PendingAppend {
  readonly client: NodeId;
  readonly send: ChatSend;
  sentLocalUs: number;
}

// Timer tags.
const JOB_DONE = 1;
const STATUS = 2;
const SWEEP = 3;
const POLL_END = 4;

// Job kinds.
const OP_HANDSHAKE = 1;
const OP_DEVICE = 2;
/** Stored messages for a device (a fan-out's one, or a sync answer's): data is the envelopes, a frame each. */
const OP_MESSAGES = 3;
const OP_PRESENCE = 4;

const NOTHING_QUEUED: readonly never[] = [];

/** What every node of a chat-server component shares. */
export interface ChatServerRuntime {
  readonly params: ChatServerParams;
  readonly statusIntervalUs: number;
  readonly chats: ChatLog;
  readonly metrics: ComponentMetrics;
  readonly directoryNode: string;
  readonly storeNodes: readonly string[];
  population(): ChatPopulation;
}

/**
 * A chat server holding client connections (a WebSocket or SSE gateway, or
 * the HTTP front of polling clients).
 *
 * Admission: a connect is refused `full` when the server holds
 * maxConnections sessions and handshakes, and `refused` with a Retry-After
 * when the admission token bucket (`admission`: rate per second, burst) is
 * empty; refusals cost no CPU. Set-up round trips before the last
 * (`chat-hello`) are answered at once, as the kernel and TLS offload would.
 *
 * CPU: `workers` workers take jobs first come first served (ChatWorkers;
 * with priority sessions-first, queued handshakes go after everything else): a
 * handshake costs `costs.handshake`; each HTTP request (polls; sends, acks
 * and heartbeats of SSE and polling clients) `costs.request`; each WebSocket
 * frame from a device, and each message or presence update written to any
 * device (pushed, or put in a poll's answer), `costs.frame`. A reconnect
 * storm queues handshakes behind each other: replies come late, clients
 * time out and retry, and the queue grows (congestive collapse), unless
 * admission sheds the excess.
 *
 * Protocols: websocket and sse push each fan-out and presence update at
 * once; long polling holds a poll until something is queued for the device
 * or the poll's waitUs passes on the server's clock (then it answers
 * empty); short polling answers at once with what queued since the last
 * poll. A device silent for heartbeatTimeout (no message at all, and no
 * long poll held) is closed.
 *
 * Messages: a send is relayed to the store shard of its conversation
 * (conversation mod store nodes) and acknowledged when the store answers
 * (ackMode after-store), or as soon as it is read, before it waits for a
 * worker (on-receipt: faster, but a crash before the store has it loses an
 * acknowledged message, ChatLog's `lost`; a second ack with the seq follows
 * when the store answers; the
 * server resends appends unanswered after storeTimeout in that mode, while
 * after-store leaves the resend to the client). Acks from devices are
 * relayed to the store as cursors; a device's sync asks every store node
 * (or the conversation's shard) and the answer is written to the device.
 *
 * Sessions are registered with the directory as they open and close, and
 * the server reports its sessions and capacity every statusInterval (the
 * directory's). When the directory asks for them again after declaring the
 * server down (a partition between the two), the server also syncs every
 * session from the stores: fan-outs skipped them while they were out of the
 * stores' routes. Everything is volatile: a crash drops every connection
 * (ChatLog.serverCrashed) and every job; the restart is a new incarnation.
 */
export class ChatServer implements InspectableProcess<ServerMessage> {
  private sessions: (Session | undefined)[] = [];
  private readonly live: Session[] = [];
  private handshaking = 0;
  private tokens: number;
  private tokensAtLocalUs = 0;
  private readonly workers: ChatWorkers;
  private readonly pending = new Map<number, PendingAppend>();
  private readonly pendingSyncs = new Map<number, PendingSync>();
  /** Per (user, online): the item polling devices get, made at first use. */
  private presenceItems: (ChatPresence | undefined)[] = [];
  private nextWire = 0;
  private incarnation = 0;
  private directory: NodeId = -1;
  private stores: NodeId[] = [];

  constructor(
    private readonly ctx: NodeContext<{ incarnation?: number }>,
    private readonly runtime: ChatServerRuntime,
    node: number,
  ) {
    const params = runtime.params;
    const handshakesLast = params.priority === 'sessions-first' ? OP_HANDSHAKE : -1;
    this.workers = new ChatWorkers(ctx, params.workers, JOB_DONE, runtime.metrics, node, handshakesLast);
    this.tokens = params.admission?.burst ?? 0;
  }

  inspect(): InspectedState {
    return {
      incarnation: this.incarnation,
      sessions: this.live.length,
      handshaking: this.handshaking,
      admissionTokens: this.runtime.params.admission === undefined ? null : Math.floor(this.tokens),
      workersBusy: this.workers.inService,
      jobsQueued: this.workers.queued,
      appendsPending: this.pending.size,
    };
  }

  onStart(): void {
    const disk = this.ctx.durable;
    this.incarnation = disk.incarnation = (disk.incarnation ?? 0) + 1;
    const population = this.runtime.population();
    this.sessions = new Array<Session | undefined>(population.users * population.devicesPerUser);
    this.presenceItems = new Array<ChatPresence | undefined>(2 * population.users);
    this.directory = this.ctx.lookup(this.runtime.directoryNode);
    this.stores = this.runtime.storeNodes.map((name) => this.ctx.lookup(name));
    this.tokensAtLocalUs = this.ctx.localTimeUs();
    this.reportStatus();
    const params = this.runtime.params;
    this.ctx.setTimer(Math.min(params.heartbeatTimeout, params.storeTimeout) / 2, SWEEP);
  }

  onMessage(from: NodeId, message: ServerMessage): void {
    switch (message.kind) {
      case 'chat-hello':
        this.ctx.send(
          from,
          {
            kind: 'chat-hello-reply',
            id: message.id,
            device: message.device,
            step: message.step,
          } satisfies ChatHelloReply,
          0,
        );
        return;
      case 'chat-connect':
        this.connect(from, message);
        return;
      case 'chat-append-reply':
        this.appended(message);
        return;
      case 'chat-fanout': {
        // One list for every device of the fan-out: the frames written share it.
        const messages = [message.message];
        for (const device of message.devices) this.toDevice(OP_MESSAGES, device, messages, 1);
        return;
      }
      case 'chat-store-sync-reply':
        if (!this.pendingSyncs.delete(message.id)) return;
        if (message.messages.length > 0)
          this.toDevice(OP_MESSAGES, message.device, message.messages, message.messages.length);
        return;
      case 'chat-presence-fanout':
        for (const device of message.devices) this.toDevice(OP_PRESENCE, device, message, 1);
        return;
      case 'chat-sessions-request':
        for (const s of this.live) {
          this.register(s.device, true);
          // Declared down, the sessions were out of the stores' routes: fan-outs meanwhile skipped them.
          if (message.dropped) for (const store of this.stores) this.relaySync(store, s.device, -1, 0, 0);
        }
        return;
      default:
        this.fromDevice(from, message);
    }
  }

  onTimer(tag: number, data: unknown): void {
    switch (tag) {
      case JOB_DONE: {
        const job = this.workers.done(data as ChatJob);
        this.finish(job);
        this.workers.release(job);
        return;
      }
      case STATUS:
        this.reportStatus();
        return;
      case SWEEP: {
        this.sweep();
        const params = this.runtime.params;
        this.ctx.setTimer(Math.min(params.heartbeatTimeout, params.storeTimeout) / 2, SWEEP);
        return;
      }
      case POLL_END: {
        const session = data as Session;
        if (session.pollId >= 0 && this.sessions[session.device] === session) this.answerPoll(session);
        return;
      }
    }
  }

  private reportStatus(): void {
    const status: ChatServerStatus = {
      kind: 'chat-server-status',
      server: this.ctx.id,
      incarnation: this.incarnation,
      connections: this.live.length + this.handshaking,
      capacity: this.runtime.params.maxConnections,
    };
    this.ctx.send(this.directory, status, 0);
    this.ctx.setTimer(this.runtime.statusIntervalUs, STATUS);
  }

  private connect(from: NodeId, request: ChatConnect): void {
    const params = this.runtime.params;
    const now = this.ctx.nowUs;
    const chats = this.runtime.chats;
    const replacing = this.sessions[request.device] !== undefined ? 1 : 0;
    if (this.live.length - replacing + this.handshaking >= params.maxConnections) {
      chats.count('connectsRefused', now);
      this.runtime.metrics.recordRejected(now);
      this.refuse(from, request, 'full', 0);
      return;
    }
    const admission = params.admission;
    if (admission !== undefined) {
      const local = this.ctx.localTimeUs();
      this.tokens = Math.min(admission.burst, this.tokens + ((local - this.tokensAtLocalUs) * admission.rate) / 1e6);
      this.tokensAtLocalUs = local;
      if (this.tokens < 1) {
        chats.count('connectsRefused', now);
        this.runtime.metrics.recordRejected(now);
        this.refuse(from, request, 'refused', Math.ceil(((1 - this.tokens) * 1e6) / admission.rate));
        return;
      }
      this.tokens -= 1;
    }
    this.handshaking++;
    this.workers.submit(OP_HANDSHAKE, params.costs.handshake, request, from);
  }

  private refuse(to: NodeId, request: ChatConnect, error: 'full' | 'refused', retryAfterUs: number): void {
    this.ctx.send(
      to,
      {
        kind: 'chat-connect-reply',
        id: request.id,
        device: request.device,
        error,
        retryAfterUs,
      } satisfies ChatConnectReply,
      0,
    );
  }

  /** A device's request or frame: heard now, served by a worker (a frame for WebSocket, a request otherwise). */
  private fromDevice(from: NodeId, message: ChatFromDevice): void {
    const session = this.sessions[message.device];
    if (session === undefined) {
      // No session: the connection it used is gone (closed, or on a server that restarted).
      if (message.kind === 'chat-poll') this.replyPoll(from, message.device, message.id, null);
      else if (message.kind !== 'chat-close' && message.kind !== 'chat-connect' && message.kind !== 'chat-hello')
        this.ctx.send(from, { kind: 'chat-closed', device: message.device } satisfies ChatClosed, 0);
      return;
    }
    session.lastHeardLocalUs = this.ctx.localTimeUs();
    if (message.kind === 'chat-heartbeat') this.runtime.chats.count('heartbeats', this.ctx.nowUs);
    else if (message.kind === 'chat-send' && this.runtime.params.ackMode === 'on-receipt') {
      // Acknowledged as it is read, before it waits for a worker and the store: a crash in between loses it.
      this.runtime.chats.acknowledgedUnstored(message.device, message.clientMessageId, this.ctx.id);
      this.ack(from, message, -1);
    }
    const costs = this.runtime.params.costs;
    this.workers.submit(OP_DEVICE, session.protocol === WEBSOCKET ? costs.frame : costs.request, message, from);
  }

  /** Something for a device held here: a frame's worth of CPU each, then pushed or queued for its next poll. */
  private toDevice(op: number, device: number, data: unknown, frames: number): void {
    if (this.sessions[device] === undefined) {
      this.runtime.metrics.countDetail('notHeldHere', this.ctx.nowUs);
      return;
    }
    this.workers.submit(op, this.runtime.params.costs.frame * frames, data, device);
  }

  private finish(job: ChatJob): void {
    const now = this.ctx.nowUs;
    this.runtime.chats.count('serverOperations', now, job.op === OP_MESSAGES ? (job.data as unknown[]).length : 1);
    switch (job.op) {
      case OP_HANDSHAKE:
        this.handshaken(job.from, job.data as ChatConnect);
        return;
      case OP_DEVICE:
        this.served(job.from, job.data as ChatFromDevice);
        return;
    }
    // Writes to a device: it may have gone while the job waited.
    const session = this.sessions[job.from];
    if (session === undefined) return;
    const polling = session.protocol >= LONG_POLLING;
    if (job.op === OP_PRESENCE) {
      const update = job.data as ChatPresenceFanout;
      this.runtime.chats.count('presenceUpdates', now);
      if (polling) session.presence.push(this.presenceItem(update.user, update.online));
      else
        this.ctx.send(
          session.client,
          {
            kind: 'chat-presence',
            device: session.device,
            user: update.user,
            online: update.online,
          } satisfies ChatPresenceUpdate,
          0,
        );
    } else {
      const messages = job.data as readonly ChatEnvelope[];
      if (polling) for (const m of messages) session.messages.push(m);
      else
        this.ctx.send(
          session.client,
          { kind: 'chat-deliver', device: session.device, messages } satisfies ChatDeliver,
          bytesOf(messages),
        );
    }
    if (polling && session.pollId >= 0) this.answerPoll(session);
  }

  private handshaken(client: NodeId, request: ChatConnect): void {
    this.handshaking--;
    const device = request.device;
    const old = this.sessions[device];
    if (old !== undefined) this.drop(old);
    const session: Session = {
      device,
      client,
      protocol: PROTOCOL_CODES[request.protocol] ?? WEBSOCKET,
      index: this.live.length,
      lastHeardLocalUs: this.ctx.localTimeUs(),
      messages: [],
      presence: [],
      pollId: -1,
      pollTimer: -1,
    };
    this.sessions[device] = session;
    this.live.push(session);
    this.runtime.chats.deviceConnected(device, this.ctx.id, this.ctx.nowUs);
    this.ctx.send(
      client,
      { kind: 'chat-connect-reply', id: request.id, device, retryAfterUs: 0 } satisfies ChatConnectReply,
      0,
    );
    this.register(device, true);
  }

  /** A device's request or frame, served. */
  private served(client: NodeId, message: ChatFromDevice): void {
    const session = this.sessions[message.device];
    switch (message.kind) {
      case 'chat-heartbeat':
        this.ctx.send(client, { kind: 'chat-pong', device: message.device } satisfies ChatPong, 0);
        return;
      case 'chat-close':
        if (session !== undefined) this.close(session);
        return;
      case 'chat-send':
        this.relaySend(client, message);
        return;
      case 'chat-ack':
        this.relayCursor(message.device, message.conversation, message.seq);
        return;
      case 'chat-sync': {
        const { device, conversation, fromSeq, beforeSeq } = message;
        if (conversation < 0) for (const store of this.stores) this.relaySync(store, device, -1, 0, 0);
        else this.relaySync(this.shardOf(conversation), device, conversation, fromSeq, beforeSeq);
        return;
      }
      case 'chat-poll':
        this.poll(client, session, message);
        return;
    }
  }

  private poll(client: NodeId, session: Session | undefined, request: ChatPoll): void {
    for (const ack of request.acks) this.relayCursor(request.device, ack.conversation, ack.seq);
    if (session === undefined) {
      this.replyPoll(client, request.device, request.id, null);
      return;
    }
    // A newer poll replaces one still held (the client gave up on it).
    if (session.pollId >= 0) this.answerPoll(session);
    session.pollId = request.id;
    if (request.waitUs <= 0 || session.messages.length > 0 || session.presence.length > 0) {
      this.answerPoll(session);
      return;
    }
    session.pollTimer = this.ctx.setTimer(request.waitUs, POLL_END, session);
  }

  /** Answers the session's held poll with everything queued for it. */
  private answerPoll(session: Session): void {
    if (session.pollTimer !== -1) this.ctx.cancelTimer(session.pollTimer);
    session.pollTimer = -1;
    const id = session.pollId;
    session.pollId = -1;
    this.replyPoll(session.client, session.device, id, session);
  }

  private replyPoll(client: NodeId, device: number, id: number, session: Session | null): void {
    const now = this.ctx.nowUs;
    const chats = this.runtime.chats;
    let messages: readonly ChatEnvelope[] = NOTHING_QUEUED;
    let presence: readonly ChatPresence[] = NOTHING_QUEUED;
    if (session !== null) {
      if (session.messages.length > 0) {
        messages = session.messages;
        session.messages = [];
      }
      if (session.presence.length > 0) {
        presence = session.presence;
        session.presence = [];
      }
      chats.count('polls', now);
      if (messages.length === 0 && presence.length === 0) chats.count('emptyPolls', now);
    }
    const reply: ChatPollReply = {
      kind: 'chat-poll-reply',
      id,
      device,
      messages,
      presence,
      noSession: session === null,
    };
    this.ctx.send(client, reply, bytesOf(messages));
  }

  private relaySend(client: NodeId, send: ChatSend): void {
    const wire = this.nextWire++;
    this.pending.set(wire, { client, send, sentLocalUs: this.ctx.localTimeUs() });
    this.append(wire, send);
  }

  private append(wire: number, send: ChatSend): void {
    const append: ChatAppend = {
      kind: 'chat-append',
      id: wire,
      device: send.device,
      conversation: send.conversation,
      clientMessageId: send.clientMessageId,
      sentUs: send.sentUs,
      sizeBytes: send.sizeBytes,
    };
    this.ctx.send(this.shardOf(send.conversation), append, send.sizeBytes);
  }

  private relaySync(store: NodeId, device: number, conversation: number, fromSeq: number, beforeSeq: number): void {
    const id = this.nextWire++;
    const pending: PendingSync = {
      store,
      device,
      conversation,
      fromSeq,
      beforeSeq,
      sentLocalUs: this.ctx.localTimeUs(),
    };
    this.pendingSyncs.set(id, pending);
    const sync: ChatStoreSync = {
      kind: 'chat-store-sync',
      id,
      device,
      conversation,
      fromSeq,
      beforeSeq,
      incarnation: this.incarnation,
    };
    this.ctx.send(store, sync, 0);
  }

  private appended(reply: ChatAppendReply): void {
    const pending = this.pending.get(reply.id);
    if (pending === undefined) return;
    this.pending.delete(reply.id);
    // On receipt, the sender had an ack without a seq: a second one tells it the seq, while its session lasts.
    if (this.runtime.params.ackMode === 'after-store' || this.sessions[pending.send.device] !== undefined)
      this.ack(pending.client, pending.send, reply.seq);
  }

  private ack(client: NodeId, send: ChatSend, seq: number): void {
    const ack: ChatSendAck = {
      kind: 'chat-send-ack',
      id: send.id,
      device: send.device,
      conversation: send.conversation,
      clientMessageId: send.clientMessageId,
      seq,
    };
    this.ctx.send(client, ack, 0);
  }

  private relayCursor(device: number, conversation: number, seq: number): void {
    this.ctx.send(
      this.shardOf(conversation),
      { kind: 'chat-cursor', device, conversation, seq } satisfies ChatCursorUpdate,
      0,
    );
  }

  private shardOf(conversation: number): NodeId {
    return this.stores[conversation % this.stores.length];
  }

  /**
   * Closes sessions silent past heartbeatTimeout (a held long poll counts as
   * heard), and handles requests to the store unanswered past storeTimeout:
   * after-store forgets appends (the client resends), on-receipt sends them
   * again (it has acknowledged them already); syncs are asked again while
   * the device's session lasts (a store that was down would otherwise leave
   * the device without what it missed).
   */
  private sweep(): void {
    const local = this.ctx.localTimeUs();
    const params = this.runtime.params;
    for (let i = this.live.length - 1; i >= 0; i--) {
      const s = this.live[i];
      if (s.pollId >= 0 || local - s.lastHeardLocalUs <= params.heartbeatTimeout) continue;
      this.runtime.metrics.countDetail('heartbeatTimeouts', this.ctx.nowUs);
      this.ctx.send(s.client, { kind: 'chat-closed', device: s.device } satisfies ChatClosed, 0);
      this.close(s);
    }
    const resend = params.ackMode === 'on-receipt';
    for (const [wire, p] of this.pending) {
      if (local - p.sentLocalUs <= params.storeTimeout) break;
      this.pending.delete(wire);
      if (!resend) continue;
      const again = this.nextWire++;
      p.sentLocalUs = local;
      this.pending.set(again, p);
      this.append(again, p.send);
    }
    for (const [wire, p] of this.pendingSyncs) {
      if (local - p.sentLocalUs <= params.storeTimeout) break;
      this.pendingSyncs.delete(wire);
      if (this.sessions[p.device] !== undefined)
        this.relaySync(p.store, p.device, p.conversation, p.fromSeq, p.beforeSeq);
    }
  }

  /** Ends a session: ChatLog and the directory are told. */
  private close(session: Session): void {
    this.drop(session);
    this.runtime.chats.deviceClosed(session.device, this.ctx.id, this.ctx.nowUs);
    this.register(session.device, false);
  }

  /** Forgets a session (closed, or replaced by a new connection of the same device). */
  private drop(session: Session): void {
    if (session.pollTimer !== -1) this.ctx.cancelTimer(session.pollTimer);
    session.pollTimer = -1;
    session.pollId = -1;
    this.sessions[session.device] = undefined;
    const last = this.live.pop()!;
    if (last !== session) {
      this.live[session.index] = last;
      last.index = session.index;
    }
  }

  /** The presence item for a poll answer. */
  private presenceItem(user: number, online: boolean): ChatPresence {
    const slot = 2 * user + (online ? 1 : 0);
    return (this.presenceItems[slot] ??= { user, online });
  }

  private register(device: number, open: boolean): void {
    this.ctx.send(
      this.directory,
      { kind: 'chat-session', device, server: this.ctx.id, incarnation: this.incarnation, open } satisfies ChatSession,
      0,
    );
  }
}

function bytesOf(messages: readonly ChatEnvelope[]): number {
  let bytes = 0;
  for (const m of messages) bytes += m.sizeBytes;
  return bytes;
}

export const chatServerParams = z.strictObject({
  directory: z.string().describe('The chat-directory component this server reports to and registers sessions with.'),
  store: z.string().describe('The chat-store component holding the conversations (shard: conversation mod its nodes).'),
  maxConnections: positiveInt
    .default(10_000)
    .describe(
      'Sessions (and handshakes in progress) one server node holds at most; connects beyond are refused as full.',
    ),
  admission: z
    .strictObject({
      rate: ratePerSec.describe('New connections accepted per second (the token bucket refills at this rate).'),
      burst: positiveInt.describe('Connections accepted back to back after a quiet spell (the bucket size).'),
    })
    .optional()
    .describe(
      'Connection admission: a token bucket per server node; a connect finding it empty is refused with a Retry-After until the next token. Absent: no limit but maxConnections.',
    ),
  workers: positiveInt.default(4).describe('CPU workers per server node, fed first come first served.'),
  priority: z
    .enum(['fifo', 'sessions-first'])
    .default('fifo')
    .describe(
      "fifo: one line for all work, so a reconnect storm's handshakes delay open sessions' heartbeats and messages (and their clients may give up on a live server); sessions-first: queued handshakes wait until the open sessions' work is done, as servers that accept on a separate, lower-priority loop do.",
    ),
  costs: z
    .strictObject({
      handshake: durationUs
        .default(2_000)
        .describe('CPU per accepted connection (TLS, the upgrade, session set-up and registration).'),
      request: durationUs
        .default(200)
        .describe('CPU per HTTP request: polls, and the sends, acks and heartbeats of SSE and polling clients.'),
      frame: durationUs
        .default(20)
        .describe(
          'CPU per WebSocket frame from a device, and per message or presence update written to a device (pushed, or in a poll answer).',
        ),
    })
    .prefault({})
    .describe('CPU time each operation holds a worker for.'),
  heartbeatTimeout: positiveDurationUs
    .default(90_000_000)
    .describe(
      "A device silent this long (no request or frame; a held long poll counts as heard) is closed by the server: it must exceed the clients' heartbeatInterval and short-polling's pollInterval (the default, 90s, is three missed 30s heartbeats). Checked every min(heartbeatTimeout, storeTimeout)/2.",
    ),
  ackMode: z
    .enum(['after-store', 'on-receipt'])
    .default('after-store')
    .describe(
      'When a send is acknowledged to its sender: after the store has it (safe), or on receipt (faster; a crash before the store has it loses an acknowledged message, counted as lost).',
    ),
  storeTimeout: positiveDurationUs
    .default(2_000_000)
    .describe(
      'A send relayed to the store and unanswered this long is forgotten (after-store: the client resends) or sent again (on-receipt).',
    ),
});

export type ChatServerParams = z.output<typeof chatServerParams>;

export const chatServerModel: ModelDefinition<typeof chatServerParams> = {
  type: 'chat-server',
  role: 'component',
  description:
    'A chat server holding client connections (WebSocket, SSE, long and short polling): capacity and a token-bucket admission limit, CPU per handshake, request and frame on a worker queue (optionally open sessions before handshakes), relays sends to the chat store (ack after store or on receipt), pushes or queues fan-outs and presence, closes silent devices, reports to the directory.',
  params: chatServerParams,
  references: (params) => [
    { path: ['directory'], component: params.directory, type: 'chat-directory' },
    {
      path: ['store'],
      component: params.store,
      type: 'chat-store',
      // The store routes fan-outs by its directory's session table: the one these servers register with.
      fits: (store) => {
        const directory = (store as { directory?: unknown }).directory;
        return directory === params.directory || typeof directory !== 'string'
          ? []
          : [
              {
                path: ['store'],
                message: `"${params.store}" keeps its sessions with directory "${directory}", these servers with "${params.directory}": name the same directory in both`,
              },
            ];
      },
    },
  ],
  instantiate(params, ctx) {
    const metrics = ctx.componentMetrics(params.workers);
    if (params.ackMode === 'on-receipt') ctx.chats.tracksAcksOnReceipt();
    metrics.noteDetail('notHeldHere', 0);
    metrics.noteDetail('heartbeatTimeouts', 0);
    const directoryParams = ctx.paramsOf(params.directory) as unknown as ChatDirectoryParams;
    let population: ChatPopulation | null = null;
    const runtime: ChatServerRuntime = {
      params,
      statusIntervalUs: directoryParams.statusInterval,
      chats: ctx.chats,
      metrics,
      directoryNode: ctx.nodesOf(params.directory)[0],
      storeNodes: ctx.nodesOf(params.store),
      population: () => (population ??= chatPopulationOf(ctx, params.directory)),
    };
    const indexOf = new Map<NodeId, number>();
    ctx.onCrash((node, atUs) => {
      const index = indexOf.get(node);
      if (index === undefined) return;
      ctx.chats.serverCrashed(node, atUs);
      ctx.chats.serverLostUnstored(node);
      metrics.nodeLost(index, atUs);
    });
    return (nodeIndex) => (nodeCtx) => {
      indexOf.set(nodeCtx.id, nodeIndex);
      return new ChatServer(nodeCtx, runtime, nodeIndex);
    };
  },
};
