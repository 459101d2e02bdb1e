import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { partPath } from './real-parts.js';
import { freePort } from './wait.js';

/** TLS termination at the gateway; the gateway speaks plain HTTP to the upstream. */
export interface GatewayTls {
  certFile: string;
  keyFile: string;
  /** When set, clients must present a certificate signed by this CA (mutual TLS). */
  clientCaFile?: string;
  /** Host name put in wsUrl/httpUrl (the certificate's name); the caller maps it to 127.0.0.1. */
  serverName: string;
}

/** What to put the gateway in front of, and how. */
export interface GatewayOptions {
  upstream: { host: string; port: number };
  /** Idle timeout of an upgraded (WebSocket) connection: nginx proxy_read/send_timeout, HAProxy timeout tunnel. */
  idleTimeoutMs: number;
  tls?: GatewayTls;
  /** More configuration after the shipped file's (HAProxy: a Prometheus exporter frontend, appended; nginx: a server block, put inside `http { }`). */
  extraConfig?: string;
}

/** A gateway process running in the foreground as a child of the test process. */
export interface RunningGateway {
  kind: 'nginx' | 'haproxy';
  /** ws:// or wss:// URL of the upstream's /ws, through the gateway. */
  wsUrl: string;
  /** http:// or https:// base URL (no trailing slash), through the gateway. */
  httpUrl: string;
  /** Loopback address the gateway listens on (always 127.0.0.1, whatever name the URLs carry). */
  host: string;
  port: number;
  pid: number;
  /** Temp directory holding config, pid, logs and temp files. */
  dir: string;
  configText: string;
  /** Everything the gateway wrote to stderr and its error/access logs so far (bounded). */
  logs(): Promise<string>;
  /** SIGTERM, then SIGKILL after a grace period; resolves once the process has exited. */
  stop(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';
const READY_TIMEOUT_MS = 5_000;
const READY_POLL_MS = 50;
const STOP_GRACE_MS = 3_000;
const STDERR_LIMIT = 64 * 1024;
const START_ATTEMPTS = 3;

/** Start nginx in front of `opts.upstream`, WebSocket-aware on /ws, with its idle timeout set to idleTimeoutMs. */
export async function startNginx(opts: GatewayOptions): Promise<RunningGateway> {
  const bin = partPath('nginx');
  return startWithRetry('nginx', opts, async (dir, port) => {
    const conf = join(dir, 'nginx.conf');
    const text = nginxConfig(port, opts);
    await writeFile(conf, text);
    // -e: nginx opens its compiled-in error log (/var/log/nginx) before reading the config.
    const args = ['-p', dir, '-c', conf, '-e', join(dir, 'error.log'), '-g', 'daemon off;'];
    return { bin, args, text, logFiles: [join(dir, 'error.log'), join(dir, 'access.log')] };
  });
}

/** Start HAProxy in front of `opts.upstream` with `timeout tunnel` set to idleTimeoutMs. */
export async function startHaproxy(opts: GatewayOptions): Promise<RunningGateway> {
  const bin = partPath('haproxy');
  return startWithRetry('haproxy', opts, async (dir, port) => {
    let pemFile: string | undefined;
    if (opts.tls) {
      // HAProxy's `crt` wants certificate and key in one PEM.
      pemFile = join(dir, 'server.pem');
      const [cert, key] = await Promise.all([readFile(opts.tls.certFile, 'utf8'), readFile(opts.tls.keyFile, 'utf8')]);
      await writeFile(pemFile, `${cert.trimEnd()}\n${key.trimEnd()}\n`, { mode: 0o600 });
    }
    const conf = join(dir, 'haproxy.cfg');
    const text = haproxyConfig(port, opts, pemFile) + (opts.extraConfig ? `\n${opts.extraConfig}\n` : '');
    await writeFile(conf, text);
    return { bin, args: ['-f', conf, '-db'], text, logFiles: [] };
  });
}

/** The gateway configs docs/idle-timeout.md walks through; the configs below are rendered from them. */
export const GATEWAY_CONFIG_DIR = join(import.meta.dirname, '../../deploy/gateways');

/**
 * The shipped config `file` with each directive line `from` (compared trimmed, so the comments that
 * document it do not count) replaced by `to`, at its indentation. A line found other than exactly
 * once throws: the documented file and the tested one cannot drift apart silently.
 */
export function renderGatewayConfig(file: string, edits: readonly (readonly [from: string, to: string | readonly string[]])[]): string {
  const lines = readFileSync(join(GATEWAY_CONFIG_DIR, file), 'utf8').split('\n');
  for (const [from, to] of edits) {
    const at = lines.flatMap((line, i) => (line.trim() === from ? [i] : []));
    if (at.length !== 1)
      throw new Error(
        `deploy/gateways/${file}: expected the line "${from}" once, found it ${at.length} times (the docs and tests rely on it)`,
      );
    const indent = /^\s*/.exec(lines[at[0]])?.[0] ?? '';
    lines.splice(at[0], 1, ...(typeof to === 'string' ? [to] : to).map((l) => indent + l));
  }
  return lines.join('\n');
}

/** nginx.conf text from deploy/gateways/nginx.conf; its relative paths land in the `-p` directory. */
export function nginxConfig(port: number, opts: GatewayOptions): string {
  const { upstream, idleTimeoutMs, tls } = opts;
  const timeout = msDirective(idleTimeoutMs);
  const tlsLines = tls
    ? [
        `ssl_certificate ${tls.certFile};`,
        `ssl_certificate_key ${tls.keyFile};`,
        'ssl_protocols TLSv1.2 TLSv1.3;',
        ...(tls.clientCaFile ? [`ssl_client_certificate ${tls.clientCaFile};`, 'ssl_verify_client on;'] : []),
      ]
    : [];
  const text = renderGatewayConfig('nginx.conf', [
    ['listen 127.0.0.1:8080;', `listen ${LOOPBACK}:${port}${tls ? ' ssl' : ''};`],
    ['server_name _;', [`server_name ${tls ? tls.serverName : '_'};`, ...tlsLines]],
    ['server 127.0.0.1:8888;', `server ${upstream.host}:${upstream.port};`],
    ['proxy_read_timeout 5s;', `proxy_read_timeout ${timeout};`],
    ['proxy_send_timeout 5s;', `proxy_send_timeout ${timeout};`],
  ]);
  // The shipped file ends with the http block's "}": extra server blocks go just before it.
  const close = text.lastIndexOf('}');
  const full = opts.extraConfig ? `${text.slice(0, close)}\n${opts.extraConfig}\n${text.slice(close)}` : text;
  // Workers default to user nobody, which cannot enter our 0700 temp dir when the master is root.
  return process.getuid?.() === 0 ? `user root;\n${full}` : full;
}

/** haproxy.cfg text from deploy/gateways/haproxy.cfg: `timeout tunnel` = idle timeout. */
export function haproxyConfig(port: number, opts: GatewayOptions, pemFile?: string): string {
  const { upstream, idleTimeoutMs, tls } = opts;
  let bind = `bind ${LOOPBACK}:${port}`;
  if (tls) {
    if (!pemFile) throw new Error('haproxyConfig: TLS needs a combined cert+key PEM file');
    bind += ` ssl crt ${pemFile} alpn http/1.1`;
    if (tls.clientCaFile) bind += ` ca-file ${tls.clientCaFile} verify required`;
  }
  // client/server stay well above the tunnel timeout so that, once upgraded, only `timeout tunnel`
  // can end an idle WebSocket; before the upgrade they bound a stuck handshake.
  const slow = msDirective(Math.max(30_000, idleTimeoutMs * 4));
  return renderGatewayConfig('haproxy.cfg', [
    ['bind 127.0.0.1:8080', bind],
    ['server target 127.0.0.1:8888', `server target ${upstream.host}:${upstream.port}`],
    ['timeout client 30s', `timeout client ${slow}`],
    ['timeout server 30s', `timeout server ${slow}`],
    ['timeout tunnel 5s', `timeout tunnel ${msDirective(idleTimeoutMs)}`],
  ]);
}

interface LaunchPlan {
  bin: string;
  args: string[];
  text: string;
  logFiles: string[];
}

type Planner = (dir: string, port: number) => Promise<LaunchPlan>;

// Children still running if the test process exits without stop() (a crashed suite): never leak them.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function msDirective(ms: number): string {
  if (!Number.isInteger(ms) || ms <= 0) throw new Error(`idleTimeoutMs must be a positive integer, got ${ms}`);
  return `${ms}ms`;
}

async function startWithRetry(kind: 'nginx' | 'haproxy', opts: GatewayOptions, plan: Planner): Promise<RunningGateway> {
  let lastError: unknown;
  // The free port is found by binding :0 and closing, so another process can take it before the
  // gateway binds; retry with a fresh port only for that case.
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const dir = await mkdtemp(join(tmpdir(), `wsload-${kind}-`));
    try {
      return await launch(kind, opts, dir, await freePort(), plan);
    } catch (err) {
      lastError = err;
      await rm(dir, { recursive: true, force: true });
      if (!(err instanceof Error) || !/address already in use/i.test(err.message)) throw err;
    }
  }
  throw lastError;
}

