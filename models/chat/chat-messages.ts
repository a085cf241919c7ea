import type { TimeUs } from '../../engine/index.js';

/**
 * The chat wire protocol between chat-clients devices, chat servers, the
 * chat directory and the chat store.
 *
 * Ids: users 0..users−1 and devices user × devicesPerUser + d are the
 * population's (models/chat/chat-population.ts); conversations are its ids
 * too. A user's devices all live on its chat-clients node, so every message
 * to a client names the device it is for. Servers are named by node id
 * (what `ctx.lookup` returns for a node name).
 *
 * A device's life:
 * 1. `chat-locate` to the directory → `chat-locate-reply` with a server.
 * 2. Set-up round trips: `chat-hello` / `chat-hello-reply` (TCP, TLS, the
 *    HTTP upgrade: setupRoundTrips − 1 of them, answered without server CPU),
 *    then `chat-connect` → `chat-connect-reply` (the last round trip: the
 *    server's admission check, its handshake cost, and the session opens).
 * 3. `chat-sync` through the server: the store answers with every message
 *    after the device's cursor (`chat-deliver` frames, or in the next poll
 *    reply for polling protocols).
 * 4. Sends: `chat-send` → `chat-send-ack` (after the store has the message,
 *    or on receipt, by the server's ackMode). Resends after a reconnect keep
 *    the clientMessageId, so the store can drop the repeat.
 * 5. Receives: websocket and sse get `chat-deliver` pushed; long-polling's
 *    `chat-poll` is held until something arrives or its waitUs passes;
 *    short-polling's `chat-poll` (waitUs 0) is answered at once with what
 *    queued since the last poll. The device acks with `chat-ack` (its
 *    contiguous cursor for a conversation); polls can carry acks instead.
 * 6. Liveness: `chat-heartbeat` → `chat-pong`; any message from the device
 *    counts as heard for the server's heartbeatTimeout. `chat-close` ends
 *    the session; `chat-closed` tells the device the server ended it.
 *
 * Between components: servers report `chat-server-status` and
 * `chat-session` open/close to the directory; the directory pushes
 * `chat-route` changes to every store node and `chat-presence-fanout` to
 * the servers holding the contacts' devices; servers send `chat-append`,
 * `chat-store-sync` and `chat-cursor` to the store shard of the
 * conversation (conversation mod store nodes), which answers
 * `chat-append-reply` and `chat-store-sync-reply` and fans stored messages
 * out with `chat-fanout` to the servers holding the recipients.
 */

/** The client protocols, as chat-clients names them. */
export const CHAT_PROTOCOLS = ['websocket', 'sse', 'long-polling', 'short-polling'] as const;
export type ChatProtocol = (typeof CHAT_PROTOCOLS)[number];

/**
 * A stored message as delivered to devices: one immutable object per stored
 * message, shared by every delivery of it (fan-out, sync, poll replies).
 */
export interface ChatEnvelope {
  readonly conversation: number;
  /** Its sequence number in the conversation: 1, 2, 3 … assigned by the store, never reused. */
  readonly seq: number;
  readonly senderDevice: number;
  readonly clientMessageId: number;
  /** True time the sender first sent it, for measurement only (ChatLog.delivered). */
  readonly sentUs: TimeUs;
  readonly sizeBytes: number;
}

/** A presence change as delivered to a device: `user` came online or went offline. */
export interface ChatPresence {
  readonly user: number;
  readonly online: boolean;
}

// ---- device ↔ directory ----

export interface ChatLocate {
  readonly kind: 'chat-locate';
  readonly id: number;
  readonly device: number;
  /**
   * The server (node id) the device just lost or could not reach, −1 for
   * none: the directory sends it elsewhere when it can, since the server may
   * be up for the directory and still cut off from this device.
   */
  readonly avoid: number;
}

export interface ChatLocateReply {
  readonly kind: 'chat-locate-reply';
  readonly id: number;
  readonly device: number;
  /** The server's node id; −1 when no server is up and has room (ask again after retryAfterUs). */
  readonly server: number;
  readonly retryAfterUs: number;
}

// ---- device ↔ server: connection ----

/** One set-up round trip before the last (TCP, TLS, the upgrade request): the server answers at once. */
export interface ChatHello {
  readonly kind: 'chat-hello';
  readonly id: number;
  readonly device: number;
  /** 1 … setupRoundTrips − 1. */
  readonly step: number;
}

export interface ChatHelloReply {
  readonly kind: 'chat-hello-reply';
  readonly id: number;
  readonly device: number;
  readonly step: number;
}

/** The last set-up round trip: asks the server to open a session. */
export interface ChatConnect {
  readonly kind: 'chat-connect';
  readonly id: number;
  readonly device: number;
  readonly protocol: ChatProtocol;
}

