import type { NodeContext, NodeId, RandomStream, TimerHandle } from '../../engine/index.js';
import type { ChatLog } from '../measure/chat-log.js';
import type { OperationMetrics, RequestMetrics } from '../measure/request-metrics.js';
import type {
  ChatAck,
  ChatClose,
  ChatConnect,
  ChatConnectReply,
  ChatCursor,
  ChatEnvelope,
  ChatHeartbeat,
  ChatHello,
  ChatHelloReply,
  ChatLocate,
  ChatLocateReply,
  ChatPoll,
  ChatPollReply,
  ChatProtocol,
  ChatSend,
  ChatSendAck,
  ChatSync,
} from './chat-messages.js';
import { conversationIndex, type ChatPopulation } from './chat-population.js';
import type { ProtocolBehaviour } from './chat-protocols.js';
import { reconnectDelayUs, type ReconnectPolicy } from './reconnect-policy.js';

/** A device's timing and protocol, shared by every device of the workload (durations in µs). */
export interface ChatDeviceSettings {
  protocol: ChatProtocol;
  behaviour: ProtocolBehaviour;
  setupRoundTrips: number;
  heartbeatIntervalUs: number;
  heartbeatTimeoutUs: number;
  pollIntervalUs: number;
  pollTimeoutUs: number;
  connectTimeoutUs: number;
  requestTimeoutUs: number;
  gapTimeoutUs: number;
  reconnect: ReconnectPolicy;
  messageSizeBytes: number;
}

/** What a device gets from the client node that hosts it. */
export interface ChatDeviceHost {
  readonly ctx: NodeContext;
  readonly settings: ChatDeviceSettings;
  readonly population: ChatPopulation;
  readonly chats: ChatLog;
  readonly requests: RequestMetrics;
  /** `send`: a message from its first send to its acknowledgement; `connect`: an attempt from locate to open session. */
  readonly sendOperation: OperationMetrics;
  readonly connectOperation: OperationMetrics;
  /** The directory node devices locate their server through. */
  readonly directory: NodeId;
  readonly backoff: RandomStream;
  /** A wire id unique on this node. */
  nextWireId(): number;
}

/** A message the device's user wrote and the service has not acknowledged yet. */
export interface OutboxEntry {
  readonly conversation: number;
  readonly clientMessageId: number;
  /** True time of the first attempt (measurement). */
  readonly sentUs: number;
  /** Local time of the latest transmission, for the resend timeout; −∞ while never transmitted. */
  lastSentLocalUs: number;
}

/** What a device keeps on its own storage across a crash of its node: the cursors it delivered up to, and its outbox. */
export interface ChatDeviceDurable {
  /** Per conversation of the user (in its row's order): the next sequence number to deliver (its cursor + 1). */
  readonly expected: Int32Array;
  /** Unacknowledged messages by clientMessageId, oldest first. */
  readonly outbox: Map<number, OutboxEntry>;
  nextClientMessageId: number;
}

export function newDeviceDurable(conversations: number): ChatDeviceDurable {
  return { expected: new Int32Array(conversations).fill(1), outbox: new Map(), nextClientMessageId: 0 };
}

/** Timer tags the devices use (the client node keeps 1 for its own); the data is the device's index on its node. */
export const DEVICE_TIMERS = {
  /** A connect step's deadline, or the wait before the next attempt. */
  step: 2,
  heartbeat: 3,
  heartbeatDeadline: 4,
  pollDeadline: 5,
  pollPeriod: 6,
  resend: 7,
  gap: 8,
} as const;

/** Where a device is: off on purpose, waiting to try, in one of the connect steps, or holding a session. */
export const DEVICE_STATES = ['offline', 'waiting', 'locating', 'hello', 'connecting', 'online'] as const;
const OFFLINE = 0;
const WAITING = 1;
const LOCATING = 2;
const HELLO = 3;
const CONNECTING = 4;
const ONLINE = 5;

/** How many of its latest deliveries a device remembers by identity, to drop a message stored twice under two seqs. */
const RECENT_MESSAGES = 512;

/** The last `capacity` numbers added, for membership: a ring and a set. */
class RecentSet {
  private readonly ring: Float64Array;
  private readonly members = new Set<number>();
  private next = 0;

