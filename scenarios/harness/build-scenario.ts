import type { DistributionSpec } from '../../engine/distribution.js';
import { scheduleFaults, startFaultProcess, type FaultAction, type TimedFault } from '../../engine/faults.js';
import type { LinkSpec, NetworkConfig } from '../../engine/network.js';
import type { NodeId } from '../../engine/node-context.js';
import { Simulation } from '../../engine/simulation.js';
import { ComponentMetrics } from '../../models/measure/component-metrics.js';
import { HistoryRecorder } from '../../models/measure/history-recorder.js';
import { RequestMetrics } from '../../models/measure/request-metrics.js';
import { StalenessProbes } from '../../models/measure/staleness-probes.js';
import { DeliveryLog } from '../../models/measure/delivery-log.js';
import { CacheLog, type CacheTraceSink } from '../../models/measure/cache-log.js';
import { ShardLog } from '../../models/measure/shard-log.js';
import { FeedLog } from '../../models/measure/feed-log.js';
import { ChatLog } from '../../models/measure/chat-log.js';
import { registerBuiltinModels } from '../../models/builtin-models.js';
import { modelDefinition } from '../../models/kit/registry.js';
import { instanceContext } from './instance-context.js';
import { groupNodeNames } from './node-names.js';
import { reportingWindowUs } from './run-timing.js';
import type { FaultProcess, Scenario, TimelineFault } from './scenario-schema.js';

/** A scenario wired onto a fresh simulation, with the metrics its models report to. */
export interface BuiltScenario {
  scenario: Scenario;
  sim: Simulation;
  requests: RequestMetrics;
  /** The width of the report's windows: slo.window, widened on a long run (reportingWindowUs). */
  windowUs: number;
  /** Store operations in Jepsen's shape; empty when the scenario has no store clients. */
  history: HistoryRecorder;
  /** Staleness probe tallies; none when the scenario has no staleness-probe workload. */
  probes: StalenessProbes;
  /** Every message of the run's brokers; no topics when the scenario has none. */
  deliveries: DeliveryLog;
  /** What the run's caches and databases saw; empty when the scenario has none. */
  caches: CacheLog;
  /** What the run's sharded stores saw; empty when the scenario has none. */
  shards: ShardLog;
  /** What the run's feed services saw; empty when the scenario has none. */
  feeds: FeedLog;
  /** What the run's chat system saw; empty when the scenario has none. */
  chats: ChatLog;
  components: { metrics: ComponentMetrics; nodeIds: NodeId[] }[];
  /** Node ids of workload (client) nodes, whose requests are the "client operations". */
  workloadNodeIds: NodeId[];
}

/** Components and workloads are typed by their registered model; here only the common keys matter. */
type Instance = { type: string; nodes: string } & Record<string, unknown>;

type LinkFields = {
  latency?: DistributionSpec;
  jitter?: number;
  loss?: number;
  duplicate?: number;
  reorder?: number;
  reorderDelay?: number;
  bandwidth?: number;
  fifo?: boolean;
};

/**
 * Builds the simulation a validated scenario describes. Nodes are added group
 * by group in file order, named `<group>-<i>`; the order fixes node ids and
 * so the run's random streams and trace.
 */
export interface BuildOptions {
  queue?: 'typed' | 'heap';
  /** The most operations the store history keeps (default MAX_HISTORY_OPERATIONS). */
  maxHistoryOperations?: number;
  /** Cache component name → where its request stream is copied (`--cache-trace`). */
  cacheTraceSinks?: ReadonlyMap<string, CacheTraceSink>;
}

