/**
 * The load process of the accelerated memory soak (bench/soak-memory.js), run with --expose-gc:
 * wsload through the library with a short tick (`tickMs`, a documented library option), so the
 * per-block histograms reach their limit and are coarsened several times in minutes. Every
 * `sampleMs` it forces a full GC and prints the main thread's heap and the process's RSS as one
 * JSON line; at the end, one line with the report's books.
 */
import { run } from '../dist/api.js';

const cfg = JSON.parse(process.argv[2]);
const gc = /** @type {() => void} */ (globalThis.gc);
if (typeof gc !== 'function') {
  process.stderr.write('soak-memory-child: run with --expose-gc\n');
  process.exit(2);
}
const t0 = performance.now();
const print = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
const timer = setInterval(() => {
  gc();
  const m = process.memoryUsage();
  print({
    atMs: Math.round(performance.now() - t0),
    heapMb: m.heapUsed / 1048576,
    rssMb: m.rss / 1048576,
    externalMb: m.external / 1048576,
  });
}, cfg.sampleMs);
try {
  const report = await run(cfg.scenario, { tickMs: cfg.tickMs, out: null });
  const f = report.fanout;
  print({
    done: true,
    published: report.publish.sent,
    peakOpen: report.connections.peakOpen,
    failed: report.connections.failed,
    saturated: report.client.saturated,
    expected: f.expected,
    delivered: f.delivered,
    lost: f.lost,
    reconnects: report.reconnects.total,
    blockMs: report.intervals?.blockMs ?? null,
    blocks: report.intervals?.fanout.length ?? 0,
    memory: report.client.memory ?? null,
  });
} finally {
  clearInterval(timer);
}
