/**
 * `npm run bench`: wsload against a minimal single-thread `ws` client (bench/baseline-client.js)
 * doing the same work, each against a fresh built-in target process. Prints one JSON line per
 * measured run on stdout, then a summary line with the ratios wsload/baseline against issue 2's
 * targets; progress notes go to stderr. Settings: BENCH_* variables (bench/config.js, README.md).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readBenchConfig } from './config.js';
import { killRunningChildren } from './child.js';
import { clockTicksPerSecond, timeWaitSockets } from './proc-stats.js';
import { runBaseline } from './run-baseline.js';
import { runWsload } from './run-wsload.js';
import { runLine, soakLine, summaryLine } from './lines.js';
import { compareRepeat } from './compare-repeat.js';
import { targetRuns } from './target-run.js';
import { runScale } from './run-scale.js';
import { ratioRuns } from './ratios.js';
import { protocolRuns } from './protocols.js';
import { deflateRuns } from './deflate.js';
import { runSoakMemory, soakMemoryConfig } from './soak-memory.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const print = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const note = (text) => process.stderr.write(`bench: ${text}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Sockets closed by one run linger in TIME_WAIT and teardown still burns CPU: let them settle.
const PAUSE_BETWEEN_RUNS_MS = 3000;
// Ports held in TIME_WAIT by the previous run slow a bound (localAddresses) port search sharply,
// which would charge one tool for the other's leftovers; the kernel frees them after 60 s.
const TIME_WAIT_QUIET = 1000;
const TIME_WAIT_MAX_WAIT_MS = 70_000;

/** Waits (bounded) until few sockets are in TIME_WAIT; returns how many were left. */
async function waitForTimeWait(note) {
  const limit = Date.now() + TIME_WAIT_MAX_WAIT_MS;
  let tw = timeWaitSockets();
  if (tw !== null && tw >= TIME_WAIT_QUIET)
    note(`waiting for ${tw} sockets in TIME_WAIT to expire (at most ${TIME_WAIT_MAX_WAIT_MS / 1000} s)`);
  while (tw !== null && tw >= TIME_WAIT_QUIET && Date.now() < limit) {
    await sleep(2000);
    tw = timeWaitSockets();
  }
  return tw;
}

