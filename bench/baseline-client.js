/**
 * The baseline wsload is measured against: a minimal single-thread `ws` client doing the same
 * work as a wsload run, the cheap way. It opens N sockets at the same connect rate with the same
 * cap on handshakes in flight, publishes over HTTP on a fixed schedule, counts every message it
 * receives (JSON.parse, look up the publish time it recorded itself) and reports one JSON line.
 * No worker threads, no per-socket bookkeeping beyond what `ws` itself keeps.
 *
 * Usage: node bench/baseline-client.js '<json config>' (see BaselineConfig below).
 * stdout: {"event":"ramped",…} once every socket's handshake settled, {"event":"hold-end",…} and
 * finally {"event":"result",…}.
 */
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';

/**
 * @typedef {object} BaselineConfig
 * @property {string} url          ws:// URL of the target
 * @property {string} publishUrl   template with {id} and {seq}
 * @property {number} sockets
 * @property {number} connectRate  new sockets per second
 * @property {number} maxPending   handshakes in flight at most
 * @property {number} holdMs
 * @property {number} publishRate  publishes per second
 * @property {string[]} ids
 * @property {string[]} localAddresses
 * @property {number} deadlineMs   how long after the hold to wait for the last deliveries
 */

/** @type {BaselineConfig} */
const cfg = JSON.parse(process.argv[2] ?? '{}');

// Fan-out latency histogram: 0.1 ms buckets up to 10 s, then one overflow bucket.
const BUCKET_MS = 0.1;
const BUCKETS = 100_001;
const hist = new Uint32Array(BUCKETS);
let histCount = 0;
let histMax = 0;

const maxSeq = Math.ceil((cfg.publishRate * cfg.holdMs) / 1000) + 2;
const scheduledAt = new Float64Array(maxSeq + 1);
const eligibleAt = new Uint32Array(maxSeq + 1);
let lastSeq = 0;
let delivered = 0;
let unmatched = 0;
let publishFailed = 0;
let scheduleLagMaxMs = 0;

let open = 0;
let opened = 0;
let failed = 0;
let pending = 0;
let settled = 0;
let started = 0;
const kSettled = Symbol('settled');
/** Every socket, only so the run can close them at the end. */
const sockets = [];

function onMessage(data) {
  const now = performance.now();
  const seq = Number(JSON.parse(data).value);
  if (!(seq >= 1 && seq <= lastSeq)) {
    unmatched++;
    return;
  }
  delivered++;
  const ms = now - scheduledAt[seq];
  const b = ms <= 0 ? 0 : Math.min(BUCKETS - 1, Math.floor(ms / BUCKET_MS));
  hist[b]++;
  histCount++;
  if (ms > histMax) histMax = ms;
}

function onOpen() {
  this[kSettled] = true;
  pending--;
  opened++;
  open++;
  settled++;
  pump();
}

function onClose() {
  if (this[kSettled]) {
    open--;
    return;
  }
  this[kSettled] = true;
  pending--;
  failed++;
  settled++;
  pump();
}

// 'close' always follows; without a listener 'error' would crash the process.
function onError() {}

// Ramp: socket i is due at rampStart + i / connectRate, started only while fewer than
// maxPending handshakes are in flight.
const perSocketMs = 1000 / cfg.connectRate;
const rampStart = performance.now();
const rampStartWall = Date.now();
function pump() {
  const now = performance.now();
  while (started < cfg.sockets && pending < cfg.maxPending && rampStart + started * perSocketMs <= now) {
    const i = started++;
    pending++;
    const opts = { perMessageDeflate: false, skipUTF8Validation: true, handshakeTimeout: 10_000 };
    if (cfg.localAddresses.length > 0) opts.localAddress = cfg.localAddresses[i % cfg.localAddresses.length];
    const ws = new WebSocket(cfg.url, opts);
    ws[kSettled] = false;
    ws.on('open', onOpen);
    ws.on('message', onMessage);
    ws.on('error', onError);
    ws.on('close', onClose);
    sockets.push(ws);
  }
}

