/**
 * The raw client's scale run: the scale run's sockets, source addresses and explicit source ports
 * from minimal `ws` client processes (bench/scale-raw-client.js, as many as wsload had shards)
 * against the same multi-process built-in target, publishing at the same rate from here. Sampled
 * like the wsload run (process-tree.js), so its per-socket RSS and ramp are the floor wsload's are
 * read against. Bounded: every client has a time budget, the ramp a limit, the hold its length.
 */
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { startEmbeddedTarget } from '../dist/target/embedded.js';
import { targetProcessesFor } from '../dist/target/process-count.js';
import { readMachineLimits } from '../dist/machine-limits.js';
import { ephemeralBounds } from '../dist/net/source-ports.js';
import { startNode } from './child.js';
import { groupFigures, startTreeSampler } from './process-tree.js';
import { PUBLISH_IDS } from './run-baseline.js';

const CLIENT = fileURLToPath(new URL('./scale-raw-client.js', import.meta.url));
const LOAD = 'load';
const TARGET = 'target';
/** Drain after the hold, as wsload's default delivery deadline. */
const DEADLINE_MS = 10_000;

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One publish over HTTP; resolves true on a 200. */
function publish(httpUrl, agent, seq) {
  const id = PUBLISH_IDS[(seq - 1) % PUBLISH_IDS.length];
  return new Promise((resolve) => {
    http
      .get(`${httpUrl}/api?id=${encodeURIComponent(id)}&value=${seq}`, { agent, timeout: 5000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      })
      .on('timeout', function onTimeout() {
        this.destroy(new Error('timeout'));
      })
      .on('error', () => resolve(false));
  });
}

/**
 * @param {{ sockets: number, rate: number, holdSeconds: number, connectRate: number, maxPending: number, addresses: string[], processes: number }} spec
 * @param {{ root: string }} ctx
 */
