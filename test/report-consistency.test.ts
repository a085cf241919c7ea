import { describe, expect, it } from 'vitest';
import pc from 'picocolors';
import { buildScenario } from '../scenarios/harness/build-scenario.js';
import { parseScenarioText } from '../scenarios/harness/load-scenario.js';
import { runScenario } from '../scenarios/harness/run-scenario.js';
import { summaryTable } from '../cli/summary-table.js';
import { reportFiles } from '../cli/write-report.js';
import { buildReport, deterministicPart } from '../reports/build-report.js';
import { renderHtmlReport } from '../reports/html-report.js';
import { renderCharts } from '../reports/charts/index.js';
import type { Report, VariantRun } from '../reports/report-types.js';
import { sampleReport } from './fixtures/sample-report.js';

/**
 * Three replicas, one in zone-a and two in zone-b, with a client in each
 * zone; zone-a is cut off from 4 s to 9 s; clients stop at 11 s so the
 * replicas can settle. CP: Raft. AP: a Dynamo store at ONE/ONE with
 * last-write-wins and anti-entropy.
 */
const SCENARIO = `
name: consistency-e2e
seed: 3
duration: 13s
topology:
  regions: [zone-a, zone-b]
  rtt: { crossRegion: 4ms }
  nodes:
    kv: { count: 3, region: [zone-a, zone-b, zone-b] }
    client: { count: 2, region: [zone-a, zone-b] }
components:
  store: { type: raft, nodes: kv }
workloads:
  users: { type: store-client, nodes: client, target: store, users: 3, thinkTime: 20ms, keys: { count: 3 }, timeout: 500ms, stopAt: 11s }
faults:
  timeline:
    - { at: 4s, action: partition, sides: [zone-a, zone-b], for: 5s }
variants:
  - { name: cp }
  - name: ap
    set:
      components.store: { type: quorum-store, nodes: kv, replicationFactor: 3, readConsistency: one, writeConsistency: one, conflictResolution: lww, antiEntropyInterval: 200ms }
`;

