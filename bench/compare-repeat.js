/**
 * `BENCH_RUNS=compare-repeat`: how often `wsload compare` calls noise a change. Runs one scenario
 * several times against a fresh target each time (same set-up), then a few times against a target
 * that pushes every publish BENCH_REPEAT_DELAY_MS late, and compares the reports: every pair of
 * same-set-up runs (a latency row saying better/worse there is a false verdict), and every
 * same-set-up run against every delayed one, both ways round (p50/p90 should be worse, nothing
 * better, and reversing the pair should reverse every verdict).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { listenTarget, publishToAll } from '../dist/target/listen-target.js';
import { compare } from '../dist/report/compare.js';
import { startNode } from './child.js';
import { PUBLISH_IDS } from './run-baseline.js';

const FLIP = { better: 'worse', worse: 'better', same: 'same', inconclusive: 'inconclusive' };

/** A target in this process whose publishes are pushed (and answered) `delayMs` late. */
async function startTarget(delayMs) {
  const timers = new Set();
  const publish =
    delayMs > 0
      ? (ctx) =>
          new Promise((resolve) => {
            const timer = setTimeout(() => {
              timers.delete(timer);
              resolve(publishToAll(ctx));
            }, delayMs);
            timers.add(timer);
          })
      : undefined;
  const target = await listenTarget({ host: '127.0.0.1', port: 0, hooks: publish ? { publish } : {} });
  return {
    wsUrl: target.wsUrl,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await target.close();
    },
  };
}

/** One `wsload run` against a fresh target; returns its report. */
async function runOnce(cfg, ctx, label, delayMs) {
  const target = await startTarget(delayMs);
  try {
    const scenarioFile = join(ctx.tmpDir, `${label}.scenario.json`);
    const reportFile = join(ctx.tmpDir, `${label}.json`);
    const scenario = {
      name: 'compare-repeat',
      target: { url: target.wsUrl },
      connections: cfg.sockets,
      connectRate: 2000,
      duration: `${cfg.seconds}s`,
      workers: 1,
      publish: { rate: cfg.rate, ids: PUBLISH_IDS },
      report: { interval: '500ms' },
    };
    writeFileSync(scenarioFile, `${JSON.stringify(scenario, null, 2)}\n`);
    const child = startNode(['bin/wsload.js', 'run', scenarioFile, '--quiet', '--out', reportFile], { cwd: ctx.root, timeoutMs: cfg.seconds * 1000 + 60_000 });
    const exit = await child.done;
    if (!existsSync(reportFile)) throw new Error(`wsload run ${label} exited with ${exit.signal ?? `code ${exit.code}`} and no report: ${exit.stderr.slice(-500)}`);
    return JSON.parse(readFileSync(reportFile, 'utf8'));
  } finally {
    await target.close();
  }
}

const latencyRows = (c) => c.rows.filter((r) => r.unit === 'ms' && /^(fanout|completion|handshake)\./.test(r.metric));

/**
 * Runs the experiment; `print` gets one line per run and the summary line, `note` progress.
 * @param {{ runs: number, delayed: number, sockets: number, rate: number, seconds: number, delayMs: number }} cfg
 */
