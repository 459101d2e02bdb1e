/**
 * `node bench/tracker-receive.js`: the cost of DeliveryTracker.receive, the worker's per-message
 * accounting, on the shipped default path (scenarios/fanout.json: 2,000 sockets over 2 workers,
 * 10 publishes/s, deadline 10 s, so one worker tracks 1,000 sockets in a 1,024-slot ring). Every
 * socket receives every publish once, in socket order, as a burst from the target arrives; each
 * publish is evaluated a deadline's worth of publishes later, as the worker's tick does. Only the
 * receive calls are timed, by the wall clock and by this process's CPU time (on a shared, loaded
 * machine the CPU time leaves out the time the thread was not running). Prints one JSON line: ns
 * per receive (median and best of the rounds, both clocks) and the books, which must be exact.
 *
 * Settings: TRACKER_SOCKETS (1000), TRACKER_PUBLISHES (4000, wrapping the ring), TRACKER_ROUNDS (7),
 * TRACKER_CLOSES (0: a socket closed and reopened every N publishes, to time the close path too).
 */
import { DeliveryTracker } from '../dist/worker/delivery-tracker.js';
import { announce, createRing, ringSizeFor, settle } from '../dist/run/publish-ring.js';

const sockets = Number(process.env.TRACKER_SOCKETS ?? 1000);
const publishes = Number(process.env.TRACKER_PUBLISHES ?? 4000);
const rounds = Number(process.env.TRACKER_ROUNDS ?? 7);
const closeEvery = Number(process.env.TRACKER_CLOSES ?? 0);
const rate = 10;
const deadlineMs = 10_000;
const intervalMs = 1000 / rate;
const lagPublishes = Math.ceil((deadlineMs / 1000) * rate);

function round() {
  const ring = createRing(ringSizeFor(rate, deadlineMs));
  const view = {
    subscribedAt: new Float64Array(sockets).fill(1),
    everOpened: new Uint8Array(sockets).fill(1),
    reconnects: new Uint8Array(sockets),
    cohortOfSocket: new Uint16Array(sockets),
  };
  const tracker = new DeliveryTracker(sockets, ring, view, 1, deadlineMs);
  let ns = 0n;
  let cpuUs = 0;
  let receipts = 0;
  for (let seq = 1; seq <= publishes; seq++) {
    const scheduled = 1 + seq * intervalMs;
    announce(ring, seq, scheduled, scheduled + 0.1);
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    for (let k = 0; k < sockets; k++) tracker.receive(k, seq, scheduled + 2 + k * 0.001);
    ns += process.hrtime.bigint() - start;
    const used = process.cpuUsage(cpu);
    cpuUs += used.user + used.system;
    receipts += sockets;
    settle(ring, seq, true, scheduled + 3);
    if (closeEvery > 0 && seq % closeEvery === 0 && typeof tracker.connectionClosed === 'function') {
      // One socket's connection ends and a new one subscribes: the close path's cost, untimed here.
      const k = seq % sockets;
      tracker.connectionClosed(k, view.subscribedAt[k], scheduled + 5);
      view.subscribedAt[k] = scheduled + 6;
    }
    if (seq > lagPublishes) tracker.evaluate(seq - lagPublishes);
  }
  for (let seq = tracker.evaluatedUpTo + 1; seq <= publishes; seq++) tracker.evaluate(seq);
  return { nsPerReceive: Number(ns) / receipts, cpuNsPerReceive: (cpuUs * 1000) / receipts, counters: tracker.counters };
}

const results = [];
for (let i = 0; i < rounds; i++) results.push(round());
const sorted = results.map((r) => r.nsPerReceive).sort((a, b) => a - b);
const cpuSorted = results.map((r) => r.cpuNsPerReceive).sort((a, b) => a - b);
const c = results[0].counters;
const round1 = (x) => Math.round(x * 10) / 10;
process.stdout.write(
  `${JSON.stringify({
    bench: 'tracker-receive',
    sockets,
    publishes,
    rounds,
    nsPerReceiveMedian: round1(sorted[Math.floor(rounds / 2)]),
    nsPerReceiveMin: round1(sorted[0]),
    cpuNsPerReceiveMedian: round1(cpuSorted[Math.floor(rounds / 2)]),
    cpuNsPerReceiveMin: round1(cpuSorted[0]),
    expected: c.expected,
    delivered: c.delivered,
    lost: c.lost,
  })}\n`,
);
