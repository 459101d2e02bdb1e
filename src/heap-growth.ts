/**
 * V8's heap growing factor held to 1.2 while a run's sockets are open (issue 22, docs/performance.md
 * "The heap growing factor for the whole run"). A handshake's objects (HTTP parser, request,
 * upgrade buffers) often outlive two scavenges of a socket worker's young generation and die in the
 * old one; with V8's own factor (up to 4× what survived the last full GC) the old space grew to
 * ~60 MB for ~40 MB live at 10,000 sockets after the ramp, and kept the hold's peak to the end.
 * At 1.2 the full GCs that collect it come sooner: more of them (4 → ~30 in a 10,000-socket run),
 * each over a small heap, with no more GC time, CPU per delivery or event-loop lag in the runs measured.
 *
 * Held for the whole run, not the ramp alone: put back to V8's default for the hold, the old space
 * grew again and the end of the hold kept its peak (measured, reverted in 819fd83). The flag is the
 * process's (every isolate's heap reads it at each full GC, socket workers included), so it is held
 * by a count: the first holder sets it, the last one to let go puts V8's default back, and a
 * process started with its own `--heap-growing-percent` is left alone.
 */
import { setFlagsFromString } from 'node:v8';

/** The old generation's limit after a full GC: (1 + this / 100) × what survived it. */
export const RUN_HEAP_GROWING_PERCENT = 20;

const FLAG = '--heap-growing-percent';

let holders = 0;

/** True when the process was started with its own growing factor (its caller chose it). */
function chosenByCaller(execArgv: readonly string[]): boolean {
  return execArgv.some((a) => a.startsWith(FLAG) || a.startsWith('--heap_growing_percent'));
}

/** Holds the run's growing factor; returns what lets go of it (idempotent). */
export function holdHeapGrowth(
  execArgv: readonly string[] = process.execArgv,
  setFlags: (flags: string) => void = setFlagsFromString,
): () => void {
  if (chosenByCaller(execArgv)) return () => {};
  if (holders++ === 0) setFlags(`${FLAG}=${RUN_HEAP_GROWING_PERCENT}`);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    // 0 is V8's default: the dynamic factor from GC and allocation speed.
    if (--holders === 0) setFlags(`${FLAG}=0`);
  };
}

/** Whether a run holds the factor now (the run's tests read it while its workers run). */
export function heapGrowthHeld(): boolean {
  return holders > 0;
}
