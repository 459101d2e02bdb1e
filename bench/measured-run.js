/**
 * One measured run: a fresh built-in target in its own process, one load process against it,
 * and /proc samples of both for the whole run. The target is stopped whatever happens.
 */
import { startEmbeddedTarget } from '../dist/target/embedded.js';
import { startNode } from './child.js';
import { startSampler } from './proc-stats.js';

/**
 * @typedef {import('./proc-stats.js').ProcSample} ProcSample
 * @typedef {{ wsUrl: string, httpUrl: string, pid: number }} TargetInfo
 * @typedef {object} MeasuredChild
 * @property {number} startT         wall time the load process was started
 * @property {{ code: number | null, signal: string | null, stdout: string, stderr: string, timedOut: boolean }} exit
 * @property {ProcSample[]} client   samples of the load process
 * @property {ProcSample[]} target   samples of the target process
 * @property {TargetInfo} targetInfo
 */

/**
 * Starts a target, then `node <args(target)>` with cwd `root`, samples both every 250 ms, and
 * calls `during(target, startT)` (its returned stop function runs when the load process exits).
 * `targetProcesses`: the target on that many processes sharing its port (default 1); `targetHost`:
 * the loopback address it listens on (default 127.0.0.1); `targetDeflate`: it accepts permessage-deflate;
 * `env`: variables added to the load process's environment (not the target's).
 * @param {{ root: string, args: (t: TargetInfo) => string[], env?: Record<string, string>, timeoutMs: number, targetProcesses?: number, targetHost?: string, targetDeflate?: boolean, during?: (t: TargetInfo, startT: number) => (() => void) }} spec
 * @returns {Promise<MeasuredChild>}
 */
export async function measureChild(spec) {
  const target = await startEmbeddedTarget({
    host: spec.targetHost ?? '127.0.0.1',
    processes: spec.targetProcesses ?? 1,
    perMessageDeflate: spec.targetDeflate === true,
  });
  const info = { wsUrl: target.wsUrl, httpUrl: target.httpUrl, pid: target.pid };
  try {
    const startT = Date.now();
    const child = startNode(spec.args(info), { cwd: spec.root, env: spec.env, timeoutMs: spec.timeoutMs });
    const sampler = startSampler([child.pid, target.pid], 250, [child.pid]);
    const stopDuring = spec.during ? spec.during(info, startT) : () => {};
    let exit;
    try {
      exit = await child.done;
    } finally {
      stopDuring();
      sampler.stop();
    }
    const targetEnded = target.exitReason();
    if (targetEnded) exit.stderr += `\n${targetEnded}`;
    return {
      startT,
      exit,
      client: sampler.samples.get(child.pid) ?? [],
      target: sampler.samples.get(target.pid) ?? [],
      targetInfo: info,
    };
  } finally {
    await target.stop();
  }
}

/** The last non-empty lines of a child's stderr, for an error message. */
export function stderrTail(text, lines = 5) {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .slice(-lines)
    .join(' | ');
}
