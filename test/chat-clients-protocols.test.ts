import { describe, expect, it } from 'vitest';
import type { BuiltScenario } from '../scenarios/harness/build-scenario.js';
import { chatScenarioText, runChatScenario } from './support/chat-scenario.js';

/**
 * The client protocols against their theory: a short-polled message waits
 * for the next poll, pollInterval/2 on average (polls are a fixed period,
 * messages arrive at random phases); idle, a device costs 1/pollInterval
 * polls, 1/pollTimeout long polls or 1/heartbeatInterval heartbeats a
 * second.
 */

/** 20 single-device users, 1 ms links, from 5s on; `messageRate: 1/day` leaves them idle. */
function run(client: string): BuiltScenario {
  return runChatScenario(
    chatScenarioText({
      name: 'protocols',
      seed: 2,
      duration: '65s',
      warmup: '5s',
      rtt: '2ms',
      phones: 20,
      servers: 2,
      clients: `contactsPerUser: 3, ${client}`,
    }),
  );
}

const perDeviceSecond = (built: BuiltScenario, count: number) => count / 20 / 60;

describe('client protocols against their theory', () => {
  it('short polling delays a message by pollInterval/2 on average, plus transit', () => {
    const built = run('protocol: short-polling, pollInterval: 1s, messageRate: 1/s');
    const latency = built.chats.deliveryLatency.summary();
    expect(latency.count).toBeGreaterThan(1000);
    // Transit (device → server → store → server, and the poll reply) adds about 4 ms; the mean of 1200 uniform
    // waits has a standard error of 1s/√(12·1200) ≈ 8 ms.
    expect(Math.abs(latency.meanUs - 504_000)).toBeLessThan(30_000);
    expect(latency.p99Us).toBeLessThan(1_020_000);
    expect(perDeviceSecond(built, built.chats.totals.polls)).toBeCloseTo(1, 2);
  });

  it('websocket delivers in the transit time alone', () => {
    const built = run('protocol: websocket, messageRate: 1/s');
    expect(built.chats.deliveryLatency.summary().p99Us).toBeLessThan(20_000);
  });

  it('idle requests per device-second: 1/pollInterval, 1/pollTimeout, 1/heartbeatInterval', () => {
    const idle = 'messageRate: 1/day';
    const short = run(`protocol: short-polling, pollInterval: 2s, ${idle}`);
    expect(perDeviceSecond(short, short.chats.totals.polls)).toBeCloseTo(0.5, 2);
    expect(short.chats.totals.emptyPolls).toBe(short.chats.totals.polls);
    const long = run(`protocol: long-polling, pollTimeout: 10s, ${idle}`);
    // A poll every pollTimeout plus the round trip that asks again.
    expect(perDeviceSecond(long, long.chats.totals.polls)).toBeCloseTo(0.1, 2);
    const ws = run(`protocol: websocket, heartbeatInterval: 5s, ${idle}`);
    expect(perDeviceSecond(ws, ws.chats.totals.heartbeats)).toBeCloseTo(0.2, 2);
    expect(ws.chats.totals.polls).toBe(0);
  });
});
