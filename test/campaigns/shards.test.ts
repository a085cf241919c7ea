import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseShard, shardFromEnvironment, shardRuns } from '../../campaigns/shards.js';
import { makePlan } from '../support/campaign-fixtures.js';

describe('parseShard', () => {
  it('reads i/n with i from 0', () => {
    expect(parseShard('0/4')).toEqual({ index: 0, count: 4 });
    expect(parseShard('3/4')).toEqual({ index: 3, count: 4 });
    expect(parseShard(' 2 / 8 ')).toEqual({ index: 2, count: 8 });
    expect(parseShard('0/1')).toEqual({ index: 0, count: 1 });
  });

  it('says what is wrong with anything else', () => {
    expect(parseShard('4/4')).toBe(
      '--shard 4/4: shard 4 of 4 does not exist; shards count from 0, so with 4 they are 0 to 3.',
    );
    expect(parseShard('0/0')).toBe('--shard 0/0: the number of shards is 0; it must be 1 or more.');
    for (const text of ['1', '1/', '/4', '-1/4', '1.5/4', 'a/b', '1/4/8', '0x1/4', ''])
      expect(parseShard(text)).toBe(
        `--shard ${text}: write the shard as i/n, whole numbers with i from 0 to n - 1, like --shard 0/4 for the first of 4.`,
      );
  });
});

describe('shardFromEnvironment', () => {
  it('is null when no job array variable is set', () => {
    expect(shardFromEnvironment({})).toBeNull();
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '', FAULTLINE_SHARD_COUNT: '4' })).toBeNull();
  });

  it("reads a Kubernetes Indexed Job's index with the count the manifest sets", () => {
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '2', FAULTLINE_SHARD_COUNT: '4' })).toEqual({
      index: 2,
      count: 4,
    });
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '2' })).toBe(
      "FAULTLINE_SHARD_COUNT is not set; in a Kubernetes Indexed Job it must hold the number of shards (the Job's completions), as the manifest from faultline sweep --emit k8s sets it; or give --shard i/n.",
    );
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: '4', FAULTLINE_SHARD_COUNT: '4' })).toBe(
      'JOB_COMPLETION_INDEX=4 with FAULTLINE_SHARD_COUNT=4: shard 4 of 4 does not exist; shards count from 0, so with 4 they are 0 to 3.',
    );
    expect(shardFromEnvironment({ JOB_COMPLETION_INDEX: 'two', FAULTLINE_SHARD_COUNT: '4' })).toBe(
      'JOB_COMPLETION_INDEX=two is not a whole number.',
    );
  });

  it("reads a Slurm array task's offset from the array's first task", () => {
    const slurm = (id: string, min: string, count?: string) => ({
      SLURM_ARRAY_TASK_ID: id,
      SLURM_ARRAY_TASK_MIN: min,
      ...(count === undefined ? {} : { SLURM_ARRAY_TASK_COUNT: count }),
    });
    expect(shardFromEnvironment(slurm('3', '0', '4'))).toEqual({ index: 3, count: 4 });
    expect(shardFromEnvironment(slurm('12', '10', '4'))).toEqual({ index: 2, count: 4 });
    expect(shardFromEnvironment(slurm('3', '0'))).toBe(
      'SLURM_ARRAY_TASK_COUNT is not set; Slurm sets it for array jobs (sbatch --array); or give --shard i/n.',
    );
    expect(shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_COUNT: '4' })).toMatch(
      /^SLURM_ARRAY_TASK_MIN is not set;/,
    );
    expect(shardFromEnvironment(slurm('12', '0', '4'))).toBe(
      'SLURM_ARRAY_TASK_ID=12, SLURM_ARRAY_TASK_MIN=0, SLURM_ARRAY_TASK_COUNT=4: shard 12 of 4 does not exist; shards count from 0, so with 4 they are 0 to 3. Use a contiguous array without a step, like --array=0-3.',
    );
    expect(shardFromEnvironment(slurm('1', '2', '4'))).toMatch(/the task id is below the array's first/);
  });
});

describe('shardRuns', () => {
  it('splits a campaign into slices that hold every run exactly once, each with a share of every configuration', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 16 }),
        (configurations, seeds, count) => {
          const plan = makePlan('split', configurations, seeds);
          const slices = Array.from({ length: count }, (_, index) => shardRuns(plan.runs, { index, count }));
          const all = slices.flat().map((run) => run.key);
          expect(all.length).toBe(plan.runs.length);
          expect(new Set(all)).toEqual(new Set(plan.runs.map((run) => run.key)));
          // Balanced: no slice has more than one run above another.
          const sizes = slices.map((slice) => slice.length);
          expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
          // With at least as many seeds as shards, every slice runs every configuration.
          if (seeds >= count)
            for (const slice of slices)
              expect(new Set(slice.map((run) => run.configuration)).size).toBe(configurations);
          // Deterministic, and in plan order.
          expect(shardRuns(plan.runs, { index: 0, count })).toEqual(slices[0]);
          for (const slice of slices)
            expect(slice.map((run) => run.index)).toEqual([...slice.map((run) => run.index)].sort((a, b) => a - b));
        },
      ),
    );
  });
});
