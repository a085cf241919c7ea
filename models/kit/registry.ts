import type { z } from 'zod';
import type { ModelDefinition } from './model-contract.js';

/**
 * The model types, in the order the scenario format lists them. A type may be
 * known (its name and role) before its code is loaded, so that the format can
 * list every type while a program loads only the models its scenario names.
 */
const models = new Map<string, { role: ModelDefinition['role']; definition?: ModelDefinition<any> }>();
let onDemand = false;

export function registerModel<S extends z.ZodObject>(definition: ModelDefinition<S>): void {
  const known = models.get(definition.type);
  if (known?.definition !== undefined) throw new Error(`model type "${definition.type}" is already registered`);
  if (known !== undefined && known.role !== definition.role)
    throw new Error(
      `model type "${definition.type}" was announced as a ${known.role}, but its definition is a ${definition.role}`,
    );
  models.set(definition.type, { role: definition.role, definition });
}

/** A model type whose definition is registered when its code is loaded; until then the scenario format knows its name. */
export function announceModel(type: string, role: ModelDefinition['role']): void {
  if (!models.has(type)) models.set(type, { role });
}

/** Undefined for an unknown type; a type announced but not loaded yet is a bug in the caller, which loads first. */
export function modelDefinition(type: string): ModelDefinition | undefined {
  const known = models.get(type);
  if (known !== undefined && known.definition === undefined)
    throw new Error(`model type "${type}" is not loaded yet: load the models a scenario names before using them`);
  return known?.definition;
}

/** The registered definitions, in registration order, so the schema and listings are stable. */
export function modelDefinitions(role?: ModelDefinition['role']): ModelDefinition[] {
  return modelTypes(role).flatMap((m) => (m.definition === undefined ? [] : [m.definition]));
}

/** Every known type in order, with its definition once it is loaded. */
export function modelTypes(role?: ModelDefinition['role']): { type: string; definition?: ModelDefinition }[] {
  return [...models]
    .filter(([, m]) => role === undefined || m.role === role)
    .map(([type, m]) => ({ type, definition: m.definition }));
}

/** The types among `types` announced but not loaded yet. */
export function modelsNotLoaded(types: Iterable<unknown>): string[] {
  return [...new Set(types)].filter(
    (type): type is string =>
      typeof type === 'string' && models.has(type) && models.get(type)!.definition === undefined,
  );
}

/**
 * Asks that the bundled models be loaded only as scenarios name them, not all
 * when they are first imported: for a program that runs one scenario and wants
 * a fast start (the CLI). Call it before anything imports them.
 */
export function loadModelsOnDemand(): void {
  onDemand = true;
}

export function modelsLoadOnDemand(): boolean {
  return onDemand;
}