async function main() {
  let cfg;
  try {
    cfg = readBenchConfig();
  } catch (err) {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
    return;
  }
  const tmpDir = mkdtempSync(join(tmpdir(), 'wsload-bench-'));
  const ctx = { root, tmpDir };
  const ticks = clockTicksPerSecond();
  const onSignal = (sig) => {
    // Only the load processes this benchmark started; the targets end with their IPC channel.
    killRunningChildren();
    rmSync(tmpDir, { recursive: true, force: true });
    process.stderr.write(`bench: ${sig}, stopped\n`);
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const common = { connectRate: cfg.connectRate, maxPending: cfg.maxPending, holdSeconds: cfg.holdSeconds, localAddresses: [] };
  const lines = [];
  let first = true;
  const measure = async (label, fn) => {
    if (!first) await sleep(PAUSE_BETWEEN_RUNS_MS);
    first = false;
    // Every run, not only the large ones: thousands of ports left in TIME_WAIT by the previous
    // run slow the kernel's port search for the next one (measured: wsload's ramp 3.6 s after the
    // baseline's run against 2.9 s on a clean machine), charging one tool for the other's leftovers.
    await waitForTimeWait(note);
    note(`${label} …`);
    const started = Date.now();
    try {
      const line = await fn();
      note(`${label} done in ${Math.round((Date.now() - started) / 1000)} s`);
      print(line);
      return line;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      note(`${label} failed: ${message}`);
      print({ run: label, error: message });
      return null;
    }
  };

  try {
    if (cfg.runs.has('protocols')) await protocolRuns(ctx, ticks, print, note);
    if (cfg.runs.has('ratios')) {
      // Exit 1: a ratio passed its goal by more than the measured noise; 3: a ratio could not be judged.
      const outcome = await ratioRuns(cfg.ratios, ctx, ticks, print, note);
      if (outcome === 'fail') process.exitCode = 1;
      else if (outcome === 'unjudged') process.exitCode = 3;
    }
    if (cfg.runs.has('compare')) {
      for (const rate of cfg.publishRates) {
        const spec = { ...common, run: `rate-${rate}`, sockets: cfg.sockets, publishRate: rate };
        const b = await measure(`baseline ${spec.run} (${cfg.sockets} sockets)`, async () => runLine(await runBaseline(spec, ctx), ticks));
        const w = await measure(`wsload workers 1 ${spec.run} (${cfg.sockets} sockets)`, async () =>
          runLine(await runWsload({ ...spec, workers: 1 }, ctx), ticks),
        );
        if (b) lines.push(b);
        if (w) lines.push(w);
      }
    }
    if (cfg.runs.has('workers2')) {
      const rate = cfg.publishRates[0];
      const spec = { ...common, run: `rate-${rate}`, sockets: cfg.sockets, publishRate: rate, workers: 2 };
      const w = await measure(`wsload workers 2 ${spec.run} (${cfg.sockets} sockets)`, async () =>
        runLine(await runWsload(spec, ctx), ticks),
      );
      if (w) lines.push(w);
    }
    if (cfg.runs.has('large')) {
      // Same deliveries/s as the first comparison run, spread over more sockets.
      const rate = Math.max(0.1, Math.round(((cfg.publishRates[0] * cfg.sockets) / cfg.largeSockets) * 100) / 100);
      const spec = { ...common, run: 'large', sockets: cfg.largeSockets, publishRate: rate, localAddresses: cfg.localAddresses };
      const from = cfg.localAddresses.length > 0 ? `, from ${cfg.localAddresses.length} local addresses` : '';
      const b = await measure(`baseline large (${cfg.largeSockets} sockets${from})`, async () =>
        runLine(await runBaseline(spec, ctx), ticks),
      );
      const w = await measure(`wsload workers 1 large (${cfg.largeSockets} sockets${from})`, async () =>
        runLine(await runWsload({ ...spec, workers: 1 }, ctx), ticks),
      );
      if (b) lines.push(b);
      if (w) lines.push(w);
    }
    if (cfg.runs.has('soak')) {
      const spec = {
        ...common,
        run: 'soak',
        sockets: cfg.soakSockets,
        holdSeconds: cfg.soakSeconds,
        publishRate: cfg.soakRate,
        workers: 1,
        reconnect: 'immediate',
        churn: { everyMs: cfg.soakDropEverySeconds * 1000, count: cfg.soakDropCount },
        // With the Prometheus endpoint on and scraped every second: its memory and CPU stay flat too.
        metrics: cfg.soakMetrics,
      };
      await measure(
        `wsload soak (${cfg.soakSockets} sockets, ${cfg.soakSeconds} s, ${cfg.soakDropCount} destroyed every ${cfg.soakDropEverySeconds} s${cfg.soakMetrics ? ', --metrics scraped every 1 s' : ''})`,
        async () => {
          const line = soakLine(await runWsload(spec, ctx), ticks);
          const c = line.cpuPctStartEnd;
          note(
            `soak: RSS ${line.rssMb.holdStart} → ${line.rssMb.holdEnd} MB, CPU ${c.start}% → ${c.end}% (first vs last ${c.windowSeconds} s of the hold), ${line.metricsEndpoint?.scrapes ?? 0} scrapes of /metrics`,
          );
          return line;
        },
      );
    }
    if (cfg.runs.has('soak-memory')) {
      // Issue 27: memory flat through repeated block coarsening, drops and reconnects (bench/soak-memory.js).
      const sm = soakMemoryConfig();
      const line = await measure(
        `wsload soak-memory (${sm.sockets} sockets, ${sm.rate} publishes/s, ${sm.seconds} s, tick ${sm.tickMs} ms)`,
        () => runSoakMemory(sm, ctx),
      );
      if (line && !line.ok) {
        for (const f of line.failures) process.stderr.write(`bench: SOAK MEMORY GROWS: ${f}\n`);
        process.exitCode = 1;
      }
    }
    if (cfg.runs.has('compare-repeat')) await compareRepeat(cfg.repeat, ctx, print, note);
    if (cfg.runs.has('target')) await targetRuns(cfg, ctx, ticks, print, note);
    if (cfg.runs.has('deflate')) await deflateRuns(cfg, ctx, ticks, measure, print);
    if (cfg.runs.has('scale')) {
      const summary = await runScale(cfg.scale, ctx, ticks, measure);
      if (summary) print(summary);
    }
    if (cfg.runs.has('compare')) print(summaryLine(lines));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

await main();
