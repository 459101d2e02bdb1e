/**
 * V8's heap growing factor while a run's sockets are open: 1.2 through the ramp, 2.0 through the hold
 * (issue 22, docs/performance.md "The heap growing factor: 1.2 through the ramp, 2.0 through the hold"). A handshake's objects
 * (HTTP parser, request, upgrade buffers) often outlive two scavenges of a socket worker's young
 * generation and die in the old one. V8's own factor (up to 4× what survived the last full GC) let
 * the old space grow to ~60 MB for ~40 MB live at 10,000 sockets after the ramp, and then to the
 * hold's peak (~300 MB RSS) and kept it to the end.
 *
 * Through the ramp, 1.2: full GCs come soon and each is small, so the ramp ends near its live size
 * and the hold's first full GC starts from there; through the hold, 2.0. Held at 1.2 for the hold
 * too, RSS after the ramp was the same and the hold's peak and end ~40 MB lower, but the full GCs
 * went from ~4 to ~30 in a 20 s hold and their helper threads cost 3–4 % of a core: CPU per
 * delivery 1.03–1.27× the raw client's at the default rate. At 2.0 the hold has a few full GCs and
 * its peak stays well under the raw client's. (One full GC in each thread when the ramp ended,
 * beside this, changed no phase's RSS: not kept.)
 *
 * The flag is the process's (every isolate's heap reads it at each full GC, socket workers
 * included), so each run holds it by a handle: the tightest phase among the holders is set, V8's
 * default is put back when the last one lets go, and a process started with its own
 * `--heap-growing-percent` is left alone.
 */
import { setFlagsFromString } from 'node:v8';

/** The old generation's limit after a full GC: (1 + this / 100) × what survived it. */
export const HEAP_GROWING_PERCENT = { ramp: 20, hold: 100 } as const;

export type HeapPhase = keyof typeof HEAP_GROWING_PERCENT;

/** One run's hold on the factor. */
export interface HeapGrowthHold {
  /** The ramp is over: every socket's first attempt has settled (or the ramp's time ran out, or the run has stages). */
  toHold(): void;
  /** Lets go (idempotent); the last holder puts V8's default back. */
  release(): void;
}

const FLAG = '--heap-growing-percent';

/** V8's default: the dynamic factor from GC and allocation speed. */
const V8_DEFAULT = 0;

const holders = new Set<{ phase: HeapPhase }>();
let applied = V8_DEFAULT;

/** True when the process was started with its own growing factor (its caller chose it). */
function chosenByCaller(execArgv: readonly string[]): boolean {
  return execArgv.some((a) => a.startsWith(FLAG) || a.startsWith('--heap_growing_percent'));
}

function apply(setFlags: (flags: string) => void): void {
  const held = [...holders].map((h) => HEAP_GROWING_PERCENT[h.phase]);
  const want = held.length > 0 ? Math.min(...held) : V8_DEFAULT;
  if (want === applied) return;
  applied = want;
  setFlags(`${FLAG}=${want}`);
}

/** Holds the factor for one run, in its ramp phase first. */
export function holdHeapGrowth(
  execArgv: readonly string[] = process.execArgv,
  setFlags: (flags: string) => void = setFlagsFromString,
): HeapGrowthHold {
  if (chosenByCaller(execArgv)) return { toHold: () => {}, release: () => {} };
  const me: { phase: HeapPhase } = { phase: 'ramp' };
  holders.add(me);
  apply(setFlags);
  return {
    toHold: () => {
      if (!holders.has(me)) return;
      me.phase = 'hold';
      apply(setFlags);
    },
    release: () => {
      if (!holders.delete(me)) return;
      apply(setFlags);
    },
  };
}

/** The percent a run holds now, or null when none does (the run's tests read it while its workers run). */
export function heldHeapGrowth(): number | null {
  return holders.size === 0 ? null : applied;
}