/**
 * Why a server did not open a session:
 * - `refused`: over its admission rate (token bucket); retry after retryAfterUs;
 * - `full`: it holds maxConnections sessions (or handshakes) already; locate again.
 */
export type ChatConnectError = 'refused' | 'full';

export interface ChatConnectReply {
  readonly kind: 'chat-connect-reply';
  readonly id: number;
  readonly device: number;
  /** Absent when the session is open. */
  readonly error?: ChatConnectError;
  /** With an error: when to try again (refused: until the bucket has a token; full: 0). */
  readonly retryAfterUs: number;
}

/** Ends the device's session (the device goes offline on purpose). No reply. */
export interface ChatClose {
  readonly kind: 'chat-close';
  readonly device: number;
}

/** The server ended the session (the device was silent past heartbeatTimeout); the device should reconnect if it still wants to be online. */
export interface ChatClosed {
  readonly kind: 'chat-closed';
  readonly device: number;
}

export interface ChatHeartbeat {
  readonly kind: 'chat-heartbeat';
  readonly device: number;
}

export interface ChatPong {
  readonly kind: 'chat-pong';
  readonly device: number;
}

// ---- device ↔ server: messages ----

/**
 * Asks for every stored message the device has not acknowledged: all its
 * conversations (conversation −1, after a connect), or the seqs
 * [fromSeq, beforeSeq) of one conversation (a gap the device sees: it holds
 * beforeSeq already, so only what is missing comes). The messages come as
 * `chat-deliver` frames (websocket, sse) or in the next poll replies
 * (polling). No reply of its own.
 */
export interface ChatSync {
  readonly kind: 'chat-sync';
  readonly id: number;
  readonly device: number;
  readonly conversation: number;
  /** A gap's bounds; both 0 for everything after the device's acknowledged cursor. */
  readonly fromSeq: number;
  readonly beforeSeq: number;
}

/** A message as its sender wrote it, before the store numbers it: what a send carries to the server and the server to the store. */
export interface ChatWritten {
  /** The sending device. */
  readonly device: number;
  readonly conversation: number;
  /** The sender device's own number for the message, 0, 1, 2 …: the same on every resend (the store's dedupe key with the device). */
  readonly clientMessageId: number;
  /** True time of the first attempt, for measurement only. */
  readonly sentUs: TimeUs;
  readonly sizeBytes: number;
}

export interface ChatSend extends ChatWritten {
  readonly kind: 'chat-send';
  /** Wire id, echoed by the ack; a resend gets a new one. */
  readonly id: number;
}

export interface ChatSendAck {
  readonly kind: 'chat-send-ack';
  readonly id: number;
  readonly device: number;
  readonly conversation: number;
  readonly clientMessageId: number;
  /**
   * The message's sequence number, or −1 when the server acknowledged on
   * receipt, before the store assigned one; in that mode a second ack with
   * the seq follows when the store answers (if the session still lasts).
   */
  readonly seq: number;
}

/** Messages (fan-out, sync) pushed to a websocket or sse device. */
export interface ChatDeliver {
  readonly kind: 'chat-deliver';
  readonly device: number;
  readonly messages: readonly ChatEnvelope[];
}

/** A presence change pushed to a websocket or sse device. */
export interface ChatPresenceUpdate {
  readonly kind: 'chat-presence';
  readonly device: number;
  readonly user: number;
  readonly online: boolean;
}

/** The device's cursor in a conversation: it holds every message up to `seq`. */
export interface ChatAck {
  readonly kind: 'chat-ack';
  readonly device: number;
  readonly conversation: number;
  readonly seq: number;
}

/** A cursor riding on a poll. */
export interface ChatCursor {
  readonly conversation: number;
  readonly seq: number;
}

/**
 * A poll: answered at once with what is queued (short polling, waitUs 0), or
 * held up to waitUs (long polling, its pollTimeout, on the server's clock)
 * until something is queued for the device.
 */
export interface ChatPoll {
  readonly kind: 'chat-poll';
  readonly id: number;
  readonly device: number;
  readonly waitUs: number;
  /** Cursors to relay to the store, as `chat-ack`s would (empty for none). */
  readonly acks: readonly ChatCursor[];
}

export interface ChatPollReply {
  readonly kind: 'chat-poll-reply';
  readonly id: number;
  readonly device: number;
  readonly messages: readonly ChatEnvelope[];
  readonly presence: readonly ChatPresence[];
  /** True when the server holds no session for the device (closed or never opened): reconnect. */
  readonly noSession: boolean;
}

// ---- server ↔ directory ----