  constructor(private readonly capacity: number) {
    this.ring = new Float64Array(capacity);
  }

  /** Adds `value`, forgetting the oldest when full; false when it is among the last `capacity` already. */
  add(value: number): boolean {
    if (this.members.has(value)) return false;
    if (this.members.size === this.capacity) this.members.delete(this.ring[this.next]);
    this.ring[this.next] = value;
    this.next = (this.next + 1) % this.capacity;
    this.members.add(value);
    return true;
  }
}

const NO_CURSORS: readonly ChatCursor[] = [];

/** Scratch for a conversation's held seqs, in order, while its gaps are asked for. */
const heldSeqs: number[] = [];
const ascending = (a: number, b: number) => a - b;

/** Marks, in a conversation's held messages, a seq the device sent itself (known from its ack): nothing to deliver. */
const OWN = null;

/**
 * One device of a chat user: its connection, its read cursors and its
 * outbox.
 *
 * Connecting: locate a server at the directory, make the protocol's set-up
 * round trips (hellos, then the connect request), then, once the session
 * is open, re-send the cursors that moved since the previous session, ask
 * for a sync of everything after them, and resend the outbox (same
 * clientMessageId). Each step that goes unanswered for connectTimeout, a
 * refusal (its retry-after as a floor), a full server or no server at all
 * fails the attempt; the device then waits as its reconnect policy says
 * (attempt n after a loss waits the policy's delay n) and starts over at
 * the directory.
 *
 * Receiving: per conversation, the message with the next expected seq is
 * delivered (and any held ones it unblocks); an earlier seq is a duplicate
 * and dropped; a later one is out of order and held, and a gap still open
 * after gapTimeout asks the server to sync that conversation. Delivered
 * cursors go back as acks (push protocols at once, polling ones on the next
 * poll). The device's own messages (its ack's seq, or the message in a sync)
 * move its cursor without counting as deliveries.
 *
 * Liveness: push protocols heartbeat every heartbeatInterval and declare
 * the server dead when nothing at all came from it within heartbeatTimeout;
 * polling protocols when a poll goes unanswered (see chat-protocols.ts). A
 * dead server, a server's close, or a poll reply saying the session is gone
 * drop the connection: the device waits its policy's first delay and
 * reconnects. Unacknowledged sends are sent again after requestTimeout.
 */
export class ChatDevice {
  private state = OFFLINE;
  /** The server of the attempt or session (node id), −1 when none. */
  private server: NodeId = -1;
  /** The server the device last lost or failed to reach, −1 for none: its next locates ask the directory to avoid it. */
  private unreachable: NodeId = -1;
  /** The wire id of the connect step awaited. */
  private awaitedId = -1;
  private helloStep = 0;
  /** Attempts since the connection was lost (or the device came online); the next waits the policy's delay for retries + 1. */
  private retries = 0;
  private attemptStartUs = 0;
  private stepTimer: TimerHandle | -1 = -1;
  private heartbeatTimer: TimerHandle | -1 = -1;
  private heartbeatDeadline: TimerHandle | -1 = -1;
  private pollDeadline: TimerHandle | -1 = -1;
  private pollPeriodTimer: TimerHandle | -1 = -1;
  private resendTimer: TimerHandle | -1 = -1;
  private gapTimer: TimerHandle | -1 = -1;
  private pollId = -1;
  /** A short poll came due while the previous one was unanswered: send it when the reply comes. */
  private pollDue = false;
  /** The user's conversations (a view of its population row) and where in it the device stands. */
  private readonly conversations: Int32Array;
  /** Per conversation: the cursor the device last sent as an ack, and the cursor when the current session opened. */
  private readonly ackedSeq: Int32Array;
  private readonly cursorAtSession: Int32Array;
  /** Per conversation: messages that arrived ahead of a gap, by seq (OWN for the device's own), or null when none. */
  private readonly held: (Map<number, ChatEnvelope | typeof OWN> | null)[];
  private heldCount = 0;
  /** Identities of the latest messages delivered, made at the first delivery. */
  private recent: RecentSet | null = null;
  /** Sessions opened, connections lost and presence changes heard, for inspection. */
  private sessions = 0;
  private losses = 0;
  private presenceHeard = 0;

