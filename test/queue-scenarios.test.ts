import { describe, expect, it } from 'vitest';
import { buildScenario, type BuiltScenario } from '../scenarios/harness/build-scenario.js';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';

/** Runs a scenario text (its base, no variants) to its end. */
function run(text: string): BuiltScenario {
  const built = buildScenario(parseScenarioText(text, 'queue.yaml').scenario);
  built.sim.run({ untilUs: built.scenario.duration });
  return built;
}

const details = (built: BuiltScenario, name: string) =>
  built.components.find((c) => c.metrics.name === name)!.metrics.details;

describe('queues with the producer workload', () => {
  it('a full queue that blocks holds the acknowledgements back: the producer waits at its in-flight limit, nothing is refused', () => {
    const built = run(`
name: blocking
seed: 1
duration: 20s
topology:
  regions: [dc]
  nodes: { broker: { count: 1 }, shop: { count: 1 }, worker: { count: 1 } }
components:
  jobs: { type: queue, nodes: broker, maxDepth: 50, whenFull: block }
workloads:
  senders: { type: producer, nodes: shop, target: jobs, rate: 200/s, acks: 1, maxInFlight: 5, buffer: 100000 }
  workers: { type: queue-consumer, nodes: worker, target: jobs, workers: 1, processing: 10ms }
`);
    const jobs = details(built, 'jobs');
    // The producer never has more than its 5 unanswered: those are all the broker ever holds back.
    expect(jobs.get('blockedProducers')).toBe(5);
    expect(jobs.get('refused')).toBe(0);
    const topic = built.deliveries.topics[0];
    // 100/s drain a 200/s offer: about half the messages made were sent and acknowledged; none failed.
    const acknowledged = topic.acknowledgedUs.filter((t) => !Number.isNaN(t)).length;
    expect(acknowledged / topic.messages).toBeGreaterThan(0.4);
    expect(acknowledged / topic.messages).toBeLessThan(0.6);
    expect(topic.failedUs.filter((t) => !Number.isNaN(t))).toEqual([]);
  });

  it('a full queue that refuses answers full: the producer retries, then gives messages up', () => {
    const built = run(`
name: refusing
seed: 1
duration: 20s
topology:
  regions: [dc]
  nodes: { broker: { count: 1 }, shop: { count: 1 }, worker: { count: 1 } }
components:
  jobs: { type: queue, nodes: broker, maxDepth: 50 }
workloads:
  senders: { type: producer, nodes: shop, target: jobs, rate: 200/s, acks: 1, retry: { attempts: 2 } }
  workers: { type: queue-consumer, nodes: worker, target: jobs, workers: 1, processing: 10ms }
`);
    expect(details(built, 'jobs').get('refused')).toBeGreaterThan(1000);
    const topic = built.deliveries.topics[0];
    expect(topic.failedUs.filter((t) => !Number.isNaN(t)).length).toBeGreaterThan(500);
  });

  it('a FIFO queue delivers every key in the order produced, through redeliveries and many workers', () => {
    const built = run(`
name: fifo
seed: 1
duration: 30s
topology:
  regions: [dc]
  nodes: { broker: { count: 1 }, shop: { count: 2 }, worker: { count: 2 } }
  # Sends arrive in the order sent (one connection each), so messages are stored in the order produced.
  link: { fifo: true }
components:
  jobs: { type: queue, nodes: broker, fifo: true, visibilityTimeout: 200ms }
workloads:
  senders: { type: producer, nodes: shop, target: jobs, rate: 100/s, acks: 1, keys: { count: 20 } }
  workers:
    type: queue-consumer
    nodes: worker
    target: jobs
    workers: 8
    batch: 1
    processing: { type: exponential, mean: 20ms }
    failure: 5%
`);
    const stream = built.deliveries.topics[0].streams[0];
    expect(stream.ordering).toBe('key');
    expect(stream.outOfOrder).toBe(0);
    // Effects too apply in order per key: a message that failed is retried before the next of its key.
    const topic = built.deliveries.topics[0];
    const lastProcessedUs = new Map<string, number>();
    let processedOutOfOrder = 0;
    for (let id = 0; id < topic.messages; id++) {
      const at = stream.firstProcessedUs[id];
      if (!(at >= 0)) continue;
      const unit = `${topic.producer[id]}/${topic.key[id]}`;
      if (at < (lastProcessedUs.get(unit) ?? 0)) processedOutOfOrder++;
      lastProcessedUs.set(unit, at);
    }
    expect(processedOutOfOrder).toBe(0);
    expect(details(built, 'jobs').get('redeliveries')).toBeGreaterThan(50);
    expect(stream.processings.filter((n) => n === 1).length).toBeGreaterThan(5000);
  });

  it('dead-lettered messages go on to the dead-letter queue named, where its own consumers process them', () => {
    const built = run(`
name: redrive
seed: 1
duration: 30s
topology:
  regions: [dc]
  nodes: { broker: { count: 1 }, dlq-broker: { count: 1 }, shop: { count: 1 }, worker: { count: 1 }, fixer: { count: 1 } }
components:
  jobs: { type: queue, nodes: broker, visibilityTimeout: 500ms, maxReceiveCount: 2, deadLetterQueue: jobs-dlq }
  jobs-dlq: { type: queue, nodes: dlq-broker }
workloads:
  senders: { type: producer, nodes: shop, target: jobs, rate: 100/s, acks: 1, keys: { count: 100000 } }
  workers: { type: queue-consumer, nodes: worker, target: jobs, workers: 4, processing: 5ms, poison: 5% }
  fixers: { type: queue-consumer, nodes: fixer, target: jobs-dlq, processing: 5ms }
`);
    const [jobs, dlq] = built.deliveries.topics;
    expect(dlq.name).toBe('jobs-dlq');
    const deadLettered = jobs.streams[0].deadLetteredUs.flatMap((at, id) =>
      Number.isFinite(at) ? [jobs.key[id]] : [],
    );
    expect(deadLettered.length).toBeGreaterThan(50);
    // The same messages (by key), each acknowledged, and processed once by the dead-letter queue's consumer.
    const byKey = (a: number, b: number) => a - b;
    expect([...dlq.key].sort(byKey)).toEqual(deadLettered.sort(byKey));
    expect(dlq.acknowledgedUs.every((t) => t >= 0)).toBe(true);
    const stream = dlq.streams[0];
    const pending = new Set(stream.pendingAtEnd!());
    expect(pending.size).toBeLessThan(5);
    for (let id = 0; id < dlq.messages; id++) if (!pending.has(id)) expect(stream.processings[id]).toBe(1);
  });
});
