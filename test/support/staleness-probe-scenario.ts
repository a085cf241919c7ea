import { stalenessCurvesReport } from '../../reports/consistency/staleness-curves.js';
import { parseScenarioText } from '../../scenarios/harness/load-scenario.js';
import { runScenario } from '../../scenarios/harness/run-scenario.js';

/** A 3-node quorum store probed from a node with a zero-latency link to it, repair paths off unless `store` turns them on. */
export function probeScenario(
  options: { store?: string; probe?: string; duration?: string; repairsOff?: boolean } = {},
): string {
  return `
name: probe
duration: ${options.duration ?? '5s'}
topology:
  regions: [dc]
  nodes: { kv: { count: 3 }, probe: { count: 1 } }
  links: [{ from: probe, to: kv, bothWays: true, latency: 0us }]
components:
  store:
    type: quorum-store
    nodes: kv
    replicationFactor: 3
    ${options.repairsOff === false ? '' : 'readRepair: false\n    hintedHandoff: false'}
    ${options.store ?? ''}
workloads:
  probes:
    type: staleness-probe
    nodes: probe
    target: store
    ${options.probe ?? ''}
`;
}

export async function probeRun(text: string) {
  const { scenario } = parseScenarioText(text, 'probe.yaml');
  const completed = await runScenario(scenario);
  const curves = stalenessCurvesReport(completed.built, completed.result)!;
  return { completed, probe: curves[0], scenario };
}