async function runAll(text = SCENARIO) {
  const { scenario, variants } = parseScenarioText(text, 'consistency-e2e.yaml');
  const runs = [];
  for (const v of variants) runs.push({ name: v.name, overrides: v.overrides, run: await runScenario(v.scenario) });
  return {
    scenario,
    variants,
    report: buildReport({ faultlineVersion: 'test', file: null, scenario, runs, wallSeconds: 1 }),
  };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const byName = (report: Report, name: string) => report.variants!.find((v) => v.name === name)!;
const side = (run: VariantRun, share: string) =>
  run.consistency!.partitions[0].sides.find((s) => s.name.startsWith(share))!;

describe('consistency of a replicated store, end to end', async () => {
  const { report, variants } = await runAll();
  const cp = byName(report, 'cp');
  const ap = byName(report, 'ap');

  it('CP (Raft): linearizable, no stale read, nothing lost; the minority side is unavailable while the majority serves', () => {
    const c = cp.consistency!;
    expect(c.operations.invoked).toBeGreaterThan(1000);
    expect(c.keys).toEqual({ registers: 3, counters: 0, sets: 0, mixed: 0 });
    expect(c.linearizability).toMatchObject({ linearizable: true, keys: 3 });
    expect(c.staleness).toMatchObject({ staleReads: 0 });
    expect(c.sessions.readYourWrites.violations).toBe(0);
    expect(c.sessions.monotonicReads.violations).toBe(0);
    expect(c.sessions.monotonicWrites?.violations).toBe(0);
    expect(c.lostWrites).toMatchObject({ lost: 0, judgedOn: 'replica-logs' });
    expect(side(cp, 'minority')).toMatchObject({ replicas: ['kv-1'], clients: ['client-1'] });
    expect(side(cp, 'minority').availability).toBeLessThan(0.1);
    expect(side(cp, 'majority').availability).toBeGreaterThan(0.9);
    expect(c.convergence).toMatchObject({ replicas: ['kv-1', 'kv-2', 'kv-3'], divergentKeysAtEnd: 0 });
    expect(c.convergence!.convergenceTimeUs).not.toBeNull();
    expect(c.convergence!.convergenceTimeUs!).toBeLessThan(1_000_000);
  });

  it('AP (ONE/ONE, last write wins): both sides available, stale reads, not linearizable, divergent at the heal, converged after', () => {
    const c = ap.consistency!;
    expect(side(ap, 'minority').availability).toBe(1);
    expect(side(ap, 'majority').availability).toBe(1);
    expect(c.staleness!.staleReads).toBeGreaterThan(0);
    expect(c.staleness!.timeBehindUs.max).toBeGreaterThan(0);
    expect(c.linearizability!.linearizable).toBe(false);
    expect(c.linearizability!.counterexample!.stuck.f).toBe('read');
    expect(c.linearizability!.counterexample!.explanation).toMatch(
      /, and (no other operation was open, so none|none of the \d+ other open operations?) could be ordered before it to make that possible\.$/,
    );
    expect(c.convergence!.divergenceAtHeal).toHaveLength(1);
    expect(c.convergence!.divergenceAtHeal[0]).toMatchObject({ timeUs: 9_000_000, keys: 3 });
    expect(c.convergence!.divergenceAtHeal[0].divergentKeys).toBeGreaterThan(0);
    expect(c.convergence!.convergedUs).not.toBeNull();
    // ONE/ONE reads a replica the write has not reached yet now and then; the partition makes it the rule on the cut-off side.
    const rate = (from: number, to: number) =>
      sum(c.timeline.staleReads.slice(from, to)) / sum(c.timeline.reads.slice(from, to));
    expect(rate(4, 9)).toBeGreaterThan(3 * rate(0, 4));
  });

  it('draws the messages around the partition: the replicas, the clients, and messages the cut dropped', () => {
    const d = cp.consistency!.messageDiagram!;
    expect(d.fault).toMatchObject({ kind: 'partition', timeUs: 4_000_000 });
    expect(d.fromUs).toBeGreaterThanOrEqual(4_000_000 - 250_000);
    expect(d.nodes).toEqual(['kv-1', 'kv-2', 'kv-3', 'client-1', 'client-2']);
    expect(d.messages.length).toBeGreaterThan(100);
    expect(d.messages.some((m) => m.endsWith(' p'))).toBe(true);
    expect(d.kinds).toContain('store-request');
  });

  it('the sampling changes nothing: the same trace hash without the observers', () => {
    const traceHash = (observed: boolean) => {
      const built = buildScenario(variants[0].scenario);
      if (!observed) {
        built.sim.removeObserver(built.history.observation!.replicas);
        built.sim.removeMessageObserver(built.history.observation!.messages);
      }
      return built.sim.run({ untilUs: variants[0].scenario.duration }).traceHash;
    };
    expect(traceHash(false)).toBe(traceHash(true));
  });

  it('equal seeds give byte-identical reports, and the top level repeats the first run', async () => {
    const again = (await runAll()).report;
    expect(JSON.stringify(deterministicPart(again))).toBe(JSON.stringify(deterministicPart(report)));
    expect(report.consistency).toEqual(cp.consistency);
    // Key order: consistency comes last in a run, after the SLO verdicts.
    expect(Object.keys(cp).slice(-2)).toEqual(['slo', 'consistency']);
  });

  it('reports it: summary rows, comparison rows, charts per variant, the HTML section with the counterexample', () => {
    const table = summaryTable(report, pc.createColors(false));
    expect(table).toMatch(/linearizable\s+│\s+yes\s+│\s+no/);
    expect(table).toMatch(/stale reads\s+│\s+0 \(0\.00%\)/);
    expect(table).toMatch(/writes lost\s+│\s+0/);
    expect(report.comparison!.rows.map((r) => r.key)).toEqual(
      expect.arrayContaining(['stale-read-rate', 'writes-lost']),
    );
    const charts = renderCharts(report);
    const ids = charts.map((c) => c.id);
    for (const v of ['cp', 'ap']) {
      expect(ids).toContain(`consistency-availability-by-side-${v}`);
      expect(ids).toContain(`consistency-staleness-${v}`);
      expect(ids).toContain(`consistency-message-diagram-${v}`);
    }
    const html = renderHtmlReport(report, charts);
    expect(html).toContain('<section id="consistency">');
    expect(html).toContain('Why ap is not linearizable');
    expect(html).toContain('id="chart-consistency-message-diagram-ap"');
    // The consistency charts sit in their section, not in the general one.
    const chartsSection = html.slice(
      html.indexOf('<section id="charts">'),
      html.indexOf('</section>', html.indexOf('<section id="charts">')),
    );
    expect(chartsSection).not.toContain('consistency-');
  });

  it('faultline report redraws the same files from the saved report.json', () => {
    const saved = JSON.parse(JSON.stringify(report)) as Report;
    expect(reportFiles(saved, 'out')).toEqual(reportFiles(report, 'out'));
  });
});

describe('runs without a store', () => {
  it('have no consistency section, chart or row', () => {
    const report = sampleReport({ variants: true });
    expect(report.consistency).toBeUndefined();
    const charts = renderCharts(report);
    expect(charts.some((c) => c.id.startsWith('consistency-'))).toBe(false);
    expect(renderHtmlReport(report, charts)).not.toContain('<section id="consistency">');
    expect(summaryTable(report, pc.createColors(false))).not.toContain('linearizable');
  });
});