  constructor(
    private readonly host: ChatDeviceHost,
    /** The device's index on its node (its timers' data). */
    readonly index: number,
    /** The device's number in the population (user × devicesPerUser + index). */
    readonly device: number,
    readonly user: number,
    private readonly disk: ChatDeviceDurable,
  ) {
    const p = host.population;
    this.conversations = p.userConversations.subarray(p.conversationStart[user], p.conversationStart[user + 1]);
    const n = this.conversations.length;
    this.ackedSeq = new Int32Array(n);
    this.cursorAtSession = new Int32Array(n);
    for (let i = 0; i < n; i++) this.cursorAtSession[i] = this.ackedSeq[i] = disk.expected[i] - 1;
    this.held = new Array<Map<number, ChatEnvelope | typeof OWN> | null>(n).fill(null);
  }

  /** Whether the device wants to be connected (not offline on purpose). */
  get inApp(): boolean {
    return this.state !== OFFLINE;
  }

  get online(): boolean {
    return this.state === ONLINE;
  }

  get outboxSize(): number {
    return this.disk.outbox.size;
  }

  inspect() {
    return {
      state: DEVICE_STATES[this.state],
      serverNodeId: this.server < 0 ? null : this.server,
      retries: this.retries,
      outbox: this.disk.outbox.size,
      held: this.heldCount,
      sessions: this.sessions,
      losses: this.losses,
      presenceHeard: this.presenceHeard,
    };
  }

  /** The device comes online (the app opens): it connects at once. */
  comeOnline(): void {
    if (this.state !== OFFLINE) return;
    this.retries = 0;
    this.startAttempt();
  }

  /** The device goes offline on purpose (the app closes): it ends its session, if any, and stops trying. */
  goOffline(): void {
    if (this.state === OFFLINE) return;
    const ctx = this.host.ctx;
    this.host.chats.deviceWentOffline(this.device, ctx.nowUs);
    if (this.state === ONLINE) {
      const close: ChatClose = { kind: 'chat-close', device: this.device };
      ctx.send(this.server, close, 0);
    }
    this.stopSessionTimers();
    this.cancel(this.stepTimer);
    this.stepTimer = -1;
    this.state = OFFLINE;
    this.server = -1;
    this.awaitedId = -1;
  }

  /** The user wrote a message in `conversation` on this device: into the outbox, and out now when connected. */
  submit(conversation: number): void {
    const ctx = this.host.ctx;
    const entry: OutboxEntry = {
      conversation,
      clientMessageId: this.disk.nextClientMessageId++,
      sentUs: ctx.nowUs,
      lastSentLocalUs: Number.NEGATIVE_INFINITY,
    };
    this.disk.outbox.set(entry.clientMessageId, entry);
    this.host.chats.count('messagesSent', ctx.nowUs);
    this.host.requests.recordSent(this.host.sendOperation, ctx.nowUs);
    if (this.state === ONLINE) {
      this.transmit(entry);
      this.armResend();
    }
  }

  onTimer(tag: number): void {
    switch (tag) {
      case DEVICE_TIMERS.step:
        this.stepTimer = -1;
        if (this.state === WAITING) this.startAttempt();
        else {
          if (this.state !== LOCATING) this.unreachable = this.server;
          this.attemptFailed('timeout', 0, true);
        }
        break;
      case DEVICE_TIMERS.heartbeat:
        this.heartbeatTimer = -1;
        this.heartbeat();
        break;
      case DEVICE_TIMERS.heartbeatDeadline:
      case DEVICE_TIMERS.pollDeadline:
        if (tag === DEVICE_TIMERS.heartbeatDeadline) this.heartbeatDeadline = -1;
        else this.pollDeadline = -1;
        if (this.state === ONLINE) this.connectionLost();
        break;
      case DEVICE_TIMERS.pollPeriod:
        this.pollPeriodTimer = this.host.ctx.setTimer(this.host.settings.pollIntervalUs, tag, this.index);
        this.poll();
        break;
      case DEVICE_TIMERS.resend:
        this.resendTimer = -1;
        this.resendOverdue();
        break;
      case DEVICE_TIMERS.gap:
        this.gapTimer = -1;
        this.syncGaps();
        break;
    }
  }

  // ---- connecting ----

