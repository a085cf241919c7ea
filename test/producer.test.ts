import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MILLISECOND, SECOND, Simulation, type NodeContext, type NodeId, type Process } from '../engine/index.js';
import { DeliveryLog } from '../models/measure/delivery-log.js';
import { RequestMetrics } from '../models/measure/request-metrics.js';
import type { MetadataRequest, ProduceReply, ProduceRequest } from '../models/messaging/broker-messages.js';
import { Producer, type ProducerSettings } from '../models/messaging/producer.js';

const PARTITIONS = 3;

/** What the fake brokers did, shared by all of them. */
interface Ledger {
  /** Per partition, the message ids appended, in order. */
  appended: number[][];
  /** Produce requests received, by broker name. */
  received: Map<string, number>;
  /** Per producer id and partition, the last sequence appended. */
  lastSequence: Map<string, number>;
}

interface FakeBehaviour {
  /** Brokers that believe another node leads a partition: they answer not-leader with this hint. */
  hint?: (broker: number, partition: number) => number | null;
  /** Lose the request before it is appended (true), or append and lose the reply ('reply'). */
  lose?: (attempt: number) => false | 'request' | 'reply';
  /** Never answer (a full queue that blocks). */
  hold?: boolean;
}

/** Broker i leads partition i; it appends idempotently when the request carries a producer id, as a Kafka leader does. */
class FakeBroker implements Process<MetadataRequest | ProduceRequest> {
  private attempts = 0;
  constructor(
    private readonly ctx: NodeContext,
    private readonly index: number,
    private readonly ledger: Ledger,
    private readonly behaviour: FakeBehaviour,
  ) {}

  onMessage(from: NodeId, m: MetadataRequest | ProduceRequest): void {
    if (m.kind === 'metadata') {
      this.ctx.send(from, { kind: 'metadata-reply', id: m.id, leaders: ['b-0', 'b-1', 'b-2'] }, 0);
      return;
    }
    const name = this.ctx.name;
    this.ledger.received.set(name, (this.ledger.received.get(name) ?? 0) + 1);
    const reply = (error?: ProduceReply['error'], leader?: string) =>
      m.acks !== 0 &&
      this.ctx.send(
        from,
        {
          kind: 'produce-reply',
          id: m.id,
          message: m.message,
          offset: 0,
          ...(error ? { error } : {}),
          ...(leader ? { leader } : {}),
        } satisfies ProduceReply,
        0,
      );
    const hinted = this.behaviour.hint?.(this.index, m.partition) ?? null;
    if (hinted !== null) return void reply('not-leader', `b-${hinted}`);
    if (this.behaviour.hold) return;
    const lose = this.behaviour.lose?.(this.attempts++) ?? false;
    if (lose === 'request') return;
    if (m.producerId >= 0) {
      const slot = `${m.producerId}/${m.partition}`;
      const last = this.ledger.lastSequence.get(slot) ?? -1;
      if (m.sequence > last + 1) return void reply('out-of-order-sequence');
      if (m.sequence === last + 1) {
        this.ledger.lastSequence.set(slot, m.sequence);
        this.ledger.appended[m.partition].push(m.message);
      }
    } else this.ledger.appended[m.partition].push(m.message);
    if (lose !== 'reply') reply();
  }
}

const settings = (overrides: Partial<ProducerSettings> = {}): ProducerSettings => ({
  target: 'log',
  brokers: ['b-0', 'b-1', 'b-2'],
  ratePerSec: 200,
  stopAtUs: 2 * SECOND,
  keys: { count: 50 },
  messageSizeBytes: 100,
  acks: -1,
  idempotent: false,
  maxInFlight: 5,
  bufferMessages: 10_000,
  requestTimeoutUs: 50 * MILLISECOND,
  deliveryTimeoutUs: 60 * SECOND,
  retry: {
    maxAttempts: 1000,
    baseUs: 5 * MILLISECOND,
    capUs: 40 * MILLISECOND,
    multiplier: 2,
    jitter: 'full',
    retryOn: ['timeout', 'rejected', 'unavailable'],
    honorRetryAfter: false,
  },
  priority: 0,
  delayUs: 0,
  partitioner: 'key-hash',
  metadataRefreshUs: 100 * MILLISECOND,
  ...overrides,
});

