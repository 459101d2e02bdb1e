/**
 * The `ratios` run (issue 22): wsload (`workers: 1`) against the raw `ws` client in one
 * invocation, CPU per delivery and RSS at each phase, at the default rate and at a high rate on a
 * target of several processes (where the client, not the target, is the bottleneck). The tools
 * are interleaved (baseline, wsload, wsload, baseline, …) so a change of the machine's load hits
 * both alike; each tool runs at least twice, so the spread of one tool against itself is the
 * noise a ratio is judged against. CPU is utime + stime from /proc (all threads), which other
 * processes inflate far less than wall time; the load average is printed beside every figure.
 *
 * Every run's target listens on a loopback address of its own (127.0.0.<n>), so no run waits for
 * the TIME_WAIT connections of the one before (the kernel frees them only after 60 s) and none is
 * charged for another's leftovers when the kernel picks a source port. The clients do not bind a
 * source address: a bound port search is slower the more sockets a run holds (issue 22 item 3),
 * which would measure the kernel, not the client.
 */
import { loadavg } from 'node:os';
import { cpuWindow } from './lines.js';
import { cpuPercentBetween, rssMbAt, rssMbBefore } from './proc-stats.js';
import { runBaseline } from './run-baseline.js';
import { runWsload } from './run-wsload.js';

/** Issue 22's goals, as ratios wsload / raw client. */
export const RATIO_GOALS = { cpuPerDelivery: 1.05, rssAfterRamp: 1.2, rssPeak: 1.2, rssEnd: 1.2 };

/**
 * The least noise a ratio is judged against, whatever one invocation's two runs of a tool
 * happened to give: what one tool varied against itself in interleaved runs on the shared 2-core
 * machine (2026-12-07, 2,000 sockets, load average 58–70): CPU per delivery 12–15% for wsload and
 * 25% for the raw client; RSS 0–3% after the ramp, up to 10% at the peak. Two runs that happen
 * to agree would otherwise call a machine's swing a regression (docs/performance.md).
 */
export const RATIO_NOISE_FLOOR = { cpuPerDelivery: 0.15, rssAfterRamp: 0.05, rssPeak: 0.05, rssEnd: 0.05 };

/** First target address's last octet; run i's target listens on 127.0.0.(FIRST + i). */
const FIRST_TARGET_OCTET = 20;

const round = (n, digits = 2) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};
const load1 = () => round(loadavg()[0], 1);

/**
 * The figures of one measured run that the ratios compare, with the load average beside them.
 * @param {import('./run-baseline.js').Measure} m
 * @param {{ start: number, end: number }} load
 */
export function ratioFigures(m, ticksPerSecond, load) {
  const holdSec = Math.max(0.001, (m.holdEndT - m.holdStartT) / 1000);
  const [t0, t1] = cpuWindow(m.holdStartT, m.holdEndT);
  const cpuPct = cpuPercentBetween(m.client, t0, t1, ticksPerSecond);
  const deliveriesPerSec = m.delivered / holdSec;
  const inHold = m.client.filter((s) => s.t >= m.holdStartT && s.t <= m.holdEndT);
  const peakKb = inHold.reduce((a, s) => Math.max(a, s.rssKb), 0);
  return {
    tool: m.tool,
    run: m.run,
    sockets: m.sockets,
    held: m.held,
    publishRate: m.publishRate,
    deliveriesPerSec: round(deliveriesPerSec, 0),
    lost: m.lost,
    cpuPct: round(cpuPct, 1),
    cpuPer10kDeliveriesPerSec: deliveriesPerSec > 0 ? round(cpuPct / (deliveriesPerSec / 10_000), 3) : null,
    rssMb: {
      afterRamp: round(rssMbAt(m.client, m.holdStartT), 1),
      peak: round(peakKb / 1024, 1),
      end: round(rssMbBefore(m.client, m.holdEndT), 1),
    },
    targetCpuPct: round(cpuPercentBetween(m.target, t0, t1, ticksPerSecond), 1),
    rampMs: round(m.rampMs, 0),
    fanoutP50Ms: round(m.fanoutP50Ms, 2),
    saturated: m.saturated,
    loadAvg1m: load,
  };
}

