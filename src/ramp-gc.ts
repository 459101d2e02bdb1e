/**
 * One full garbage collection in a thread when its ramp ends (issue 22, docs/performance.md "One
 * full GC when the ramp ends"). A handshake's objects (HTTP parser, request, upgrade buffers) often
 * outlive two scavenges of a socket worker's young generation and die in its old one. V8 sizes the
 * old generation from what survived its last full GC, up to ~4× it, so the ramp's dead handshakes set
 * the hold's floor: at 10,000 sockets RSS after the ramp was 1.3× the raw `ws` client's and the
 * hold's peak ~300 MB. Collected once when the last socket's first attempt has settled (before the
 * first publish: the hold starts when every worker has said so), V8 sizes the hold from the live heap.
 *
 * It replaces a growing factor held to 1.2 for the whole run, which bought the same RSS with ~7× the
 * full GCs through the hold: their helper threads cost 3–4 % of a core, CPU per delivery 1.03–1.27×
 * the raw client's at the default rate.
 *
 * V8's `gc` is reached without `--expose-gc` on the command line: a run opens a window (the main
 * thread, before its workers start) in which the flag is set, so each thread can make one new context
 * whose global `gc` collects that thread's whole isolate; the last run to end closes it, so later
 * code finds no `gc` global. Only the main thread sets and unsets the flag: threads that set it
 * each for themselves raced (one's unset came between another's set and its new context). A
 * process started with `--expose-gc` keeps it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = () => void;

/** This thread's collector, made once (each worker thread has its own module instance). */
let collector: Collect | null = null;

/** Runs open in this process (main thread only). */
let windows = 0;

/** Opens the window for one run; returns what closes it (idempotent). */
export function openGcWindow(
  execArgv: readonly string[] = process.execArgv,
  setFlags: (flags: string) => void = setFlagsFromString,
): () => void {
  if (execArgv.some((a) => a === '--expose-gc' || a === '--expose_gc')) return () => {};
  if (windows++ === 0) setFlags('--expose-gc');
  let closed = false;
  return () => {
    if (closed) return;
    closed = true;
    if (--windows === 0) setFlags('--no-expose-gc');
  };
}

function ownCollector(): Collect | null {
  const given: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof given === 'function') return given as Collect;
  // A context made outside a run's window has no `gc`: V8's own schedule then, the run the same, its RSS higher.
  const made: unknown = runInNewContext('typeof gc === "function" ? gc : null');
  return typeof made === 'function' ? (made as Collect) : null;
}

/** Runs one full, synchronous GC of this thread's heap; false when no window was open to make its collector. */
export function collectGarbage(): boolean {
  if (collector === null) collector = ownCollector();
  if (collector === null) return false;
  collector();
  return true;
}