  private startAttempt(): void {
    const { ctx, chats, settings } = this.host;
    this.state = LOCATING;
    this.server = -1;
    this.attemptStartUs = ctx.nowUs;
    chats.count('connectAttempts', ctx.nowUs);
    this.host.requests.recordSent(this.host.connectOperation, ctx.nowUs);
    const locate: ChatLocate = {
      kind: 'chat-locate',
      id: (this.awaitedId = this.host.nextWireId()),
      device: this.device,
      avoid: this.unreachable,
    };
    ctx.send(this.host.directory, locate, 0);
    this.stepTimer = ctx.setTimer(settings.connectTimeoutUs, DEVICE_TIMERS.step, this.index);
  }

  onLocateReply(reply: ChatLocateReply): void {
    if (this.state !== LOCATING || reply.id !== this.awaitedId) return;
    this.cancel(this.stepTimer);
    this.stepTimer = -1;
    if (reply.server < 0) {
      this.attemptFailed('unavailable', reply.retryAfterUs, true);
      return;
    }
    this.server = reply.server;
    this.helloStep = 0;
    this.nextStep();
  }

  /** The next set-up round trip: hellos 1 … setupRoundTrips − 1, then the connect request. */
  private nextStep(): void {
    const { ctx, settings } = this.host;
    this.helloStep++;
    this.awaitedId = this.host.nextWireId();
    if (this.helloStep < settings.setupRoundTrips) {
      this.state = HELLO;
      const hello: ChatHello = { kind: 'chat-hello', id: this.awaitedId, device: this.device, step: this.helloStep };
      ctx.send(this.server, hello, 0);
    } else {
      this.state = CONNECTING;
      const connect: ChatConnect = {
        kind: 'chat-connect',
        id: this.awaitedId,
        device: this.device,
        protocol: settings.protocol,
      };
      ctx.send(this.server, connect, 0);
    }
    this.stepTimer = ctx.setTimer(settings.connectTimeoutUs, DEVICE_TIMERS.step, this.index);
  }

  onHelloReply(from: NodeId, reply: ChatHelloReply): void {
    if (this.state !== HELLO || reply.id !== this.awaitedId || from !== this.server) return;
    this.cancel(this.stepTimer);
    this.stepTimer = -1;
    this.nextStep();
  }

  onConnectReply(from: NodeId, reply: ChatConnectReply): void {
    if (this.state !== CONNECTING || reply.id !== this.awaitedId || from !== this.server) {
      // A session this device no longer waits for (it timed out, went offline, or tried elsewhere): close it.
      if (reply.error === undefined && !(this.state === ONLINE && from === this.server)) {
        this.host.chats.deviceClosed(this.device, from, this.host.ctx.nowUs);
        const close: ChatClose = { kind: 'chat-close', device: this.device };
        this.host.ctx.send(from, close, 0);
      }
      return;
    }
    this.cancel(this.stepTimer);
    this.stepTimer = -1;
    if (reply.error !== undefined) this.attemptFailed('rejected', reply.retryAfterUs, false);
    else this.sessionOpened();
  }

  /** An attempt ended without a session: wait as the policy says (never less than the server's retry-after), then start over. */
  private attemptFailed(
    kind: 'timeout' | 'rejected' | 'unavailable',
    retryAfterUs: number,
    countFailed: boolean,
  ): void {
    const { ctx, chats } = this.host;
    if (countFailed) chats.count('connectsFailed', ctx.nowUs);
    this.host.requests.recordFailure(this.host.connectOperation, kind, this.attemptStartUs, ctx.nowUs);
    this.retries++;
    this.waitThenConnect(retryAfterUs);
  }

  private waitThenConnect(retryAfterUs: number): void {
    const { ctx, settings } = this.host;
    this.state = WAITING;
    this.server = -1;
    this.awaitedId = -1;
    const waitUs = reconnectDelayUs(settings.reconnect, this.retries + 1, this.host.backoff, retryAfterUs);
    this.stepTimer = ctx.setTimer(waitUs, DEVICE_TIMERS.step, this.index);
  }

