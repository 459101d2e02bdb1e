/**
 * `BENCH_RUNS=compare-repeat`: whether `wsload compare` is safe (no call on noise) and decisive
 * (plain evidence called), by experiment against a real target with a known injected delay
 * (issue 19 item 7). Two set-ups, each run against a fresh target (in the bench process) whose
 * publishes are pushed (and answered) a fixed delay late:
 * - long runs (BENCH_REPEAT_SECONDS, default 20 s): BENCH_REPEAT_RUNS of the plain target and
 *   BENCH_REPEAT_DELAYED of one BENCH_REPEAT_DELAY_MS slower (10 ms), interleaved so that drift of
 *   the machine over time meets both alike;
 * - short runs (BENCH_REPEAT_SHORT_SECONDS, default 5 s): BENCH_REPEAT_RUNS plain and
 *   BENCH_REPEAT_SHORT_DELAYED of one BENCH_REPEAT_SHORT_DELAY_MS slower (100 ms).
 * Then: every pair of plain runs of one length (single runs: a better/worse on a gated row is a
 * false verdict), plain sides of BENCH_REPEAT_SIDE runs against disjoint plain sides (k-vs-k),
 * plain k-vs-k against delayed k-vs-k of the long runs (10 ms slower: fan-out p50 should be worse),
 * and every plain short run against every delayed short run (100 ms slower: worse every time);
 * each comparison also reversed (every verdict must negate).
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
async function runOnce(cfg, ctx, label, seconds, delayMs) {
  const target = await startTarget(delayMs);
  try {
    const scenarioFile = join(ctx.tmpDir, `${label}.scenario.json`);
    const reportFile = join(ctx.tmpDir, `${label}.json`);
    const scenario = {
      name: 'compare-repeat',
      target: { url: target.wsUrl },
      connections: cfg.sockets,
      connectRate: 2000,
      duration: `${seconds}s`,
      workers: 1,
      publish: { rate: cfg.rate, ids: PUBLISH_IDS },
    };
    writeFileSync(scenarioFile, `${JSON.stringify(scenario, null, 2)}\n`);
    const child = startNode(['bin/wsload.js', 'run', scenarioFile, '--quiet', '--out', reportFile], {
      cwd: ctx.root,
      timeoutMs: seconds * 1000 + 60_000,
    });
    const exit = await child.done;
    if (!existsSync(reportFile))
      throw new Error(`wsload run ${label} exited with ${exit.signal ?? `code ${exit.code}`} and no report: ${exit.stderr.slice(-500)}`);
    return JSON.parse(readFileSync(reportFile, 'utf8'));
  } finally {
    await target.close();
  }
}

/** The gated rows a comparison called better or worse. */
const calls = (c) => c.rows.filter((r) => r.gated && (r.verdict === 'better' || r.verdict === 'worse'));

/** Pairs of disjoint k-subsets of `n` items (each unordered pair once), as index lists, at most `limit`, in a fixed order. */
export function disjointSides(n, k, limit) {
  const all = subsets(n, k);
  const out = [];
  for (let i = 0; i < all.length && out.length < limit; i++) {
    for (let j = i + 1; j < all.length && out.length < limit; j++) {
      if (all[i].every((x) => !all[j].includes(x))) out.push([all[i], all[j]]);
    }
  }
  return out;
}

/** The k-subsets of n items, as index lists, in lexicographic order. */
function subsets(n, k) {
  const out = [];
  const pick = (start, acc) => {
    if (acc.length === k) return out.push([...acc]);
    for (let i = start; i < n; i++) pick(i + 1, [...acc, i]);
  };
  pick(0, []);
  return out;
}

