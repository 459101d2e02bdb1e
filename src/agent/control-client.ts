/**
 * The agent's end of the control channel: dials the coordinator with its token and name, retrying
 * while the coordinator is not up yet (pods start in any order), bounded by the connect timeout.
 * A refusal (wrong token, name taken, enough agents) is final: no retry.
 */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import { nowMs } from '../clock.js';
import { CoordinationError, EXIT, UsageError } from '../errors.js';
import { formatDuration } from '../duration.js';
import { AGENT_NAME_HEADER, AGENT_VERSION_HEADER, CONTROL_PATH, REFUSALS } from '../run/control-protocol.js';
import { VERSION } from '../version.js';

/** Pause between attempts while the coordinator is unreachable. */
const RETRY_MS = 500;

export interface DialOptions {
  /** ws:// or wss:// HOST:PORT of the coordinator. */
  coordinator: string;
  token: string;
  name: string;
  /** PEM CA file trusted for a wss:// coordinator; null: the system's. */
  ca: string | null;
  connectTimeoutMs: number;
  /** Resolves when the agent is told to stop while dialing. */
  aborted: Promise<void>;
}

/**
 * An open control socket and the frames (or close) that came before anyone listened. The
 * coordinator's first frame can ride in the same TCP read as its 101 response; ws emits it on the
 * next tick after 'open', before the awaits that hand the socket to the session resolve, so a
 * listener attached then would miss it (and the next frame would look out of order).
 */
export interface ControlSocket {
  ws: WebSocket;
  /** Stops holding and returns what was held, in order; the caller's own listeners take the rest. */
  release(): { frames: Array<{ data: Buffer; isBinary: boolean }>; closed: { code: number; reason: Buffer } | null };
}

/** An open control socket, or null when stopped while dialing. */
export async function dialCoordinator(opts: DialOptions): Promise<ControlSocket | null> {
  const url = `${opts.coordinator.replace(/\/+$/, '')}${CONTROL_PATH}`;
  const ca = opts.ca ? readCa(opts.ca) : undefined;
  const until = nowMs() + opts.connectTimeoutMs;
  let stopped = false;
  void opts.aborted.then(() => (stopped = true));
  let lastError = 'no attempt';
  while (!stopped) {
    const outcome = await attempt(url, opts, ca);
    if (outcome.ws) return outcome.ws;
    if (outcome.refused !== null) {
      throw new CoordinationError(
        `agent ${opts.name}: refused by the coordinator at ${opts.coordinator}: ${outcome.refused}`,
        EXIT.badInput,
      );
    }
    lastError = outcome.error;
    if (nowMs() + RETRY_MS >= until) {
      throw new CoordinationError(
        `agent ${opts.name}: could not reach the coordinator at ${opts.coordinator} within --connect-timeout ${formatDuration(opts.connectTimeoutMs)} (${lastError})`,
        EXIT.failures,
      );
    }
    await Promise.race([new Promise((r) => setTimeout(r, RETRY_MS)), opts.aborted]);
  }
  return null;
}

type Attempt = { ws: ControlSocket; refused: null; error: string } | { ws: null; refused: string | null; error: string };

function attempt(url: string, opts: DialOptions, ca: Buffer | undefined): Promise<Attempt> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${opts.token}`, [AGENT_NAME_HEADER]: opts.name, [AGENT_VERSION_HEADER]: VERSION },
      handshakeTimeout: 10_000,
      maxPayload: 256 * 1024 * 1024,
      ...(ca ? { ca } : {}),
    });
    ws.once('open', () => resolve({ ws: holding(ws), refused: null, error: '' }));
    ws.once('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      ws.terminate();
      resolve({ ws: null, refused: REFUSALS[status] ?? `HTTP ${status} (not a wsload coordinator?)`, error: '' });
    });
    ws.once('error', (err: NodeJS.ErrnoException) => {
      const tlsProblem = /certificate|self.signed|SSL|TLS/i.test(err.message);
      // A certificate that does not verify will not verify on the next attempt either.
      if (tlsProblem) resolve({ ws: null, refused: `TLS: ${err.message}`, error: '' });
      else resolve({ ws: null, refused: null, error: err.code ?? err.message });
    });
  });
}

/** Holds the socket's frames and close from its 'open' on, until the session releases them. */
function holding(ws: WebSocket): ControlSocket {
  const frames: Array<{ data: Buffer; isBinary: boolean }> = [];
  let closed: { code: number; reason: Buffer } | null = null;
  const onMessage = (data: Buffer, isBinary: boolean): void => void frames.push({ data, isBinary });
  const onClose = (code: number, reason: Buffer): void => void (closed = { code, reason });
  ws.on('message', onMessage);
  ws.on('close', onClose);
  return {
    ws,
    release: () => {
      ws.off('message', onMessage);
      ws.off('close', onClose);
      return { frames, closed };
    },
  };
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UsageError(`--control-ca ${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}
