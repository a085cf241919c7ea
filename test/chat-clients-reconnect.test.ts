import { describe, expect, it } from 'vitest';
import { deriveStream } from '../engine/random-stream.js';
import { ChatLog } from '../models/measure/chat-log.js';
import { reconnectDelayUs, type ReconnectPolicy } from '../models/chat/reconnect-policy.js';
import type { BuiltScenario } from '../scenarios/harness/build-scenario.js';
import { chatScenarioText, runChatScenario } from './support/chat-scenario.js';

const policy = (name: ReconnectPolicy['policy']): ReconnectPolicy => ({
  policy: name,
  baseUs: 1_000_000,
  maxUs: 8_000_000,
  multiplier: 2,
});

describe('reconnect policies', () => {
  it('immediate waits nothing; backoff doubles from base up to max; a retry-after is a floor', () => {
    const rng = deriveStream(1, 'test', 'backoff');
    const waits = (name: ReconnectPolicy['policy']) =>
      [1, 2, 3, 4, 5, 6].map((n) => reconnectDelayUs(policy(name), n, rng));
    expect(waits('immediate')).toEqual([0, 0, 0, 0, 0, 0]);
    expect(waits('backoff')).toEqual([1e6, 2e6, 4e6, 8e6, 8e6, 8e6]);
    expect(reconnectDelayUs(policy('immediate'), 1, rng, 3e6)).toBe(3e6);
    expect(reconnectDelayUs(policy('backoff'), 1, rng, 3e6)).toBe(3e6);
    expect(reconnectDelayUs(policy('backoff'), 3, rng, 3e6)).toBe(4e6);
  });

  it('full jitter is uniform on [0, backoff]: mean half of it, spread over the whole range', () => {
    const rng = deriveStream(1, 'test', 'jitter');
    for (const attempt of [1, 3, 6]) {
      const bound = Math.min(8e6, 1e6 * 2 ** (attempt - 1));
      const draws = Array.from({ length: 4000 }, () => reconnectDelayUs(policy('jittered-backoff'), attempt, rng));
      expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...draws)).toBeLessThanOrEqual(bound);
      const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
      // Uniform: mean b/2, standard error b/√(12·4000) ≈ 0.0046·b.
      expect(Math.abs(mean / bound - 0.5)).toBeLessThan(0.02);
      const lowQuarter = draws.filter((d) => d < bound / 4).length / draws.length;
      expect(Math.abs(lowQuarter - 0.25)).toBeLessThan(0.03);
    }
  });
});

/** 60 single-device users on 3 servers, all connected at once (so their heartbeats are in phase), srv-1 crashing at 5s. */
const stormScenario = (reconnect: string, extra = '') =>
  chatScenarioText({
    name: 'storm',
    seed: 4,
    duration: '12s',
    phones: 60,
    servers: 3,
    directory: 'statusInterval: 200ms, statusTimeout: 500ms',
    server: 'heartbeatTimeout: 5s',
    clients: `contactsPerUser: 2, messageRate: 1/s, connectSpread: 0, heartbeatInterval: 1s, heartbeatTimeout: 300ms, reconnect: { ${reconnect} }${extra}`,
    faults: ['{ at: 5s, action: crash, nodes: [srv-1] }'],
  });

/** Runs a scenario, keeping the true times at which devices asked the directory for a server. */
function runWithLocates(text: string): { built: BuiltScenario; locatesUs: number[] } {
  const locatesUs: number[] = [];
  const built = runChatScenario(text, (b) =>
    b.sim.addMessageObserver({
      onSend: (sentUs, _from, _to, _arrival, message) => {
        if ((message as { kind?: string }).kind === 'chat-locate') locatesUs.push(sentUs);
      },
    }),
  );
  return { built, locatesUs };
}

/** The most reconnect attempts within any 50 ms after the crash. */
function peakPer50ms(locatesUs: number[]): number {
  const after = locatesUs.filter((t) => t > 5_000_000);
  let peak = 0;
  for (const t of after) peak = Math.max(peak, after.filter((u) => u >= t && u < t + 50_000).length);
  return peak;
}

