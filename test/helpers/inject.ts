/**
 * Known faults put into a wsload process from the test side (test/helpers/inject/faults.mjs says
 * what each does): the environment a child `wsload` is started with to load the preload.
 */
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

/** The preload, for `node --import` (vitest's execArgv) or NODE_OPTIONS. */
export const INJECT_PRELOAD = join(import.meta.dirname, 'inject/faults.mjs');

export interface Faults {
  /** "<worker>:<busy ms>/<period ms>": that worker's event loop held busy <busy> of every <period> ms. */
  workerStall?: string;
  /** "<busy ms>x<times>": a worker's event loop held busy <busy> ms after a protocol heartbeat sweep sent a probe, <times> times. */
  probeStall?: string;
  /** "<busy ms>x<times>": likewise after any protocol heartbeat sweep while some socket is watched. */
  sweepStall?: string;
  /** A coordinating `wsload run`'s main thread held busy this long, once, 1 s into the hold. */
  coordinatorStallMs?: number;
  /** A bug of a coordinating `wsload run`, 1 s into the hold: a frame's handling throws, or a timer does. */
  coordinatorBug?: 'message' | 'timer';
  /** A coordinating `wsload run` probes the clocks even of agents on its host. */
  coordinatorOtherClock?: boolean;
  /** A `wsload agent` takes in the coordinator's publish and settle records this much later. */
  publishDelayMs?: number;
}

/** The variable the preload reads its faults from. */
export const INJECT_ENV = 'WSLOAD_INJECT';

/** Environment for a child `wsload` (and the processes it spawns) with these faults. */
export function injectEnv(faults: Faults): NodeJS.ProcessEnv {
  const preload = `--import=${pathToFileURL(INJECT_PRELOAD).href}`;
  const inherited = process.env.NODE_OPTIONS;
  return { NODE_OPTIONS: inherited ? `${inherited} ${preload}` : preload, [INJECT_ENV]: JSON.stringify(faults) };
}
