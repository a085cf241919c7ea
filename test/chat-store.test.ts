import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChatAppendReply } from '../models/chat/chat-messages.js';
import { chatRig, type ChatRig, type ScriptedClient } from './support/chat-server-rig.js';

const appendReplies = (client: ScriptedClient) =>
  client.inbox
    .map((r) => r.message as { kind: string })
    .filter((m): m is ChatAppendReply => m.kind === 'chat-append-reply');

/** Devices 0..devices−1 connect through the directory at `atUs` and heartbeat every 5 s. */
function connectAll(rig: ChatRig, devices: number, atUs: number): void {
  for (let d = 0; d < devices; d++) rig.connect(atUs, d, { heartbeatUs: 5_000_000 });
}

describe('chat-store', () => {
  it('numbers each conversation 1, 2, 3 … and never reuses a number after a crash', () => {
    // Two store nodes: conversation c lives on store-(c mod 2 + 1). Four one-to-one pairs.
    const rig = chatRig({ users: 8, contactsPerUser: 1, serverRegions: ['eu'], storeNodes: 2 });
    let id = 0;
    for (let round = 0; round < 3; round++)
      for (const conversation of [0, 1, 2, 3])
        rig.at(1_000_000 + round * 1_000, 0, (c) =>
          c.write('chat-append', `store-${(conversation % 2) + 1}`, 0, conversation, id++),
        );
    rig.sim.at(2_000_000, () => rig.sim.crash(rig.node('store-1')));
    rig.sim.at(3_000_000, () => rig.sim.restart(rig.node('store-1')));
    for (const conversation of [0, 1, 2, 3])
      rig.at(4_000_000, 0, (c) => c.write('chat-append', `store-${(conversation % 2) + 1}`, 0, conversation, id++));
    rig.sim.run({ untilUs: 5_000_000 });
    const c = rig.clients[0];
    const seqs = new Map<number, number[]>();
    for (const r of appendReplies(c)) seqs.set(r.conversation, [...(seqs.get(r.conversation) ?? []), r.seq]);
    for (const conversation of [0, 1, 2, 3]) expect(seqs.get(conversation)).toEqual([1, 2, 3, 4]);
    expect(rig.chats.storedSeq(0)).toBe(4);
  });

  it('drops a resend by (device, clientMessageId), answering with the first seq; without dedupe it is stored again', () => {
    const run = (dedupe: boolean) => {
      const rig = chatRig({ users: 2, contactsPerUser: 1, serverRegions: ['eu'], store: { dedupe } });
      for (const [atUs, clientMessageId] of [
        [1_000_000, 0],
        [1_100_000, 1],
        [1_200_000, 0],
      ])
        rig.at(atUs, 0, (c) => c.write('chat-append', 'store-1', 0, 0, clientMessageId));
      rig.sim.run({ untilUs: 2_000_000 });
      return appendReplies(rig.clients[0]).map((r) => [r.seq, r.duplicate]);
    };
    expect(run(true)).toEqual([
      [1, false],
      [2, false],
      [1, true],
    ]);
    expect(run(false)).toEqual([
      [1, false],
      [2, false],
      [3, false],
    ]);
  });

  it("fans a message out to every member device but the sender's, and sends a push for members with none connected", () => {
    // One group of four users with two devices each; user 3 never connects.
    const rig = chatRig({ users: 4, devicesPerUser: 2, groups: [{ count: 1, size: 4 }], serverRegions: ['eu', 'eu'] });
    connectAll(rig, 6, 1_500_000);
    rig.at(3_000_000, 0, (c) => {
      const server = c.of('chat-locate-reply').find((r) => r.device === 0)!.server;
      c.write('chat-send', server, 0, 0, 0);
    });
    rig.sim.run({ untilUs: 4_000_000 });
    const receivers: number[] = [];
    for (const client of rig.clients)
      for (const d of client.of('chat-deliver')) if (d.messages.length > 0) receivers.push(d.device);
    expect(receivers.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(rig.chats.totals.pushNotifications).toBe(1);
  });

  it("answers a reconnecting device's sync with every message after its acknowledged cursor", () => {
    const rig = chatRig({ users: 2, contactsPerUser: 1, serverRegions: ['eu'] });
    for (let i = 0; i < 5; i++) rig.at(1_000_000 + i * 1_000, 0, (c) => c.write('chat-append', 'store-1', 0, 0, i));
    // Device 1 has acknowledged up to 2 (its cursor), then connects and syncs.
    rig.at(1_500_000, 1, (c) => c.send('store-1', { kind: 'chat-cursor', device: 1, conversation: 0, seq: 2 }));
    rig.connect(2_000_000, 1);
    rig.sim.run({ untilUs: 3_000_000 });
    const synced = rig
      .clientOf(1)
      .of('chat-deliver')
      .flatMap((d) => d.messages.map((m) => m.seq));
    expect(synced).toEqual([3, 4, 5]);
  });

  it("answers a gap's sync with the missing seqs only", () => {
    const rig = chatRig({ users: 2, contactsPerUser: 1, serverRegions: ['eu'] });
    for (let i = 0; i < 5; i++) rig.at(1_000_000 + i * 1_000, 0, (c) => c.write('chat-append', 'store-1', 0, 0, i));
    rig.connect(2_000_000, 1);
    rig.sim.run({ untilUs: 3_000_000 });
    const before = rig.clientOf(1).of('chat-deliver').length;
    // Device 1 holds 1 and 4 (say): it asks for [2, 4).
    rig.at(3_000_000, 1, (c) =>
      c.send('srv-1', { kind: 'chat-sync', id: c.wireId(), device: 1, conversation: 0, fromSeq: 2, beforeSeq: 4 }),
    );
    rig.sim.run({ untilUs: 4_000_000 });
    const gap = rig.clientOf(1).of('chat-deliver').slice(before);
    expect(gap.flatMap((d) => d.messages.map((m) => m.seq))).toEqual([2, 3]);
  });

  it('gets a device what it missed even when the store was down as it synced: the server asks again', () => {
    const rig = chatRig({ users: 2, contactsPerUser: 1, serverRegions: ['eu'] });
    for (let i = 0; i < 3; i++) rig.at(1_000_000 + i * 1_000, 0, (c) => c.write('chat-append', 'store-1', 0, 0, i));
    rig.sim.at(1_500_000, () => rig.sim.crash(rig.node('store-1')));
    rig.connect(2_000_000, 1);
    rig.sim.at(3_000_000, () => rig.sim.restart(rig.node('store-1')));
    rig.sim.run({ untilUs: 8_000_000 });
    const synced = rig.clientOf(1).of('chat-deliver');
    expect(synced.flatMap((d) => d.messages.map((m) => m.seq))).toEqual([1, 2, 3]);
    // Asked again after storeTimeout (2 s), at the server's next sweep (every 1 s) after the store is back.
    expect(synced[0].atUs).toBeGreaterThan(4_000_000);
    expect(synced[0].atUs).toBeLessThan(5_100_000);
  });

  it('fans out after a restart what a crash interrupted, once the directory has sent its routes', () => {
    // A group of 3: the message's fan-out takes 2 × 1 s of worker time; the store crashes in between.
    const rig = chatRig({
      users: 3,
      groups: [{ count: 1, size: 3 }],
      serverRegions: ['eu'],
      store: { fanoutTime: '1s' },
    });
    connectAll(rig, 3, 1_500_000);
    rig.at(3_000_000, 0, (c) => c.write('chat-send', 'srv-1', 0, 0, 0));
    rig.sim.at(4_000_000, () => rig.sim.crash(rig.node('store-1')));
    rig.sim.at(6_000_000, () => rig.sim.restart(rig.node('store-1')));
    rig.sim.run({ untilUs: 12_000_000 });
    expect(rig.clientOf(0).ackedSeqs()).toEqual([1]);
    for (const device of [1, 2]) {
      const delivered = rig.clientOf(device).of('chat-deliver');
      expect(delivered.flatMap((d) => d.messages.map((m) => m.seq))).toEqual([1]);
      // After the restart (6 s) and the fan-out's 2 s of work.
      expect(delivered[0].atUs).toBeGreaterThan(8_000_000);
    }
  });

  it('keeps per-conversation numbers contiguous and unique whenever the store crashes (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1_000_000, max: 1_050_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (crashUs, downUs) => {
          const rig = chatRig({ users: 4, contactsPerUser: 1, serverRegions: ['eu'] });
          for (let i = 0; i < 40; i++)
            rig.at(1_000_000 + i * 2_000, 0, (c) => c.write('chat-append', 'store-1', 0, i % 2, i));
          // The resends of whatever went unanswered, after the store is back.
          rig.sim.at(crashUs, () => rig.sim.crash(rig.node('store-1')));
          rig.sim.at(crashUs + downUs + 1, () => rig.sim.restart(rig.node('store-1')));
          const resendUs = crashUs + downUs + 100_000;
          rig.at(resendUs, 0, (c) => {
            const answered = new Set(appendReplies(c).map((r) => r.clientMessageId));
            for (let i = 0; i < 40; i++) if (!answered.has(i)) c.write('chat-append', 'store-1', 0, i % 2, i);
          });
          rig.sim.run({ untilUs: resendUs + 1_000_000 });
          const replies = appendReplies(rig.clients[0]);
          for (const conversation of [0, 1]) {
            const first = replies.filter((r) => r.conversation === conversation && !r.duplicate).map((r) => r.seq);
            expect(first.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
          }
        },
      ),
      { numRuns: 15, seed: 16 },
    );
  });
});
