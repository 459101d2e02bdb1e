/**
 * `node bench/control-frames.js` (after `npm run build`): what checking every control frame costs
 * the relay path. For realistic frames (a worker's tick in the hold, its ramp tick with the open
 * log of every socket, the agent's stats, the coordinator's publish record) it times, per frame:
 * JSON.parse alone (what was done before), the shape check (parse + zod, src/run/control-schema.ts),
 * the coordinator's order and ownership checks on top (src/coordinator/agent-checks.ts), and, for
 * scale, what taking the tick in costs anyway (decoding its histograms, which the check does once
 * for the aggregate and the timeline instead of them). One JSON line per frame kind on stdout.
 */
import { checkAgentFrame, checkCoordinatorFrame } from '../dist/run/control-schema.js';
import { AgentChecks } from '../dist/coordinator/agent-checks.js';
import { createHistogram, decodeDeltas, decodeHistogram, encodeHistogram, recordMs } from '../dist/metrics/histogram.js';
import { emptyDeliveryCounters } from '../dist/run/delivery-counters.js';
import { emptyCohortCounters } from '../dist/run/protocol.js';

const SOCKETS = Number(process.env.BENCH_CONTROL_SOCKETS ?? 5000);
const RATE = Number(process.env.BENCH_CONTROL_RATE ?? 10);
const ROUNDS = Number(process.env.BENCH_CONTROL_ROUNDS ?? 2000);

function histogram(samples, ms) {
  const h = createHistogram();
  for (let i = 0; i < samples; i++) recordMs(h, ms + ((i * 7919) % 200));
  return encodeHistogram(h);
}

/** A tick of one worker holding SOCKETS sockets, one second of RATE publishes each reaching all. */
function holdTick(n) {
  const delivery = { ...emptyDeliveryCounters(), delivered: SOCKETS * RATE * 60, expected: SOCKETS * RATE * 60, evaluated: RATE * 60 };
  return {
    type: 'worker',
    n,
    msg: {
      type: 'tick',
      workerId: 0,
      counters: {
        attempts: SOCKETS,
        opened: SOCKETS,
        firstOpened: SOCKETS,
        failed: 0,
        failures: {},
        open: SOCKETS,
        delivery,
        messages: SOCKETS * RATE * 60,
        pingsSent: 0,
        heartbeatsSent: 0,
      },
      cohorts: [{ ...emptyCohortCounters(), opened: SOCKETS }],
      histograms: {
        fanout: histogram(SOCKETS * RATE, 20),
        'fanout:default': histogram(SOCKETS * RATE, 20),
        turn: histogram(SOCKETS * RATE, 0.05),
      },
      seqResults: Array.from({ length: RATE }, (_, i) => ({
        seq: 600 + i,
        delivered: SOCKETS,
        lost: 0,
        lastReceiptMs: 123456.789 + i,
        failed: false,
      })),
      closeLog: [],
      openLog: [],
      lag: { maxMs: 12.3, p99Ms: 8.1, p90Ms: 4.2, meanMs: 1.1, utilization: 0.31, intervalMaxMs: 9.9 },
      ramped: true,
      final: false,
    },
  };
}

/** The tick that ends the ramp: every socket's open in its open log. */
function rampTick(n) {
  const t = holdTick(n);
  t.msg.openLog = Array.from({ length: SOCKETS }, (_, i) => [1000 + i * 0.2, 1]).flat();
  t.msg.histograms = { handshake: histogram(SOCKETS, 3), handshakeTcp: histogram(SOCKETS, 1), handshakeUpgrade: histogram(SOCKETS, 2) };
  t.msg.seqResults = [];
  return t;
}

const FRAMES = {
  'hold tick': holdTick,
  'ramp tick (open log)': rampTick,
  stats: (n) => ({ type: 'stats', n, open: SOCKETS, peak: SOCKETS, peakRssMb: 180.5, rssMb: 170.2 }),
};

function time(fn, rounds) {
  // As many rounds again to warm up: the JIT has compiled the checks by the time they are timed.
  for (let i = 0; i < rounds; i++) fn(i);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) fn(i);
  return Number(process.hrtime.bigint() - t0) / 1e3 / rounds;
}

for (const [kind, make] of Object.entries(FRAMES)) {
  const text = JSON.stringify(make(1));
  // Small frames are timed over more rounds: a few µs each.
  const rounds = text.length < 1000 ? ROUNDS * 10 : ROUNDS;
  const parseUs = time(() => JSON.parse(text), rounds);
  const shapeUs = time(() => {
    if (!checkAgentFrame(text).ok) throw new Error(`${kind}: refused`);
  }, rounds);
  // The stateful checks need a fresh frame number each time: a new checker per round, as cheap as it gets.
  const slices = [{ workerId: 0, indices: Array.from({ length: SOCKETS }, (_, i) => i), cohorts: [{}], topics: undefined }];
  const frame = { ...JSON.parse(text), n: 2 };
  const hello = { type: 'hello', n: 1, name: 'a', host: 'h', pid: 1, bootId: null, version: 'v' };
  const checksUs = time(() => {
    const c = new AgentChecks();
    c.check(hello, false, 0);
    c.assigned(slices);
    const why = c.check(frame, true, 1e9);
    if (why !== null) throw new Error(`${kind}: ${why}`);
  }, ROUNDS);
  const decodeUs = kind.includes('tick') ? time(() => decodeDeltas(frame.msg.histograms), Math.max(50, ROUNDS / 10)) : 0;
  // The timeline decoded a tick's fan-out histogram a second time before: no longer.
  const fanout = frame.msg?.histograms?.fanout;
  const savedUs = fanout ? time(() => decodeHistogram(fanout), Math.max(50, ROUNDS / 10)) : 0;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'control-frames',
      frame: kind,
      bytes: text.length,
      sockets: SOCKETS,
      parseUs: round(parseUs),
      shapeCheckUs: round(shapeUs),
      shapeOverParse: round(shapeUs / parseUs),
      orderChecksUs: round(checksUs),
      histogramDecodeUs: round(decodeUs),
      secondDecodeSavedUs: round(savedUs),
    })}\n`,
  );
}

const publish = JSON.stringify({ type: 'publish', n: 5, seq: 42, scheduledMs: 123456.789, sentMs: 123457.001, topic: 1 });
const pParse = time(() => JSON.parse(publish), ROUNDS * 10);
const pCheck = time(() => checkCoordinatorFrame(publish), ROUNDS * 10);
process.stdout.write(
  `${JSON.stringify({ bench: 'control-frames', frame: 'publish record (agent side)', bytes: publish.length, parseUs: round(pParse), shapeCheckUs: round(pCheck), shapeOverParse: round(pCheck / pParse) })}\n`,
);

function round(x) {
  return Math.round(x * 100) / 100;
}