async function launch(kind: 'nginx' | 'haproxy', opts: GatewayOptions, dir: string, port: number, plan: Planner): Promise<RunningGateway> {
  const { bin, args, text, logFiles } = await plan(dir, port);
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let output = '';
  const append = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > STDERR_LIMIT) output = output.slice(-STDERR_LIMIT);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(code ?? (signal ? -1 : null));
    });
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  const logs = async (): Promise<string> => {
    const files = await Promise.all(logFiles.map((f) => readFile(f, 'utf8').catch(() => '')));
    return [output, ...files].filter(Boolean).join('\n');
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      // nginx workers are children of the master: remember them in case the master must be SIGKILLed.
      const workers = childPids(child.pid);
      child.kill('SIGTERM');
      const done = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
      if (!done) {
        child.kill('SIGKILL');
        for (const pid of workers) killQuietly(pid);
        await exited;
      }
    }
    await rm(dir, { recursive: true, force: true });
  };

  const outcome = await Promise.race([
    waitForPort(port, READY_TIMEOUT_MS).then((ok) => (ok ? ('ready' as const) : ('timeout' as const))),
    exited.then(() => 'exited' as const),
    spawnError.then((e) => e),
  ]);
  if (outcome !== 'ready') {
    const why =
      outcome instanceof Error
        ? `could not be spawned: ${outcome.message}`
        : outcome === 'exited'
          ? `exited with ${String(child.exitCode ?? child.signalCode)}`
          : `did not accept connections on ${LOOPBACK}:${port} within ${READY_TIMEOUT_MS} ms`;
    const gatewayLogs = await logs();
    await stop();
    throw new Error(
      `${kind} ${why}\ncommand: ${bin} ${args.join(' ')}\n--- ${kind} output ---\n${gatewayLogs || '(none)'}\n--- config ---\n${text}`,
    );
  }
  if (child.pid === undefined) throw new Error(`${kind} started without a pid`);

  const hostName = opts.tls ? opts.tls.serverName : LOOPBACK;
  const scheme = opts.tls ? 'https' : 'http';
  const httpUrl = `${scheme}://${hostName}:${port}`;
  return {
    kind,
    wsUrl: `${opts.tls ? 'wss' : 'ws'}://${hostName}:${port}/ws`,
    httpUrl,
    host: LOOPBACK,
    port,
    pid: child.pid,
    dir,
    configText: text,
    logs,
    stop,
  };
}

async function waitForPort(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await canConnect(port)) return true;
    await sleep(READY_POLL_MS);
  }
  return false;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: LOOPBACK, port });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

function childPids(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
