import type { ChatProtocol } from './chat-messages.js';

/**
 * How each client protocol behaves on the device side, and its defaults.
 *
 * - websocket: one full-duplex connection; the server pushes messages at
 *   once; sends and acks are frames on it; the device sends a heartbeat every
 *   heartbeatInterval and declares the server dead when nothing comes back
 *   within heartbeatTimeout. Set-up: TCP, TLS, the HTTP upgrade (3 round trips).
 * - sse (server-sent events): the server pushes on a long-lived HTTP stream;
 *   the device's sends, acks and heartbeats go as separate POSTs (the server
 *   counts them as requests rather than frames). Liveness as websocket: the
 *   device's heartbeat POSTs are answered, and silence past heartbeatTimeout
 *   means a dead server (a real SSE client listens for the server's comment
 *   pings instead: the same detection time). Set-up: TCP, TLS, the stream
 *   request (3).
 * - long-polling: the device holds one poll open; the server answers it
 *   when something arrives for the device or after pollTimeout with nothing,
 *   and the device polls again at once (cursors ride on the next poll). A
 *   poll unanswered past pollTimeout + requestTimeout means a dead server.
 *   Set-up: TCP, TLS (2; polls reuse the kept-alive connection).
 * - short-polling: the device polls every pollInterval from its previous
 *   poll's send (a fixed period whatever the replies do; a poll that comes
 *   due while the previous one is unanswered waits for its reply), and the
 *   server answers at once with what queued since. A message waits for the
 *   next poll: pollInterval/2 on average, plus transit. A poll unanswered
 *   past requestTimeout means a dead server. Set-up: TCP, TLS (2).
 *
 * Idle cost per connected device and second: websocket and sse
 * 1/heartbeatInterval heartbeats; long-polling 1/pollTimeout empty polls;
 * short-polling 1/pollInterval polls. Polling devices send no heartbeats:
 * their polls keep the session alive.
 */
export interface ProtocolBehaviour {
  /** The server pushes messages as they come (websocket, sse); otherwise the device polls. */
  readonly push: boolean;
  /** The device heartbeats its server (the push protocols). */
  readonly heartbeats: boolean;
  /** A poll is held open until something comes or pollTimeout passes (long polling). */
  readonly holdsPolls: boolean;
}

export const PROTOCOL_BEHAVIOUR: Readonly<Record<ChatProtocol, ProtocolBehaviour>> = {
  websocket: { push: true, heartbeats: true, holdsPolls: false },
  sse: { push: true, heartbeats: true, holdsPolls: false },
  'long-polling': { push: false, heartbeats: false, holdsPolls: true },
  'short-polling': { push: false, heartbeats: false, holdsPolls: false },
};

/** Network round trips before a session opens, the last being the connect request itself: TCP + TLS (+ the upgrade or stream request). */
export const DEFAULT_SETUP_ROUND_TRIPS: Readonly<Record<ChatProtocol, number>> = {
  websocket: 3,
  sse: 3,
  'long-polling': 2,
  'short-polling': 2,
};

/** Default timing (µs): a heartbeat every 30s answered within 10s, short polls every 5s, long polls held 30s. */
export const DEFAULT_HEARTBEAT_INTERVAL_US = 30_000_000;
export const DEFAULT_HEARTBEAT_TIMEOUT_US = 10_000_000;
export const DEFAULT_POLL_INTERVAL_US = 5_000_000;
export const DEFAULT_POLL_TIMEOUT_US = 30_000_000;
