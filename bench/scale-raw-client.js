/**
 * The floor of the scale run: one process of a minimal raw `ws` client holding its slice of the
 * scale run's sockets, from the same source addresses with the same explicit source ports as
 * wsload (src/net/source-ports.ts: global socket g binds address g mod A, port first + ⌊g / A⌋ of
 * the ephemeral range; a taken port dials again with the kernel's choice). No worker threads, no
 * per-socket bookkeeping beyond what `ws` itself keeps: it counts the messages it receives.
 * bench/scale-raw.js starts several of these (as wsload starts shards) and publishes itself.
 *
 * Usage: node bench/scale-raw-client.js '<json config>' (see RawSliceConfig below).
 * stdout: {"event":"ramped",…} once every socket of the slice settled; on SIGUSR2
 * {"event":"result",…}, then it closes its sockets (close frame, bounded wait) and exits.
 */
import WebSocket from 'ws';

/**
 * @typedef {object} RawSliceConfig
 * @property {string} url
 * @property {number} first        global index of this slice's first socket
 * @property {number} sockets      sockets in this slice
 * @property {number} connectRate  new sockets per second (this process's share)
 * @property {number} maxPending   handshakes in flight at most (this process's share)
 * @property {string[]} localAddresses
 * @property {{ first: number, last: number } | null} ports  the ephemeral range, or null: the kernel chooses
 * @property {number} rampLimitMs  give up the ramp after this long
 */

/** @type {RawSliceConfig} */
const cfg = JSON.parse(process.argv[2] ?? '{}');

let received = 0;
let open = 0;
let opened = 0;
let failed = 0;
let pending = 0;
let settled = 0;
let started = 0;
let portRetries = 0;
const kSettled = Symbol('settled');
const kPortTaken = Symbol('portTaken');
const kGlobal = Symbol('global');
/** Every socket, only so the run can close them at the end. */
const sockets = [];

function onMessage() {
  received++;
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
  if (this[kPortTaken]) {
    // Same slot, the kernel's port: as wsload does for a taken explicit port.
    portRetries++;
    dial(this[kGlobal], false);
    return;
  }
  this[kSettled] = true;
  pending--;
  failed++;
  settled++;
  pump();
}

function onError(err) {
  if (err && (err.code === 'EADDRINUSE' || err.code === 'EADDRNOTAVAIL') && this[kPortTaken] === false) this[kPortTaken] = true;
}

function dial(g, explicitPort) {
  const opts = { perMessageDeflate: false, skipUTF8Validation: true, handshakeTimeout: 10_000 };
  const a = cfg.localAddresses.length;
  if (a > 0) {
    opts.localAddress = cfg.localAddresses[g % a];
    if (explicitPort && cfg.ports !== null) {
      const size = cfg.ports.last - cfg.ports.first + 1;
      opts.localPort = cfg.ports.first + (Math.floor(g / a) % size);
    }
  }
  const ws = new WebSocket(cfg.url, opts);
  ws[kSettled] = false;
  // Only a first (explicit-port) attempt may be retried.
  ws[kPortTaken] = explicitPort && opts.localPort !== undefined ? false : null;
  ws[kGlobal] = g;
  ws.on('open', onOpen);
  ws.on('message', onMessage);
  ws.on('error', onError);
  ws.on('close', onClose);
  sockets[g - cfg.first] = ws;
}

const perSocketMs = 1000 / cfg.connectRate;
const rampStart = performance.now();
const rampStartT = Date.now();
function pump() {
  const now = performance.now();
  while (started < cfg.sockets && pending < cfg.maxPending && rampStart + started * perSocketMs <= now) {
    const g = cfg.first + started++;
    pending++;
    dial(g, true);
  }
}

function emit(obj) {
  return new Promise((resolve) => process.stdout.write(`${JSON.stringify(obj)}\n`, () => resolve()));
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

process.on('SIGUSR2', () => {
  void (async () => {
    await emit({ event: 'result', opened, failed, open, received, portRetries });
    for (const ws of sockets) if (ws && ws.readyState === WebSocket.OPEN) ws.close(1000, 'raw run ended');
    const closeLimit = Date.now() + 2000;
    while (open > 0 && Date.now() < closeLimit) await sleep(20);
    process.exit(0);
  })();
});

async function main() {
  const rampTimer = setInterval(pump, 5);
  pump();
  const rampLimit = Date.now() + cfg.rampLimitMs;
  while (settled < cfg.sockets && Date.now() < rampLimit) await sleep(5);
  clearInterval(rampTimer);
  await emit({
    event: 'ramped',
    rampStartT,
    t: Date.now(),
    rampMs: performance.now() - rampStart,
    opened,
    failed,
    portRetries,
    unsettled: cfg.sockets - settled,
  });
  // Held until the orchestrator's SIGUSR2 (its child timeout bounds this).
  setInterval(() => {}, 60_000);
}

void main();
