import { describe, expect, it } from 'vitest';
import { SECOND } from '../engine/index.js';
import type { StreamRecord, TopicRecord } from '../models/measure/delivery-log.js';
import { channelSeed, UserPreferences } from '../models/messaging/user-preferences.js';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { runScenario, type CompletedRun } from '../scenarios/harness/run-scenario.js';

/** Scenario documents are written as objects and handed over as JSON, which is YAML. */
type Doc = Record<string, unknown>;

interface Channel {
  /** The producer's rate and when it stops. */
  rate: string;
  stopAt: string;
  provider: Doc;
  worker?: Doc;
}

/** One channel per name: a producer, its queue, its workers and its provider, each on nodes of its own. */
function pipeline(channels: Record<string, Channel>, extra: Doc = {}): Doc {
  const nodes: Doc = {};
  const components: Doc = {};
  const workloads: Doc = {};
  for (const [name, c] of Object.entries(channels)) {
    for (const group of ['api', 'broker', 'worker', 'gateway']) nodes[`${name}-${group}`] = {};
    components[`${name}-queue`] = { type: 'queue', nodes: `${name}-broker` };
    components[`${name}-provider`] = {
      type: 'notification-provider',
      nodes: `${name}-gateway`,
      channel: name,
      rateLimit: '1000/s',
      latency: '10ms',
      ...c.provider,
    };
    workloads[`${name}-producer`] = {
      type: 'producer',
      nodes: `${name}-api`,
      target: `${name}-queue`,
      rate: c.rate,
      stopAt: c.stopAt,
      keys: { count: 100_000 },
    };
    workloads[`${name}-workers`] = {
      type: 'notification-worker',
      nodes: `${name}-worker`,
      target: `${name}-queue`,
      channel: name,
      provider: `${name}-provider`,
      ...c.worker,
    };
  }
  return {
    name: 'notification-test',
    duration: '30s',
    topology: { regions: ['dc'], nodes },
    components,
    workloads,
    ...extra,
  };
}

/** Adds a queue `sms-dlq` on a node of its own. */
function withDeadLetterQueue(doc: Doc): Doc {
  const topology = doc.topology as { nodes: Doc };
  return {
    ...doc,
    topology: { ...topology, nodes: { ...topology.nodes, dlq: {} } },
    components: { ...(doc.components as Doc), 'sms-dlq': { type: 'queue', nodes: 'dlq' } },
  };
}

async function run(doc: Doc): Promise<CompletedRun> {
  return runScenario(parseScenarioText(JSON.stringify(doc), 'notification-test.yaml').scenario);
}

function topicOf(completed: CompletedRun, name: string): TopicRecord {
  const topic = completed.built.deliveries.topics.find((t) => t.name === name);
  if (topic === undefined) throw new Error(`no topic ${name}`);
  return topic;
}

function streamOf(completed: CompletedRun, name: string): StreamRecord {
  return topicOf(completed, name).streams[0];
}

function detail(completed: CompletedRun, component: string, name: string): number {
  const metrics = completed.built.components.find((c) => c.metrics.name === component)?.metrics;
  if (metrics === undefined) throw new Error(`no component ${component}`);
  return metrics.details.get(name) ?? 0;
}

/** Ids of the messages of `stream`'s topic, 0 … n-1. */
const ids = (stream: StreamRecord) => Array.from({ length: stream.topic.messages }, (_, i) => i);

/** Messages stored and neither processed nor dead-lettered at `atUs`: the backlog the workers still owe. */
function backlogAt(stream: StreamRecord, atUs: number): number {
  let owed = 0;
  for (const id of ids(stream)) {
    if (!(stream.topic.storedUs[id] <= atUs)) continue;
    const processed = stream.firstProcessedUs[id] ?? Number.NaN;
    const deadLettered = stream.deadLetteredUs[id] ?? Number.NaN;
    if (!(processed <= atUs) && !(deadLettered <= atUs)) owed++;
  }
  return owed;
}