export function buildScenario(scenario: Scenario, options: BuildOptions = {}): BuiltScenario {
  // A scenario validated elsewhere (another thread, a fleet worker) arrives without the schema having registered them.
  registerBuiltinModels();
  const { topology } = scenario;
  const network: NetworkConfig = {
    regionRtts: topology.rtt.between.map((b) => ({ between: b.regions, rttUs: b.rtt })),
  };
  if (topology.rtt.sameRegion) network.sameRegionRttUs = topology.rtt.sameRegion;
  if (topology.rtt.crossRegion) network.crossRegionRttUs = topology.rtt.crossRegion;
  if (topology.link) network.link = linkSpec(topology.link);
  const sim = new Simulation({ seed: scenario.seed, network, queue: options.queue });

  const windowUs = reportingWindowUs(scenario);
  const requests = new RequestMetrics({
    windowUs,
    durationUs: scenario.duration,
    availabilityThresholdUs: scenario.slo.availability.threshold,
    measureFromUs: scenario.warmup,
  });
  const windows = requests.windows.length;
  const diagram = scenario.outputs.messageDiagram;
  const history = new HistoryRecorder(
    sim,
    { atUs: diagram.at, beforeUs: diagram.before, afterUs: diagram.after },
    options.maxHistoryOperations,
  );
  const probes = new StalenessProbes();
  const deliveries = new DeliveryLog();
  const caches = new CacheLog(windowUs, windows, options.cacheTraceSinks);
  const shards = new ShardLog(windowUs, windows);
  const feeds = new FeedLog(windowUs, windows, scenario.warmup);
  const chats = new ChatLog(windowUs, windows, scenario.warmup);
  const sharedValues = new Map<string, unknown>();

  const nodeNames = new Map<string, string[]>();
  const regionNodes = new Map<string, string[]>(topology.regions.map((r) => [r, []]));
  for (const [group, spec] of Object.entries(topology.nodes)) {
    nodeNames.set(group, groupNodeNames(group, spec.count));
  }

  const instances = [
    ...Object.entries(scenario.components).map(([name, c]) => ({
      name,
      instance: c as Instance,
      role: 'component' as const,
    })),
    ...Object.entries(scenario.workloads).map(([name, w]) => ({
      name,
      instance: w as Instance,
      role: 'workload' as const,
    })),
  ];
  const byGroup = new Map(instances.map((i) => [i.instance.nodes, i]));
  const componentGroup = new Map(instances.map((i) => [i.name, i.instance.nodes]));
  const components: BuiltScenario['components'] = [];
  const metricsByName = new Map<string, ComponentMetrics>();
  const workloadNodeIds: NodeId[] = [];
  // Declared before any instance is built, since callers look them up while being built.
  const addresses = new Map<string, { name: string; holder: string }[]>();
  for (const { name, instance } of instances) {
    const { type, nodes: group, ...params } = instance;
    const declared = modelDefinition(type)!.addresses?.(params, { name, nodeNames: nodeNames.get(group)! }) ?? [];
    if (declared.length > 0) addresses.set(name, declared);
  }

  for (const [group, spec] of Object.entries(topology.nodes)) {
    const entry = byGroup.get(group)!;
    const { type, nodes: _group, ...params } = entry.instance;
    const model = modelDefinition(type)!;
    const names = nodeNames.get(group)!;
    let metrics: ComponentMetrics | null = null;
    const factory = model.instantiate(
      params,
      instanceContext(sim, {
        name: entry.name,
        nodeNames: names,
        nodesOf: (component) =>
          addresses.get(component)?.map((a) => a.name) ?? nodeNames.get(componentGroup.get(component)!)!,
        requests,
        history,
        probes,
        deliveries,
        caches,
        shards,
        feeds,
        chats,
        shared: <T>(key: string, build: () => T): T => {
          if (!sharedValues.has(key)) sharedValues.set(key, build());
          return sharedValues.get(key) as T;
        },
        paramsOf: (component) => {
          const { type: _type, nodes: _nodes, ...rest } = scenario.components[component] as Instance;
          return rest;
        },
        metricsOf: (component) => metricsByName.get(component),
        componentMetrics: (workersPerNode) =>
          (metrics ??= new ComponentMetrics(
            entry.name,
            type,
            names.length,
            workersPerNode,
            windowUs,
            windows,
            scenario.warmup,
          )),
      }),
    );
    const regions =
      spec.region === undefined ? [topology.regions[0]] : typeof spec.region === 'string' ? [spec.region] : spec.region;
    const ids = names.map((name, i) => {
      const region = regions[i % regions.length];
      regionNodes.get(region)!.push(name);
      return sim.addNode({
        name,
        region,
        group,
        process: factory(i),
        digestMessage: model.digestMessage,
        clock: { offsetUs: spec.clockOffset ?? 0, driftPpm: spec.clockDriftPpm ?? 0 },
      });
    });
    if (metrics !== null) {
      const m: ComponentMetrics = metrics;
      components.push({ metrics: m, nodeIds: ids });
      metricsByName.set(entry.name, m);
      const indexOf = new Map(ids.map((id, i) => [id, i]));
      sim.onCrash((id) => {
        const node = indexOf.get(id);
        if (node !== undefined) m.nodeLost(node, sim.nowUs);
      });
    }
    if (entry.role === 'workload') for (const id of ids) workloadNodeIds.push(id);
  }

  for (const declared of addresses.values()) for (const a of declared) sim.addAddress(a.name, sim.nodeId(a.holder));

  const expand = (selector: string | readonly string[]): string[] =>
    (typeof selector === 'string' ? [selector] : selector).flatMap((s) => regionNodes.get(s) ?? [s]);

  for (const link of topology.links) {
    const spec = linkSpec(link);
    for (const from of sim.resolve(expand(link.from))) {
      for (const to of sim.resolve(expand(link.to))) {
        if (from === to) continue;
        sim.network.setLink(from, to, spec);
        if (link.bothWays) sim.network.setLink(to, from, spec);
      }
    }
  }

  scheduleFaults(
    sim,
    scenario.faults.timeline.map((f): TimedFault => ({ atUs: f.at, action: faultAction(f, expand) })),
  );
  scenario.faults.random.forEach((p, i) => startFaultProcess(sim, faultProcess(p, i, expand)));

  return {
    scenario,
    sim,
    requests,
    windowUs,
    history,
    probes,
    deliveries,
    caches,
    shards,
    feeds,
    chats,
    components,
    workloadNodeIds,
  };
}

