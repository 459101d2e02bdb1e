import { afterEach, onTestFailed } from 'vitest';
/**
 * Builds scenarios the way a user writes them and runs them through the compiled engine (dist/),
 * which is what `wsload run` executes: worker threads load dist/worker/worker.js.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateScenario } from '../../dist/scenario/load.js';
import { runScenario, type RunOptions } from '../../dist/driver/driver.js';
import type { Scenario } from '../../dist/run/scenario.js';
import type { Report } from '../../dist/run/report.js';

/** A validated scenario from its written form; throws with every issue if it is invalid. */
export function scenarioFrom(written: Record<string, unknown>): Scenario {
  const result = validateScenario({ name: 'test', ...written }, { cpus: 2 });
  if ('issues' in result) throw new Error(result.issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return result.scenario;
}

/** A fresh temp directory for report files. */
export function tempDir(prefix = 'wsload-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs a scenario quietly with a short tick; returns the report. */
export async function runQuietly(scenario: Scenario, opts: Partial<RunOptions> = {}): Promise<Report> {
  const { report } = await runScenario(scenario, { reportFile: null, tickMs: 200, ...opts });
  return report;
}

/** Registers an afterEach that closes every server handed to the returned function during a test. */
export function closeAfterEach(): <T extends { close(): Promise<void> }>(server: T) => T {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return (server) => {
    open.push(server);
    return server;
  };
}

/**
 * A run several tests read, made once by whichever of them comes first: each test then passes
 * alone (`-t`) and in any order (`--sequence.shuffle`), and the run is not repeated. The test that
 * makes it needs the time for it. A test that fails forgets the run: its retry in CI (and the next
 * test) makes a new one rather than reading again the run that may be what failed it.
 */
export function sharedRun<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | null = null;
  return () => {
    const run = (made ??= make());
    onTestFailed(() => {
      if (made === run) made = null;
    });
    return run;
  };
}