describe('notification pipeline: provider and workers', () => {
  it("never delivers faster than the provider's rate limit, and throttled calls are retried until every notification is sent", async () => {
    const completed = await run(
      pipeline({
        sms: {
          rate: '60/s',
          stopAt: '5s',
          provider: { rateLimit: '20/s', burst: 1, latency: '10ms' },
          worker: { workers: 50, retry: { attempts: 1000, base: '10ms', cap: '200ms' } },
        },
      }),
    );
    const stream = streamOf(completed, 'sms-queue');
    const times = ids(stream)
      .map((id) => stream.firstProcessedUs[id])
      .sort((a, b) => a - b);
    expect(times.length).toBeGreaterThan(250);
    expect(times.every((t) => t >= 0)).toBe(true);
    // A token bucket of 20/s and one token admits at most 1 + 20·T calls in any span T: 21 deliveries span a second.
    for (let i = 0; i + 21 < times.length; i++) expect(times[i + 21] - times[i]).toBeGreaterThanOrEqual(SECOND - 1);
    expect(detail(completed, 'sms-provider', 'throttled')).toBeGreaterThan(100);
    expect(ids(stream).every((id) => stream.processings[id] === 1)).toBe(true);
  });

  it("waits out a 429's Retry-After instead of calling again at its own backoff", async () => {
    const doc = (honorRetryAfter: boolean) =>
      pipeline({
        sms: {
          rate: '10/s',
          stopAt: '3s',
          provider: { rateLimit: '5/s', burst: 1 },
          worker: { retry: { attempts: 1000, base: '10ms', multiplier: 1, jitter: 'none', honorRetryAfter } },
        },
      });
    const calls = (c: CompletedRun) =>
      c.built.components.find((m) => m.metrics.name === 'sms-provider')!.metrics.arrived /
      detail(c, 'sms-provider', 'delivered');
    // Ignoring it, each of the 10 notifications in hand asks again every 10ms, about 20 times per 200ms token.
    expect(calls(await run(doc(false)))).toBeGreaterThan(50);
    // Waiting it out, they ask when the next token is due: all of them at once (Retry-After herds the
    // callers it names one moment), so at most once each per token.
    expect(calls(await run(doc(true)))).toBeLessThan(10);
  });

  it('backs off exponentially between attempts and dead-letters a notification after the last one', async () => {
    const completed = await run(
      withDeadLetterQueue(
        pipeline({
          sms: {
            rate: '5/s',
            stopAt: '2s',
            provider: { failureRate: 1, latency: '10ms' },
            worker: {
              retry: { attempts: 4, base: '100ms', multiplier: 2, jitter: 'none' },
              deadLetterQueue: 'sms-dlq',
            },
          },
        }),
      ),
    );
    const stream = streamOf(completed, 'sms-queue');
    const messages = ids(stream);
    expect(messages.length).toBeGreaterThan(3);
    const provider = completed.built.components.find((c) => c.metrics.name === 'sms-provider')!.metrics;
    expect(provider.arrived).toBe(4 * messages.length);
    // Each one is produced to the dead-letter queue, where it waits, acknowledged, for whoever inspects it.
    const dlq = streamOf(completed, 'sms-dlq');
    expect(dlq.topic.messages).toBe(messages.length);
    expect(dlq.topic.acknowledgedUs.every((t) => t >= 0)).toBe(true);
    expect(dlq.pendingAtEnd!().length).toBe(messages.length);
    for (const id of messages) {
      expect(stream.processings[id]).toBe(0);
      // Four calls of 10ms with waits of 100, 200 and 400ms between them, plus the network's round trips.
      const spentUs = stream.deadLetteredUs[id] - stream.firstDeliveredUs[id];
      expect(spentUs).toBeGreaterThanOrEqual(740_000);
      expect(spentUs).toBeLessThan(760_000);
    }
  });

  it('a redelivery of a notification already sent is deleted without a second send when the workers deduplicate', async () => {
    // The workers cannot reach the queue for a second: deletes of notifications sent then are lost, and the
    // queue delivers those again when their visibility timeout runs out.
    const doc = (dedup: Doc | undefined) =>
      pipeline(
        {
          sms: {
            rate: '10/s',
            stopAt: '4s',
            provider: { latency: '200ms' },
            worker: { visibilityTimeout: '2s', ...(dedup === undefined ? {} : { dedup }) },
          },
        },
        {
          faults: {
            timeline: [{ at: '1s', action: 'partition-one-way', from: 'sms-worker', to: 'sms-broker', for: '1s' }],
          },
        },
      );
    const withoutDedup = await run(doc(undefined));
    const twice = streamOf(withoutDedup, 'sms-queue').processings.filter((n) => n > 1).length;
    expect(twice).toBeGreaterThan(0);

    const withDedup = await run(doc({ store: 'shared' }));
    const stream = streamOf(withDedup, 'sms-queue');
    expect(detail(withDedup, 'sms-workers', 'dedupHits')).toBeGreaterThanOrEqual(twice);
    expect(ids(stream).every((id) => stream.processings[id] === 1)).toBe(true);

    // Ids kept for less than the visibility timeout are forgotten before the redelivery comes.
    const shortTtl = streamOf(await run(doc({ store: 'shared', ttl: '1s' })), 'sms-queue');
    expect(shortTtl.processings.filter((n) => n > 1).length).toBe(twice);
  });

  it('a worker crash sends notifications twice when ids are recorded after the send, and loses some when they are claimed before it', async () => {
    // At the crash some notifications are being rendered (claimed, not sent yet) and some calls are out (the
    // provider delivers them, but the answer finds no worker); the queue redelivers all of them 2s after receipt.
    const doc = (write: string) =>
      pipeline(
        {
          sms: {
            rate: '20/s',
            stopAt: '4s',
            provider: { latency: '300ms' },
            worker: { processing: '300ms', visibilityTimeout: '2s', dedup: { store: 'shared', write } },
          },
        },
        { faults: { timeline: [{ at: '2s', action: 'crash', nodes: 'sms-worker-1', for: '1s' }] } },
      );
    const afterSend = streamOf(await run(doc('after-send')), 'sms-queue');
    expect(afterSend.processings.filter((n) => n > 1).length).toBeGreaterThan(0);
    expect(ids(afterSend).every((id) => afterSend.processings[id] >= 1)).toBe(true);

    const beforeSend = streamOf(await run(doc('before-send')), 'sms-queue');
    expect(ids(beforeSend).every((id) => beforeSend.processings[id] <= 1)).toBe(true);
    const lost = ids(beforeSend).filter(
      (id) => beforeSend.processings[id] === 0 && Number.isNaN(beforeSend.deadLetteredUs[id]),
    );
    expect(lost.length).toBeGreaterThan(0);
    // Only what the crash caught before its call can be lost.
    for (const id of lost) expect(beforeSend.firstDeliveredUs[id]).toBeGreaterThan(1_600_000);
    for (const id of lost) expect(beforeSend.firstDeliveredUs[id]).toBeLessThan(2 * SECOND);
  });

  it('deletes the notifications of users who opted out of the channel without sending them', async () => {
    const completed = await run(
      pipeline({ email: { rate: '100/s', stopAt: '5s', provider: {}, worker: { optedOut: '30%' } } }),
    );
    const stream = streamOf(completed, 'email-queue');
    const preferences = new UserPreferences(0.3, null, channelSeed('email'));
    const optedOut = ids(stream).filter((id) => preferences.optedOut(stream.topic.key[id]));
    expect(optedOut.length / stream.topic.messages).toBeGreaterThan(0.25);
    expect(optedOut.length / stream.topic.messages).toBeLessThan(0.35);
    expect(detail(completed, 'email-provider', 'delivered')).toBe(stream.topic.messages - optedOut.length);
    expect(detail(completed, 'email-workers', 'optedOut')).toBe(optedOut.length);
    expect(ids(stream).every((id) => stream.processings[id] === 1)).toBe(true);
  });

  it('holds a notification for a user in quiet hours until they end, and sends the others at once', async () => {
    const quiet = { dayUs: 10 * SECOND, startUs: 0, lengthUs: 4 * SECOND };
    const completed = await run(
      pipeline({
        push: {
          rate: '20/s',
          stopAt: '10s',
          provider: { latency: '10ms' },
          worker: { quietHours: { day: '10s', start: '0s', length: '4s' } },
        },
      }),
    );
    const preferences = new UserPreferences(0, quiet, channelSeed('push'));
    const stream = streamOf(completed, 'push-queue');
    let held = 0;
    for (const id of ids(stream)) {
      const receivedUs = stream.firstDeliveredUs[id];
      const quietForUs = preferences.quietForUs(stream.topic.key[id], receivedUs);
      const waitedUs = stream.firstProcessedUs[id] - receivedUs;
      if (quietForUs > 0) {
        held++;
        expect(waitedUs).toBeGreaterThanOrEqual(quietForUs);
        expect(waitedUs).toBeLessThan(quietForUs + 100_000);
      } else expect(waitedUs).toBeLessThan(100_000);
    }
    // 4s of a 10s day: about 40% of the users are quiet at any moment.
    expect(held).toBeGreaterThan(stream.topic.messages * 0.25);
    expect(held).toBeLessThan(stream.topic.messages * 0.55);
    expect(detail(completed, 'push-workers', 'heldForQuietHours')).toBe(held);
  });

  it('an SMS provider outage does not delay push notifications, and the SMS backlog drains once it is over', async () => {
    const doc = (outage: boolean) =>
      pipeline(
        {
          push: {
            rate: '100/s',
            stopAt: '25s',
            provider: { latency: { type: 'lognormal', median: '30ms', sigma: 0.5 } },
          },
          sms: {
            rate: '20/s',
            stopAt: '25s',
            provider: { rateLimit: '40/s', latency: { type: 'lognormal', median: '200ms', sigma: 0.5 } },
            worker: {
              workers: 20,
              timeout: '1s',
              rateLimit: '40/s',
              circuitBreaker: { window: '2s', minimumCalls: 5, openFor: '1s', probes: 2 },
            },
          },
        },
        outage ? { faults: { timeline: [{ at: '5s', action: 'crash', nodes: 'sms-gateway-1', for: '5s' }] } } : {},
      );
    const calm = await run(doc(false));
    const outage = await run(doc(true));

    const push = (c: CompletedRun) => streamOf(c, 'push-queue');
    expect(push(outage).topic.messages).toBe(push(calm).topic.messages);
    expect(push(outage).firstProcessedUs).toEqual(push(calm).firstProcessedUs);

    const sms = streamOf(outage, 'sms-queue');
    // Five seconds at 20/s pile up (and what the workers held when the provider went); once it is back they
    // send at its 40/s against 20/s arriving: the backlog falls by 20/s, no faster, down to the usual few.
    const samples = Array.from({ length: 300 }, (_, i) => backlogAt(sms, i * 100_000));
    const peak = samples.slice(0, 150).reduce((a, b) => Math.max(a, b));
    const peakAtUs = samples.indexOf(peak) * 100_000;
    expect(peak).toBeGreaterThan(100);
    expect(peakAtUs).toBeGreaterThanOrEqual(10 * SECOND);
    const drainedAtUs = samples.findIndex((n, i) => i * 100_000 > peakAtUs && n < 15) * 100_000;
    expect(drainedAtUs - peakAtUs).toBeGreaterThan(((peak - 15) / 20) * SECOND * 0.9);
    expect(drainedAtUs - peakAtUs).toBeLessThan((peak / 20) * SECOND + 2 * SECOND);
    for (const id of ids(sms)) {
      expect(sms.processings[id]).toBeGreaterThanOrEqual(1);
      expect(Number.isNaN(sms.deadLetteredUs[id])).toBe(true);
    }
  });
});
