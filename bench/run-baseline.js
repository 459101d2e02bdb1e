/**
 * Runs bench/baseline-client.js against a fresh target and returns what it measured, in the
 * same shape as run-wsload.js, so both become lines the same way.
 */
import { fileURLToPath } from 'node:url';
import { SATURATED_LAG_MAX_MS, SATURATED_LAG_P99_MS } from '../dist/report/build.js';
import { measureChild, stderrTail } from './measured-run.js';

const CLIENT = fileURLToPath(new URL('./baseline-client.js', import.meta.url));

/** Ids cycled by both tools' publishes, as in the demo (one per publish). */
export const PUBLISH_IDS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Drain time after the hold, as wsload's default delivery deadline. */
const DEADLINE_MS = 10_000;

/**
 * @typedef {object} LoadSpec
 * @property {string} run               label of the run ("rate-5", "large", …)
 * @property {number} sockets
 * @property {number} connectRate
 * @property {number} maxPending
 * @property {number} holdSeconds
 * @property {number} publishRate
 * @property {string[]} localAddresses
 * @property {number} [targetProcesses] the embedded target's processes (default 1)
 * @property {string} [targetHost] the loopback address the target listens on (default 127.0.0.1)
 */

/**
 * @typedef {object} Measure
 * @property {'wsload' | 'baseline'} tool
 * @property {string} run
 * @property {number} workers
 * @property {number} sockets
 * @property {number} publishRate
 * @property {number} opened
 * @property {number} failed
 * @property {number} rampMs
 * @property {number} holdStartT
 * @property {number} holdEndT
 * @property {number} held            sockets open at the end of the hold
 * @property {number} published     publish requests sent
 * @property {number} publishSkipped publishes due but not sent (the client fell behind its schedule)
 * @property {number} delivered
 * @property {number} lost
 * @property {number} fanoutP50Ms
 * @property {number} fanoutP99Ms
 * @property {number} lagMaxMs
 * @property {boolean} saturated
 * @property {import('./proc-stats.js').ProcSample[]} client
 * @property {import('./proc-stats.js').ProcSample[]} target
 */

/** Runs the baseline once. @param {LoadSpec} spec @param {{ root: string }} ctx @returns {Promise<Measure>} */
export async function runBaseline(spec, ctx) {
  const timeoutMs = (spec.sockets / spec.connectRate) * 1000 + spec.holdSeconds * 1000 + DEADLINE_MS + 60_000;
  const m = await measureChild({
    root: ctx.root,
    timeoutMs,
    targetProcesses: spec.targetProcesses,
    targetHost: spec.targetHost,
    args: (t) => [
      CLIENT,
      JSON.stringify({
        url: t.wsUrl,
        publishUrl: `${t.httpUrl}/api?id={id}&value={seq}`,
        sockets: spec.sockets,
        connectRate: spec.connectRate,
        maxPending: spec.maxPending,
        holdMs: spec.holdSeconds * 1000,
        publishRate: spec.publishRate,
        ids: PUBLISH_IDS,
        localAddresses: spec.localAddresses,
        deadlineMs: DEADLINE_MS,
      }),
    ],
  });
  const result = m.exit.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .find((o) => o.event === 'result');
  if (!result) {
    const why = m.exit.timedOut ? 'timed out' : `exited with ${m.exit.signal ?? `code ${m.exit.code}`}`;
    throw new Error(`baseline ${spec.run}: ${why} without a result: ${stderrTail(m.exit.stderr)}`);
  }
  return {
    tool: 'baseline',
    run: spec.run,
    workers: 1,
    sockets: spec.sockets,
    publishRate: spec.publishRate,
    opened: result.opened,
    failed: result.failed,
    rampMs: result.rampMs,
    holdStartT: result.holdStartT,
    holdEndT: result.holdEndT,
    held: result.openAtHoldEnd,
    published: result.published,
    publishSkipped: 0,
    delivered: result.delivered,
    lost: result.lost,
    fanoutP50Ms: result.fanoutP50Ms,
    fanoutP99Ms: result.fanoutP99Ms,
    lagMaxMs: result.eventLoopLagMs.max,
    // The same test wsload applies (report/build.ts): a lagging loop or a schedule it could not keep.
    saturated:
      result.eventLoopLagMs.p99 > SATURATED_LAG_P99_MS ||
      result.eventLoopLagMs.max > SATURATED_LAG_MAX_MS ||
      result.scheduleLagMaxMs > SATURATED_LAG_MAX_MS,
    client: m.client,
    target: m.target,
  };
}
