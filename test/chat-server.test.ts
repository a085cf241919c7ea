import { describe, expect, it } from 'vitest';
import type { ChatProtocol } from '../models/chat/chat-messages.js';
import { chatRig, type ChatRig } from './support/chat-server-rig.js';

/** Each device connects straight to srv-1 at `atUs` (no locate, no set-up round trips). */
function connectAll(rig: ChatRig, devices: number, atUs: number, protocol: ChatProtocol = 'websocket'): void {
  for (let d = 0; d < devices; d++)
    rig.at(atUs, d, (client) => client.send('srv-1', { kind: 'chat-connect', id: d, device: d, protocol }));
}

const replies = (rig: ChatRig, devices: number) =>
  Array.from({ length: devices }, (_, d) => rig.clientOf(d).of('chat-connect-reply')[0]);

describe('chat-server', () => {
  it('admits a burst, then refuses beyond the token bucket with a Retry-After until the next token', () => {
    const rig = chatRig({ users: 20, serverRegions: ['eu'], server: { admission: { rate: '10/s', burst: 5 } } });
    connectAll(rig, 20, 2_000_000);
    rig.sim.run({ untilUs: 3_000_000 });
    const answers = replies(rig, 20);
    expect(answers.filter((r) => r.error === undefined)).toHaveLength(5);
    const refused = answers.filter((r) => r.error === 'refused');
    expect(refused).toHaveLength(15);
    // The bucket is empty: the next token is 100 ms away (10/s).
    for (const r of refused) expect(r.retryAfterUs).toBe(100_000);
    expect(rig.chats.totals.connectsRefused).toBe(15);
    expect(rig.chats.totals.connections).toBe(5);
  });

  it('refuses connects beyond maxConnections as full', () => {
    const rig = chatRig({ users: 6, serverRegions: ['eu'], server: { maxConnections: 4 } });
    connectAll(rig, 6, 2_000_000);
    rig.sim.run({ untilUs: 3_000_000 });
    expect(replies(rig, 6).map((r) => r.error ?? 'ok')).toEqual(['ok', 'ok', 'ok', 'ok', 'full', 'full']);
  });

  it('serves handshakes from a worker queue: a burst waits in line', () => {
    const rig = chatRig({ users: 50, serverRegions: ['eu'], server: { workers: 2, costs: { handshake: '10ms' } } });
    connectAll(rig, 50, 2_000_000);
    rig.sim.run({ untilUs: 4_000_000 });
    const times = replies(rig, 50)
      .map((r) => r.atUs - 2_000_000)
      .sort((a, b) => a - b);
    // 2 workers, 10 ms each, 1 ms each way: the k-th pair is answered at 2 ms + 10 ms × k.
    expect(times[0]).toBe(12_000);
    expect(times[49]).toBe(2_000 + 10_000 * 25);
    expect(rig.metrics.server.details.get('heartbeatTimeouts')).toBe(0);
  });

  it("with priority sessions-first, open sessions' work goes ahead of queued handshakes", () => {
    const pongDelay = (priority: string) => {
      const rig = chatRig({
        users: 51,
        serverRegions: ['eu'],
        server: { workers: 1, costs: { handshake: '10ms' }, priority },
      });
      rig.at(1_000_000, 0, (c) => c.send('srv-1', { kind: 'chat-connect', id: 0, device: 0, protocol: 'websocket' }));
      for (let d = 1; d <= 50; d++)
        rig.at(2_000_000, d, (c) => c.send('srv-1', { kind: 'chat-connect', id: d, device: d, protocol: 'websocket' }));
      rig.at(2_000_500, 0, (c) => c.send('srv-1', { kind: 'chat-heartbeat', device: 0 }));
      rig.sim.run({ untilUs: 3_000_000 });
      return rig.clientOf(0).of('chat-pong')[0].atUs - 2_000_500;
    };
    // fifo: behind all 50 handshakes (500 ms); sessions-first: behind the one in service only.
    expect(pongDelay('fifo')).toBeGreaterThan(500_000);
    expect(pongDelay('sessions-first')).toBeLessThan(12_000);
  });

  it('holds a long poll until a message arrives, and answers it empty after its wait', () => {
    // Two users in one conversation (a one-to-one pair), both long polling.
    const rig = chatRig({ users: 2, contactsPerUser: 1, serverRegions: ['eu'] });
    connectAll(rig, 2, 2_000_000, 'long-polling');
    const poll = (atUs: number, device: number, id: number) =>
      rig.at(atUs, device, (c) => c.send('srv-1', { kind: 'chat-poll', id, device, waitUs: 5_000_000, acks: [] }));
    poll(3_000_000, 1, 1);
    rig.at(4_000_000, 0, (c) => c.write('chat-send', 'srv-1', 0, 0, 0));
    poll(5_000_000, 1, 2);
    rig.sim.run({ untilUs: 12_000_000 });
    const answers = rig.clientOf(1).of('chat-poll-reply');
    expect(answers).toHaveLength(2);
    // The first poll is answered as the message reaches it: send, store, fan-out, frame: a few ms after 4 s.
    expect(answers[0].messages.map((m) => m.seq)).toEqual([1]);
    expect(answers[0].atUs - 4_000_000).toBeLessThan(10_000);
    expect(answers[0].messages[0].sentUs).toBe(4_000_000);
    // The second had nothing to say: answered empty when its 5 s wait ran out.
    expect(answers[1].messages).toHaveLength(0);
    expect(answers[1].atUs - 5_000_000).toBeGreaterThanOrEqual(5_000_000);
    expect(answers[1].atUs - 5_000_000).toBeLessThan(5_010_000);
    expect(rig.chats.totals.polls).toBe(2);
    expect(rig.chats.totals.emptyPolls).toBe(1);
    // The sender got its ack with the seq.
    expect(rig.clientOf(0).ackedSeqs()).toEqual([1]);
  });

  it('queues messages for short-polling devices until their next poll', () => {
    const rig = chatRig({ users: 2, contactsPerUser: 1, serverRegions: ['eu'] });
    connectAll(rig, 2, 2_000_000, 'short-polling');
    rig.at(3_000_000, 0, (c) => c.write('chat-send', 'srv-1', 0, 0, 0));
    rig.at(3_100_000, 0, (c) => c.write('chat-send', 'srv-1', 0, 0, 1));
    for (const [atUs, id] of [
      [2_500_000, 1],
      [5_000_000, 2],
    ])
      rig.at(atUs, 1, (c) => c.send('srv-1', { kind: 'chat-poll', id, device: 1, waitUs: 0, acks: [] }));
    rig.sim.run({ untilUs: 6_000_000 });
    const answers = rig.clientOf(1).of('chat-poll-reply');
    expect(answers.map((a) => a.messages.map((m) => m.seq))).toEqual([[], [1, 2]]);
    expect(rig.chats.totals.emptyPolls).toBe(1);
  });

  it('closes a device silent past heartbeatTimeout and tells the directory', () => {
    const rig = chatRig({ users: 2, contactsPerUser: 1, serverRegions: ['eu'], server: { heartbeatTimeout: '5s' } });
    rig.connect(2_000_000, 0, { heartbeatUs: 2_000_000 });
    rig.connect(2_000_000, 1);
    rig.sim.run({ untilUs: 12_000_000 });
    const closed = rig.clientOf(1).of('chat-closed');
    expect(closed).toHaveLength(1);
    // Silent from about 2.01 s; the sweep runs every 2.5 s (min(heartbeatTimeout, storeTimeout) / 2).
    expect(closed[0].atUs).toBeGreaterThan(7_000_000);
    expect(closed[0].atUs).toBeLessThan(9_600_000);
    expect(rig.chats.isConnected(1)).toBe(false);
    expect(rig.chats.isConnected(0)).toBe(true);
    // Its contact, still connected, is told it went offline.
    expect(
      rig
        .clientOf(0)
        .of('chat-presence')
        .map((p) => [p.user, p.online]),
    ).toContainEqual([1, false]);
    expect(rig.metrics.server.details.get('heartbeatTimeouts')).toBe(1);
  });

  describe('ackMode', () => {
    // The store is down when the message is sent; the server crashes before it is back.
    const sendIntoOutage = (ackMode: string) => {
      const rig = chatRig({ users: 2, contactsPerUser: 1, serverRegions: ['eu'], server: { ackMode } });
      connectAll(rig, 2, 2_000_000);
      rig.sim.at(3_000_000, () => rig.sim.crash(rig.node('store-1')));
      rig.at(4_000_000, 0, (c) => c.write('chat-send', 'srv-1', 0, 0, 0));
      rig.sim.at(5_000_000, () => rig.sim.crash(rig.node('srv-1')));
      rig.sim.at(6_000_000, () => rig.sim.restart(rig.node('store-1')));
      rig.sim.run({ untilUs: 10_000_000 });
      return rig;
    };

    it('on-receipt acknowledges at once, so a server crash before the store has the message loses it', () => {
      const rig = sendIntoOutage('on-receipt');
      const acks = rig.clientOf(0).of('chat-send-ack');
      expect(acks.map((a) => a.seq)).toEqual([-1]);
      expect(acks[0].atUs - 4_000_000).toBe(2_000);
      expect(rig.chats.lost).toBe(1);
    });

    it('after-store acknowledges nothing the store does not have: nothing acknowledged is lost', () => {
      const rig = sendIntoOutage('after-store');
      expect(rig.clientOf(0).of('chat-send-ack')).toHaveLength(0);
      expect(rig.chats.lost).toBe(0);
    });

    it('on-receipt: the resend of a message the store has already is not lost when that server crashes', () => {
      // Stored at 3 s; its resend (a lost ack, say) reaches srv-1 while the store is down, then srv-1 crashes.
      const rig = chatRig({ users: 2, contactsPerUser: 1, serverRegions: ['eu'], server: { ackMode: 'on-receipt' } });
      connectAll(rig, 2, 2_000_000);
      rig.at(3_000_000, 0, (c) => c.write('chat-send', 'srv-1', 0, 0, 0));
      rig.sim.at(3_500_000, () => rig.sim.crash(rig.node('store-1')));
      rig.at(4_000_000, 0, (c) => c.write('chat-send', 'srv-1', 0, 0, 0));
      rig.sim.at(5_000_000, () => rig.sim.crash(rig.node('srv-1')));
      rig.sim.run({ untilUs: 6_000_000 });
      expect(rig.clientOf(0).ackedSeqs()).toEqual([-1, 1, -1]);
      expect(rig.chats.lost).toBe(0);
    });

    it('on-receipt sends a second ack with the seq when the store answers', () => {
      const rig = chatRig({ users: 2, contactsPerUser: 1, serverRegions: ['eu'], server: { ackMode: 'on-receipt' } });
      connectAll(rig, 2, 2_000_000);
      rig.at(3_000_000, 0, (c) => c.write('chat-send', 'srv-1', 0, 0, 0));
      rig.sim.run({ untilUs: 4_000_000 });
      expect(rig.clientOf(0).ackedSeqs()).toEqual([-1, 1]);
      expect(rig.chats.lost).toBe(0);
    });
  });
});
