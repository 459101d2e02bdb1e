/**
 * The `target` bench run: how the built-in target (`wsload serve --processes P`) holds sockets
 * and what a broadcast costs over P processes. Raw `ws` clients in their own process
 * (target-clients.js) hold the sockets; this process publishes one at a time and times each /api
 * answer (which comes once every process has pushed) and the last socket's receipt (both on
 * CLOCK_MONOTONIC, shared by the processes of one machine).
 */
import { fork } from 'node:child_process';
import { Agent, get } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startNode } from './child.js';
import { readProcSample } from './proc-stats.js';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const LISTENING = /^wsload target listening on (http:\/\/\S+) \(WebSocket (ws:\/\/\S+)\)$/;

/**
 * @typedef {object} TargetSpec
 * @property {number} processes
 * @property {number} sockets
 * @property {number} publishes     sent one at a time
 * @property {number} publishGapMs  pause between one publish's answer and the next
 * @property {string} localAddress  clients' source address ('' = kernel's choice)
 * @property {number} maxPending    handshakes in flight
 */

/**
 * The `target` run: one process, then `cfg.target.processes`, each line printed as it is done.
 * Each gets its clients from its own source address, so the ports the other left in TIME_WAIT
 * cost nothing and no wait for them is needed (the run stays within a minute).
 */
export async function targetRuns(cfg, ctx, ticksPerSecond, print, note) {
  for (const [i, processes] of [1, cfg.target.processes].entries()) {
    const spec = { ...cfg.target, processes, publishGapMs: 50, localAddress: `127.0.0.${i + 2}`, maxPending: cfg.maxPending };
    const label = `target, ${processes} process${processes === 1 ? '' : 'es'} (${spec.sockets} raw ws sockets, ${spec.publishes} publishes)`;
    note(`${label} …`);
    const started = Date.now();
    try {
      print(await runTarget(spec, ctx, ticksPerSecond));
      note(`${label} done in ${Math.round((Date.now() - started) / 1000)} s`);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      note(`${label} failed: ${message}`);
      print({ run: 'target', processes, error: message });
    }
  }
}

