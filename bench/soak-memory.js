/**
 * The accelerated memory soak (issue 27): wsload at a high publish rate with sockets destroyed at
 * the target every few seconds (reconnects), its block length forced short (library option
 * `tickMs`, 50 ms) so the per-block histograms reach 600 blocks and are coarsened several times,
 * the heap sampled after a forced GC every 2 s (bench/soak-memory-child.js) and the RSS with it.
 * The slope of each after the warm-up, least squares with a 95 % interval widened for correlated
 * samples (the report's own client.memory fit), is judged against the bounds below: the run fails
 * when the interval's low end is above a bound (growth beyond noise), loudly.
 */
import { fitSlope } from '../dist/metrics/memory-trend.js';
import { measureChild, stderrTail } from './measured-run.js';

/**
 * Bounds, MB per minute of this run (docs/soak.md): the blocks' memory is bounded by design, so a
 * flat run's slope is small and bounded (blocks filling between coarsenings, compiled code). Set
 * from 600 s runs on 2026-12-07 (load average 39-55 on 2 cores), three of the fixed code and three
 * of the code before RunState.waitFor's fix (eb99b6d) side by side: heap 0.059-0.077 (95 % high
 * ends 0.082-0.113) against 0.134-0.151 (low ends 0.114-0.121); RSS -0.12 to 0.86 (low ends up to
 * 0.37) against 1.19-2.73 (low ends 0.13, 1.83, 2.27). A run fails only when the whole 95 %
 * interval is above a bound: the old code failed the heap bound 3 times in 3, the RSS bound 2 in 3.
 */
export const SOAK_MEMORY_BOUNDS = { heapMbPerMin: 0.11, rssMbPerMin: 1.0 };

/** Settings from BENCH_SOAKMEM_* (seconds, sockets, rate, drop period and count). */
export function soakMemoryConfig(env = process.env) {
  const num = (name, dflt, min, max) => {
    const text = env[name];
    if (text === undefined || text === '') return dflt;
    const v = Number(text);
    if (!Number.isFinite(v) || v < min || v > max) throw new Error(`${name}: expected a number from ${min} to ${max}, got "${text}"`);
    return v;
  };
  return {
    seconds: num('BENCH_SOAKMEM_SECONDS', 600, 30, 86_400),
    sockets: num('BENCH_SOAKMEM_SOCKETS', 1000, 10, 19_000),
    rate: num('BENCH_SOAKMEM_RATE', 10, 1, 10_000),
    dropEverySeconds: num('BENCH_SOAKMEM_DROP_EVERY', 3, 0.5, 3600),
    dropCount: num('BENCH_SOAKMEM_DROP_COUNT', 20, 1, 19_000),
    tickMs: 50,
    sampleMs: 2000,
    /** Share of the run left out at the start (ramp, heaps growing to their working size). */
    warmUpShare: 0.3,
  };
}

/** Slope (MB/min) with its 95 % interval of `y` against `atMs`. */
export function slopePerMinute(atMs, y) {
  const fit = fitSlope(
    atMs.map((t) => t / 60_000),
    y,
  );
  const half = 1.96 * fit.se;
  return { slope: round3(fit.slope), ci: [round3(fit.slope - half), round3(fit.slope + half)], samples: atMs.length };
}

/** Judges the samples: a slope whose interval lies wholly above its bound fails. */
export function judgeSoakMemory(samples, cfg, bounds = SOAK_MEMORY_BOUNDS) {
  const from = cfg.warmUpShare * cfg.seconds * 1000;
  const kept = samples.filter((s) => s.atMs >= from);
  const at = kept.map((s) => s.atMs);
  const heap = slopePerMinute(
    at,
    kept.map((s) => s.heapMb),
  );
  const rss = slopePerMinute(
    at,
    kept.map((s) => s.rssMb),
  );
  const failures = [];
  if (kept.length < 10) failures.push(`only ${kept.length} samples after the warm-up (need 10)`);
  if (heap.ci[0] > bounds.heapMbPerMin)
    failures.push(`heap grows ${heap.slope} MB/min (95 % ${heap.ci[0]} to ${heap.ci[1]}), bound ${bounds.heapMbPerMin}`);
  if (rss.ci[0] > bounds.rssMbPerMin)
    failures.push(`RSS grows ${rss.slope} MB/min (95 % ${rss.ci[0]} to ${rss.ci[1]}), bound ${bounds.rssMbPerMin}`);
  return { heap, rss, failures };
}

/**
 * Runs the accelerated soak; returns the bench line (`ok: false` and `failures` when a slope is above its bound).
 * @param {ReturnType<typeof soakMemoryConfig>} cfg
 * @param {{ root: string }} ctx
 */
export async function runSoakMemory(cfg, ctx) {
  const churn = { calls: 0, failed: 0, dropped: 0 };
  const m = await measureChild({
    root: ctx.root,
    timeoutMs: (cfg.seconds + 120) * 1000,
    args: (target) => [
      '--expose-gc',
      'bench/soak-memory-child.js',
      JSON.stringify({
        tickMs: cfg.tickMs,
        sampleMs: cfg.sampleMs,
        scenario: {
          name: 'bench-soak-memory',
          target: { url: target.wsUrl },
          connections: cfg.sockets,
          connectRate: 2000,
          duration: `${cfg.seconds}s`,
          workers: 1,
          publish: { rate: cfg.rate, ids: [1, 2, 3, 4], deadline: '5s' },
          reconnect: { policy: 'backoff', min: '200ms', max: '2s', jitter: 0.2 },
          report: { interval: '1s' },
        },
      }),
    ],
    during: (target) => {
      const timer = setInterval(() => {
        churn.calls++;
        fetch(`${target.httpUrl}/admin/drop?mode=destroy&count=${cfg.dropCount}`)
          .then(async (res) => {
            churn.dropped += Number((await res.text()).trim()) || 0;
          })
          .catch(() => churn.failed++);
      }, cfg.dropEverySeconds * 1000);
      return () => clearInterval(timer);
    },
  });
  const lines = m.exit.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  const end = lines.find((l) => l.done);
  if (m.exit.code !== 0 || !end)
    throw new Error(
      `soak-memory: the load process exited ${m.exit.code ?? m.exit.signal}${m.exit.timedOut ? ' (timed out)' : ''}: ${stderrTail(m.exit.stderr)}`,
    );
  const samples = lines.filter((l) => typeof l.atMs === 'number');
  const verdict = judgeSoakMemory(samples, cfg);
  return {
    run: 'soak-memory',
    ok: verdict.failures.length === 0,
    seconds: cfg.seconds,
    sockets: cfg.sockets,
    publishRate: cfg.rate,
    tickMs: cfg.tickMs,
    blockMs: end.blockMs,
    blocks: end.blocks,
    coarsenings: end.blockMs ? Math.round(Math.log2(end.blockMs / cfg.tickMs)) : 0,
    books: { expected: end.expected, delivered: end.delivered, lost: end.lost },
    reconnects: end.reconnects,
    churn,
    heapMbPerMin: verdict.heap,
    rssMbPerMin: verdict.rss,
    bounds: SOAK_MEMORY_BOUNDS,
    heapMb: { first: round1(samples[0]?.heapMb), last: round1(samples.at(-1)?.heapMb) },
    rssMb: { first: round1(samples[0]?.rssMb), last: round1(samples.at(-1)?.rssMb) },
    ...(verdict.failures.length > 0 ? { failures: verdict.failures } : {}),
  };
}

const round3 = (v) => Math.round(v * 1000) / 1000;
const round1 = (v) => (v === undefined ? null : Math.round(v * 10) / 10);
