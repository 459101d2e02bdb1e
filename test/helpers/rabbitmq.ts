/**
 * A real STOMP broker for the STOMP tests: RabbitMQ (Debian's rabbitmq-server) with its web-STOMP
 * plugin, started as a process of the test (not the system service) with its own node name, data
 * and log directories under a tmp dir, its own epmd port (ERL_EPMD_PORT, so the machine's epmd on
 * 4369 is neither used nor needed) and every listener on 127.0.0.1 free ports. `stop()` ends the
 * broker by its PID and that epmd by `epmd -kill` on its own port, then removes the directory.
 * Publishing is the demo's `GET /api?id=&value=[&topic=]` on a small HTTP server beside it, which
 * SENDs `{"id","value"}` to `/topic/<topic>` (default "news") over web-STOMP and answers once the
 * broker's RECEIPT came, like the other protocol servers in protocol-servers.ts.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { stompFrame, stompSend } from '../../dist/protocols/stomp-frames.js';
import { partPath } from './real-parts.js';
import { freePort } from './wait.js';

export interface RabbitMq {
  /** ws:// URL of web-STOMP (path /ws, which the gateway helpers proxy). */
  wsUrl: string;
  /** The web-STOMP port (a gateway's upstream). */
  port: number;
  /** http://127.0.0.1:port of the /api publisher. */
  httpUrl: string;
  publishes(): number;
  /** The broker's log so far (for a failing assertion's message). */
  log(): string;
  stop(): Promise<void>;
}

/** Debian's wrapper (/usr/sbin/rabbitmq-server) switches to the rabbitmq user; the script beside the release runs as us. */
const SERVER_SCRIPT = '/usr/lib/rabbitmq/bin/rabbitmq-server';
// Several seconds alone; minutes when the machine is loaded by other suites (a 2-core box at load 40 took over 60 s).
const STARTUP_MS = 150_000;

async function waitForPort(port: number, proc: ChildProcess, logOf: () => string, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`rabbitmq-server exited (${proc.exitCode}) before listening:\n${logOf().slice(-2000)}`);
    const up = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, ['v12.stomp']);
      ws.once('open', () => {
        ws.terminate();
        resolve(true);
      });
      ws.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`rabbitmq web-STOMP not listening on ${port} within ${withinMs} ms:\n${logOf().slice(-2000)}`);
}

/** A STOMP connection of the publisher: SENDs with a receipt each, answered in order. */
async function stompPublisher(wsUrl: string): Promise<{ send(destination: string, body: string): Promise<void>; close(): void }> {
  const ws = new WebSocket(wsUrl, ['v12.stomp']);
  const waiting = new Map<string, () => void>();
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      if (text.startsWith('CONNECTED')) resolve();
      const receipt = /^RECEIPT\nreceipt-id:(\S+)/.exec(text);
      if (receipt) {
        waiting.get(receipt[1])?.();
        waiting.delete(receipt[1]);
      }
      if (text.startsWith('ERROR')) reject(new Error(`broker ERROR to the publisher: ${text}`));
    });
    ws.once('open', () =>
      ws.send(
        stompFrame('CONNECT', [
          ['accept-version', '1.2'],
          ['host', '/'],
          ['heart-beat', '0,0'],
        ]),
      ),
    );
  });
  return {
    send: (destination, body) =>
      new Promise<void>((resolve) => {
        const id = `p${next++}`;
        waiting.set(id, resolve);
        ws.send(stompSend(destination, body, [['receipt', id]]));
      }),
    close: () => ws.terminate(),
  };
}

export interface RabbitMqOptions {
  /** web-STOMP port (default a free one; RabbitMQ's own default is 15674). */
  stompPort?: number;
  /** Port of the /api publisher (default a free one). */
  httpPort?: number;
}

export async function startRabbitMq(opts: RabbitMqOptions = {}): Promise<RabbitMq> {
  partPath('rabbitmq');
  const dir = mkdtempSync(join(tmpdir(), 'wsload-rabbitmq-'));
  const [amqp, dist, epmd] = [await freePort(), await freePort(), await freePort()];
  const stomp = opts.stompPort ?? (await freePort());
  writeFileSync(
    join(dir, 'rabbitmq.conf'),
    [
      `listeners.tcp.default = 127.0.0.1:${amqp}`,
      `web_stomp.tcp.port = ${stomp}`,
      'web_stomp.tcp.ip = 127.0.0.1',
      'loopback_users = none',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'enabled_plugins'), '[rabbitmq_web_stomp].\n');
  const env = {
    ...process.env,
    HOME: dir,
    ERL_EPMD_PORT: String(epmd),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_NODENAME: `wsload${process.pid}@localhost`,
    RABBITMQ_DIST_PORT: String(dist),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    // Erlang distribution on loopback only.
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
  };
  const out = join(dir, 'out.log');
  writeFileSync(out, '');
  let log = '';
  const proc = spawn(SERVER_SCRIPT, [], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const logOf = (): string => {
    try {
      return log + readFileSync(join(dir, 'log', `${env.RABBITMQ_NODENAME}.log`), 'utf8');
    } catch {
      return log;
    }
  };
  const stopBroker = async (): Promise<void> => {
    if (proc.exitCode === null && proc.pid !== undefined) {
      const exited = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
    // The epmd the node started daemonizes: end it on its own port only.
    spawnSync('epmd', ['-kill'], { env: { ...process.env, ERL_EPMD_PORT: String(epmd) }, timeout: 5_000 });
    rmSync(dir, { recursive: true, force: true });
  };
  const wsUrl = `ws://127.0.0.1:${stomp}/ws`;
  let publisher: Awaited<ReturnType<typeof stompPublisher>>;
  try {
    await waitForPort(stomp, proc, logOf, STARTUP_MS);
    publisher = await stompPublisher(wsUrl);
  } catch (err) {
    await stopBroker();
    throw err;
  }
  let publishes = 0;
  const http: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const id = url.searchParams.get('id');
    const value = url.searchParams.get('value');
    if (url.pathname !== '/api' || id === null || value === null) return void res.writeHead(url.pathname === '/api' ? 400 : 404).end();
    publishes++;
    void publisher
      .send(`/topic/${url.searchParams.get('topic') ?? 'news'}`, JSON.stringify({ id, value }))
      .then(() => res.writeHead(200).end('{"ok":true}'));
  });
  const httpPort = await new Promise<number>((resolve) =>
    http.listen(opts.httpPort ?? 0, '127.0.0.1', () => resolve((http.address() as AddressInfo).port)),
  );
  return {
    wsUrl,
    port: stomp,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    publishes: () => publishes,
    log: logOf,
    stop: async () => {
      publisher.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
      await stopBroker();
    },
  };
}
