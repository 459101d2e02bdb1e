/**
 * A memory probe injected from the test side (`node --expose-gc --import <this file> …`, or through
 * NODE_OPTIONS), to find what grows in a long run (issue 27, docs/soak.md) with no switch in src/.
 * Active only when WSLOAD_PROBE_DIR is set, and only in a wsload load process (bin/wsload.js run or
 * bench/soak-memory-child.js; a target started with the same NODE_OPTIONS is left alone). In every
 * thread (main and each worker: workers inherit the preload), every WSLOAD_PROBE_EVERY_S seconds
 * (default 10) it forces a full GC and appends one JSON line to <dir>/<thread>.ndjson: that
 * isolate's heap (used, total, old space), external and array buffers, and the process's RSS split
 * into anonymous and file-backed pages. At the seconds listed in WSLOAD_PROBE_SNAP_S (e.g.
 * "300,700,1200") each thread writes a heap snapshot to <dir>/<thread>-<s>.heapsnapshot (diff them
 * by constructor with scripts/heapsnap-diff.mjs).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import v8 from 'node:v8';
import { isMainThread, threadId } from 'node:worker_threads';

const dir = process.env.WSLOAD_PROBE_DIR;
const script = process.argv[1] ?? '';
// A worker's argv[1] is its own script: wsload's workers are under dist/ (a target's, if any, are told apart by pid).
const isLoad = isMainThread
  ? (script.endsWith('wsload.js') && process.argv[2] === 'run') || script.endsWith('soak-memory-child.js')
  : script.includes('/dist/');

if (dir && isLoad) {
  const everyMs = Number(process.env.WSLOAD_PROBE_EVERY_S || 10) * 1000;
  const snaps = (process.env.WSLOAD_PROBE_SNAP_S || '')
    .split(',')
    .filter((s) => s.trim() !== '')
    .map(Number);
  const name = isMainThread ? 'main' : `worker${threadId}-${process.pid}`;
  const file = join(dir, `${name}.ndjson`);
  const t0 = Date.now();
  const gc = typeof globalThis.gc === 'function' ? globalThis.gc : null;
  /** RssAnon and RssFile of the process, MB (Linux). */
  const rssParts = () => {
    const out = {};
    try {
      for (const line of readFileSync('/proc/self/status', 'utf8').split('\n')) {
        const m = /^(RssAnon|RssFile|VmRSS):\s+(\d+)/.exec(line);
        if (m) out[m[1]] = Number(m[2]) / 1024;
      }
    } catch {
      /* not Linux */
    }
    return out;
  };
  const mb = (b) => Math.round((b / 1048576) * 100) / 100;
  const timer = setInterval(() => {
    gc?.();
    const h = v8.getHeapStatistics();
    const old = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space');
    const m = process.memoryUsage();
    const row = {
      s: Math.round((Date.now() - t0) / 1000),
      heapUsed: mb(h.used_heap_size),
      heapTotal: mb(h.total_heap_size),
      oldUsed: mb(old?.space_used_size ?? 0),
      oldSize: mb(old?.space_size ?? 0),
      external: mb(m.external),
      arrayBuffers: mb(m.arrayBuffers),
      rss: mb(m.rss),
      ...rssParts(),
    };
    appendFileSync(file, `${JSON.stringify(row)}\n`);
  }, everyMs);
  timer.unref();
  for (const s of snaps) {
    const t = setTimeout(() => {
      gc?.();
      v8.writeHeapSnapshot(join(dir, `${name}-${s}.heapsnapshot`));
    }, s * 1000);
    t.unref();
  }
}