/** Every statusInterval: the server is up, with this many sessions out of its capacity. */
export interface ChatServerStatus {
  readonly kind: 'chat-server-status';
  readonly server: number;
  /** Counts the server's starts (durable): a higher one means it restarted, and sessions of earlier ones are gone. */
  readonly incarnation: number;
  readonly connections: number;
  readonly capacity: number;
}

/** A session opened or closed on `server`. */
export interface ChatSession {
  readonly kind: 'chat-session';
  readonly device: number;
  readonly server: number;
  readonly incarnation: number;
  readonly open: boolean;
}

/**
 * The directory asks the server to register every session it holds
 * (`chat-session` open): the directory started again and lost its table, or
 * it had declared this server down (silent past statusTimeout: a partition,
 * not a crash, if it reports again with the same incarnation) and closed its
 * sessions (`dropped`). Dropped sessions were missing from the stores'
 * routes meanwhile, so fan-outs skipped them: the server syncs each one.
 */
export interface ChatSessionsRequest {
  readonly kind: 'chat-sessions-request';
  readonly dropped: boolean;
}

/** The directory's presence fan-out to one server: tell these devices (held there) that `user` came online or went offline. */
export interface ChatPresenceFanout {
  readonly kind: 'chat-presence-fanout';
  readonly user: number;
  readonly online: boolean;
  readonly devices: readonly number[];
}

// ---- directory ↔ store ----

/**
 * A routing change for the store's copy of the session table: the device is
 * now on `server` (open), or no longer on `server` (closed: ignored when the
 * store already routes the device to another server).
 */
export interface ChatRoute {
  readonly kind: 'chat-route';
  readonly device: number;
  readonly server: number;
  /** The server's incarnation holding the session: a close of an earlier one does not undo a newer open on the same server. */
  readonly incarnation: number;
  readonly open: boolean;
}

/**
 * A store node registers with the directory: when it (re)starts, asking for
 * the whole table (`full`), and every statusInterval after, so a directory
 * that restarted learns its stores again and sends them its changes.
 */
export interface ChatRoutesRequest {
  readonly kind: 'chat-routes-request';
  readonly full: boolean;
}

/** The whole session table: per device, its server's node id or −1, and that server's incarnation. */
export interface ChatRoutesSnapshot {
  readonly kind: 'chat-routes-snapshot';
  readonly serverOf: Int32Array;
  readonly incarnationOf: Int32Array;
}

// ---- server ↔ store ----

/** A device's send, relayed to the store shard of its conversation. */
export interface ChatAppend extends ChatWritten {
  readonly kind: 'chat-append';
  /** The server's wire id, echoed by the reply. */
  readonly id: number;
}

export interface ChatAppendReply {
  readonly kind: 'chat-append-reply';
  readonly id: number;
  readonly device: number;
  readonly conversation: number;
  readonly clientMessageId: number;
  readonly seq: number;
  /** True when the store already had it (a resend): not stored or fanned out again. */
  readonly duplicate: boolean;
}

/** A device's sync relayed to a store node (conversation −1: every conversation of the device's user that this shard holds; a gap's bounds as in ChatSync). */
export interface ChatStoreSync {
  readonly kind: 'chat-store-sync';
  /** The server's wire id, echoed by the reply (the server asks again when none comes within its storeTimeout). */
  readonly id: number;
  readonly device: number;
  readonly conversation: number;
  readonly fromSeq: number;
  readonly beforeSeq: number;
  /** The asking server's incarnation: the store routes the device to it from now on. */
  readonly incarnation: number;
}

/** The messages after the device's cursors, oldest first per conversation (empty when there are none: it is still the answer). */
export interface ChatStoreSyncReply {
  readonly kind: 'chat-store-sync-reply';
  readonly id: number;
  readonly device: number;
  readonly messages: readonly ChatEnvelope[];
}

/** A device's cursor relayed to the store shard of the conversation. */
export interface ChatCursorUpdate {
  readonly kind: 'chat-cursor';
  readonly device: number;
  readonly conversation: number;
  readonly seq: number;
}

/** A stored message for the devices listed, all held by the receiving server (as the store's routes say). */
export interface ChatFanout {
  readonly kind: 'chat-fanout';
  readonly message: ChatEnvelope;
  readonly devices: readonly number[];
}

/** What a chat-clients node receives. */
export type ChatToDevice =
  | ChatLocateReply
  | ChatHelloReply
  | ChatConnectReply
  | ChatClosed
  | ChatPong
  | ChatSendAck
  | ChatDeliver
  | ChatPresenceUpdate
  | ChatPollReply;

/** What a device sends to a chat server. */
export type ChatFromDevice =
  ChatHello | ChatConnect | ChatClose | ChatHeartbeat | ChatSync | ChatSend | ChatAck | ChatPoll;
