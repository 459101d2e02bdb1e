/**
 * Ramp microbench (issue 22 item 3): how fast the kernel opens loopback TCP connections as the
 * ports in use grow, for the ways wsload can choose a socket's source:
 *   a  bind a source address, the kernel picks the port (bind-time search over ports in use)
 *   b  bind a source address and an explicit port from a per-address cursor over
 *      net.ipv4.ip_local_port_range (a taken port is skipped)
 *   c  no bind, spread over several target ports (the kernel's connect-time 4-tuple search)
 *   a16 / b16  as a / b with 16 connects in flight instead of 256 (smaller bursts)
 * `--ws` does the same with real WebSocket upgrades (ws passes localAddress/localPort to net).
 *
 * The open-file limit (20,000 here) caps one process, so the sockets are opened by CLIENTS client
 * processes one after another (each holds its share while the next opens) against a cluster of
 * listener processes; every variant opens N sockets over 2 (source address or target port) pairs,
 * so each pair carries N/2. Clients close with RST (no TIME_WAIT left behind between variants).
 *
 *   node bench/ramp-micro.js [--n 30000] [--repeat 3] [--variants a,b,c] [--ws]
 * Prints, per variant and repeat, wall ms and the client's system CPU ms per 1,000 connects in each
 * successive 1,000 (the kernel's share, less distorted by a loaded machine), and the total rate.
 */
import cluster from 'node:cluster';
import net from 'node:net';
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';

const SELF = fileURLToPath(import.meta.url);
const BASE_PORT = 19300;
const TARGET_PORTS = [BASE_PORT, BASE_PORT + 1];
const SOURCES = ['127.0.0.2', '127.0.0.3'];

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

if (process.env.RAMP_ROLE === 'listener') listener();
else if (process.env.RAMP_ROLE === 'client') client();
else await main();

/** Listener: a cluster of processes (each holds its accepted sockets' fds) on the target ports. */
function listener() {
  const workers = Number(process.env.RAMP_LISTENERS);
  const ws = process.env.RAMP_WS === '1';
  if (cluster.isPrimary) {
    // Round-robin through the primary: with SCHED_NONE the kernel wakes one worker far more often
    // than the others, which then runs out of file descriptors and stalls the ramp.
    cluster.schedulingPolicy = cluster.SCHED_RR;
    let up = 0;
    for (let i = 0; i < workers; i++)
      cluster.fork().on('message', () => {
        if (++up === workers * TARGET_PORTS.length) process.send('ready');
      });
    return;
  }
  for (const port of TARGET_PORTS) {
    if (ws) {
      const wss = new WebSocketServer({ port, host: '127.0.0.1', backlog: 4096, perMessageDeflate: false, clientTracking: false });
      wss.on('connection', (s) => s.on('error', () => {}));
      wss.on('listening', () => process.send('up'));
    } else {
      const server = net.createServer((s) => s.on('error', () => {}));
      server.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => process.send('up'));
    }
  }
}