function emit(obj) {
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify(obj)}\n`, () => resolve()));
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function percentile(q) {
  if (histCount === 0) return 0;
  const rank = Math.ceil(q * histCount);
  let seen = 0;
  for (let b = 0; b < BUCKETS; b++) {
    seen += hist[b];
    if (seen >= rank) return b === BUCKETS - 1 ? histMax : (b + 0.5) * BUCKET_MS;
  }
  return histMax;
}

async function main() {
  const rampTimer = setInterval(pump, 5);
  pump();
  // Bounded: the schedule plus every handshake timing out.
  const rampLimit = Date.now() + cfg.sockets * perSocketMs + 30_000;
  while (settled < cfg.sockets && Date.now() < rampLimit) await sleep(5);
  clearInterval(rampTimer);
  const rampMs = performance.now() - rampStart;
  await emit({ event: 'ramped', t: Date.now(), rampStartT: rampStartWall, rampMs, opened, failed });

  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const holdStart = performance.now();
  const holdStartWall = Date.now();
  const intervalMs = 1000 / cfg.publishRate;
  let due = 0;
  let timer = null;
  const fire = (scheduled) => {
    const seq = ++lastSeq;
    scheduledAt[seq] = scheduled;
    eligibleAt[seq] = open;
    const lagMs = performance.now() - scheduled;
    if (lagMs > scheduleLagMaxMs) scheduleLagMaxMs = lagMs;
    const id = cfg.ids[(seq - 1) % cfg.ids.length];
    const url = cfg.publishUrl.replace('{id}', encodeURIComponent(id)).replace('{seq}', String(seq));
    http
      .get(url, { agent, timeout: 5000 }, (res) => {
        if (res.statusCode !== 200) publishFailed++;
        res.resume();
      })
      .on('timeout', function onTimeout() {
        this.destroy(new Error('timeout'));
      })
      .on('error', () => {
        publishFailed++;
      });
  };
  const loop = () => {
    const now = performance.now();
    while (holdStart + due * intervalMs <= now && lastSeq < maxSeq && due * intervalMs < cfg.holdMs) {
      fire(holdStart + due * intervalMs);
      due++;
    }
    const next = holdStart + due * intervalMs;
    timer = setTimeout(loop, Math.max(0, next - performance.now()));
  };
  if (cfg.publishRate > 0) loop();
  await sleep(cfg.holdMs);
  if (timer) clearTimeout(timer);
  const holdEndWall = Date.now();
  lag.disable();
  await emit({ event: 'hold-end', t: holdEndWall });

  let expected = 0;
  for (let s = 1; s <= lastSeq; s++) expected += eligibleAt[s];
  // Drain: the last publishes may still be on their way.
  const drainLimit = Date.now() + cfg.deadlineMs;
  while (delivered < expected && Date.now() < drainLimit) await sleep(20);

  await emit({
    event: 'result',
    rampStartT: rampStartWall,
    rampMs,
    holdStartT: holdStartWall,
    holdEndT: holdEndWall,
    opened,
    failed,
    openAtHoldEnd: open,
    published: lastSeq,
    publishFailed,
    expected,
    delivered,
    lost: Math.max(0, expected - delivered),
    unmatched,
    fanoutP50Ms: percentile(0.5),
    fanoutP99Ms: percentile(0.99),
    fanoutMaxMs: histMax,
    eventLoopLagMs: { max: lag.max / 1e6, p99: lag.percentile(99) / 1e6 },
    scheduleLagMaxMs,
  });
  // Close the way wsload does (close frame 1000, bounded wait), so the TIME_WAIT sockets left
  // behind end up on the same side as after a wsload run: a client that just exits leaves its
  // ephemeral ports in TIME_WAIT, which slows the next run's port search (localAddresses).
  for (const ws of sockets) if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'baseline run ended');
  const closeLimit = Date.now() + 2000;
  while (open > 0 && Date.now() < closeLimit) await sleep(20);
  process.exit(0);
}

void main();
