import { defineConfig } from 'vitest/config';

/** Experiments that measure rates over many runs (test/experiments): minutes each, not part of `npm test`. */
export default defineConfig({
  test: {
    include: ['test/experiments/**/*.experiment.ts'],
    fileParallelism: false,
    testTimeout: 3_600_000,
  },
});