/** Runs one target measurement; resolves with its JSON line. @param {TargetSpec} spec */
export async function runTarget(spec, ctx, ticksPerSecond) {
  const { socketsPerTargetProcess } = await import(join(ctx.root, 'dist/target/process-count.js'));
  const { readMachineLimits } = await import(join(ctx.root, 'dist/machine-limits.js'));
  const openFiles = readMachineLimits().openFiles;

  let urls = null;
  const serve = startNode([join(ctx.root, 'bin/wsload.js'), 'serve', '--port', '0', '--processes', String(spec.processes)], {
    cwd: ctx.root,
    timeoutMs: 90_000,
    onLine: (line) => {
      const m = LISTENING.exec(line);
      if (m) urls = { http: m[1], ws: m[2] };
    },
  });
  let clients = null;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    for (let i = 0; i < 400 && urls === null; i++) await sleep(25);
    if (urls === null) throw new Error(`wsload serve did not listen: ${(await Promise.race([serve.done, sleep(1)]))?.stderr ?? ''}`);
    const { http, ws } = urls;

    // Each process's RSS before any socket, so the per-socket figure leaves out what an idle
    // process costs (about the same for every process).
    const idle = await getJson(`${http}/admin/stats`);
    const idleRssKb = idle.perProcess.reduce((sum, p) => sum + (readProcSample(p.pid)?.rssKb ?? 0), 0);

    clients = fork(join(ctx.root, 'bench/target-clients.js'), [ws, String(spec.sockets), spec.localAddress, String(spec.maxPending)], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      execArgv: [],
    });
    const opened = await nextMessage(clients, 'opened', 60_000);
    const stats0 = await waitForOpen(http, opened.opened, 15_000);
    // With one process `serve` holds the sockets itself: its pid is the worker's.
    const workerPids = stats0.perProcess.map((p) => p.pid);
    const pids = workerPids.includes(serve.pid) ? workerPids : [serve.pid, ...workerPids];
    const hasPrimary = pids.length > workerPids.length;

    const cpu0 = pids.map((pid) => readProcSample(pid));
    const t0 = Date.now();
    const sent = [];
    for (let seq = 1; seq <= spec.publishes; seq++) {
      const at = process.hrtime.bigint();
      const body = await getText(`${http}/api?id=${seq}&value=bench-${seq}`, agent);
      const ackNs = process.hrtime.bigint() - at;
      sent.push({ id: String(seq), at, ackMs: Number(ackNs) / 1e6, body });
      await sleep(spec.publishGapMs);
    }
    const t1 = Date.now();
    const cpu1 = pids.map((pid) => readProcSample(pid));

    // Every receipt counted before reading the last receipt times (bounded).
    let report = null;
    for (let i = 0; i < 40; i++) {
      clients.send('report');
      report = await nextMessage(clients, 'report', 10_000);
      const total = report.byId.reduce((s, [, n]) => s + n, 0);
      if (total >= opened.opened * spec.publishes) break;
      await sleep(250);
    }
    const byId = new Map(report.byId.map(([id, n, last]) => [id, { n, last: BigInt(last) }]));
    const delivered = [...byId.values()].reduce((s, e) => s + e.n, 0);
    const lastMs = sent.map((p) => {
      const e = byId.get(p.id);
      return e ? Number(e.last - p.at) / 1e6 : NaN;
    });
    const stats = await getJson(`${http}/admin/stats`, agent);
    const rss = pids.map((pid) => readProcSample(pid)?.rssKb ?? 0);
    const workerRss = hasPrimary ? rss.slice(1) : rss;
    const workerRssKb = workerRss.reduce((a, b) => a + b, 0);
    const cpuTicks = cpu1.reduce((s, c, i) => s + (c && cpu0[i] ? c.cpuTicks - cpu0[i].cpuTicks : 0), 0);
    return {
      run: 'target',
      processes: spec.processes,
      sockets: spec.sockets,
      opened: opened.opened,
      failed: opened.failed,
      connectRatePerSec: Math.round(opened.opened / (opened.rampMs / 1000)),
      openPerProcess: stats.perProcess.map((p) => p.open),
      published: sent.length,
      answeredAll: sent.every((p) => p.body === `sent to ${opened.opened} socket${opened.opened === 1 ? '' : 's'}\n`),
      expected: opened.opened * sent.length,
      delivered,
      lost: opened.opened * sent.length - delivered,
      publishAnswerMs: percentiles(sent.map((p) => p.ackMs)),
      lastReceiptMs: percentiles(lastMs),
      targetCpuPercentWhilePublishing: Math.round((cpuTicks / ticksPerSecond / ((t1 - t0) / 1000)) * 1000) / 10,
      // CPU time is what the processes were given, not how long they waited for a core: it does
      // not grow with the machine's load as the latencies do.
      targetCpuMsPerPublish: round1(((cpuTicks / ticksPerSecond) * 1000) / sent.length),
      loadAvg1m: round1(loadavg()[0]),
      rssMb: { primary: hasPrimary ? round1(rss[0] / 1024) : null, workers: workerRss.map((kb) => round1(kb / 1024)) },
      workerRssKbPerSocket: round1((workerRssKb - idleRssKb) / Math.max(1, opened.opened)),
      idleWorkerRssMb: round1(idleRssKb / 1024),
      openFilesLimit: openFiles,
      socketsPerProcessAtLimit: socketsPerTargetProcess(openFiles),
    };
  } finally {
    agent.destroy();
    if (clients && clients.exitCode === null) {
      clients.send('close');
      await Promise.race([new Promise((r) => clients.once('exit', r)), sleep(5000)]);
      if (clients.exitCode === null) clients.kill('SIGKILL');
    }
    try {
      process.kill(serve.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await serve.done;
  }
}

function nextMessage(child, type, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no '${type}' from the bench clients within ${timeoutMs / 1000} s`)), timeoutMs);
    const onMessage = (msg) => {
      if (msg && msg.type === type) done(null, msg);
    };
    const onExit = (code) => done(new Error(`bench clients exited (${code})`));
    const done = (err, msg) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(msg);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function waitForOpen(http, n, timeoutMs) {
  const end = Date.now() + timeoutMs;
  let stats;
  do {
    stats = await getJson(`${http}/admin/stats`);
    if (stats.open >= n) return stats;
    await sleep(100);
  } while (Date.now() < end);
  throw new Error(`the target holds ${stats.open} of ${n} sockets after ${timeoutMs / 1000} s`);
}

function getText(url, agent) {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

async function getJson(url, agent) {
  return JSON.parse(await getText(url, agent));
}

function percentiles(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  const at = (q) => (v.length === 0 ? null : round1(v[Math.min(v.length - 1, Math.ceil(q * v.length) - 1)]));
  return { p50: at(0.5), p99: at(0.99), max: at(1) };
}

function round1(x) {
  return Math.round(x * 10) / 10;
}
