import type { z } from 'zod';
import type { ModelDefinition } from './model-contract.js';

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