  private sessionOpened(): void {
    const { ctx, settings } = this.host;
    this.state = ONLINE;
    this.awaitedId = -1;
    this.retries = 0;
    this.unreachable = -1;
    this.sessions++;
    this.host.requests.recordSuccess(this.host.connectOperation, this.attemptStartUs, ctx.nowUs);
    this.host.chats.sessionSetUp(this.attemptStartUs, ctx.nowUs);
    // Cursors that moved during the previous session may have died with it: tell this one.
    const expected = this.disk.expected;
    for (let i = 0; i < this.conversations.length; i++) {
      const cursor = expected[i] - 1;
      if (cursor > this.cursorAtSession[i]) this.sendAck(i);
      this.cursorAtSession[i] = cursor;
    }
    this.sync(-1, 0, 0);
    for (const entry of this.disk.outbox.values()) this.transmit(entry);
    this.armResend();
    const b = settings.behaviour;
    if (b.heartbeats)
      this.heartbeatTimer = ctx.setTimer(settings.heartbeatIntervalUs, DEVICE_TIMERS.heartbeat, this.index);
    if (!b.push) {
      this.poll();
      if (!b.holdsPolls)
        this.pollPeriodTimer = ctx.setTimer(settings.pollIntervalUs, DEVICE_TIMERS.pollPeriod, this.index);
    }
    if (this.heldCount > 0 && this.gapTimer === -1)
      this.gapTimer = ctx.setTimer(settings.gapTimeoutUs, DEVICE_TIMERS.gap, this.index);
  }

  /** The session is gone (dead server, the server's close, no session at the server): wait, then reconnect. */
  private connectionLost(): void {
    this.host.chats.deviceDisconnected(this.device, this.host.ctx.nowUs);
    this.losses++;
    this.unreachable = this.server;
    this.stopSessionTimers();
    this.retries = 0;
    this.waitThenConnect(0);
  }

  private stopSessionTimers(): void {
    this.cancel(this.heartbeatTimer);
    this.cancel(this.heartbeatDeadline);
    this.cancel(this.pollDeadline);
    this.cancel(this.pollPeriodTimer);
    this.cancel(this.resendTimer);
    this.heartbeatTimer = this.heartbeatDeadline = this.pollDeadline = this.pollPeriodTimer = this.resendTimer = -1;
    this.pollId = -1;
    this.pollDue = false;
  }

  private cancel(timer: TimerHandle | -1): void {
    if (timer !== -1) this.host.ctx.cancelTimer(timer);
  }

  // ---- liveness ----

  /** Anything from the device's server shows it alive. */
  heardFrom(from: NodeId): void {
    if (from === this.server && this.heartbeatDeadline !== -1) {
      this.host.ctx.cancelTimer(this.heartbeatDeadline);
      this.heartbeatDeadline = -1;
    }
  }

  private heartbeat(): void {
    if (this.state !== ONLINE) return;
    const { ctx, settings } = this.host;
    const beat: ChatHeartbeat = { kind: 'chat-heartbeat', device: this.device };
    ctx.send(this.server, beat, 0);
    if (this.heartbeatDeadline === -1)
      this.heartbeatDeadline = ctx.setTimer(settings.heartbeatTimeoutUs, DEVICE_TIMERS.heartbeatDeadline, this.index);
    this.heartbeatTimer = ctx.setTimer(settings.heartbeatIntervalUs, DEVICE_TIMERS.heartbeat, this.index);
  }

  /** The server ended the session (`chat-closed`). */
  onClosed(from: NodeId): void {
    if (this.state === ONLINE && from === this.server) this.connectionLost();
  }

  onPresence(): void {
    this.presenceHeard++;
  }

  // ---- polling ----

  private poll(): void {
    if (this.state !== ONLINE) return;
    if (this.pollId !== -1) {
      this.pollDue = true;
      return;
    }
    const { ctx, settings } = this.host;
    const waitUs = settings.behaviour.holdsPolls ? settings.pollTimeoutUs : 0;
    const poll: ChatPoll = {
      kind: 'chat-poll',
      id: (this.pollId = this.host.nextWireId()),
      device: this.device,
      waitUs,
      acks: this.movedCursors(),
    };
    ctx.send(this.server, poll, 0);
    this.pollDeadline = ctx.setTimer(waitUs + settings.requestTimeoutUs, DEVICE_TIMERS.pollDeadline, this.index);
  }

