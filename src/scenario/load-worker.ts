/**
 * Entry of the scenario-loading thread (load-thread.ts): loads one scenario file and posts the
 * Scenario, or the error as plain fields (an Error's class does not survive structured clone).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ScenarioError, WsloadError } from '../errors.js';
import { loadScenario } from './load.js';
import type { LoadThreadAnswer, LoadThreadRequest } from './load-thread.js';

async function answer(request: LoadThreadRequest): Promise<LoadThreadAnswer> {
  try {
    return { ok: true, scenario: await loadScenario(request.file, request.opts) };
  } catch (err) {
    if (err instanceof ScenarioError) return { ok: false, kind: 'scenario', issues: err.issues, file: err.file };
    if (err instanceof WsloadError) return { ok: false, kind: 'wsload', message: err.message, code: err.code, exitCode: err.exitCode };
    const e = err instanceof Error ? err : new Error(String(err));
    return { ok: false, kind: 'other', message: e.message, stack: e.stack };
  }
}

parentPort?.postMessage(await answer(workerData as LoadThreadRequest));
