#!/usr/bin/env -S MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=131072 node --max-semi-space-size=1 --initial-old-space-size=32
// Thin launcher: all logic lives in the compiled CLI module. Loading it takes a few hundred ms;
// signals arriving meanwhile are held and handed over, so an early Ctrl-C is not lost.
//
// The #! line (issue 22, docs/performance.md "Start-up settings on the #! line"): env sets them and
// execs node in its own place, so the command (npx, npm link, a global install, the image's
// ENTRYPOINT) is one process with this PID, signals and exit codes untouched. glibc reads the two
// variables only at start: at most 2 malloc arenas (each thread otherwise gets its own, kept with
// its free memory) and no trim threshold that grows with use. V8 sizes a heap when its isolate is
// made, too late from here: 1 MB semi-spaces for the main thread's young generation (its garbage is
// small), and a first old-generation limit of 32 MB for every thread, so the socket worker's first
// full GC comes before the hold has promoted ~60 MB. `node bin/wsload.js` skips the line.
import { setFlagsFromString } from 'node:v8';

// A --max-semi-space-size given to node is meant for this, the main thread's isolate, made before
// this line runs. V8 applies the flag to every isolate made later too, over a worker's own
// resourceLimits; unset now, the socket workers keep the young generation spawn.ts gives them.
setFlagsFromString('--max-semi-space-size=0');

const held = [];
const hold = (signal) => held.push(signal);
process.on('SIGINT', hold);
process.on('SIGTERM', hold);
process.on('SIGHUP', hold);
import('../dist/cli/main.js').then((m) => {
  // main() takes the signals over before its first await; only then is the hold let go, so a
  // signal still queued for delivery always finds a listener (with none, Node drops it).
  const done = m.main(process.argv, held);
  process.off('SIGINT', hold);
  process.off('SIGTERM', hold);
  process.off('SIGHUP', hold);
  return done;
});