  /** The cursors that moved since they were last sent, marked sent (one shared empty list when none did: an idle poll allocates nothing). */
  private movedCursors(): readonly ChatCursor[] {
    let moved: ChatCursor[] | null = null;
    const expected = this.disk.expected;
    for (let i = 0; i < this.conversations.length; i++) {
      const cursor = expected[i] - 1;
      if (cursor <= this.ackedSeq[i]) continue;
      this.ackedSeq[i] = cursor;
      (moved ??= []).push({ conversation: this.conversations[i], seq: cursor });
    }
    return moved ?? NO_CURSORS;
  }

  onPollReply(from: NodeId, reply: ChatPollReply): void {
    // Messages are real whichever poll carried them (a late reply from before a reconnect too).
    for (const envelope of reply.messages) this.receive(envelope);
    this.presenceHeard += reply.presence.length;
    if (this.state !== ONLINE || reply.id !== this.pollId || from !== this.server) return;
    this.cancel(this.pollDeadline);
    this.pollDeadline = -1;
    this.pollId = -1;
    if (reply.noSession) {
      this.connectionLost();
      return;
    }
    if (this.host.settings.behaviour.holdsPolls || this.pollDue) {
      this.pollDue = false;
      this.poll();
    }
  }

  // ---- sending ----

  private transmit(entry: OutboxEntry): void {
    const ctx = this.host.ctx;
    entry.lastSentLocalUs = ctx.localTimeUs();
    const send: ChatSend = {
      kind: 'chat-send',
      id: this.host.nextWireId(),
      device: this.device,
      conversation: entry.conversation,
      clientMessageId: entry.clientMessageId,
      sentUs: entry.sentUs,
      sizeBytes: this.host.settings.messageSizeBytes,
    };
    ctx.send(this.server, send, send.sizeBytes);
  }

  private armResend(): void {
    if (this.resendTimer !== -1 || this.disk.outbox.size === 0) return;
    this.resendTimer = this.host.ctx.setTimer(this.host.settings.requestTimeoutUs, DEVICE_TIMERS.resend, this.index);
  }

  /** Sends again, with the same clientMessageId, what has waited requestTimeout for its ack on this session. */
  private resendOverdue(): void {
    if (this.state !== ONLINE) return;
    const dueLocalUs = this.host.ctx.localTimeUs() - this.host.settings.requestTimeoutUs;
    for (const entry of this.disk.outbox.values()) if (entry.lastSentLocalUs <= dueLocalUs) this.transmit(entry);
    this.armResend();
  }

  onSendAck(ack: ChatSendAck): void {
    const entry = this.disk.outbox.get(ack.clientMessageId);
    // Absent: an ack of a resend already acknowledged, or the seq following an on-receipt ack.
    if (entry !== undefined) {
      this.disk.outbox.delete(ack.clientMessageId);
      const { ctx, chats } = this.host;
      chats.count('messagesAcknowledged', ctx.nowUs);
      this.host.requests.recordSuccess(this.host.sendOperation, entry.sentUs, ctx.nowUs);
    }
    // The device holds its own message: its cursor moves (acked with the next delivery's cursor, as acks are cumulative).
    if (ack.seq >= 1) {
      const i = conversationIndex(this.host.population, this.user, ack.conversation);
      if (i >= 0) this.accept(i, ack.seq, OWN);
    }
  }

  // ---- receiving ----

  /** Messages pushed to the device (websocket, sse). */
  onDeliver(messages: readonly ChatEnvelope[]): void {
    const push = this.host.settings.behaviour.push;
    for (const envelope of messages) {
      const i = this.receive(envelope);
      if (push && i >= 0) this.flushAck(i);
    }
  }

  /** Takes one arriving message; the conversation's index when its cursor moved, −1 otherwise. */
  private receive(envelope: ChatEnvelope): number {
    const i = conversationIndex(this.host.population, this.user, envelope.conversation);
    if (i < 0) return -1;
    const own = envelope.senderDevice === this.device;
    return this.accept(i, envelope.seq, own ? OWN : envelope) ? i : -1;
  }

