import type { z } from 'zod';
import type { ProcessFactory } from '../engine/node-context.js';
import type { Simulation } from '../engine/simulation.js';
import type { ComponentMetrics } from './metrics/component-metrics.js';
import type { HistoryRecorder } from './metrics/history-recorder.js';
import type { RequestMetrics } from './metrics/request-metrics.js';

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
  /** Components these parameters name, with the parameter path, so the scenario check can report undefined ones; `type`: the model the component must be. */
  references?(params: z.output<S>): { path: (string | number)[]; component: string; type?: string }[];
  /**
   * Floating addresses (virtual IPs) its callers send to instead of its
   * nodes, each with the node that holds it first; its node names when
   * absent or empty.
   */
  addresses?(params: z.output<S>, instance: { name: string; nodeNames: readonly string[] }): { name: string; holder: string }[];
  /** Problems the schema cannot see because they depend on the topology, such as how many nodes run the instance. */
  check?(params: z.output<S>, instance: { nodeCount: number }): { path: (string | number)[]; message: string }[];
  instantiate(params: z.output<S>, ctx: InstanceContext): (nodeIndex: number) => ProcessFactory;
}

export interface InstanceContext {
  sim: Simulation;
  /** The component or workload name from the scenario. */
  name: string;
  nodeNames: readonly string[];
  /** Where callers of another component (e.g. a workload's target) send: its node names, or the floating addresses it declares. */
  nodesOf(component: string): readonly string[];
  requests: RequestMetrics;
  /** The run's history of store operations, for the consistency checkers. */
  history: HistoryRecorder;
  /** Another component's metrics (for control planes such as an autoscaler); read them when running, not when building. */
  metricsOf(component: string): ComponentMetrics | undefined;
  /** Registers this instance's utilization and queue metrics; `workersPerNode` is the utilization denominator (0: no workers, utilization not measured). */
  componentMetrics(workersPerNode: number): ComponentMetrics;
}

const models = new Map<string, ModelDefinition<any>>();

export function registerModel<S extends z.ZodObject>(definition: ModelDefinition<S>): void {
  if (models.has(definition.type)) throw new Error(`model type "${definition.type}" is already registered`);
  models.set(definition.type, definition);
}

export function modelDefinition(type: string): ModelDefinition | undefined {
  return models.get(type);
}

/** In registration order, so the schema and listings are stable. */
export function modelDefinitions(role?: ModelDefinition['role']): ModelDefinition[] {
  return [...models.values()].filter((m) => role === undefined || m.role === role);
}