describe('reconnect storms after a server crash', () => {
  it('backoff sends the dropped devices back together; full jitter spreads them over the backoff', () => {
    const backoff = runWithLocates(stormScenario('policy: backoff, base: 1s'));
    const jittered = runWithLocates(stormScenario('policy: jittered-backoff, base: 1s'));
    const dropped = backoff.built.chats.outages[0].devicesDropped;
    expect(dropped).toBeGreaterThan(10);
    expect(jittered.built.chats.outages[0].devicesDropped).toBe(dropped);
    // In phase: every dropped device's first attempt lands in one 50 ms slot; jittered, U(0, 1s) leaves a few per slot.
    expect(peakPer50ms(backoff.locatesUs)).toBeGreaterThanOrEqual(dropped);
    expect(peakPer50ms(jittered.locatesUs)).toBeLessThan(dropped / 3);
    for (const { built } of [backoff, jittered]) {
      expect(Number.isNaN(built.chats.outages[0].allReconnectedUs)).toBe(false);
      expect(built.chats.isConnected(0)).toBe(true);
    }
    // Detected within a heartbeat interval + 300 ms of the crash; back within the 1 s backoff after that.
    for (const { built } of [backoff, jittered])
      expect(built.chats.outages[0].allReconnectedUs).toBeLessThan(
        5_000_000 + 1_000_000 + 300_000 + 1_000_000 + 100_000,
      );
  });

  it('the same seed gives the same run', () => {
    const text = stormScenario(
      'policy: jittered-backoff, base: 1s',
      ', devicesPerUser: 2, groups: [{ count: 2, size: 8 }]',
    );
    const a = runWithLocates(text).built;
    const b = runWithLocates(text).built;
    expect(a.sim.result().traceHash).toBe(b.sim.result().traceHash);
    expect(a.chats.results()).toEqual(b.chats.results());
    expect(a.chats.totals.deliveries).toBeGreaterThan(100);
  });
});

describe('devices with offline periods', () => {
  it('an outage stops waiting for a dropped device that goes offline on purpose', () => {
    const chats = new ChatLog(1_000_000, 10, 0);
    chats.devices(3);
    chats.deviceConnected(0, 5, 0);
    chats.deviceConnected(1, 5, 0);
    chats.serverCrashed(5, 100);
    chats.deviceConnected(0, 6, 200);
    expect(Number.isNaN(chats.outages[0].allReconnectedUs)).toBe(true);
    chats.deviceWentOffline(1, 300);
    expect(chats.outages[0].allReconnectedUs).toBe(200);
  });

  it('each device keeps its own cursor: one offline for a while catches up on reconnect, in order, once', () => {
    const text = chatScenarioText({
      name: 'offline',
      seed: 9,
      duration: '50s',
      phones: 20,
      servers: 2,
      clients:
        'devicesPerUser: 2, contactsPerUser: 3, groups: [{ count: 2, size: 6 }], messageRate: 1/s, offline: { every: 6s, for: 4s }, stopAt: 35s',
    });
    // Per (user, conversation, seq): the times each of the user's devices delivered it.
    const times = new Map<string, number[]>();
    const streams = new Map<string, number[]>();
    const built = runChatScenario(text, (b) =>
      b.chats.onDelivery((device, conversation, seq, _sender, nowUs) => {
        const user = Math.floor(device / 2);
        const k = `${user}/${conversation}/${seq}`;
        times.set(k, [...(times.get(k) ?? []), nowUs]);
        const s = `${device}/${conversation}`;
        streams.set(s, [...(streams.get(s) ?? []), seq]);
      }),
    );
    const chats = built.chats;
    // Offline users got push notifications; messages waited for devices to come back.
    expect(chats.totals.pushNotifications).toBeGreaterThan(0);
    expect(chats.deliveryLatency.summary().p99Us).toBeGreaterThan(1_000_000);
    // Streams only rise: no seq twice, none out of order.
    for (const [s, seqs] of streams)
      expect(
        seqs.every((q, i) => i === 0 || q > seqs[i - 1]),
        s,
      ).toBe(true);
    // Two devices of one user received the same message seconds apart: separate cursors.
    const apart = [...times.values()].filter((t) => t.length === 2 && Math.abs(t[0] - t[1]) > 2_000_000).length;
    expect(apart).toBeGreaterThan(20);
    // Devices online at the end hold everything stored; nothing is stuck in an outbox of a connected device.
    expect(chats.undeliveredAtEnd).toBe(0);
    expect(chats.lost).toBe(0);
  });
});
