/**
 * The coordinator's listening side of the control channel: HTTP (or HTTPS with a certificate)
 * on HOST:PORT, upgrades only on CONTROL_PATH, and only for an agent with the right token, a name
 * not yet taken, while fewer than the expected number have joined. A refusal is a plain HTTP
 * answer whose status the agent turns into its one-line error.
 */
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { UsageError } from '../errors.js';
import { AGENT_NAME_HEADER, AGENT_VERSION_HEADER, CONTROL_PATH, REFUSALS } from '../run/control-protocol.js';
import { VERSION } from '../version.js';
import { agentNameProblem } from '../run/agent-name.js';
import { bearerToken, tokenMatches, tokenProblem } from './token.js';

/** After the run, how long the agents' connections get to carry `end` and close on their own. */
const CLOSE_GRACE_MS = 1_000;

/** Where and how the control channel listens. */
export interface ControlListen {
  host: string;
  /** 0: any free port. */
  port: number;
  token: string;
  /** PEM file paths: the channel is wss:// with them; null: ws://. */
  tls: { cert: string; key: string } | null;
}

/** Decides at the upgrade whether `name` (from address `remote`) may join; returns the refusing status or 0. */
export type AdmitCheck = (name: string, remote: string) => number;

/** What the control server tells its owner: each admitted socket, and each agent it refused and why. */
export interface ControlHooks {
  admit: AdmitCheck;
  onAgent: (ws: WebSocket, name: string, remote: string) => void;
  onRefused: (name: string, remote: string, status: number, reason: string) => void;
}

/** Listens for agents; `onAgent` gets each admitted socket and the name it gave. */
export async function listenForAgents(opts: ControlListen, hooks: ControlHooks): Promise<{ port: number; close: () => void }> {
  // Callers check the token first (the CLI's flags, the library's options); this is the last line:
  // a channel with no real token would admit anyone who asks and hand them the run.
  const badToken = tokenProblem(opts.token);
  if (badToken) throw new UsageError(`control channel token: ${badToken}`);
  const server = opts.tls ? createTlsServer(opts.tls) : http.createServer();
  server.on('request', (_req, res) => {
    res.writeHead(404).end();
  });
  // Frames carry a tick of histograms of a whole agent: well under this.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 * 1024 });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    const name = String(req.headers[AGENT_NAME_HEADER] ?? '').trim();
    const remote = `${req.socket.remoteAddress ?? '?'}:${req.socket.remotePort ?? '?'}`;
    let status = 0;
    if (path !== CONTROL_PATH) status = 404;
    else if (!tokenMatches(bearerToken(req.headers.authorization), opts.token)) status = 401;
    else if (req.headers[AGENT_VERSION_HEADER] !== VERSION) status = 412;
    else if (agentNameProblem(name) !== null) status = 400;
    else status = hooks.admit(name, remote);
    if (status !== 0) {
      // Another path is not an agent (a probe, a scanner): answered, not logged.
      if (status !== 404)
        hooks.onRefused(
          name,
          remote,
          status,
          status === 412
            ? `${REFUSALS[412]}: it runs ${String(req.headers[AGENT_VERSION_HEADER] ?? 'an unknown version')}, this is ${VERSION}`
            : REFUSALS[status],
        );
      return refuse(socket, status);
    }
    wss.handleUpgrade(req, socket, head, (ws) => hooks.onAgent(ws, name, remote));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new UsageError(`--listen ${opts.host}:${opts.port}: cannot listen (${err.code ?? err.message})`)),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    port,
    close: () => {
      wss.close();
      server.close();
      server.closeAllConnections?.();
      // The agents were just sent `end` and a close frame: over TLS those leave the process only
      // once encrypted and written, and an agent that sees its connection cut before `end` gives
      // up on the run. What is still open a moment later is cut.
      setTimeout(() => {
        for (const ws of wss.clients) ws.terminate();
      }, CLOSE_GRACE_MS).unref();
    },
  };
}

function refuse(socket: Duplex, status: number): void {
  const reason = REFUSALS[status] ?? 'not a wsload control endpoint';
  // The HTTP server hands an upgrade's socket over without an error listener: a peer that resets
  // after its refusal (EPIPE, ECONNRESET on this write) would otherwise crash the coordinator.
  socket.on('error', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Refused'}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\nConnection: close\r\n\r\n${reason}`,
  );
}

/** The HTTPS listener; a certificate or key that does not load is one line naming its flag, not a crash. */
function createTlsServer(tls: { cert: string; key: string }): https.Server {
  const cert = readPem(tls.cert, '--control-cert');
  const key = readPem(tls.key, '--control-key');
  try {
    return https.createServer({ cert, key });
  } catch (err) {
    throw new UsageError(
      `--control-cert ${tls.cert} / --control-key ${tls.key}: cannot be used (${err instanceof Error ? err.message : String(err)})`,
    );
  }
}

function readPem(file: string, flag: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UsageError(`${flag} ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
