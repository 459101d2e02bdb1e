/**
 * `BENCH_RUNS=protocols` (not in the default set; issue 25 item 6): per protocol, wsload
 * (`workers: 1`) against that protocol's official client library (bench/protocol-client.js) doing
 * the same receive-and-count work, against the same real server (bench/protocol-servers.js) in the
 * bench process: the same sockets at the same connect rate, the same HTTP publish schedule. CPU
 * per delivery (user + sys from /proc over the hold, the first second left out) and RSS per socket
 * at the end of the hold, each tool's figure and the ratio wsload / official client. Interleaved
 * rounds (official, wsload, wsload, official, …) give each tool's spread against itself as noise.
 * Socket.IO, MQTT, graphql-ws and STOMP (RabbitMQ web-STOMP, one broker for all of STOMP's runs).
 */
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { startNode } from './child.js';
import { startSampler, cpuPercentBetween, rssMbBefore } from './proc-stats.js';
import { PROTOCOL_SERVERS, SERVER_ONCE_PER_PROTOCOL } from './protocol-servers.js';

const SKIP_MS = 1000;
/** STOMP heart-beats asked by both tools (as scenarios/stomp.json: 10 s each way). */
const STOMP_HEARTBEAT_MS = 10_000;

/** BENCH_PROTO_* settings. */
export function protocolBenchConfig(env = process.env) {
  const num = (name, def) => (env[name] === undefined || env[name] === '' ? def : Number(env[name]));
  return {
    sockets: num('BENCH_PROTO_SOCKETS', 1000),
    holdSeconds: num('BENCH_PROTO_HOLD_SECONDS', 15),
    publishRate: num('BENCH_PROTO_RATE', 10),
    connectRate: num('BENCH_PROTO_CONNECT_RATE', 500),
    rounds: num('BENCH_PROTO_ROUNDS', 2),
    protocols: (env.BENCH_PROTO_LIST ?? 'socket.io,mqtt,graphql-ws,stomp').split(',').map((s) => s.trim()),
  };
}

function scenario(protocol, server, cfg) {
  return {
    name: `bench-${protocol}`,
    target: { url: server.wsUrl },
    protocol:
      protocol === 'mqtt'
        ? { name: 'mqtt', topics: ['news'], qos: 0, keepalive: '60s' }
        : protocol === 'graphql-ws'
          ? { name: 'graphql-ws', query: 'subscription { news { id value } }' }
          : protocol === 'stomp'
            ? {
                name: 'stomp',
                destinations: ['/topic/news'],
                host: '/',
                login: 'guest',
                passcode: 'guest',
                heartbeat: { send: `${STOMP_HEARTBEAT_MS}ms`, receive: `${STOMP_HEARTBEAT_MS}ms` },
              }
            : 'socket.io',
    connections: cfg.sockets,
    connectRate: cfg.connectRate,
    duration: `${cfg.holdSeconds}s`,
    workers: 1,
    publish: {
      rate: cfg.publishRate,
      url: `${server.httpUrl}/api?id={id}&value={value}`,
      ...(protocol === 'graphql-ws' ? { match: { sequence: '/data/news/value' } } : {}),
    },
    reconnect: { policy: 'none' },
  };
}

