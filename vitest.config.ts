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
    // Files in one worker share their imported modules: loading the program again for every file cost a third of
    // the suite. Tests keep no state between files (each makes its own simulations, folders and servers).
    isolate: false,
  },
});
