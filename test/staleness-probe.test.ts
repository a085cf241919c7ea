import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { Simulation, splitGroups, type NodeContext, type NodeId } from '../engine/index.js';
import { ProbeTally } from '../models/measure/staleness-probes.js';
import { wilsonInterval } from '../reports/consistency/staleness-curves.js';
import { parseReport } from '../reports/report-schema.js';
import { buildReport } from '../reports/build-report.js';
import { summaryTable } from '../cli/summary-table.js';
import { tVisibilityChart } from '../reports/charts/t-visibility.js';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { variantsReport } from './support/bundled-report.js';
import { probeRun, probeScenario } from './support/staleness-probe-scenario.js';

describe('the staleness probe measures what it says', () => {
  it('does not count a read that started at its coordinator before the commit', () => {
    const tally = new ProbeTally('probes', 'store', [0, 1000], 1);
    tally.read('commit', 0, 999, 1000, 1);
    tally.read('ack', 1, 500, 1000, 0);
    expect(tally.startedBeforeCommit).toBe(2);
    expect(tally.fromCommit[0]).toEqual({ reads: 0, consistent: 0 });
    expect(tally.fromAck[1]).toEqual({ reads: 0, consistent: 0 });
    tally.read('commit', 0, 1000, 1000, 0);
    expect(tally.fromCommit[0]).toEqual({ reads: 1, consistent: 1 });
  });

  it('times reads from the commit at the coordinator: none started before it, none later than t with no hop', async () => {
    const { probe } = await probeRun(
      probeScenario({
        store:
          'readConsistency: one\n    writeConsistency: one\n    replicaLatency: { write: { type: exponential, mean: 1ms }, ack: 300us, read: 300us, response: 300us }',
        probe: 'delays: [0ms, 1ms]\n    probes: 200\n    concurrency: 10',
      }),
    );
    expect(probe.readsStartedBeforeCommit).toBe(0);
    expect(probe.meanHopUs).toBe(0);
    expect(probe.curves.map((c) => c.points.map((p) => p.reads))).toEqual([
      [200, 200],
      [200, 200],
    ]);
    expect(probe.departures).toEqual([]);
  });

  it('finds every read started after all replicas applied the write fresh', async () => {
    // Writes apply within 2 ms of being sent, so every replica has one 2 ms after its commit.
    const { probe } = await probeRun(
      probeScenario({
        store:
          'readConsistency: one\n    writeConsistency: one\n    replicaLatency: { write: { type: uniform, min: 100us, max: 2ms }, ack: { type: exponential, mean: 200us }, read: { type: exponential, mean: 200us }, response: 200us }',
        probe: 'delays: [0ms, 2ms, 3ms, 10ms]\n    probes: 500\n    concurrency: 20',
      }),
    );
    const commit = probe.curves.find((c) => c.from === 'commit')!;
    expect(commit.points[0].probability).toBeLessThan(0.9);
    for (const point of commit.points.slice(1)) expect(point.consistent, `t = ${point.tUs}`).toBe(point.reads);
    for (const point of probe.curves.find((c) => c.from === 'ack')!.points.slice(1))
      expect(point.consistent).toBe(point.reads);
  });

  it('never finds R + W > N stale (no sloppy quorum), however slow the writes', async () => {
    for (const [r, w] of [
      [2, 2],
      [1, 3],
      [3, 1],
    ]) {
      const { probe } = await probeRun(
        probeScenario({
          store: `readConsistency: { replicas: ${r} }\n    writeConsistency: { replicas: ${w} }\n    replicaLatency: { write: { type: pareto, scale: 1ms, shape: 1.2 }, ack: 100us, read: 100us, response: { type: exponential, mean: 1ms } }`,
          probe: 'delays: [0ms, 100us, 1ms]\n    probes: 300\n    concurrency: 20\n    writesPerProbe: 2',
        }),
      );
      expect(probe.readQuorum + probe.writeQuorum).toBeGreaterThan(3);
      for (const curve of probe.curves) for (const point of curve.points) expect(point.consistent).toBe(point.reads);
      expect(probe.kStaleness!.rows.map((row) => row.probability)).toEqual([0, 0]);
    }
  });

  it('under ongoing writes: newer versions arrive while reads are out, count as consistent, and stop with the reads', async () => {
    const legs =
      'replicaLatency: { write: { type: exponential, mean: 2ms }, ack: 100us, read: 100us, response: 100us }';
    const probes = 'delays: [0ms, 1ms, 4ms]\n    probes: 200\n    concurrency: 10';
    const run = (store: string, probe: string) => probeRun(probeScenario({ store: `${store}\n    ${legs}`, probe }));
    const ongoing = await run('readConsistency: one\n    writeConsistency: one', `${probes}\n    ongoingWrites: 500us`);
    // Every probe finished (its ongoing writes stopped once its reads were done), with more writes than probes.
    expect(ongoing.probe.probes).toBe(200);
    const writes = ongoing.completed.built.requests.byOperation.get('write')!;
    expect(writes.sent).toBeGreaterThan(2 * 200);
    expect(ongoing.probe.departures.join('\n')).toContain('newer versions are written to the probed key every 500us');
    // Reads that return a newer version are consistent: R + W > N stays at 100%, and k-staleness counts no newer write.
    const quorum = await run(
      'readConsistency: quorum\n    writeConsistency: quorum',
      `${probes}\n    ongoingWrites: 500us`,
    );
    for (const curve of quorum.probe.curves)
      for (const point of curve.points) expect(point.consistent).toBe(point.reads);
    expect(quorum.probe.kStaleness!.rows[0].probability).toBe(0);
    // Once every replica has the probed write (writes apply within 2 ms), a read at ONE returns it or a newer one:
    // always consistent, though a newer version it missed may have committed elsewhere.
    const bounded = await probeRun(
      probeScenario({
        store:
          'readConsistency: one\n    writeConsistency: one\n    replicaLatency: { write: { type: uniform, min: 100us, max: 2ms }, ack: 100us, read: 100us, response: 100us }',
        probe: 'delays: [3ms, 10ms]\n    probes: 200\n    concurrency: 10\n    ongoingWrites: 300us',
      }),
    );
    for (const point of bounded.probe.curves[0].points) expect(point.consistent).toBe(point.reads);
  });

  it('makes the coordinator’s own replica take its W and A legs instead of answering at once', async () => {
    const { probe } = await probeRun(
      probeScenario({
        store:
          'readConsistency: one\n    writeConsistency: one\n    replicaLatency: { write: 1ms, ack: 1ms, read: 1ms, response: 1ms }',
        probe: 'delays: [0ms]\n    probes: 50',
      }),
    );
    // Every node is a replica of every key, so each coordinator has one of its own: ONE would otherwise answer in 0.
    expect(probe.latency.write.p50Us).toBe(2000);
    expect(probe.latency.write.maxUs).toBe(2000);
    expect(probe.latency.read.p50Us).toBe(2000);
    expect(probe.latency.read.maxUs).toBe(2000);
  });

  it('reports an old store without replicaLatency unchanged, with no WARS and the reason why', async () => {
    const { probe } = await probeRun(probeScenario({ probe: 'delays: [0ms, 1ms]\n    probes: 50' }));
    expect(probe.wars).toBeNull();
    expect(probe.departures[0]).toMatch(/^replicaLatency does not set write, ack, read, response/);
  });

  it('lists the ways a run departs from WARS', async () => {
    const text = probeScenario({
      repairsOff: false,
      store:
        'readRepair: true\n    hintedHandoff: true\n    antiEntropyInterval: 1s\n    replicaLatency: { write: 1ms, ack: 1ms, read: 1ms }',
      probe: 'delays: [0ms]\n    probes: 20',
    })
      .replace('probe: { count: 1 } }', 'probe: { count: 1 }, client: { count: 1 } }')
      .concat(
        '  users: { type: store-client, nodes: client, target: store }\nfaults:\n  timeline: [{ at: 1s, action: crash, nodes: kv-1, for: 1s }]\n',
      );
    const run = await probeRun(text);
    const said = run.probe.departures.join('\n');
    for (const words of [
      'response',
      'read repair',
      'anti-entropy every 1s',
      'hinted handoff',
      'faults (crash',
      'users',
    ])
      expect(said).toContain(words);
  });

  it('writes a report that fits its schema', async () => {
    const { completed, scenario } = await probeRun(
      probeScenario({
        store: 'replicaLatency: { write: 1ms, ack: 1ms, read: 1ms, response: 1ms }',
        probe: 'delays: { from: 0ms, to: 2ms, step: 1ms }\n    probes: 20',
      }),
    );
    const report = buildReport({
      faultlineVersion: 'test',
      file: null,
      scenario,
      runs: [{ name: 'base', overrides: {}, run: completed }],
      wallSeconds: 1,
    });
    expect(report.stalenessCurves![0].curves[0].points.map((p) => p.tUs)).toEqual([0, 1000, 2000]);
    const parsed = parseReport(JSON.parse(JSON.stringify(report)));
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    // The terminal summary leads with the same figures.
    const table = summaryTable(report, pc.createColors(false));
    const p0 = report.stalenessCurves![0].curves[0].points[0].probability!;
    expect(table).toMatch(new RegExp(`probes consistent at 0µs +│ +${(p0 * 100).toFixed(1)}% \\(WARS \\d+\\.\\d%\\)`));
    expect(table).toMatch(/probes 99% consistent by +│ +(\d+(\.\d+)?(µs|ms)|not reached) \(WARS /);
  });
});

describe('the t-visibility chart', () => {
  it('says which variants share one WARS line (same latencies, N, R and W), since the later ones are drawn under it', async () => {
    const text = probeScenario({
      store:
        'readConsistency: one\n    writeConsistency: one\n    replicaLatency: { write: { type: exponential, mean: 2ms }, ack: 100us, read: 100us, response: 100us }',
      probe: 'delays: [0ms, 1ms]\n    probes: 50',
    }).concat(
      'variants:\n  - { name: first, set: { workloads.probes.pause: 0s } }\n  - { name: second, set: { workloads.probes.pause: 1ms } }\n',
    );
    const report = await variantsReport(parseScenarioText(text, 'probe.yaml'));
    expect(tVisibilityChart(report)!.svg).toContain('one WARS line for first, second');
  });
});

describe('levels a store cannot meet', () => {
  it('are refused at validation, for the probe and for a store client, naming the field', () => {
    const probe = probeScenario({ probe: 'readConsistency: { replicas: 4 }\n    writeConsistency: { replicas: 3 }' });
    expect(() => parseScenarioText(probe, 'probe.yaml')).toThrow(
      /probe\.yaml:\d+:\d+ workloads\.probes\.readConsistency\.replicas: at most the store's replicationFactor \(3\) replicas can answer$/,
    );
    const client = probeScenario({ probe: 'delays: [0ms]' })
      .replace('probe: { count: 1 } }', 'probe: { count: 1 }, client: { count: 1 } }')
      .concat('  users: { type: store-client, nodes: client, target: store, writeConsistency: { replicas: 5 } }\n');
    expect(() => parseScenarioText(client, 'client.yaml')).toThrow(
      /workloads\.users\.writeConsistency\.replicas: at most the store's replicationFactor \(3\) replicas can answer/,
    );
  });
});

describe('Wilson interval', () => {
  it('stays inside [0, 1] and contains the share', () => {
    expect(wilsonInterval(0, 100).low).toBe(0);
    expect(wilsonInterval(100, 100).high).toBe(1);
    const { low, high } = wilsonInterval(50, 100);
    expect(low).toBeCloseTo(0.4038, 3);
    expect(high).toBeCloseTo(0.5962, 3);
  });
});

describe('sendWithLatency', () => {
  it('arrives after exactly the drawn delay, and a partition still drops it', () => {
    const sim = new Simulation({ seed: 1 });
    const got: number[] = [];
    let sender: NodeContext | null = null;
    const a = sim.addNode({ name: 'a', process: (ctx) => ((sender = ctx), { onMessage: () => {} }) });
    const b: NodeId = sim.addNode({ name: 'b', process: (ctx) => ({ onMessage: () => got.push(ctx.nowUs) }) });
    sim.run({ untilUs: 10 });
    sender!.sendWithLatency(b, 'x', 10, 1234);
    sim.run({ untilUs: 5000 });
    expect(got).toEqual([10 + 1234]);
    sim.partition(splitGroups([[a], [b]]), 'test');
    sender!.sendWithLatency(b, 'y', 10, 1);
    sim.run({ untilUs: 10_000 });
    expect(got).toHaveLength(1);
    expect(() => sender!.sendWithLatency(b, 'z', 10, -1)).toThrow(/latencyUs must be >= 0/);
  });
});