  /**
   * Message `seq` of conversation i arrived (OWN: one the device sent): in
   * order it is delivered with every held one it unblocks; behind the cursor
   * it is a duplicate; ahead of a gap it is held. True when the cursor moved.
   */
  private accept(i: number, seq: number, envelope: ChatEnvelope | typeof OWN): boolean {
    const { ctx, chats, settings } = this.host;
    const expected = this.disk.expected;
    const next = expected[i];
    if (seq < next) {
      if (envelope !== OWN) chats.countIn(this.conversations[i], 'duplicates', ctx.nowUs);
      return false;
    }
    if (seq > next) {
      let held = this.held[i];
      if (held === null) held = this.held[i] = new Map();
      if (held.has(seq)) {
        if (envelope !== OWN) chats.countIn(this.conversations[i], 'duplicates', ctx.nowUs);
        return false;
      }
      held.set(seq, envelope);
      this.heldCount++;
      if (envelope !== OWN) chats.countIn(this.conversations[i], 'outOfOrder', ctx.nowUs);
      if (this.gapTimer === -1) this.gapTimer = ctx.setTimer(settings.gapTimeoutUs, DEVICE_TIMERS.gap, this.index);
      return false;
    }
    this.deliver(i, envelope);
    let cursor = next + 1;
    const held = this.held[i];
    if (held !== null) {
      while (held.has(cursor)) {
        this.deliver(i, held.get(cursor)!);
        held.delete(cursor);
        this.heldCount--;
        cursor++;
      }
      if (held.size === 0) this.held[i] = null;
    }
    expected[i] = cursor;
    return true;
  }

  /**
   * Hands message i's next seq to the user, unless it is the device's own
   * or a copy of a message delivered recently under another seq (a store
   * without dedupe stores a resend again): the same (sender device,
   * clientMessageId) among the device's last RECENT_MESSAGES deliveries is a
   * duplicate, as a client's message-id check would find it.
   */
  private deliver(i: number, envelope: ChatEnvelope | typeof OWN): void {
    if (envelope === OWN) return;
    const identity = envelope.senderDevice * 0x1_0000_0000 + envelope.clientMessageId;
    const recent = (this.recent ??= new RecentSet(RECENT_MESSAGES));
    if (!recent.add(identity)) {
      this.host.chats.countIn(this.conversations[i], 'duplicates', this.host.ctx.nowUs);
      return;
    }
    this.host.chats.deliveredInOrder(
      this.device,
      this.conversations[i],
      envelope.seq,
      envelope.senderDevice,
      envelope.sentUs,
      this.host.ctx.nowUs,
    );
  }

  /** Push protocols ack a moved cursor at once. */
  private flushAck(i: number): void {
    if (this.state === ONLINE && this.disk.expected[i] - 1 > this.ackedSeq[i]) this.sendAck(i);
  }

  private sendAck(i: number): void {
    const cursor = this.disk.expected[i] - 1;
    this.ackedSeq[i] = cursor;
    const ack: ChatAck = { kind: 'chat-ack', device: this.device, conversation: this.conversations[i], seq: cursor };
    this.host.ctx.send(this.server, ack, 0);
  }

  /**
   * Asks the server for the missing seqs of every gap still open (between
   * the cursor and the first held message, and between held ones), so what
   * the device holds does not come again; again after gapTimeout while gaps
   * stay.
   */
  private syncGaps(): void {
    if (this.heldCount === 0 || this.state !== ONLINE) return;
    for (let i = 0; i < this.conversations.length; i++) {
      const held = this.held[i];
      if (held === null) continue;
      heldSeqs.length = 0;
      for (const seq of held.keys()) heldSeqs.push(seq);
      heldSeqs.sort(ascending);
      let from = this.disk.expected[i];
      for (const seq of heldSeqs) {
        if (seq > from) this.sync(this.conversations[i], from, seq);
        from = seq + 1;
      }
    }
    this.gapTimer = this.host.ctx.setTimer(this.host.settings.gapTimeoutUs, DEVICE_TIMERS.gap, this.index);
  }

  /** Asks the server for a conversation's seqs [fromSeq, beforeSeq), or (−1, 0, 0) for everything after the cursors. */
  private sync(conversation: number, fromSeq: number, beforeSeq: number): void {
    const sync: ChatSync = {
      kind: 'chat-sync',
      id: this.host.nextWireId(),
      device: this.device,
      conversation,
      fromSeq,
      beforeSeq,
    };
    this.host.ctx.send(this.server, sync, 0);
  }
}