function run(producer: Partial<ProducerSettings>, behaviour: FakeBehaviour = {}, seed = 1) {
  const sim = new Simulation({ seed });
  const deliveries = new DeliveryLog();
  const topic = deliveries.topic('log', 'log');
  const requests = new RequestMetrics({
    windowUs: SECOND,
    durationUs: 10 * SECOND,
    availabilityThresholdUs: SECOND,
    measureFromUs: 0,
  });
  const ledger: Ledger = { appended: [[], [], []], received: new Map(), lastSequence: new Map() };
  for (let i = 0; i < PARTITIONS; i++)
    sim.addNode({ name: `b-${i}`, process: (ctx) => new FakeBroker(ctx, i, ledger, behaviour) });
  const s = settings(producer);
  sim.addNode({ name: 'p-1', process: (ctx) => new Producer(ctx, s, topic, requests) });
  sim.run({ untilUs: 10 * SECOND });
  return { topic, requests, ledger, sim };
}

const acknowledged = (topic: ReturnType<typeof run>['topic']) =>
  topic.acknowledgedUs.filter((t) => !Number.isNaN(t)).length;

describe('producer', () => {
  it('sends each key to one partition, and records every message as made and acknowledged', () => {
    const { topic, ledger, requests } = run({});
    expect(topic.messages).toBeGreaterThan(300);
    expect(acknowledged(topic)).toBe(topic.messages);
    const partitionOfKey = new Map<number, number>();
    ledger.appended.forEach((ids, partition) => {
      for (const id of ids) {
        const key = topic.key[id];
        expect(partitionOfKey.get(key) ?? partition).toBe(partition);
        partitionOfKey.set(key, partition);
      }
    });
    expect(requests.operation('produce').succeeded).toBe(topic.messages);
  });

  it('after not-leader, sends at once to the node the broker named', () => {
    // Each partition's listed leader says the next broker leads it, which takes the messages.
    const moved = (broker: number, partition: number) => (broker === partition ? (partition + 1) % PARTITIONS : null);
    const { ledger, topic, requests } = run({}, { hint: moved });
    expect(acknowledged(topic)).toBe(topic.messages);
    // The first answer teaches the producer the new leader: only messages already on their way were sent astray.
    const astray = requests.retries;
    expect(astray).toBeGreaterThan(0);
    expect(astray).toBeLessThanOrEqual(5 * PARTITIONS);
    const received = [...ledger.received.values()].reduce((a, b) => a + b, 0);
    expect(received).toBe(topic.messages + astray);
  });

  it('idempotent: whatever requests and replies are lost, every partition holds each message once, in the order made', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.double({ min: 0, max: 0.4, noNaN: true }), (seed, p) => {
        let state = seed;
        const lose = () => {
          state = (Math.imul(state, 1103515245) + 12345) >>> 0;
          const u = state / 2 ** 32;
          return u < p / 2 ? ('request' as const) : u < p ? ('reply' as const) : false;
        };
        const { ledger, topic } = run({ idempotent: true, stopAtUs: SECOND }, { lose }, seed);
        const all = ledger.appended.flat();
        expect(new Set(all).size).toBe(all.length);
        for (const ids of ledger.appended) expect(ids).toEqual([...ids].sort((a, b) => a - b));
        // Everything acknowledged was appended.
        const appended = new Set(all);
        for (let id = 0; id < topic.messages; id++)
          if (!Number.isNaN(topic.acknowledgedUs[id])) expect(appended.has(id)).toBe(true);
      }),
      { numRuns: 15 },
    );
  });

  it('without idempotence, a lost reply makes the retry append the message again', () => {
    const { ledger } = run({ stopAtUs: SECOND }, { lose: (attempt) => (attempt % 7 === 3 ? 'reply' : false) });
    const all = ledger.appended.flat();
    expect(new Set(all).size).toBeLessThan(all.length);
  });

  it('a broker that holds replies fills the in-flight limit, then the buffer, then refuses new messages at once', () => {
    const { topic, ledger, requests } = run(
      { maxInFlight: 2, bufferMessages: 10, requestTimeoutUs: 100 * SECOND, ratePerSec: 100 },
      { hold: true },
    );
    const received = [...ledger.received.values()].reduce((a, b) => a + b, 0);
    expect(received).toBe(2);
    const failed = topic.failedUs.filter((t) => !Number.isNaN(t)).length;
    expect(failed).toBe(topic.messages - 2 - 10);
    expect(requests.errors.rejected).toBe(failed);
  });

  it('acks=0 waits for nothing: every message counts as sent, none as acknowledged', () => {
    const { topic, requests } = run({ acks: 0 });
    expect(acknowledged(topic)).toBe(0);
    expect(requests.operation('produce').succeeded).toBe(topic.messages);
  });
});
