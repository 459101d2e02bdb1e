/**
 * Fault injection from the test side: a preload (`node --import <this file>`, or NODE_OPTIONS; see
 * test/helpers/inject.ts) that puts known faults into a wsload process or its worker threads, so no
 * test-only switch lives in src/. Worker threads inherit the preload (they inherit execArgv and the
 * process's NODE_OPTIONS), so one file reaches the CLI's main thread, its workers and the processes it
 * spawns (local shards, the embedded target); each fault acts only where it is meant to.
 *
 * Configured by WSLOAD_INJECT, a JSON object (unset or empty: the preload does nothing):
 * - workerStall "<worker>:<busy ms>/<period ms>": worker <worker>'s event loop is held busy <busy> ms
 *   of every <period> ms, on the wall clock (in any process, the test runner's own included).
 * - probeStall "<busy ms>x<times>": in every worker thread, a protocol heartbeat sweep that sent a probe
 *   (MQTT PINGREQ, graphql-ws ping) holds the event loop busy <busy> ms right after the poll phase
 *   that follows it (setImmediate), <times> times in all: the reply arrives during the stall, and the
 *   overdue sweep runs before the sockets are read again.
 * - sweepStall "<busy ms>x<times>": likewise after a heartbeat sweep while some socket is watched (for
 *   the silence watch: STOMP heart-beats, Socket.IO pings), <times> times, the first 1 s after a
 *   socket was first watched (past the ramp, in the hold), then 1 s after the end of the last.
 * - coordinatorStallMs N (a `wsload run` coordinating agents): its main thread is held busy N ms, once,
 *   1 s into the hold.
 * - coordinatorBug "message" | "timer" (likewise, 1 s into the hold): the next agent frame carrying a
 *   worker message throws while it is taken in, or a timer throws an exception nobody catches.
 * - coordinatorOtherClock true (a `wsload run` coordinating agents): it takes itself for another boot of
 *   its host, so it probes the clocks even of agents on its host (the estimator path end to end).
 * - publishDelayMs N (a `wsload agent`): the coordinator's publish and settle records are taken in N ms
 *   late, so pushes outrun them (the held-receipt path).
 *
 * Plain JavaScript: node loads it before anything is compiled. It wraps methods of the built classes
 * in dist/ (ESM loads each file once, so the CLI gets the same, wrapped, class).
 */
import { isMainThread, workerData } from 'node:worker_threads';

const raw = process.env.WSLOAD_INJECT;
const faults = raw ? JSON.parse(raw) : {};
const DIST = new URL('../../../dist/', import.meta.url);
/** `wsload <command>`: which process of wsload this is (none in the test runner). */
const command = process.argv[1]?.endsWith('wsload.js') ? process.argv[2] : undefined;

/** The method `name` of `cls`, which must exist: a renamed method must fail the run, not drop its fault. */
function method(cls, name) {
  const fn = cls.prototype[name];
  if (typeof fn !== 'function')
    throw new Error(`WSLOAD_INJECT: ${cls.name}.prototype.${name} is not a method any more (test/helpers/inject/faults.mjs)`);
  return fn;
}

/** Holds this thread's event loop busy (not idle) for ms on the wall clock, however loaded the machine. */
function spin(ms) {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin
  }
}

if (faults.workerStall && !isMainThread && typeof workerData?.workerId === 'number') {
  const m = /^(\d+):(\d+)\/(\d+)$/.exec(faults.workerStall);
  if (m === null)
    throw new Error(`WSLOAD_INJECT.workerStall: expected "<worker>:<busy ms>/<period ms>", got ${JSON.stringify(faults.workerStall)}`);
  const [worker, busyMs, periodMs] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Never keeps the thread alive on its own.
  if (workerData.workerId === worker) setInterval(() => spin(busyMs), periodMs).unref();
}

