import { availableParallelism } from 'node:os';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, 'test/long/**'],
    testTimeout: 60_000,
    pool: 'forks',
    // Vitest leaves a core free by default; on a 2-core machine that halves the suite's speed.
    maxWorkers: availableParallelism(),
  },
});
