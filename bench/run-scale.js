/**
 * The scale run: one machine holding BENCH_SCALE_SOCKETS (100,000) sockets with local shards,
 * source addresses 127.0.0.x and the multi-process built-in target, held BENCH_SCALE_SECONDS at a
 * low publish rate, against a one-process reference run at the same deliveries/s. Every process is
 * sampled from /proc (the coordinator and its shards as "load", the target's processes as
 * "target"), so the per-socket figures include every process a user would have to pay for.
 */
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { startNode } from './child.js';
import { groupFigures, startTreeSampler } from './process-tree.js';
import { PUBLISH_IDS } from './run-baseline.js';
import { runScaleRaw } from './scale-raw.js';

const LOAD = 'load';
const TARGET = 'target';

/** Which side of the run a process is on, from its command line. */
function classify(_pid, cmdline) {
  return /[/\\]target[/\\]|wsload\.js serve/.test(cmdline) ? TARGET : LOAD;
}

/**
 * One run of `wsload run` against its embedded target, sampled as a process tree.
 * @param {{ run: string, sockets: number, rate: number, holdSeconds: number, connectRate: number, maxPending: number, addresses: string[], shards: number | null }} spec
 */
async function runTree(spec, ctx, ticksPerSecond) {
  const scenarioFile = join(ctx.tmpDir, `${spec.run}.json`);
  const reportFile = join(ctx.tmpDir, `${spec.run}.report.json`);
  const scenario = {
    name: `bench-${spec.run}`,
    target: 'embedded',
    connections: spec.sockets,
    connectRate: spec.connectRate,
    maxPendingHandshakes: spec.maxPending,
    duration: `${spec.holdSeconds}s`,
    publish: { rate: spec.rate, ids: PUBLISH_IDS },
    localAddresses: spec.addresses,
    report: { interval: '10s' },
  };
  if (spec.shards !== null) scenario.shards = spec.shards;
  writeFileSync(scenarioFile, `${JSON.stringify(scenario, null, 2)}\n`);
  // The kernel's port search once slowed the ramp to ~600/s at the end of a 90k ramp (wsload now
  // picks source ports itself); the budget still assumes 400 sockets/s at worst, for a loaded
  // machine, plus the hold and two minutes of start and drain.
  const timeoutMs = (spec.sockets / 400) * 1000 + spec.holdSeconds * 1000 + 120_000;
  const child = startNode(['bin/wsload.js', 'run', scenarioFile, '--json', '--quiet', '--out', reportFile], { cwd: ctx.root, timeoutMs });
  const sampler = startTreeSampler(child.pid, classify, 500);
  let exit;
  try {
    exit = await child.done;
  } finally {
    sampler.stop();
  }
  const text = existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : exit.stdout;
  let report;
  try {
    report = JSON.parse(text.slice(text.indexOf('{')));
  } catch {
    throw new Error(
      `${spec.run}: no report (exit ${exit.signal ?? exit.code}${exit.timedOut ? ', timed out' : ''}): ${exit.stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
  const holdStartT = Date.parse(report.startedAt) + report.phases.rampMs;
  const holdEndT = holdStartT + report.phases.holdMs;
  // Leave the first 2 s of the hold out: the last handshakes' garbage is still being collected.
  const from = holdStartT + 2000;
  const load = groupFigures(sampler.groups.get(LOAD) ?? [], from, holdEndT, ticksPerSecond);
  const target = groupFigures(sampler.groups.get(TARGET) ?? [], from, holdEndT, ticksPerSecond);
  const held = report.connections.opened - report.disconnects.total;
  const deliveriesPerSec = report.fanout.delivered / (report.phases.holdMs / 1000);
  return {
    run: spec.run,
    exitCode: exit.code,
    sockets: spec.sockets,
    held,
    failed: report.connections.failed,
    shards: Array.isArray(report.shards) ? report.shards.length : 1,
    lostShards: Array.isArray(report.shards) ? report.shards.filter((s) => s.lost).length : 0,
    loadProcesses: load.processes,
    targetProcesses: target.processes,
    rampMs: report.phases.rampMs,
    connectRatePerSec: Math.round(report.connections.opened / (report.phases.rampMs / 1000)),
    published: report.publish.sent,
    delivered: report.fanout.delivered,
    expected: report.fanout.expected ?? null,
    lost: report.fanout.lost,
    duplicated: report.fanout.duplicated ?? 0,
    fanoutP50Ms: report.fanout.latencyMs.p50,
    fanoutP99Ms: report.fanout.latencyMs.p99,
    deliveriesPerSec: Math.round(deliveriesPerSec),
    load: {
      rssEndMb: Math.round(load.rssEndMb),
      kbPerSocket: held > 0 ? Math.round(((load.rssEndMb * 1024) / held) * 10) / 10 : null,
      cpuPct: Math.round(load.cpuPct),
      cpuPer10kDeliveriesPerSec: deliveriesPerSec > 0 ? Math.round((load.cpuPct / (deliveriesPerSec / 10_000)) * 10) / 10 : null,
    },
    target: { rssEndMb: Math.round(target.rssEndMb), cpuPct: Math.round(target.cpuPct) },
    saturated: report.client?.saturated ?? null,
  };
}

/**
 * The reference (one process, refSockets) then the scale run (sockets over shards), at the same
 * deliveries/s, then (cfg.raw) the raw client's floor on the scale run's sockets, addresses and
 * source ports (bench/scale-raw.js); returns a summary with the ratios.
 * @param {{ sockets: number, refSockets: number, rate: number, holdSeconds: number, connectRate: number, maxPending: number, addresses: number, raw: boolean }} cfg
 */
export async function runScale(cfg, ctx, ticksPerSecond, measure) {
  const addresses = Array.from({ length: cfg.addresses }, (_, i) => `127.0.0.${i + 2}`);
  const refRate = Math.round(((cfg.rate * cfg.sockets) / cfg.refSockets) * 100) / 100;
  const ref = await measure(`scale reference (${cfg.refSockets} sockets, one process, ${refRate}/s)`, () =>
    runTree(
      {
        run: 'scale-ref',
        sockets: cfg.refSockets,
        rate: refRate,
        holdSeconds: cfg.holdSeconds,
        connectRate: cfg.connectRate,
        maxPending: cfg.maxPending,
        addresses: [],
        shards: 1,
      },
      ctx,
      ticksPerSecond,
    ),
  );
  const big = await measure(`scale (${cfg.sockets} sockets, shards automatic, ${cfg.addresses} source addresses, ${cfg.rate}/s)`, () =>
    runTree(
      {
        run: 'scale',
        sockets: cfg.sockets,
        rate: cfg.rate,
        holdSeconds: cfg.holdSeconds,
        connectRate: cfg.connectRate,
        maxPending: cfg.maxPending,
        addresses,
        shards: null,
      },
      ctx,
      ticksPerSecond,
    ),
  );
  // As many client processes as wsload had shards (its coordinator is a process more).
  const raw = cfg.raw
    ? await measure(
        `scale raw ws client (${cfg.sockets} sockets, ${cfg.addresses} source addresses, explicit source ports, ${cfg.rate}/s)`,
        () =>
          runScaleRaw(
            {
              sockets: cfg.sockets,
              rate: cfg.rate,
              holdSeconds: cfg.holdSeconds,
              connectRate: cfg.connectRate,
              maxPending: cfg.maxPending,
              addresses,
              processes: big ? big.shards : Math.ceil(cfg.sockets / 17_000),
            },
            ctx,
            ticksPerSecond,
          ),
      )
    : null;
  if (!ref || !big) return null;
  const ratio = (a, b) => (a !== null && b !== null && b > 0 ? Math.round((a / b) * 100) / 100 : null);
  return {
    run: 'scale-summary',
    sockets: big.held,
    allDelivered: big.lost === 0 && big.failed === 0 && big.lostShards === 0,
    rssPerSocketRatio: ratio(big.load.kbPerSocket, ref.load.kbPerSocket),
    rssPerSocketTarget: 1.2,
    cpuPer10kDeliveriesRatio: ratio(big.load.cpuPer10kDeliveriesPerSec, ref.load.cpuPer10kDeliveriesPerSec),
    connectRateRatio: ratio(big.connectRatePerSec, ref.connectRatePerSec),
    rampSeconds: Math.round(big.rampMs / 100) / 10,
    // Against the raw client on the same sockets: wsload's per-socket cost over the floor.
    rawRssPerSocketRatio: raw ? ratio(big.load.kbPerSocket, raw.load.kbPerSocket) : null,
    rawRampSeconds: raw ? Math.round(raw.rampMs / 100) / 10 : null,
    rawConnectRateRatio: raw ? ratio(big.connectRatePerSec, raw.connectRatePerSec) : null,
  };
}