/** The compared figures of a run line, by metric name. */
function metricsOf(line) {
  return {
    cpuPerDelivery: line.cpuPer10kDeliveriesPerSec,
    rssAfterRamp: line.rssMb.afterRamp,
    rssPeak: line.rssMb.peak,
    rssEnd: line.rssMb.end,
  };
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Spread of one tool against itself: (max − min) / mean of its runs; 0 with one run. */
function spread(xs) {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return m > 0 ? (Math.max(...xs) - Math.min(...xs)) / m : 0;
}

/**
 * The summary of one set-up: per metric the ratio of the means (wsload / baseline), the noise (the
 * larger spread of either tool against itself, at least RATIO_NOISE_FLOOR), the goal and the verdict. A ratio over its goal by
 * more than the noise fails; over the goal within the noise is `within noise`, not a pass.
 * Pure, for test/unit/bench-ratios.test.ts.
 * @param {string} setup
 * @param {ReturnType<typeof ratioFigures>[]} lines
 */
export function ratioSummary(setup, lines) {
  // A run that lost deliveries or did not hold every socket did less work than the other tool's:
  // its cost per delivery and its memory say nothing about the client, so it is left out.
  const whole = (l) => l.lost === 0 && l.held >= l.sockets;
  const b = lines.filter((l) => l.tool === 'baseline' && whole(l));
  const w = lines.filter((l) => l.tool === 'wsload' && whole(l));
  const metrics = {};
  const failures = [];
  const unjudged = [];
  for (const name of Object.keys(RATIO_GOALS)) {
    const bs = b.map((l) => metricsOf(l)[name]).filter((x) => typeof x === 'number');
    const ws = w.map((l) => metricsOf(l)[name]).filter((x) => typeof x === 'number');
    if (bs.length === 0 || ws.length === 0 || mean(bs) <= 0) {
      metrics[name] = { ratio: null, verdict: 'not judged' };
      unjudged.push(
        `${name}: no complete run of ${bs.length === 0 ? 'the baseline' : 'wsload'} (every one failed, lost deliveries or did not hold every socket)`,
      );
      continue;
    }
    const ratio = mean(ws) / mean(bs);
    const noise = Math.max(spread(bs), spread(ws), RATIO_NOISE_FLOOR[name]);
    const goal = RATIO_GOALS[name];
    const verdict = ratio <= goal ? 'meets goal' : ratio <= goal * (1 + noise) ? 'over goal within noise' : 'FAIL';
    metrics[name] = { ratio: round(ratio, 3), goal, noise: round(noise, 3), baseline: bs, wsload: ws, verdict };
    if (verdict === 'FAIL') failures.push(`${name} ${round(ratio, 3)} > goal ${goal} + noise ${round(noise * 100, 1)}%`);
  }
  const loads = lines.flatMap((l) => [l.loadAvg1m.start, l.loadAvg1m.end]);
  const notes = [];
  for (const l of lines) {
    if (l.lost > 0) notes.push(`${l.tool} ${l.run}: ${l.lost} deliveries lost`);
    if (l.held < l.sockets) notes.push(`${l.tool} ${l.run}: held ${l.held} of ${l.sockets} sockets`);
    if (l.saturated) notes.push(`${l.tool} ${l.run}: the client saturated`);
  }
  return {
    ratiosSummary: true,
    setup,
    runsPerTool: { baseline: b.length, wsload: w.length },
    metrics,
    loadAvg1m: loads.length > 0 ? { min: Math.min(...loads), max: Math.max(...loads) } : null,
    pass: failures.length === 0,
    judged: unjudged.length === 0,
    failures,
    unjudged,
    notes,
  };
}

/**
 * Runs every set-up, interleaved, and prints a line per run and a summary per set-up. Returns
 * 'fail' when a ratio passed its goal by more than the noise, 'unjudged' when a ratio could not be
 * judged (no complete run of a tool), else 'pass'.
 * @param {{ sockets: number, holdSeconds: number, connectRate: number, maxPending: number, rounds: number, setups: { name: string, publishRate: number, targetProcesses: number }[] }} cfg
 */
export async function ratioRuns(cfg, ctx, ticksPerSecond, print, note) {
  let outcome = 'pass';
  let runIndex = 0;
  for (const setup of cfg.setups) {
    const lines = [];
    // ABBA order: a drift of the machine's load over the set-up weighs on both tools alike.
    const order = [];
    for (let r = 0; r < cfg.rounds; r++) order.push(...(r % 2 === 0 ? ['baseline', 'wsload'] : ['wsload', 'baseline']));
    for (const tool of order) {
      const targetHost = `127.0.0.${FIRST_TARGET_OCTET + (runIndex++ % 200)}`;
      const spec = {
        run: `ratios-${setup.name}`,
        sockets: cfg.sockets,
        connectRate: cfg.connectRate,
        maxPending: cfg.maxPending,
        holdSeconds: cfg.holdSeconds,
        publishRate: setup.publishRate,
        localAddresses: [],
        targetProcesses: setup.targetProcesses,
        targetHost,
        workers: 1,
      };
      const label = `ratios ${setup.name}: ${tool} (${cfg.sockets} sockets, ${setup.publishRate}/s, target on ${setup.targetProcesses} process${setup.targetProcesses === 1 ? '' : 'es'}, target at ${targetHost})`;
      note(`${label} …`);
      const start = load1();
      try {
        const m = tool === 'baseline' ? await runBaseline(spec, ctx) : await runWsload(spec, ctx);
        const line = { ratios: true, setup: setup.name, ...ratioFigures(m, ticksPerSecond, { start, end: load1() }) };
        note(
          `${label}: CPU ${line.cpuPer10kDeliveriesPerSec}% per 10k deliveries/s, RSS ${line.rssMb.afterRamp}/${line.rssMb.peak}/${line.rssMb.end} MB (after ramp/peak/end), load ${start}→${line.loadAvg1m.end}`,
        );
        print(line);
        lines.push(line);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        note(`${label} failed: ${message}`);
        print({ ratios: true, setup: setup.name, tool, error: message });
      }
    }
    const summary = ratioSummary(setup.name, lines);
    print(summary);
    for (const [name, m] of Object.entries(summary.metrics)) {
      if (m.ratio !== null)
        note(`ratios ${setup.name}: ${name} ${m.ratio}× (goal ${m.goal}×, noise ${round(m.noise * 100, 1)}%) ${m.verdict}`);
    }
    const load = `load average ${summary.loadAvg1m?.min}–${summary.loadAvg1m?.max}`;
    if (!summary.pass) {
      outcome = 'fail';
      process.stderr.write(`\nbench: !!! RATIO CHECK FAILED (${setup.name}): ${summary.failures.join('; ')} (${load}) !!!\n\n`);
    }
    if (!summary.judged) {
      if (outcome === 'pass') outcome = 'unjudged';
      process.stderr.write(
        `\nbench: !!! RATIO CHECK NOT MADE (${setup.name}): ${summary.unjudged.join('; ')} (${load}); fewer sockets or a lower rate (BENCH_RATIO_*) on a busy machine !!!\n\n`,
      );
    }
  }
  return outcome;
}
