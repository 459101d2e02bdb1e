/**
 * V8's heap held close to its live size while the ramp runs (issue 22, docs/performance.md "Where
 * the gap after the ramp goes"). A handshake's objects (HTTP parser, request, upgrade buffers) often outlive two
 * scavenges of the socket worker's 16 MB young generation and die in the old one; with V8's own
 * growing factor (up to 4× the live size after each full GC) the old space grew to ~60 MB for ~40
 * MB live at 10,000 sockets, and that is what RSS held right after the ramp. A factor of 1.2 makes
 * the full GCs that collect this garbage come sooner.
 *
 * Only during the ramp: the hold's CPU per delivery is what the issue counts, and a full GC every
 * 20% of growth costs it (measured: the worker's full GCs 3 → 16 in a 10,000-socket run). The flag
 * is the process's (every isolate's heap reads it at each full GC, the socket workers' included),
 * so it is set when the ramp starts and put back to V8's default when it ends.
 */
import { setFlagsFromString } from 'node:v8';

/** The old generation's limit after a full GC: (1 + this / 100) × what survived it. */
export const RAMP_HEAP_GROWING_PERCENT = 20;

const FLAG = '--heap-growing-percent';

/**
 * Sets the ramp's growing factor and returns what puts V8's default back (idempotent). A process
 * started with its own `--heap-growing-percent` (the library's caller chose it) is left alone.
 */
export function tightenHeapGrowth(
  execArgv: readonly string[] = process.execArgv,
  setFlags: (flags: string) => void = setFlagsFromString,
): () => void {
  if (execArgv.some((a) => a.startsWith(FLAG) || a.startsWith('--heap_growing_percent'))) return () => {};
  setFlags(`${FLAG}=${RAMP_HEAP_GROWING_PERCENT}`);
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    // 0 is V8's default: the dynamic factor from GC and allocation speed.
    setFlags(`${FLAG}=0`);
  };
}
