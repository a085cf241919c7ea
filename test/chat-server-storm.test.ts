import { describe, expect, it } from 'vitest';
import { scenarioTextReport } from './support/bundled-report.js';

/**
 * 250 chat users (one websocket device each) on two servers with one worker
 * and 40 ms handshakes: 25 connects per second per server. Devices time out
 * a heartbeat after 1 s, so a server whose worker queue holds more than a
 * second of handshakes looks dead to the devices it already holds. Two
 * storms: the opening connects (250 devices within 3 s, more than the
 * servers handshake), and srv-1's crash at 10 s.
 */
const storm = (server: string) => `
name: storm
seed: 3
duration: 20s
warmup: 5s
topology:
  nodes: { dir: {}, srv: { count: 2 }, db: {}, client: { count: 250 } }
components:
  chat: { type: chat-directory, nodes: dir }
  servers: { type: chat-server, nodes: srv, store: store, directory: chat, workers: 1, costs: { handshake: 40ms }, ${server} }
  store: { type: chat-store, nodes: db, directory: chat }
workloads:
  users:
    type: chat-clients
    nodes: client
    directory: chat
    contactsPerUser: 2
    messageRate: 1/min
    connectSpread: 3s
    reconnect: { policy: immediate }
    heartbeatInterval: 2s
    heartbeatTimeout: 1s
faults:
  timeline:
    - { at: 10s, action: crash, nodes: srv-1 }
`;

async function connected(server: string) {
  const chat = (await scenarioTextReport(storm(server), 'storm.yaml')).chat!;
  return { meanConnected: chat.connections.meanConnected! };
}

describe('chat-server under a reconnect storm', () => {
  it('collapses when handshakes and heartbeats share one line, and holds when open sessions go first', async () => {
    // fifo: heartbeats wait behind handshakes, devices give up on live servers and reconnect, feeding the queue.
    const fifo = await connected('priority: fifo');
    const first = await connected('priority: sessions-first');
    expect(fifo.meanConnected).toBeLessThan(0.6 * 250);
    expect(first.meanConnected).toBeGreaterThan(0.7 * 250);
  });
});