function linkSpec(link: LinkFields): LinkSpec {
  const spec: LinkSpec = {};
  if (link.latency !== undefined) spec.latencyUs = link.latency;
  if (link.jitter !== undefined) spec.jitterUs = link.jitter;
  if (link.loss !== undefined) spec.lossProbability = link.loss;
  if (link.duplicate !== undefined) spec.duplicateProbability = link.duplicate;
  if (link.reorder !== undefined) spec.reorderProbability = link.reorder;
  if (link.reorderDelay !== undefined) spec.reorderDelayUs = link.reorderDelay;
  if (link.bandwidth !== undefined) spec.bandwidthBitsPerSec = link.bandwidth;
  if (link.fifo !== undefined) spec.fifo = link.fifo;
  return spec;
}

type Expand = (selector: string | readonly string[]) => string[];

function faultAction(f: TimelineFault, expand: Expand): FaultAction {
  switch (f.action) {
    case 'crash':
    case 'pause':
      return { kind: f.action, nodes: expand(f.nodes), forUs: f.for };
    case 'restart':
    case 'resume':
      return { kind: f.action, nodes: expand(f.nodes) };
    case 'partition':
      return { kind: 'partition', shape: { type: 'groups', groups: f.sides.map(expand) }, forUs: f.for };
    case 'partition-majority':
      return { kind: 'partition', shape: { type: 'majority-minority', nodes: expand(f.nodes) }, forUs: f.for };
    case 'isolate':
      return {
        kind: 'partition',
        shape: { type: 'isolate', node: f.node, from: f.from && expand(f.from) },
        forUs: f.for,
      };
    case 'bridge':
      return {
        kind: 'partition',
        shape: { type: 'bridge', sideA: expand(f.sideA), bridge: f.bridge, sideB: expand(f.sideB) },
        forUs: f.for,
      };
    case 'partition-ring':
      return { kind: 'partition', shape: { type: 'ring', nodes: expand(f.nodes) }, forUs: f.for };
    case 'partition-one-way':
      return { kind: 'partition', shape: { type: 'one-way', from: expand(f.from), to: expand(f.to) }, forUs: f.for };
    case 'heal':
      return { kind: 'heal' };
    case 'clock-jump':
      return { kind: 'clock-jump', nodes: expand(f.nodes), deltaUs: f.by };
    case 'clock-drift':
      return { kind: 'clock-drift', nodes: expand(f.nodes), driftPpm: f.ppm };
    case 'degrade':
      return {
        kind: 'degrade',
        id: f.id,
        from: f.from && expand(f.from),
        to: f.to && expand(f.to),
        latencyFactor: f.latencyFactor,
        extraLatencyUs: f.extraLatency,
        lossProbability: f.loss,
        forUs: f.for,
      };
    case 'restore-links':
      return { kind: 'restore-links', id: f.id };
  }
}

function faultProcess(p: FaultProcess, index: number, expand: Expand) {
  const name = p.name ?? `${p.type}-${index + 1}`;
  return p.type === 'crash-restart'
    ? { kind: p.type, name, nodes: expand(p.nodes), mtbfUs: p.mtbf, mttrUs: p.mttr, startUs: p.start, endUs: p.end }
    : {
        kind: p.type,
        name,
        nodes: expand(p.nodes),
        meanIntervalUs: p.meanInterval,
        downUs: p.down,
        startUs: p.start,
        endUs: p.end,
      };
}