/** One run of one tool; its figures over the hold. `shared`: a server started for all the protocol's runs (not closed here). */
async function runOnce(tool, protocol, cfg, ctx, ticks, shared) {
  const server = shared ?? (await PROTOCOL_SERVERS[protocol]());
  const timeoutMs = (cfg.sockets / cfg.connectRate) * 1000 + cfg.holdSeconds * 1000 + 90_000;
  try {
    let args;
    const reportFile = join(ctx.tmpDir, `proto-${protocol}-${Date.now()}.json`);
    if (tool === 'wsload') {
      const file = join(ctx.tmpDir, `proto-${protocol}.scenario.json`);
      writeFileSync(file, JSON.stringify(scenario(protocol, server, cfg)));
      args = ['bin/wsload.js', 'run', file, '--json', '--quiet', '--out', reportFile];
    } else {
      const c = {
        protocol,
        url: server.wsUrl,
        httpUrl: server.httpUrl,
        sockets: cfg.sockets,
        connectRate: cfg.connectRate,
        holdMs: cfg.holdSeconds * 1000,
        publishRate: cfg.publishRate,
        ...(protocol === 'stomp' ? { heartbeatMs: STOMP_HEARTBEAT_MS } : {}),
      };
      args = ['bench/protocol-client.js', JSON.stringify(c)];
    }
    const load0 = loadavg()[0];
    const child = startNode(args, { cwd: ctx.root, timeoutMs });
    const sampler = startSampler([child.pid], 250);
    let exit;
    try {
      exit = await child.done;
    } finally {
      sampler.stop();
    }
    const samples = sampler.samples.get(child.pid) ?? [];
    let f;
    if (tool === 'wsload') {
      if (!existsSync(reportFile))
        throw new Error(`wsload ${protocol}: no report (${exit.stderr.trim().split('\n').slice(-2).join(' | ')})`);
      const r = JSON.parse(readFileSync(reportFile, 'utf8'));
      const holdStartT = Date.parse(r.startedAt) + r.phases.rampMs;
      f = {
        opened: r.connections.opened,
        delivered: r.fanout.delivered,
        lost: r.fanout.lost,
        holdStartT,
        holdEndT: holdStartT + r.phases.holdMs,
        closed: r.disconnects.total,
        firstError: null,
      };
    } else {
      const line = exit.stdout.split('\n').find((l) => l.includes('"result"'));
      if (!line) throw new Error(`official ${protocol}: no result (${exit.stderr.trim().split('\n').slice(-2).join(' | ')})`);
      const r = JSON.parse(line);
      f = {
        opened: r.opened,
        delivered: r.delivered,
        lost: r.expected - r.delivered,
        holdStartT: r.holdStartT,
        holdEndT: r.holdEndT,
        closed: r.closed,
        firstError: r.firstError,
      };
    }
    const t0 = f.holdStartT + SKIP_MS;
    const cpuPct = cpuPercentBetween(samples, t0, f.holdEndT, ticks);
    const deliveriesPerSec = (f.delivered / (f.holdEndT - f.holdStartT)) * 1000;
    const rssMb = rssMbBefore(samples, f.holdEndT);
    return {
      protocols: protocol,
      tool,
      sockets: cfg.sockets,
      opened: f.opened,
      delivered: f.delivered,
      lost: f.lost,
      closed: f.closed,
      ...(f.firstError ? { firstError: f.firstError } : {}),
      deliveriesPerSec: Math.round(deliveriesPerSec),
      cpuPct: +cpuPct.toFixed(1),
      cpuUsPerDelivery: +((cpuPct / 100 / deliveriesPerSec) * 1e6).toFixed(2),
      rssMb: +rssMb.toFixed(1),
      rssKbPerSocket: +((rssMb * 1024) / Math.max(1, f.opened)).toFixed(1),
      loadAvg1m: { start: +load0.toFixed(2), end: +loadavg()[0].toFixed(2) },
    };
  } finally {
    if (shared === undefined) await server.close();
  }
}

const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const spread = (xs) => (xs.length < 2 ? 0 : (Math.max(...xs) - Math.min(...xs)) / mean(xs));

/** Runs every protocol's rounds; prints a line per run and a `protocolsSummary` line per protocol. */
export async function protocolRuns(ctx, ticks, print, note) {
  const cfg = protocolBenchConfig();
  for (const protocol of cfg.protocols) {
    if (!(protocol in PROTOCOL_SERVERS)) {
      print({ protocols: protocol, error: `not in the protocol bench yet; expected one of ${Object.keys(PROTOCOL_SERVERS).join(', ')}` });
      continue;
    }
    let shared;
    if (SERVER_ONCE_PER_PROTOCOL.has(protocol)) {
      note(`protocols ${protocol}: starting its server …`);
      try {
        shared = await PROTOCOL_SERVERS[protocol]();
      } catch (err) {
        print({ protocols: protocol, error: err instanceof Error ? err.message : String(err) });
        continue;
      }
    }
    const runs = { official: [], wsload: [] };
    try {
      for (let round = 0; round < cfg.rounds; round++) {
        const order = round % 2 === 0 ? ['official', 'wsload'] : ['wsload', 'official'];
        for (const tool of order) {
          note(`protocols ${protocol} ${tool} round ${round + 1} …`);
          try {
            const line = await runOnce(tool, protocol, cfg, ctx, ticks, shared);
            print(line);
            note(
              `protocols ${protocol} ${tool}: ${line.cpuUsPerDelivery} µs CPU/delivery, ${line.rssKbPerSocket} KB/socket, load ${line.loadAvg1m.start}`,
            );
            runs[tool].push(line);
          } catch (err) {
            print({ protocols: protocol, tool, error: err instanceof Error ? err.message : String(err) });
          }
          await new Promise((r) => setTimeout(r, 2000));
        }
      }
    } finally {
      await shared?.close();
    }
    const complete = (l) => l.lost === 0 && l.opened === cfg.sockets;
    const ok = { official: runs.official.filter(complete), wsload: runs.wsload.filter(complete) };
    const metric = (key) => {
      const w = ok.wsload.map((l) => l[key]);
      const o = ok.official.map((l) => l[key]);
      if (w.length === 0 || o.length === 0) return { ratio: null, wsload: w, official: o };
      return { ratio: +(mean(w) / mean(o)).toFixed(2), noise: +Math.max(spread(w), spread(o)).toFixed(2), wsload: w, official: o };
    };
    print({
      protocolsSummary: protocol,
      sockets: cfg.sockets,
      publishRate: cfg.publishRate,
      holdSeconds: cfg.holdSeconds,
      completeRuns: { wsload: ok.wsload.length, official: ok.official.length },
      cpuPerDelivery: metric('cpuUsPerDelivery'),
      memoryPerSocket: metric('rssKbPerSocket'),
      loadAvg1m: [...runs.wsload, ...runs.official].map((l) => l.loadAvg1m.start),
    });
  }
}
