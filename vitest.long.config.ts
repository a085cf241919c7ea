import { defineConfig } from 'vitest/config';

/** `npm run test:long`: the long statistical runs, kept out of `npm test`; CI runs both. */
export default defineConfig({
  test: {
    include: ['test/long/**/*.test.ts'],
    testTimeout: 600_000,
    pool: 'forks',
  },
});
