import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { ScenarioError } from './scenario-error.js';

/** `<package root>/scenarios`, found from this file whether it runs from source or from dist/. */
export function bundledScenariosDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'faultline')
      return join(dir, 'scenarios');
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the faultline package root (package.json) above the CLI');
    dir = up;
  }
}

export interface BundledScenario {
  name: string;
  description: string;
  file: string;
}

/** Every bundled scenario, by name, with the first line of its description. */
export function listBundledScenarios(): BundledScenario[] {
  const dir = bundledScenariosDir();
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      const text = descriptionEntry(readFileSync(file, 'utf8'));
      const doc = parse(text) as { description?: unknown } | null;
      const description = typeof doc?.description === 'string' ? doc.description.trim().split('\n')[0] : '';
      return { name: f.slice(0, -'.yaml'.length), description, file };
    });
}

/**
 * The top-level `description:` entry alone, as YAML text: in a bundled file it
 * runs to the next line that starts at column 0 with anything but a comment.
 * Parsing it instead of the whole file keeps `faultline list` fast.
 */
function descriptionEntry(text: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => /^description\s*:/.test(line));
  if (start < 0) return '';
  let end = start + 1;
  while (end < lines.length && !/^[^\s#]/.test(lines[end])) end++;
  return lines.slice(start, end).join('\n');
}

/** A path to an existing file wins; otherwise a bundled scenario by name (with or without .yaml). */
export function resolveScenarioArgument(argument: string): string {
  if (existsSync(argument) && statSync(argument).isFile()) return argument;
  const name = argument.endsWith('.yaml') ? argument.slice(0, -'.yaml'.length) : argument;
  const bundled = join(bundledScenariosDir(), `${name}.yaml`);
  if (!name.includes('/') && existsSync(bundled)) return bundled;
  throw new ScenarioError([
    {
      file: argument,
      path: '',
      message: `no scenario file or bundled scenario named "${argument}"; run faultline list to see the bundled ones`,
    },
  ]);
}
