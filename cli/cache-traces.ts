import { resolve } from 'node:path';
import type { CacheTraceSink } from '../models/measure/cache-log.js';
import type { Scenario } from '../scenarios/harness/scenario-schema.js';
import { CacheTraceFile } from './cache-trace-file.js';
import { UsageError } from './exit-codes.js';
import { traceFileFor } from './trace-file.js';

/** Component types whose lookups reach CacheLog's trace sinks: the caches and CDN tiers. */
export const CACHE_COMPONENT_TYPES: readonly string[] = ['cache', 'cdn-tier'];

/** One `--cache-trace <component>=<file>`. */
export interface CacheTraceRequest {
  component: string;
  path: string;
}

/** A cache trace written: where, whose, how many requests. */
export interface WrittenCacheTrace {
  path: string;
  component: string;
  requests: number;
}

/** `--cache-trace` values as component and file, refusing a malformed value or a component given twice. */
export function parseCacheTraceOptions(values: readonly string[]): CacheTraceRequest[] {
  const requests: CacheTraceRequest[] = [];
  for (const value of values) {
    const at = value.indexOf('=');
    const component = at < 0 ? '' : value.slice(0, at).trim();
    const path = at < 0 ? '' : value.slice(at + 1).trim();
    if (component === '' || path === '')
      throw new UsageError(
        `--cache-trace ${value}: give a cache component and a file, like --cache-trace app-cache=trace.bin`,
      );
    if (requests.some((r) => r.component === component))
      throw new UsageError(`--cache-trace: ${component} is given twice; give each cache once`);
    requests.push({ component, path });
  }
  return requests;
}

/**
 * The cache traces of a `run`, one file per traced component and per run:
 * with several runs (variants) each file name gets the run's name before its
 * extension, as --trace does (`trace.bin` → `trace-<variant>.bin`). Every file is
 * opened before anything is simulated, so an unknown component, a component
 * that is not a cache, or a place that cannot be written is refused at once;
 * the files are written only when every run has completed (`finish`).
 */
export class CacheTraces {
  readonly written: WrittenCacheTrace[] = [];

  private constructor(
    private readonly requests: readonly CacheTraceRequest[],
    private readonly files: CacheTraceFile[][],
  ) {}

  /** Checks `requests` against every run's scenario and opens their files; `runs` are named only when there are several. */
  static open(
    requests: readonly CacheTraceRequest[],
    runs: readonly { name: string; scenario: Scenario }[],
  ): CacheTraces {
    for (const run of runs) for (const request of requests) checkIsCache(request.component, run);
    const paths = new Map<string, string>();
    const opened: CacheTraceFile[][] = [];
    try {
      for (const run of runs) {
        const files: CacheTraceFile[] = [];
        opened.push(files);
        for (const { component, path } of requests) {
          const file = traceFileFor(path, runs.length > 1 ? run.name : undefined);
          const other = paths.get(resolve(file));
          if (other !== undefined)
            throw new UsageError(
              `--cache-trace: ${other} and ${component} would both write ${file}; give each its own file`,
            );
          paths.set(resolve(file), component);
          files.push(new CacheTraceFile(file, `--cache-trace ${component}`));
        }
      }
    } catch (error) {
      for (const file of opened.flat()) file.abandon();
      throw error;
    }
    return new CacheTraces(requests, opened);
  }

  /** Component → where its lookups go, for run `run` (its index among the runs). */
  sinksFor(run: number): ReadonlyMap<string, CacheTraceSink> {
    return new Map(this.requests.map((r, i) => [r.component, this.files[run][i]]));
  }

  /** Every run completed: the files are written (the backward pass that fills the next accesses). */
  finish(): void {
    try {
      for (const files of this.files)
        files.forEach((file, i) => {
          file.finish();
          this.written.push({ path: file.path, component: this.requests[i].component, requests: file.requests });
        });
    } catch (error) {
      this.abandon();
      throw error;
    }
  }

  /** The command failed or was interrupted: nothing more is written. */
  abandon(): void {
    for (const file of this.files.flat()) file.abandon();
  }
}

function checkIsCache(component: string, run: { name: string; scenario: Scenario }): void {
  const where = `--cache-trace ${component}`;
  const typeOf = (instance: unknown) => String((instance as { type: unknown }).type);
  const { components, workloads } = run.scenario;
  const caches = Object.entries(components)
    .filter(([, c]) => CACHE_COMPONENT_TYPES.includes(typeOf(c)))
    .map(([name]) => name);
  const choose =
    caches.length === 0
      ? `${run.scenario.name} has no cache component (of type ${CACHE_COMPONENT_TYPES.join(' or ')})`
      : `its caches: ${caches.join(', ')}`;
  const instance = components[component] ?? workloads[component];
  if (instance === undefined)
    throw new UsageError(`${where}: ${run.scenario.name} has no component ${component}; ${choose}`);
  if (!CACHE_COMPONENT_TYPES.includes(typeOf(instance)))
    throw new UsageError(
      `${where}: ${component} is a ${typeOf(instance)}${component in workloads ? ' workload' : ''}, not a cache; ${choose}`,
    );
}
