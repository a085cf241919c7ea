import { describe, expect, it } from 'vitest';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import type { DistributionSpec } from '../engine/distribution.js';
import { QueueServer } from '../models/servers/queue-server.js';
import { mg1 } from '../reports/queueing-theory.js';
import { runScript, type ScriptedRequest } from './fixtures/scripted-requests.js';
import { queueServerSettings } from './fixtures/queue-server-settings.js';
import { scenarioTextReport } from './support/bundled-report.js';

const exponential = (mean: number): DistributionSpec => ({ type: 'exponential', mean });

/** Enough workers that nothing waits: each answer comes back after exactly its service time. */
function serviceTimes(byOperation: Record<string, DistributionSpec> | undefined, script: ScriptedRequest[]) {
  const run = runScript(
    (ctx) =>
      new QueueServer(
        ctx,
        queueServerSettings({ serviceTime: exponential(3000), serviceTimeByOperation: byOperation, workers: 10_000 }),
      ),
    script,
  );
  const times = new Map<string, number[]>();
  for (const a of run.answers) {
    const op = script[a.index].operation ?? 'request';
    if (!times.has(op)) times.set(op, []);
    times.get(op)!.push(a.atUs - script[a.index].atUs);
  }
  return { times, traceHash: run.traceHash };
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('service time per operation', () => {
  it('each operation takes its own distribution; others fall back to serviceTime', () => {
    const ops = ['read', 'write', 'scan'];
    const script = Array.from({ length: 30_000 }, (_, k) => ({ atUs: k * 10, operation: ops[k % 3] }));
    const { times } = serviceTimes({ read: exponential(1000), write: { type: 'constant', value: 7000 } }, script);
    // 10,000 exponential draws each: a standard error of 1% of the mean.
    expect(Math.abs(mean(times.get('read')!) / 1000 - 1)).toBeLessThan(0.03);
    expect(new Set(times.get('write'))).toEqual(new Set([7000]));
    expect(Math.abs(mean(times.get('scan')!) / 3000 - 1)).toBeLessThan(0.03);
  });

  it('draws from the same service stream: naming the default for an operation changes nothing', () => {
    const script = Array.from({ length: 2000 }, (_, k) => ({
      atUs: k * 100,
      operation: k % 2 === 0 ? 'read' : 'write',
    }));
    const plain = serviceTimes(undefined, script).traceHash;
    expect(serviceTimes({ read: exponential(3000) }, script).traceHash).toBe(plain);
    expect(serviceTimes({ read: exponential(1000) }, script).traceHash).not.toBe(plain);
  });

  it('rejects a distribution without its parameters, naming the operation', () => {
    const text = `
name: s
duration: 1s
topology: { nodes: { server: {}, client: {} } }
components:
  api: { type: queue-server, nodes: server, serviceTime: 1ms, serviceTimeByOperation: { read: 5, write: { type: exponential } } }
workloads:
  users: { type: poisson, nodes: client, target: api, rate: 10/s }
`;
    expect(() => parseScenarioText(text, 's.yaml')).toThrow(
      'components.api.serviceTimeByOperation.read: 5 has no unit; write a duration like 5s or 5ms',
    );
    expect(() => parseScenarioText(text, 's.yaml')).toThrow(
      'components.api.serviceTimeByOperation.write.mean: missing required key "mean"',
    );
  });
});

async function theoryOf(text: string) {
  return (await scenarioTextReport(text, 'station.yaml')).theory;
}

/**
 * One worker; reads are quick and exponential, writes slow and constant, so
 * the mixture's second moment is far from an exponential's with the same mean.
 * Two workloads mix them differently: 300/s of pure reads, 100/s at 1 read : 3 writes.
 */
const mixedStation = (duration: string, api = '', workload = '') => `
name: mixed
duration: ${duration}
warmup: 10s
topology:
  nodes: { server: {}, reader: {}, writer: {} }
components:
  station:
    type: queue-server
    nodes: server
    serviceTime: { type: exponential, mean: 200us }
    serviceTimeByOperation: { write: 4ms }
    ${api}
workloads:
  reads: { type: poisson, nodes: reader, target: station, rate: 300/s, operations: read }
  mixed: { type: poisson, nodes: writer, target: station, rate: 100/s, operations: { read: 1, write: 3 }, ${workload} }
slo: { window: 100s }
`;

describe('theory for a mix of operations', () => {
  it('M/G/1 with the mixture moments (Pollaczek–Khinchine) holds within 3% of the simulation', async () => {
    const [check] = (await theoryOf(mixedStation('800s')))!;
    // p(write) = 100/s × 3/4 over 400/s; E[S] and E[S²] of the mixture.
    const pWrite = 75 / 400;
    const es = (1 - pWrite) * 200 + pWrite * 4000;
    const es2 = (1 - pWrite) * 2 * 200 ** 2 + pWrite * 4000 ** 2;
    const expected = mg1(400 / 1e6, es, es2 - es * es)!;
    expect(check).toMatchObject({
      model: 'M/G/1',
      method: 'Pollaczek–Khinchine over the operation mix',
      serviceMeanUs: es,
    });
    const rows = Object.fromEntries(check.rows.map((r) => [r.key, r]));
    expect(rows['mean-time-at-server'].theory).toBeCloseTo(expected.meanSojourn, 3);
    expect(rows.utilization.theory).toBeCloseTo(expected.utilization, 9);
    for (const row of check.rows)
      expect(
        Math.abs(row.relativeDifference!),
        `${row.label}: theory ${row.theory}, simulated ${row.simulated}`,
      ).toBeLessThan(0.03);
  });

  it('is withheld where the formulas do not describe the station, and kept where the order cannot matter', async () => {
    // Priority order with classes whose service times differ changes the mean wait.
    expect(await theoryOf(mixedStation('20s', 'order: priority', 'priority: 1'))).toBeUndefined();
    // Shedding some priorities turns arrivals away.
    expect(await theoryOf(mixedStation('20s', 'shed: [{ below: 1, queueAbove: 2 }]'))).toBeUndefined();
    // Dependency calls hold the worker beyond its service time, and the dependency sees arrivals from a component.
    const calling = mixedStation('20s', 'calls: { dependencies: [{ component: store, operations: [write] }] }')
      .replace('reader: {}', 'reader: {}, store-server: {}')
      .replace('workloads:', '  store: { type: queue-server, nodes: store-server, serviceTime: 1ms }\nworkloads:');
    expect(await theoryOf(calling)).toBeUndefined();
    // One priority for everyone: priority order is FIFO.
    expect(await theoryOf(mixedStation('20s', 'order: priority'))).toHaveLength(1);
    // Shedding rules that no feeder's priority falls under change nothing.
    expect(
      await theoryOf(
        mixedStation('20s', 'shed: [{ below: 1, queueAbove: 2 }]', 'priority: 1').replace(
          'operations: read }',
          'operations: read, priority: 1 }',
        ),
      ),
    ).toHaveLength(1);
  });
});
