/**
 * loadScenario in a short-lived worker thread: the same file reading, validation and errors, but
 * zod and the scenario schema (~17 MB of RSS over the rest of a run, issue 22) live in an isolate
 * that is torn down once the plain Scenario has come back, instead of on the main thread for the
 * whole run (an ES module is never unloaded). The Scenario is plain data (the workers get it by
 * structured clone too), so nothing is lost on the way back.
 */
import { Worker } from 'node:worker_threads';
import { InternalError, ScenarioError, WsloadError, type ExitCode, type Issue } from '../errors.js';
import type { Scenario } from '../run/scenario.js';
import type { LoadOptions } from '../run/run-options.js';

const LOAD_WORKER = new URL('./load-worker.js', import.meta.url);

/** What the loading thread posts back: the Scenario, or the error as plain fields to rebuild. */
export type LoadThreadAnswer =
  | { ok: true; scenario: Scenario }
  | { ok: false; kind: 'scenario'; issues: Issue[]; file: string | undefined }
  | { ok: false; kind: 'wsload'; message: string; code: string; exitCode: ExitCode }
  | { ok: false; kind: 'other'; message: string; stack: string | undefined };

/** What the loading thread is given. */
export interface LoadThreadRequest {
  file: string;
  opts: LoadOptions;
}

/** Loads and validates a scenario file off the main thread; throws exactly what loadScenario throws. */
export async function loadScenarioInThread(file: string, opts: LoadOptions = {}): Promise<Scenario> {
  const request: LoadThreadRequest = { file, opts };
  // A small young generation: validation's garbage is a few MB, and the pages go with the thread anyway.
  const worker = new Worker(LOAD_WORKER, { workerData: request, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
  const answer = await new Promise<LoadThreadAnswer>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new InternalError(`the scenario-loading thread exited (code ${code}) without an answer`)));
  });
  await worker.terminate();
  if (answer.ok) return answer.scenario;
  if (answer.kind === 'scenario') throw new ScenarioError(answer.issues, answer.file);
  if (answer.kind === 'wsload') throw new WsloadError(answer.message, answer.code, answer.exitCode);
  const err = new Error(answer.message);
  if (answer.stack !== undefined) err.stack = answer.stack;
  throw err;
}
