import type { z } from 'zod';
import type { NodeId, RandomStream, TimeUs } from '../../engine/index.js';
import type { ComponentMetrics } from '../measure/component-metrics.js';
import type { CacheLog } from '../measure/cache-log.js';
import type { ChatLog } from '../measure/chat-log.js';
import type { DeliveryLog } from '../measure/delivery-log.js';
import type { FeedLog } from '../measure/feed-log.js';
import type { HistoryRecorder } from '../measure/history-recorder.js';
import type { RequestMetrics } from '../measure/request-metrics.js';
import type { ShardLog } from '../measure/shard-log.js';
import type { StalenessProbes } from '../measure/staleness-probes.js';
import type { InspectableProcessFactory } from './inspect-contract.js';

/** One component or workload of a scenario as written, for `ModelDefinition.checkAmong`. */
export interface ScenarioInstance {
  name: string;
  section: 'components' | 'workloads';
  type: unknown;
  params: Readonly<Record<string, unknown>>;
}

/** A component named by a model's parameters (see `ModelDefinition.references`). */
export interface ComponentReference {
  path: (string | number)[];
  component: string;
  type?: string | readonly string[];
  name?: string;
  fits?(componentParams: unknown): { path: (string | number)[]; message: string }[];
}

/**
 * A model as scenario files see it: a `type` name, a strict parameter schema
 * (every knob named, typed, defaulted and described there), and how to turn
 * parsed parameters into one process per node. The scenario format is built
 * from whatever is registered, so a new model needs no change elsewhere.
 */
export interface ModelDefinition<S extends z.ZodObject = z.ZodObject> {
  type: string;
  /** Components serve requests; workloads send them. */
  role: 'component' | 'workload';
  /** One line for `faultline list` and the JSON Schema. */
  description: string;
  params: S;
  /**
   * Components these parameters name, with the parameter path, so the
   * scenario check can report undefined ones; `type`: the model the component
   * must be; `name`: a name the component must hold (see `names`); `fits`:
   * problems with these parameters given the component's own parsed
   * parameters (a read needing more replicas than the store keeps), with
   * paths in these parameters.
   */
  references?(params: z.output<S>): ComponentReference[];
  /** The names other instances may look up in it (a DNS server's records), checked against references' `name`. */
  names?(params: z.output<S>): readonly string[];
  /**
   * Floating addresses (virtual IPs) its callers send to instead of its
   * nodes, each with the node that holds it first; its node names when
   * absent or empty.
   */
  addresses?(
    params: z.output<S>,
    instance: { name: string; nodeNames: readonly string[] },
  ): { name: string; holder: string }[];
  /** Problems the schema cannot see because they depend on the topology, such as how many nodes run the instance. */
  check?(params: z.output<S>, instance: { nodeCount: number }): { path: (string | number)[]; message: string }[];
  /**
   * Problems with this instance given the scenario's other ones, for rules
   * that span instances (a chat directory that no chat workload uses), with
   * paths in this instance. `instances` is every component and workload in
   * file order, this one included, with its parameters as written.
   */
  checkAmong?(
    params: z.output<S>,
    self: string,
    instances: readonly ScenarioInstance[],
  ): { path: (string | number)[]; message: string }[];
  /** One process factory per node; every process describes its state through `inspect()` (see inspect-contract.ts). */
  instantiate(params: z.output<S>, ctx: InstanceContext): (nodeIndex: number) => InspectableProcessFactory;
  /**
   * A 32-bit digest of a message this model's nodes receive, folded into the
   * run's trace hash at each delivery. Optional: without it the engine's
   * `digestPayload` walks the message's fields, which suits plain message
   * objects; supply one when messages carry large or shared structures, and
   * make different contents give different digests.
   */
  digestMessage?(message: unknown): number;
}

export interface InstanceContext {
  /** The component or workload name from the scenario. */
  name: string;
  nodeNames: readonly string[];
  /** Where callers of another component (e.g. a workload's target) send: its node names, or the floating addresses it declares. */
  nodesOf(component: string): readonly string[];
  requests: RequestMetrics;
  /** The run's history of store operations, for the consistency checkers. */
  history: HistoryRecorder;
  /** The run's staleness probes: stores report commit and read-start moments into it, probe workloads their tallies. */
  probes: StalenessProbes;
  /** The run's record of every message producers made and brokers and consumers handled, for the delivery checker. */
  deliveries: DeliveryLog;
  /** The run's record of what its caches and databases saw, for the report's cache section. */
  caches: CacheLog;
  /** The run's record of its sharded stores: load per shard, key spread, migrations. */
  shards: ShardLog;
  /** The run's record of its feed services: fan-out writes, fetches, visibility delays, timelines. */
  feeds: FeedLog;
  /** The run's record of its chat system: deliveries, ordering, connections, presence, protocol load. */
  chats: ChatLog;
  /**
   * A value built once per run and shared by every instance that asks for it
   * under `key` (a social graph that a feed service and its workload both
   * read): the first caller's `build` makes it. Build it only from the
   * scenario's parameters and `stream`, so it is the same whoever asks first.
   */
  shared<T>(key: string, build: () => T): T;
  /** The run's random stream for (component path, purpose), as nodes get theirs: for what is built before the run starts. */
  stream(componentPath: string, purpose: string): RandomStream;
  /**
   * Another component's parsed parameters (without `type` and `nodes`), for
   * callers that must agree with it on something static, as a client library
   * shares a cluster's configuration (how a sharded store places keys).
   */
  paramsOf(component: string): Readonly<Record<string, unknown>>;
  /** Another component's metrics (for control planes such as an autoscaler); read them when running, not when building. */
  metricsOf(component: string): ComponentMetrics | undefined;
  /** Registers this instance's utilization and queue metrics; `workersPerNode` is the utilization denominator (0: no workers, utilization not measured). */
  componentMetrics(workersPerNode: number): ComponentMetrics;
  /** The id of a node or floating address by name. Call it when running (from a process), not when building: later groups do not exist yet. */
  nodeId(name: string): NodeId;
  /** The region of a node by name; likewise only when running. */
  regionOf(name: string): string;
  /** The mean round trip between two nodes' regions from the topology's RTTs (what a latency-based router plans with); likewise only when running. */
  rttUs(a: NodeId, b: NodeId): number;
  /** Calls `listener` whenever any node crashes, after its process is discarded: for measuring what a crash interrupts. */
  onCrash(listener: (node: NodeId, atUs: TimeUs) => void): void;
  /** Starting and stopping other nodes, for control planes such as an autoscaler. */
  control: NodeControl;
}

/**
 * The control-plane actions a model may take on other nodes: the narrow
 * interface an autoscaler needs, instead of the whole simulation. Stopping a
 * node is a crash (its volatile state is lost); starting one restarts it from
 * its durable state. Both are logged in the run's fault timeline with the
 * reason given.
 */
export interface NodeControl {
  isUp(node: NodeId): boolean;
  start(node: NodeId, reason: string): void;
  stop(node: NodeId, reason: string): void;
}