/** Client: opens COUNT sockets from index FROM with variant VARIANT, reports each 1,000's time, holds. */
function client() {
  const variant = process.env.RAMP_VARIANT;
  const count = Number(process.env.RAMP_COUNT);
  const from = Number(process.env.RAMP_FROM);
  const ws = process.env.RAMP_WS === '1';
  const inFlight = variant.endsWith('16') ? 16 : 256;
  const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  const cursor = SOURCES.map(() => lo);
  const held = [];
  let started = 0;
  let done = 0;
  let skipped = 0;
  let failed = 0;
  let lastMark = performance.now();
  let lastCpu = process.cpuUsage();
  const marks = [];
  const sysMarks = [];
  const kind = variant[0];
  const open = (i, retry) => {
    const g = from + i;
    const pair = g % 2;
    const opts = { host: '127.0.0.1', port: TARGET_PORTS[kind === 'c' ? pair : 0] };
    if (kind !== 'c') opts.localAddress = SOURCES[pair];
    if (kind === 'b') {
      opts.localPort = cursor[pair];
      cursor[pair] = cursor[pair] >= hi ? lo : cursor[pair] + 1;
    }
    const onFail = (err) => {
      if (kind === 'b' && (err.code === 'EADDRINUSE' || err.code === 'EADDRNOTAVAIL') && retry < 64) {
        skipped++;
        open(i, retry + 1);
        return;
      }
      failed++;
      settled();
    };
    if (ws) {
      const s = new WebSocket(`ws://127.0.0.1:${opts.port}/`, {
        localAddress: opts.localAddress,
        localPort: opts.localPort,
        perMessageDeflate: false,
      });
      s.once('open', () => {
        held.push(s);
        settled();
      });
      s.once('error', onFail);
    } else {
      const s = net.connect(opts);
      s.once('connect', () => {
        held.push(s);
        settled();
      });
      s.once('error', onFail);
    }
  };
  const settled = () => {
    done++;
    if (done % 1000 === 0) {
      const now = performance.now();
      marks.push(Math.round(now - lastMark));
      lastMark = now;
      // The kernel's port search runs in this process's bind()/connect() calls: system CPU time,
      // which a loaded machine distorts far less than wall time.
      const cpu = process.cpuUsage();
      sysMarks.push(Math.round((cpu.system - lastCpu.system) / 1000));
      lastCpu = cpu;
    }
    if (done === count) {
      process.send({ marks, sysMarks, skipped, failed });
      return;
    }
    if (started < count) open(started++, 0);
  };
  while (started < Math.min(inFlight, count)) open(started++, 0);
  // Bounded: a stalled ramp reports what it did rather than hanging the bench.
  setTimeout(() => process.send({ marks, sysMarks, skipped, failed: failed + (count - done), timedOut: true }), 240_000).unref();
  process.on('message', (m) => {
    if (m !== 'close') return;
    for (const s of held) (ws ? s._socket : s)?.resetAndDestroy();
    setTimeout(() => process.exit(0), 300);
  });
}

function waitMessage(child) {
  return new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`child exited ${code}`)));
  });
}

async function main() {
  const n = Number(arg('n', '30000'));
  const repeat = Number(arg('repeat', '3'));
  const variants = arg('variants', 'a,b,c,a16,b16').split(',');
  const ws = process.argv.includes('--ws');
  const perClient = 10000;
  const clients = Math.ceil(n / perClient);
  const env = { ...process.env, RAMP_WS: ws ? '1' : '0' };
  const lst = fork(SELF, [], { env: { ...env, RAMP_ROLE: 'listener', RAMP_LISTENERS: String(Math.ceil(n / 7000) + 1) } });
  await waitMessage(lst);
  const results = [];
  try {
    for (let r = 0; r < repeat; r++) {
      // Interleaved: each repeat runs every variant once, in a rotated order.
      const order = variants.map((_, i) => variants[(i + r) % variants.length]);
      for (const variant of order) {
        const t0 = performance.now();
        const marks = [];
        const sysMarks = [];
        let skipped = 0;
        let failed = 0;
        const children = [];
        for (let c = 0; c < clients; c++) {
          const count = Math.min(perClient, n - c * perClient);
          const child = fork(SELF, [], {
            env: { ...env, RAMP_ROLE: 'client', RAMP_VARIANT: variant, RAMP_COUNT: String(count), RAMP_FROM: String(c * perClient) },
          });
          children.push(child);
          const m = await waitMessage(child);
          marks.push(...m.marks);
          sysMarks.push(...m.sysMarks);
          skipped += m.skipped;
          failed += m.failed;
        }
        const ms = performance.now() - t0;
        for (const child of children) child.send('close');
        await Promise.all(children.map((c) => new Promise((res) => c.once('exit', res))));
        const line = {
          variant,
          ws,
          repeat: r + 1,
          n,
          seconds: Math.round(ms / 100) / 10,
          perSec: Math.round(n / (ms / 1000)),
          skipped,
          failed,
          msPer1000: marks,
          sysMsPer1000: sysMarks,
          sysMsTotal: sysMarks.reduce((a, b) => a + b, 0),
          loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ')[0],
        };
        results.push(line);
        console.log(JSON.stringify(line));
        await new Promise((res) => setTimeout(res, 2000));
      }
    }
  } finally {
    lst.kill();
  }
}
