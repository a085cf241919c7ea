import type { PlannedRun } from './campaign-types.js';

/** The i-th of n slices of a campaign, i from 0. */
export interface Shard {
  index: number;
  count: number;
}

const WHOLE = /^\d+$/;

/** A whole number in decimal digits, or undefined. */
function whole(text: string): number | undefined {
  const n = Number(text);
  return WHOLE.test(text) && Number.isSafeInteger(n) ? n : undefined;
}

/** Index and count checked together; `where` says where they came from. */
function shardOf(index: number, count: number, where: string): Shard | string {
  if (count < 1) return `${where}: the number of shards is ${count}; it must be 1 or more.`;
  if (index >= count)
    return `${where}: shard ${index} of ${count} does not exist; shards count from 0, so with ${count} they are 0 to ${count - 1}.`;
  return { index, count };
}

/** `--shard i/n`: the i-th of n slices, i from 0; a message for a person when the text is not one. */
export function parseShard(text: string): Shard | string {
  const match = /^\s*(\S+?)\s*\/\s*(\S+?)\s*$/.exec(text);
  const index = match === null ? undefined : whole(match[1]);
  const count = match === null ? undefined : whole(match[2]);
  if (index === undefined || count === undefined)
    return `--shard ${text}: write the shard as i/n, whole numbers with i from 0 to n - 1, like --shard 0/4 for the first of 4.`;
  return shardOf(index, count, `--shard ${text}`);
}

/** An environment variable's value, or undefined when it is unset or empty. */
function variable(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** Each named variable as a whole number, or a message naming the first that is missing or not one. */
function wholeVariables(env: Record<string, string | undefined>, names: string[], missing: string): number[] | string {
  const values: number[] = [];
  for (const name of names) {
    const text = variable(env, name);
    if (text === undefined) return `${name} is not set; ${missing}`;
    const n = whole(text);
    if (n === undefined) return `${name}=${text} is not a whole number.`;
    values.push(n);
  }
  return values;
}

/**
 * The shard a cluster's job array gives this process: a Kubernetes Indexed
 * Job's `JOB_COMPLETION_INDEX` with `FAULTLINE_SHARD_COUNT` (set by the
 * manifest faultline emits), or a Slurm array task's `SLURM_ARRAY_TASK_ID` −
 * `SLURM_ARRAY_TASK_MIN` of `SLURM_ARRAY_TASK_COUNT`. Null when neither is
 * set; a message for a person when they are incomplete or inconsistent.
 */
export function shardFromEnvironment(env: Record<string, string | undefined>): Shard | string | null {
  if (variable(env, 'JOB_COMPLETION_INDEX') !== undefined) {
    const values = wholeVariables(
      env,
      ['JOB_COMPLETION_INDEX', 'FAULTLINE_SHARD_COUNT'],
      "in a Kubernetes Indexed Job it must hold the number of shards (the Job's completions), as the manifest from faultline sweep --emit k8s sets it; or give --shard i/n.",
    );
    if (typeof values === 'string') return values;
    const [index, count] = values;
    return shardOf(index, count, `JOB_COMPLETION_INDEX=${index} with FAULTLINE_SHARD_COUNT=${count}`);
  }
  if (variable(env, 'SLURM_ARRAY_TASK_ID') !== undefined) {
    const values = wholeVariables(
      env,
      ['SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_MIN', 'SLURM_ARRAY_TASK_COUNT'],
      'Slurm sets it for array jobs (sbatch --array); or give --shard i/n.',
    );
    if (typeof values === 'string') return values;
    const [id, min, count] = values;
    const where = `SLURM_ARRAY_TASK_ID=${id}, SLURM_ARRAY_TASK_MIN=${min}, SLURM_ARRAY_TASK_COUNT=${count}`;
    if (id < min) return `${where}: the task id is below the array's first; is the environment from another job?`;
    const shard = shardOf(id - min, count, where);
    return typeof shard === 'string'
      ? `${shard} Use a contiguous array without a step, like --array=0-${count - 1}.`
      : shard;
  }
  return null;
}

/**
 * The runs of one shard: those whose plan index is the shard's index modulo
 * the count. Every shard gets its share of every configuration, and the n
 * shards together hold every run exactly once.
 */
export function shardRuns(runs: readonly PlannedRun[], shard: Shard): PlannedRun[] {
  return runs.filter((run) => run.index % shard.count === shard.index);
}
