import type { z } from 'zod';
import type { ProcessFactory } from '../engine/node-context.js';
import type { Simulation } from '../engine/simulation.js';
import type { ComponentMetrics } from './metrics/component-metrics.js';
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
  /** Components these parameters name, with the parameter path, so the scenario check can report undefined ones. */
  references?(params: z.output<S>): { path: (string | number)[]; component: string }[];
  instantiate(params: z.output<S>, ctx: InstanceContext): (nodeIndex: number) => ProcessFactory;
}

export interface InstanceContext {
  sim: Simulation;
  /** The component or workload name from the scenario. */
  name: string;
  nodeNames: readonly string[];
  /** Node names of another component, e.g. a workload's target. */
  nodesOf(component: string): readonly string[];
  requests: RequestMetrics;
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
