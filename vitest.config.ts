import { defineConfig } from 'vitest/config';

/**
 * Unit tests whose assertions are on timing (event-loop lag, timers firing, a time budget, a child
 * process started within a fixed wait): they run with the slow files, one at a time, so a
 * neighbouring test file cannot skew them.
 */
const TIMED_UNIT = [
  'test/unit/loop-lag.test.ts',
  'test/unit/tick-bus.test.ts',
  'test/unit/interval-blocks.test.ts',
  'test/unit/bench-scale.test.ts',
  // Stalls its own thread with busy-waits (2.5 s each) to stand for a stopped coordinator.
  'test/unit/coordinator-wait-stall.test.ts',
];

/**
 * The fault-injection preload (test/helpers/inject/faults.mjs): inert unless a test sets
 * WSLOAD_INJECT; client-health.test.ts stalls a worker thread of its in-process run with it.
 */
const INJECT_PRELOAD = new URL('./test/helpers/inject/faults.mjs', import.meta.url).pathname;

/** Lists the tests that passed only on their retry (test/reporters/flaky.ts). */
const FLAKY_REPORTER = new URL('./test/reporters/flaky.ts', import.meta.url).pathname;

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', FLAKY_REPORTER],
    projects: [
      {
        extends: true,
        test: {
          // Pure functions and in-memory modules: files in parallel, first (`npm run test:unit` alone).
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: TIMED_UNIT,
          fileParallelism: true,
          // Two cores report one worker by vitest's default (cores - 1); these files mostly wait on
          // imports, so more workers than cores still shortens the run.
          maxWorkers: 4,
          // Threads start faster than forks; without isolation a worker imports src/ once for all the
          // files it runs (none of them mocks a module or leaves global state behind: see docs/development.md).
          pool: 'threads',
          isolate: false,
          // Some of these start real servers on loopback too: in CI, the same one retry and FLAKY line as the serial files.
          retry: process.env.CI ? 1 : 0,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          // Load tests share two cores with their targets, gateways and browsers: one file at a time,
          // so latency and lag assertions are not skewed by a neighbouring file; after the unit files.
          name: 'serial',
          include: ['test/cli/**/*.test.ts', 'test/integration/**/*.test.ts', ...TIMED_UNIT],
          fileParallelism: false,
          execArgv: ['--import', INJECT_PRELOAD],
          // In CI a failed load test runs once more and, if it passes, is named FLAKY at the end of the
          // log (test/reporters/flaky.ts); locally a failure is a failure, so races are seen first.
          retry: process.env.CI ? 1 : 0,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
