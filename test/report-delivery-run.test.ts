import { describe, expect, it } from 'vitest';
import type { DeliveryLog } from '../models/measure/delivery-log.js';
import { buildReport } from '../reports/build-report.js';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';
import { plainScenario } from './support/plain-scenario.js';

/**
 * The delivery section through a real run: a small queue-server scenario
 * whose delivery log is filled by hand when the run is built (as a broker and
 * its consumers would fill it), so the report's wiring, the comparison rows
 * and the trace hash are tested before any broker exists.
 */
const SCENARIO = plainScenario('delivery-wiring', {
  seed: 5,
  duration: '3s',
  rate: '20/s',
  variants: 'variants: [{ name: safe }, { name: lossy }]',
});

/** 100 messages on queue "orders", one a 20 ms, processed 5 ms later; `lose` of them delivered and never processed. */
function fill(log: DeliveryLog, lose: number): void {
  const topic = log.topic('orders', 'queue');
  const stream = topic.stream('orders', 'none');
  for (let i = 0; i < 100; i++) {
    const id = topic.produced(1, 0, i * 20_000);
    topic.stored(id, i * 20_000 + 1000);
    topic.acknowledged(id, i * 20_000 + 1500);
    stream.delivered(id, 0, -1, i * 20_000 + 2000);
    if (i >= 100 - lose) continue;
    stream.processed(id, i * 20_000 + 5000);
    if (i < lose) stream.processed(id, i * 20_000 + 9000);
  }
}

async function run(lose: (variant: string) => number | null) {
  const { scenario, variants } = parseScenarioText(SCENARIO, 'delivery-wiring.yaml');
  const runs = [];
  for (const v of variants) {
    const n = lose(v.name);
    const completed = await runScenario(v.scenario, {
      onBuilt: (built) => (n === null ? undefined : fill(built.deliveries, n)),
    });
    runs.push({ name: v.name, overrides: v.overrides, run: completed });
  }
  return buildReport({ faultlineVersion: 'test', file: null, scenario, runs, wallSeconds: 1 });
}

describe('the delivery section of a run', () => {
  it('is in every run with a topic, compared across variants, and folded into the trace hash', async () => {
    const plain = await run(() => null);
    const report = await run((name) => (name === 'safe' ? 0 : 3));
    expect(plain.delivery).toBeUndefined();
    expect(plain.comparison!.rows.map((r) => r.key)).not.toContain('messages-lost');

    const [safe, lossy] = report.variants!;
    expect(report.delivery).toEqual(safe.delivery);
    expect(safe.delivery!.topics[0].streams[0].lag.timeline).toHaveLength(safe.metrics.timeline.length);
    expect(lossy.delivery!.topics[0].streams[0].lost.deliveredNotProcessed).toBe(3);
    const row = (key: string) => report.comparison!.rows.find((r) => r.key === key)?.values;
    expect(row('messages-lost')).toEqual([0, 3]);
    expect(row('repeated-effects')).toEqual([0, 3]);
    expect(row('duplicate-deliveries')).toEqual([0, 0]);
    expect(row('dead-lettered')).toEqual([0, 0]);
    // A lost message leaves the backlog when its consumer took it.
    expect(row('max-lag')).toEqual([1, 1]);
    expect(row('end-to-end-p99')![0]).toBeCloseTo(5000, -1);

    // The delivery facts are measurements: the hash covers them, and runs without a topic keep theirs.
    expect(safe.traceHash).not.toBe(plain.variants![0].traceHash);
    expect(safe.traceHash).not.toBe(lossy.traceHash);
    expect(plain.variants![0].traceHash).toBe(plain.variants![1].traceHash);
  }, 20_000);
});
