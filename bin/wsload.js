#!/usr/bin/env node
// Thin launcher: all logic lives in the compiled CLI module. Loading it takes a few hundred ms;
// signals arriving meanwhile are held and handed over, so an early Ctrl-C is not lost.
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