/** k-subsets of `a` items against k-subsets of `b` items: at most `limit` of all such pairs, drawn in a fixed (seeded) order. */
export function crossSides(a, b, k, limit) {
  const pairs = [];
  for (const x of subsets(a, k)) for (const y of subsets(b, k)) pairs.push([x, y]);
  // A seeded Fisher–Yates shuffle: every run of the bench draws the same comparisons.
  let s = 0x9e3779b9;
  const rand = () => (s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 0x1_0000_0000;
  for (let i = pairs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [pairs[i], pairs[j]] = [pairs[j], pairs[i]];
  }
  return pairs.slice(0, limit);
}

/**
 * Runs the experiment; `print` gets one line per run and the summary line, `note` progress.
 * @param {{ runs: number, delayed: number, shortDelayed: number, sockets: number, rate: number, seconds: number, shortSeconds: number, delayMs: number, shortDelayMs: number, side: number, sidePairs: number }} cfg
 */
export async function compareRepeat(cfg, ctx, print, note) {
  const labels = new Map();
  const name = (rs) => (Array.isArray(rs) ? rs.map((r) => labels.get(r)).join('+') : labels.get(rs));
  const line = (label, delayMs, seconds, r) => ({
    run: label,
    seconds,
    delayMs,
    published: r.fanout.published,
    blocks: r.intervals?.fanout.filter((e) => e !== '').length ?? 0,
    fanoutP50Ms: r.fanout.latencyMs.p50,
    fanoutP90Ms: r.fanout.latencyMs.p90,
    fanoutP99Ms: r.fanout.latencyMs.p99,
    completionP99Ms: r.fanout.completionMs.p99,
    lost: r.fanout.lost,
    saturated: r.client.saturated,
    saturationCause: r.client.saturationCause ?? null,
    otherProcessesCpu: r.client.cpu?.otherProcesses ?? null,
    lagP99Ms: r.client.eventLoopLagMs.p99,
    scheduleLagP99Ms: r.publish.scheduleLagMs.p99,
    loadAvg1m: Math.round(loadavg()[0] * 100) / 100,
  });
  // A run that fails (no report) is printed and left out of the comparisons rather than ending the bench.
  const attempt = async (label, seconds, delayMs, into) => {
    try {
      const r = await runOnce(cfg, ctx, label, seconds, delayMs);
      labels.set(r, label);
      into.push(r);
      print(line(label, delayMs, seconds, r));
    } catch (err) {
      print({ run: label, error: err instanceof Error ? err.message : String(err) });
    }
  };
  const loadStart = loadavg()[0];
  const set = { long: { same: [], slow: [] }, short: { same: [], slow: [] } };
  // Interleaved: plain and delayed runs alternate, so the machine's drift over time meets both.
  for (const [length, seconds, delayed, delayMs] of [
    ['long', cfg.seconds, cfg.delayed, cfg.delayMs],
    ['short', cfg.shortSeconds, cfg.shortDelayed, cfg.shortDelayMs],
  ]) {
    // A length of 0 s leaves that half of the experiment out.
    if (seconds <= 0) continue;
    for (let i = 0; i < Math.max(cfg.runs, delayed); i++) {
      if (i < cfg.runs) {
        note(`compare-repeat: ${length} plain run ${i + 1}/${cfg.runs} (${seconds} s)`);
        await attempt(`${length}-same-${i + 1}`, seconds, 0, set[length].same);
      }
      if (i < delayed) {
        note(`compare-repeat: ${length} delayed run ${i + 1}/${delayed} (+${delayMs} ms, ${seconds} s)`);
        await attempt(`${length}-delayed-${i + 1}`, seconds, delayMs, set[length].slow);
      }
    }
  }
  const started = Date.now();
  let comparisons = 0;
  const notReversed = [];
  /** Compares both ways; a verdict that does not negate is recorded. */
  const judge = (before, after) => {
    comparisons += 2;
    const forward = compare(before, after);
    const backward = compare(after, before);
    const v = Object.fromEntries(backward.rows.map((r) => [r.metric, r.verdict]));
    for (const r of forward.rows)
      if (v[r.metric] !== FLIP[r.verdict]) notReversed.push(`${name(before)} vs ${name(after)}: ${r.metric} ${r.verdict} / ${v[r.metric]}`);
    return forward;
  };
  // Safe: identical set-ups, single runs (every pair, both lengths) and k-vs-k (disjoint sides of the long runs).
  const identicalSingle = { pairs: 0, gatedRows: 0, falseVerdicts: 0, falseRows: [] };
  for (const length of ['long', 'short']) {
    const same = set[length].same;
    for (let i = 0; i < same.length; i++) {
      for (let j = i + 1; j < same.length; j++) {
        const c = judge(same[i], same[j]);
        identicalSingle.pairs++;
        identicalSingle.gatedRows += c.rows.filter((r) => r.gated).length;
        for (const r of calls(c))
          identicalSingle.falseRows.push(`${name(same[i])} vs ${name(same[j])}: ${r.metric} ${r.verdict} (${r.note ?? ''})`);
      }
    }
  }
  identicalSingle.falseVerdicts = identicalSingle.falseRows.length;
  const identicalSides = { side: cfg.side, comparisons: 0, gatedRows: 0, falseVerdicts: 0, falseRows: [] };
  for (const [a, b] of disjointSides(set.long.same.length, cfg.side, cfg.sidePairs)) {
    const before = a.map((i) => set.long.same[i]);
    const after = b.map((i) => set.long.same[i]);
    const c = judge(before, after);
    identicalSides.comparisons++;
    identicalSides.gatedRows += c.rows.filter((r) => r.gated).length;
    for (const r of calls(c))
      identicalSides.falseRows.push(`${name(before)} vs ${name(after)}: ${r.metric} ${r.verdict} (${r.note ?? ''})`);
  }
  identicalSides.falseVerdicts = identicalSides.falseRows.length;
  // Decisive: 10 ms slower, k-vs-k of long runs; 100 ms slower, single short runs.
  const detectSides = {
    delayMs: cfg.delayMs,
    seconds: cfg.seconds,
    side: cfg.side,
    comparisons: 0,
    p50Worse: 0,
    p90Worse: 0,
    p50WorseRate: null,
    better: [],
    misses: [],
  };
  for (const [a, b] of crossSides(set.long.same.length, set.long.slow.length, cfg.side, cfg.sidePairs)) {
    const before = a.map((i) => set.long.same[i]);
    const after = b.map((i) => set.long.slow[i]);
    const c = judge(before, after);
    detectSides.comparisons++;
    const v = Object.fromEntries(c.rows.map((r) => [r.metric, r]));
    if (v['fanout.p50'].verdict === 'worse') detectSides.p50Worse++;
    else
      detectSides.misses.push(`${name(before)} vs ${name(after)}: fanout.p50 ${v['fanout.p50'].verdict} (${v['fanout.p50'].note ?? ''})`);
    if (v['fanout.p90'].verdict === 'worse') detectSides.p90Worse++;
    for (const r of c.rows) if (r.verdict === 'better') detectSides.better.push(`${name(before)} vs ${name(after)}: ${r.metric}`);
  }
  detectSides.p50WorseRate =
    detectSides.comparisons === 0 ? null : Math.round((detectSides.p50Worse / detectSides.comparisons) * 1000) / 1000;
  const detectSingle = {
    delayMs: cfg.shortDelayMs,
    seconds: cfg.shortSeconds,
    pairs: 0,
    p50Worse: 0,
    p90Worse: 0,
    everyTime: false,
    better: [],
    misses: [],
  };
  for (const base of set.short.same) {
    for (const slow of set.short.slow) {
      const c = judge(base, slow);
      detectSingle.pairs++;
      const v = Object.fromEntries(c.rows.map((r) => [r.metric, r]));
      for (const p of ['p50', 'p90']) {
        if (v[`fanout.${p}`].verdict === 'worse') detectSingle[`${p}Worse`]++;
        else
          detectSingle.misses.push(
            `${name(base)} vs ${name(slow)}: fanout.${p} ${v[`fanout.${p}`].verdict} (${v[`fanout.${p}`].note ?? ''})`,
          );
      }
      for (const r of c.rows) if (r.verdict === 'better') detectSingle.better.push(`${name(base)} vs ${name(slow)}: ${r.metric}`);
    }
  }
  detectSingle.everyTime =
    detectSingle.pairs > 0 && detectSingle.p50Worse === detectSingle.pairs && detectSingle.p90Worse === detectSingle.pairs;
  const compareMs = Date.now() - started;
  print({
    run: 'compare-repeat',
    sockets: cfg.sockets,
    publishRate: cfg.rate,
    loadAvg1m: { start: Math.round(loadStart * 100) / 100, end: Math.round(loadavg()[0] * 100) / 100 },
    identicalSingle,
    identicalSides,
    detectSides,
    detectSingle,
    notReversed,
    // What issue 19 asks of these figures (≥ 30 identical comparisons of each kind, on a quiet machine).
    meets: {
      safeSingle: identicalSingle.pairs >= 30 && identicalSingle.falseVerdicts === 0,
      safeSides: identicalSides.comparisons >= 30 && identicalSides.falseVerdicts === 0,
      decisiveSides: detectSides.p50WorseRate !== null && detectSides.p50WorseRate >= 0.9,
      decisiveSingle: detectSingle.everyTime,
      reversed: notReversed.length === 0,
    },
    compareMsPerComparison: Math.round(compareMs / Math.max(1, comparisons)),
  });
}