export async function compareRepeat(cfg, ctx, print, note) {
  const same = [];
  const slow = [];
  const line = (label, delayMs, r) => ({
    run: label,
    delayMs,
    published: r.fanout.published,
    blocks: r.intervals?.fanout.filter((e) => e !== '').length ?? 0,
    fanoutP50Ms: r.fanout.latencyMs.p50,
    fanoutP90Ms: r.fanout.latencyMs.p90,
    fanoutP99Ms: r.fanout.latencyMs.p99,
    completionP99Ms: r.fanout.completionMs.p99,
    saturated: r.client.saturated,
    lagP99Ms: r.client.eventLoopLagMs.p99,
    scheduleLagP99Ms: r.publish.scheduleLagMs.p99,
    loadAvg1m: Math.round(loadavg()[0] * 100) / 100,
  });
  // A run that fails (no report) is printed and left out of the pairs rather than ending the bench.
  const labels = new Map();
  const name = (r) => labels.get(r);
  const attempt = async (label, delayMs, into) => {
    try {
      const r = await runOnce(cfg, ctx, label, delayMs);
      labels.set(r, label);
      into.push(r);
      print(line(label, delayMs, r));
    } catch (err) {
      print({ run: label, error: err instanceof Error ? err.message : String(err) });
    }
  };
  for (let i = 0; i < cfg.runs; i++) {
    note(`compare-repeat: same-set-up run ${i + 1}/${cfg.runs}`);
    await attempt(`same-${i + 1}`, 0, same);
  }
  for (let i = 0; i < cfg.delayed; i++) {
    note(`compare-repeat: delayed run ${i + 1}/${cfg.delayed} (+${cfg.delayMs} ms)`);
    await attempt(`delayed-${i + 1}`, cfg.delayMs, slow);
  }
  const started = Date.now();
  let pairs = 0;
  let rows = 0;
  const falseRows = [];
  const tally = { same: 0, inconclusive: 0 };
  for (let i = 0; i < same.length; i++) {
    for (let j = i + 1; j < same.length; j++) {
      pairs++;
      for (const r of latencyRows(compare(same[i], same[j]))) {
        rows++;
        if (r.verdict === 'better' || r.verdict === 'worse') falseRows.push(`${name(same[i])} vs ${name(same[j])}: ${r.metric} ${r.verdict}`);
        else tally[r.verdict]++;
      }
    }
  }
  const delayed = { pairs: 0, saturatedPairs: 0, p50Worse: 0, p90Worse: 0, better: [], notReversed: [] };
  for (let i = 0; i < same.length; i++) {
    for (let j = 0; j < slow.length; j++) {
      delayed.pairs++;
      // compare does not judge latency when either client was saturated: counted apart.
      if (same[i].client.saturated || slow[j].client.saturated) delayed.saturatedPairs++;
      const forward = compare(same[i], slow[j]);
      const backward = compare(slow[j], same[i]);
      const v = Object.fromEntries(forward.rows.map((r) => [r.metric, r.verdict]));
      if (v['fanout.p50'] === 'worse') delayed.p50Worse++;
      if (v['fanout.p90'] === 'worse') delayed.p90Worse++;
      for (const r of forward.rows) if (r.verdict === 'better') delayed.better.push(`${name(same[i])} vs ${name(slow[j])}: ${r.metric}`);
      for (const r of backward.rows) if (FLIP[v[r.metric]] !== r.verdict) delayed.notReversed.push(`${name(slow[j])} vs ${name(same[i])}: ${r.metric}`);
    }
  }
  const compareMs = Date.now() - started;
  // The same pairs judged without the blocks (per-delivery intervals, as reports before them): what
  // the block bootstrap changes, everything else (tolerance, publish counts, saturation) equal.
  let perDeliveryFalse = 0;
  const strip = (r) => ({ ...r, intervals: undefined });
  for (let i = 0; i < same.length; i++) {
    for (let j = i + 1; j < same.length; j++) {
      perDeliveryFalse += latencyRows(compare(strip(same[i]), strip(same[j]))).filter((r) => r.verdict === 'better' || r.verdict === 'worse').length;
    }
  }
  print({
    run: 'compare-repeat',
    sockets: cfg.sockets,
    publishRate: cfg.rate,
    seconds: cfg.seconds,
    sameRuns: same.length,
    samePairs: pairs,
    latencyRowsCompared: rows,
    falseVerdicts: falseRows.length,
    falseVerdictRate: rows === 0 ? null : Math.round((falseRows.length / rows) * 10_000) / 10_000,
    falseRows,
    sameOrInconclusive: tally,
    saturatedRuns: [...same, ...slow].filter((r) => r.client.saturated).length,
    perDeliveryFalseVerdicts: perDeliveryFalse,
    delayMs: cfg.delayMs,
    delayed,
    compareMsPerPair: Math.round(compareMs / Math.max(1, pairs + 2 * delayed.pairs)),
  });
}
