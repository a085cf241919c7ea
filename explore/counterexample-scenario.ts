import { dirname, relative, sep } from 'node:path';
import { Document } from 'yaml';
import type { TimelineEntry } from './fault-schedule.js';

/** The scenario search writes, and runs for every schedule it tries: the original with only these faults. */
export interface CounterexampleSpec {
  /** The original scenario file (a bundled name already resolved to its file). */
  original: string;
  /** Where this file is (to be) written: `extends` is relative to it. */
  file: string;
  name: string;
  /** Comment lines at the top: how it was found, how to run it. */
  header: readonly string[];
  description: string;
  /** `--seed`, carried as the file's seed (variants share the seed, so it cannot go in one). */
  seed?: number;
  /**
   * `--duration` (as `duration`) and every `--set` (path as written → value), in command-line order: they go into
   * the variant's `set`, ahead of the variant's own, which is how the loader applies them.
   */
  carried: Record<string, unknown>;
  /** The searched variant's entry as the original declares it; null without variants. */
  variant: { name: string; description?: string; set?: Record<string, unknown> } | null;
  /** Given when the original names an output folder, so a re-run does not write over the original's. */
  outputsDir?: string;
  schedule: readonly TimelineEntry[];
}

/** The variant a scenario without variants gets in the written file when options must be carried. */
export const SEARCHED_VARIANT = 'searched';

/**
 * The scenario as YAML text: `extends` the original by a relative path, replaces the fault timeline and clears
 * random fault processes (lists replace, mappings merge), keeps only the searched variant, and carries --seed,
 * --duration and --set. Those two go in the variant's `set`, since a `set` replaces at a path as `--set` does and
 * times a shortened run cuts off are then warnings, as with `--duration`; a scenario without variants gets one,
 * named `searched`, when there is something to carry.
 */
export function counterexampleText(spec: CounterexampleSpec): string {
  let base = relative(dirname(spec.file), spec.original).split(sep).join('/');
  if (!base.startsWith('.')) base = `./${base}`;
  const root: Record<string, unknown> = { extends: base, name: spec.name, description: spec.description };
  if (spec.seed !== undefined) root.seed = spec.seed;
  if (spec.outputsDir !== undefined) root.outputs = { dir: spec.outputsDir };
  root.faults = { timeline: spec.schedule.map((entry) => ({ ...entry })), random: [] };
  const carried = Object.keys(spec.carried).length > 0;
  if (spec.variant !== null || carried) {
    const { name, description, set = {} } = spec.variant ?? { name: SEARCHED_VARIANT };
    const merged = { ...spec.carried, ...set };
    root.variants = [
      {
        name,
        ...(description === undefined ? {} : { description }),
        ...(Object.keys(merged).length === 0 ? {} : { set: merged }),
      },
    ];
  }
  const document = new Document(root);
  for (const item of (document.getIn(['faults', 'timeline']) as { items: { flow: boolean }[] }).items) item.flow = true;
  document.commentBefore = spec.header.map((line) => ` ${line}`).join('\n');
  return document.toString({ lineWidth: 0 });
}
