import { describe, expect, it } from 'vitest';
import { splitGroups } from '../engine/partition.js';
import { chatRig, type ChatRig } from './support/chat-server-rig.js';

/** The server each device was sent to by its (single) locate. */
function locatedServers(rig: ChatRig, devices: number): string[] {
  const names: string[] = [];
  for (let d = 0; d < devices; d++) {
    const reply = rig.clientOf(d).of('chat-locate-reply')[0];
    names.push(reply.server < 0 ? 'none' : rig.sim.nodeName(reply.server));
  }
  return names;
}

const count = (names: string[], name: string) => names.filter((n) => n === name).length;

describe('chat-directory', () => {
  it('sends a device to the nearest servers, spread by load, and to a farther one only when the near ones are full', () => {
    const eu = 7;
    const rig = chatRig({
      users: eu + 1,
      serverRegions: ['eu', 'eu', 'us'],
      clientRegion: (u) => (u < eu ? 'eu' : 'us'),
      server: { maxConnections: 3 },
    });
    // Six eu devices and the us one locate at the same instant, after the servers' first status reports; the
    // seventh eu device after the next reports, which say the eu servers are full.
    for (let d = 0; d <= eu; d++) rig.connect(d === eu - 1 ? 3_500_000 : 2_000_000, d);
    rig.sim.run({ untilUs: 5_000_000 });
    const servers = locatedServers(rig, eu + 1);
    // The us device goes to the us server; eu devices fill both eu servers evenly (3 each), the seventh spills to us.
    expect(servers[eu]).toBe('srv-3');
    expect(count(servers.slice(0, eu), 'srv-1')).toBe(3);
    expect(count(servers.slice(0, eu), 'srv-2')).toBe(3);
    expect(count(servers.slice(0, eu), 'srv-3')).toBe(1);
    expect(rig.chats.totals.connections).toBe(eu + 1);
  });

  it('counts a farther server as near within nearTolerance, so load decides among all of them', () => {
    const rig = chatRig({ users: 9, serverRegions: ['eu', 'eu', 'us'], directory: { nearTolerance: '200ms' } });
    for (let d = 0; d < 9; d++) rig.connect(2_000_000, d);
    rig.sim.run({ untilUs: 4_000_000 });
    const servers = locatedServers(rig, 9);
    expect([count(servers, 'srv-1'), count(servers, 'srv-2'), count(servers, 'srv-3')]).toEqual([3, 3, 3]);
  });

  it('answers no server before any has reported, with a retry after one status interval', () => {
    // The server's first report takes 50 ms to cross from us; the device asks after 1 ms.
    const rig = chatRig({ users: 1, serverRegions: ['us'], homeRegion: 'eu' });
    rig.at(0, 0, (client) => client.send('dir-1', { kind: 'chat-locate', id: 0, device: 0, avoid: -1 }));
    rig.sim.run({ untilUs: 100_000 });
    const reply = rig.clientOf(0).of('chat-locate-reply')[0];
    expect(reply.server).toBe(-1);
    expect(reply.retryAfterUs).toBe(1_000_000);
  });

  it('sends a device elsewhere than the server it says it could not reach, unless that is the only one', () => {
    // Both devices are in eu, near srv-1; srv-2 is in us. srv-1 is up for the directory, cut off from device 1.
    const rig = chatRig({ users: 2, serverRegions: ['eu', 'us'] });
    const srv1 = rig.node('srv-1');
    rig.at(2_000_000, 0, (c) => c.send('dir-1', { kind: 'chat-locate', id: 0, device: 0, avoid: -1 }));
    rig.at(2_100_000, 1, (c) => c.send('dir-1', { kind: 'chat-locate', id: 0, device: 1, avoid: srv1 }));
    rig.sim.run({ untilUs: 2_500_000 });
    expect(locatedServers(rig, 2)).toEqual(['srv-1', 'srv-2']);

    const alone = chatRig({ users: 1, serverRegions: ['eu'] });
    alone.at(2_000_000, 0, (c) =>
      c.send('dir-1', { kind: 'chat-locate', id: 0, device: 0, avoid: alone.node('srv-1') }),
    );
    alone.sim.run({ untilUs: 2_500_000 });
    expect(locatedServers(alone, 1)).toEqual(['srv-1']);
  });

  it('sends no device to a server declared down, nor to a full one', () => {
    const rig = chatRig({ users: 3, serverRegions: ['eu', 'eu'], server: { maxConnections: 1 } });
    rig.connect(2_000_000, 0);
    rig.sim.at(3_000_000, () => rig.sim.crash(rig.node('srv-2')));
    // srv-1 reports itself full; srv-2 is declared down 3–4 s after its last report.
    rig.at(8_000_000, 1, (c) => c.send('dir-1', { kind: 'chat-locate', id: 0, device: 1, avoid: -1 }));
    rig.sim.run({ untilUs: 9_000_000 });
    expect(rig.clientOf(1).of('chat-locate-reply')[0].server).toBe(-1);
  });

  it("closes a crashed server's sessions after statusTimeout, telling contacts elsewhere the users went offline", () => {
    // Users 0..3 on srv-1 (eu), users 4..7 on srv-2 (us); everyone is everyone's contact through one group.
    const rig = chatRig({
      users: 8,
      serverRegions: ['eu', 'us'],
      clientRegion: (u) => (u < 4 ? 'eu' : 'us'),
      groups: [{ count: 1, size: 8 }],
      directory: { statusInterval: '1s', statusTimeout: '3s' },
    });
    for (let d = 0; d < 8; d++) rig.connect(1_500_000, d, { heartbeatUs: 5_000_000 });
    const crashUs = 10_000_000;
    rig.sim.at(crashUs, () => rig.sim.crash(rig.node('srv-1')));
    rig.sim.run({ untilUs: 30_000_000 });
    // The crash drops the four devices at once (ChatLog's truth) ...
    expect(rig.chats.outages).toHaveLength(1);
    expect(rig.chats.outages[0].devicesDropped).toBe(4);
    // ... but the directory declares their users offline only after statusTimeout (3–4 s later: checked every second).
    const offline = rig.clients[4].of('chat-presence').filter((p) => !p.online);
    expect(offline.map((p) => p.user).sort()).toEqual([0, 1, 2, 3]);
    for (const p of offline) {
      expect(p.atUs - crashUs).toBeGreaterThan(3_000_000);
      expect(p.atUs - crashUs).toBeLessThan(4_200_000);
    }
    // Nobody declared offline was still connected.
    expect(rig.chats.totals.falseOffline).toBe(0);
  });

  describe('presence', () => {
    // One group of five users with two devices each: everyone else in the group is a user's contact.
    const groupOfFive = (directory: Record<string, unknown> = {}) => {
      const rig = chatRig({
        users: 5,
        devicesPerUser: 2,
        groups: [{ count: 1, size: 5 }],
        serverRegions: ['eu', 'eu'],
        directory,
      });
      for (let d = 2; d < 10; d++) rig.connect(2_000_000, d, { heartbeatUs: 5_000_000 });
      rig.connect(5_000_000, 0, { heartbeatUs: 5_000_000 });
      rig.connect(6_000_000, 1, { heartbeatUs: 5_000_000 });
      rig.at(8_000_000, 0, (client) => {
        for (const device of [0, 1]) {
          rig.chats.deviceDisconnected(device, rig.sim.nowUs);
          client.send(rig.sim.nodeName(client.of('chat-locate-reply').find((r) => r.device === device)!.server), {
            kind: 'chat-close',
            device,
          });
        }
      });
      const updates: number[] = [];
      for (const t of [4_900_000, 5_900_000, 7_900_000, 9_000_000]) {
        rig.sim.run({ untilUs: t });
        updates.push(rig.chats.totals.presenceUpdates);
      }
      return { rig, updates };
    };

    it("reaches each connected device of the user's contacts once per change, and not for a second device", () => {
      const { rig, updates } = groupOfFive();
      // User 0 online: its 4 contacts' 8 devices; its second device: nothing; both closed: offline to the same 8.
      expect(updates[1] - updates[0]).toBe(8);
      expect(updates[2] - updates[1]).toBe(0);
      expect(updates[3] - updates[2]).toBe(8);
      const offline = rig.clients[3].of('chat-presence').filter((p) => p.user === 0);
      expect(offline.map((p) => p.online)).toEqual([true, true, false, false]);
      expect(rig.chats.totals.falseOffline).toBe(0);
    });

    it('leaves out groups above presenceGroupLimit', () => {
      const { updates } = groupOfFive({ presenceGroupLimit: 4 });
      expect(updates[3]).toBe(0);
    });
  });

  it('counts a false offline when a partition hides a live server from the directory, and re-registers its sessions after', () => {
    const rig = chatRig({
      users: 4,
      groups: [{ count: 1, size: 4 }],
      serverRegions: ['eu', 'eu'],
      directory: { statusInterval: '1s', statusTimeout: '3s' },
    });
    for (let d = 0; d < 4; d++) rig.connect(2_000_000, d, { heartbeatUs: 5_000_000 });
    rig.sim.run({ untilUs: 5_000_000 });
    const onServer1 = [0, 1, 2, 3].filter(
      (d) => rig.clientOf(d).of('chat-locate-reply')[0].server === rig.node('srv-1'),
    );
    expect(onServer1).toHaveLength(2);
    const dir = rig.node('dir-1');
    const srv1 = rig.node('srv-1');
    rig.sim.partition(splitGroups([[srv1], [dir]]), 'server from directory');
    rig.sim.at(12_000_000, () => rig.sim.heal());
    rig.sim.run({ untilUs: 20_000_000 });
    // Both users on srv-1 were declared offline while connected.
    expect(rig.chats.totals.falseOffline).toBe(2);
    // After the heal, srv-1 registers its sessions again: the other users see them online again.
    const other = [0, 1, 2, 3].find((d) => !onServer1.includes(d))!;
    const seen = rig
      .clientOf(other)
      .of('chat-presence')
      .filter((p) => p.user === onServer1[0]);
    expect(seen.map((p) => p.online).slice(-2)).toEqual([false, true]);
  });

  it('relearns sessions and stores after a restart: presence and fan-out work again', () => {
    const rig = chatRig({ users: 4, groups: [{ count: 1, size: 4 }], serverRegions: ['eu', 'eu'] });
    for (let d = 0; d < 3; d++) rig.connect(2_000_000, d, { heartbeatUs: 5_000_000 });
    rig.sim.at(5_000_000, () => rig.sim.crash(rig.node('dir-1')));
    rig.sim.at(6_000_000, () => rig.sim.restart(rig.node('dir-1')));
    rig.connect(9_000_000, 3, { heartbeatUs: 5_000_000 });
    rig.at(12_000_000, 0, (client) => {
      rig.chats.deviceDisconnected(0, rig.sim.nowUs);
      client.send(client.of('chat-locate-reply')[0].server, { kind: 'chat-close', device: 0 });
    });
    rig.at(13_000_000, 1, (client) => client.write('chat-send', client.of('chat-locate-reply')[0].server, 1, 0, 0));
    rig.sim.run({ untilUs: 15_000_000 });
    const seenBy1 = rig
      .clientOf(1)
      .of('chat-presence')
      .filter((p) => p.atUs > 6_000_000)
      .map((p) => [p.user, p.online]);
    // User 3 came online after the restart; user 0's session, registered again, closed.
    expect(seenBy1).toEqual([
      [3, true],
      [0, false],
    ]);
    const deliveredTo3 = rig
      .clientOf(3)
      .of('chat-deliver')
      .flatMap((d) => d.messages.map((m) => m.senderDevice));
    expect(deliveredTo3).toEqual([1]);
  });
});