export async function runScaleRaw(spec, ctx, ticksPerSecond) {
  const processes = Math.max(1, spec.processes);
  const target = await startEmbeddedTarget({ processes: targetProcessesFor(spec.sockets, readMachineLimits().openFiles) });
  const clients = [];
  let sampler = null;
  try {
    const classify = (_pid, cmdline) =>
      /scale-raw-client\.js/.test(cmdline) ? LOAD : /[/\\]target[/\\]|wsload\.js serve/.test(cmdline) ? TARGET : 'bench';
    sampler = startTreeSampler(process.pid, classify, 500);
    const rampLimitMs = (spec.sockets / 400) * 1000 + 30_000;
    const timeoutMs = rampLimitMs + spec.holdSeconds * 1000 + DEADLINE_MS + 60_000;
    const ramped = [];
    for (let p = 0; p < processes; p++) {
      const first = Math.floor((spec.sockets * p) / processes);
      const end = Math.floor((spec.sockets * (p + 1)) / processes);
      const lines = [];
      const cfg = {
        url: target.wsUrl,
        first,
        sockets: end - first,
        connectRate: spec.connectRate / processes,
        maxPending: Math.max(1, Math.ceil(spec.maxPending / processes)),
        localAddresses: spec.addresses,
        ports: spec.addresses.length > 0 ? ephemeralBounds() : null,
        rampLimitMs,
      };
      const child = startNode([CLIENT, JSON.stringify(cfg)], {
        cwd: ctx.root,
        timeoutMs,
        onLine: (line) => {
          if (!line.startsWith('{')) return;
          const msg = JSON.parse(line);
          if (msg.event === 'ramped') ramped.push(msg);
          lines.push(msg);
        },
      });
      clients.push({ child, lines });
    }
    // Each client reports at its own ramp limit at the latest; the margin is for node's start-up on a busy machine.
    const limit = Date.now() + rampLimitMs + 30_000;
    while (ramped.length < processes && Date.now() < limit) await sleep(50);
    if (ramped.length < processes) throw new Error(`scale-raw: ${processes - ramped.length} client processes did not finish the ramp`);
    // From the first client's first dial to the last socket settled in any client, as wsload's
    // report times its ramp (node's start-up left out).
    const rampMs = Math.max(...ramped.map((r) => r.t)) - Math.min(...ramped.map((r) => r.rampStartT));
    const opened = ramped.reduce((a, r) => a + r.opened, 0);
    const failed = ramped.reduce((a, r) => a + r.failed, 0);
    const portRetries = ramped.reduce((a, r) => a + r.portRetries, 0);
    // Still connecting when a client's ramp limit passed (held or failed later, not in the ramp's figures).
    const unsettled = ramped.reduce((a, r) => a + r.unsettled, 0);

    // Hold: publish on a fixed schedule from here (every client receives every publish).
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    const holdStartT = Date.now();
    const intervalMs = 1000 / spec.rate;
    const sends = [];
    for (let seq = 1; seq * intervalMs <= spec.holdSeconds * 1000; seq++) {
      const due = holdStartT + (seq - 1) * intervalMs;
      if (due > Date.now()) await sleep(due - Date.now());
      sends.push(publish(target.httpUrl, agent, seq));
    }
    const holdEndT = holdStartT + spec.holdSeconds * 1000;
    if (holdEndT > Date.now()) await sleep(holdEndT - Date.now());
    const published = (await Promise.all(sends)).filter(Boolean).length;
    agent.destroy();
    await sleep(DEADLINE_MS);
    for (const c of clients) process.kill(c.child.pid, 'SIGUSR2');
    const exits = await Promise.all(clients.map((c) => c.child.done));
    sampler.stop();
    const results = clients.map((c) => c.lines.find((l) => l.event === 'result'));
    if (results.some((r) => r === undefined)) {
      const bad = exits.find((e, i) => results[i] === undefined);
      throw new Error(
        `scale-raw: a client process gave no result (exit ${bad?.signal ?? bad?.code}): ${bad?.stderr.trim().split('\n').slice(-3).join(' | ')}`,
      );
    }
    const held = results.reduce((a, r) => a + r.open, 0);
    const delivered = results.reduce((a, r) => a + r.received, 0);
    // Every socket still open at the end was open for every publish when nothing dropped (held = opened).
    const expected = held === opened ? published * held : null;
    const from = holdStartT + 2000;
    const load = groupFigures(sampler.groups.get(LOAD) ?? [], from, holdEndT, ticksPerSecond);
    const tgt = groupFigures(sampler.groups.get(TARGET) ?? [], from, holdEndT, ticksPerSecond);
    const deliveriesPerSec = delivered / spec.holdSeconds;
    return {
      run: 'scale-raw',
      sockets: spec.sockets,
      held,
      failed,
      unsettled,
      portRetries,
      loadProcesses: load.processes,
      targetProcesses: tgt.processes,
      rampMs,
      connectRatePerSec: Math.round(opened / (rampMs / 1000)),
      published,
      delivered,
      expected,
      lost: expected === null ? null : Math.max(0, expected - delivered),
      deliveriesPerSec: Math.round(deliveriesPerSec),
      load: {
        rssEndMb: Math.round(load.rssEndMb),
        kbPerSocket: held > 0 ? Math.round(((load.rssEndMb * 1024) / held) * 10) / 10 : null,
        cpuPct: Math.round(load.cpuPct),
        cpuPer10kDeliveriesPerSec: deliveriesPerSec > 0 ? Math.round((load.cpuPct / (deliveriesPerSec / 10_000)) * 10) / 10 : null,
      },
      target: { rssEndMb: Math.round(tgt.rssEndMb), cpuPct: Math.round(tgt.cpuPct) },
    };
  } finally {
    sampler?.stop();
    for (const c of clients) {
      try {
        process.kill(c.child.pid, 0);
        process.kill(c.child.pid, 'SIGTERM');
      } catch {
        // Already exited.
      }
    }
    await target.stop();
  }
}