if ((faults.probeStall || faults.sweepStall) && !isMainThread && typeof workerData?.workerId === 'number') {
  const name = faults.probeStall ? 'probeStall' : 'sweepStall';
  const m = /^(\d+)x(\d+)$/.exec(faults[name]);
  if (m === null) throw new Error(`WSLOAD_INJECT.${name}: expected "<busy ms>x<times>", got ${JSON.stringify(faults[name])}`);
  const [busyMs, times] = [Number(m[1]), Number(m[2])];
  const { Heartbeats } = await import(new URL('protocols/heartbeat.js', DIST).href);
  const { nowMs } = await import(new URL('clock.js', DIST).href);
  const sweep = method(Heartbeats, 'sweep');
  let left = times;
  /** sweepStall: no stall before this (the sweep's clock, nowMs); 0: no socket watched yet. */
  let notBefore = 0;
  Heartbeats.prototype.sweep = function (now) {
    sweep.call(this, now);
    if (left === 0) return;
    // The sweep stamps each probe it sends expecting a reply with its time; `live` marks the watched sockets.
    const marks = name === 'probeStall' ? this.probeSentAt : this.live;
    if (!(marks instanceof Float64Array || marks instanceof Uint8Array))
      throw new Error('WSLOAD_INJECT: Heartbeats.probeSentAt or .live is not a typed array any more (test/helpers/inject/faults.mjs)');
    if (!marks.includes(name === 'probeStall' ? now : 1)) return;
    if (name === 'sweepStall') {
      if (notBefore === 0) notBefore = now + 1_000;
      if (now < notBefore) return;
    }
    left--;
    setImmediate(() => {
      spin(busyMs);
      notBefore = nowMs() + 1_000;
    });
  };
}

if (isMainThread && command === 'run' && (faults.coordinatorStallMs > 0 || faults.coordinatorBug || faults.coordinatorOtherClock)) {
  const { Coordinator } = await import(new URL('coordinator/coordinator.js', DIST).href);
  if (faults.coordinatorOtherClock) {
    // Agents on this host are known to share its clock by the host name and boot id they send.
    const start = Coordinator.start;
    if (typeof start !== 'function')
      throw new Error('WSLOAD_INJECT: Coordinator.start is not a function any more (test/helpers/inject/faults.mjs)');
    Coordinator.start = async function (...args) {
      const coordinator = await start.apply(this, args);
      coordinator.me = { ...coordinator.me, bootId: 'another boot (injected by the test)' };
      return coordinator;
    };
  }
  let armed = false;
  let bugOnNextMessage = false;
  const arm = () => {
    if (armed) return;
    armed = true;
    setTimeout(() => {
      if (faults.coordinatorBug === 'timer') throw new Error('test fault: a timer of the coordinator threw');
      if (faults.coordinatorBug === 'message') bugOnNextMessage = true;
      // Busy outside the timers phase (as a long GC or a blocking write would be): the event loop
      // comes out of it into its overdue timers before it reads what queued meanwhile.
      if (faults.coordinatorStallMs > 0) setImmediate(() => spin(faults.coordinatorStallMs));
    }, 1_000).unref();
  };
  // The hold begins when the driver tells the workers 'hold' through the ports assign() hands out.
  const assign = method(Coordinator, 'assign');
  Coordinator.prototype.assign = function (...args) {
    const ports = assign.apply(this, args);
    for (const port of ports.values()) {
      const post = port.postMessage;
      port.postMessage = (msg) => {
        if (msg.type === 'hold') arm();
        post(msg);
      };
    }
    return ports;
  };
  const onMessage = method(Coordinator, 'onMessage');
  Coordinator.prototype.onMessage = function (link, msg) {
    if (bugOnNextMessage && msg.type === 'worker') {
      bugOnNextMessage = false;
      throw new Error('test fault: taking in a worker message threw');
    }
    return onMessage.call(this, link, msg);
  };
}

if (isMainThread && command === 'agent' && faults.publishDelayMs > 0) {
  const { AgentSession: Agent } = await import(new URL('agent/agent.js', DIST).href);
  const onMessage = method(Agent, 'onMessage');
  Agent.prototype.onMessage = function (msg) {
    if (msg.type === 'publish' || msg.type === 'settle') setTimeout(() => onMessage.call(this, msg), faults.publishDelayMs);
    else onMessage.call(this, msg);
  };
}
