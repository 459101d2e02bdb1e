/**
 * A known memory leak injected from the test side (`node --import <this file> bin/wsload.js run …`, or through
 * NODE_OPTIONS for bench/soak-memory-child.js),
 * to measure whether the report's `client.memory.flat` calls a leaking client (docs/soak.md), with
 * no test-only switch in src/. Configured by WSLOAD_LEAK_KB_PER_S (unset, empty or 0: the preload
 * does nothing): the main thread of a `wsload run` keeps N KB more every second, written through so
 * every page is resident (a zeroed allocation may be left unmapped by the kernel and never count in
 * RSS). Worker threads inherit the preload and do nothing: the leak is one rate per process.
 * The first WSLOAD_LEAK_DELAY_S seconds (default 0) leak nothing.
 */
import { isMainThread } from 'node:worker_threads';

const kbPerSecond = Number(process.env.WSLOAD_LEAK_KB_PER_S || 0);
const delaySeconds = Number(process.env.WSLOAD_LEAK_DELAY_S || 0);
const script = process.argv[1] ?? '';
// A `wsload run`, or the accelerated soak's load process (bench/soak-memory-child.js).
const isLoad = (script.endsWith('wsload.js') && process.argv[2] === 'run') || script.endsWith('soak-memory-child.js');

if (isMainThread && isLoad && Number.isFinite(kbPerSecond) && kbPerSecond > 0) {
  /** What the leak keeps: never read, never released while the process lives. */
  const kept = [];
  // A few chunks a second, each above the Buffer pool's size so each is its own allocation.
  const everyMs = 250;
  const bytes = Math.round((kbPerSecond * 1024 * everyMs) / 1000);
  const start = setTimeout(() => {
    const timer = setInterval(() => kept.push(Buffer.alloc(bytes, 0xa5)), everyMs);
    timer.unref();
  }, delaySeconds * 1000);
  start.unref();
}
