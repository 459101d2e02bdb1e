/**
 * STOMP 1.2 over WebSocket (subprotocol "v12.stomp"). Handshake: CONNECT (accept-version 1.2, host,
 * login/passcode, heart-beat) → CONNECTED → one SUBSCRIBE per destination (ack auto), the last with
 * a `receipt` → RECEIPT: subscribed (the broker handles a connection's frames in order, so the last
 * receipt covers the earlier subscribes; a refused one comes back as an ERROR first).
 * Deliveries: each MESSAGE's body is handed to the pool as a view, framed by its content-length or
 * its NUL, without parsing the headers into objects. Heart-beats: negotiated as STOMP 1.2 says
 * (client's cx,cy against the server's sx,sy); an EOL after max(cx, sy) of silence toward the
 * server, and nothing heard for twice max(sx, cy) ends the socket (`stomp-heartbeat-timeout`, the
 * tolerance stomp.js uses). An ERROR frame is a `stomp-error` reason (with its message header).
 * One WebSocket message may carry several frames or part of one: the unfinished tail is kept.
 */
import type { StompProtocol } from '../run/scenario.js';
import { heartbeatTickMs } from './heartbeat.js';
import { IDLE, PhaseMachine, READY, handshakePhases } from './phase-machine.js';
import { STOMP_HEARTBEAT, stompFrame } from './stomp-frames.js';
import { PROTOCOL_MISMATCH, SUBSCRIBE_REJECTED, type ProtocolClient, type ProtocolEntry, type ProtocolHost } from './types.js';

const { WAIT_CONNECTED, WAIT_RECEIPT } = handshakePhases('WAIT_CONNECTED', 'WAIT_RECEIPT');

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;
const MESSAGE = Buffer.from('MESSAGE\n', 'latin1');
const CONNECTED = Buffer.from('CONNECTED\n', 'latin1');
const CONTENT_LENGTH = Buffer.from('\ncontent-length:', 'latin1');
const HEADERS_END = Buffer.from('\n\n', 'latin1');
/** Longest ERROR message kept in a reason: reasons are keys of the report's byError, so they stay few and short. */
const ERROR_MESSAGE_MAX = 40;

/** Disconnect reasons this protocol adds to a close's `byError`. */
export const STOMP_REASONS = {
  /** Nothing heard from the server for twice the negotiated heart-beat: the client closes. */
  heartbeatTimeout: 'stomp-heartbeat-timeout',
  /** An ERROR frame, with its `message` header made a short slug ("stomp-error: access-refused"). */
  error: (message: string | undefined): string => {
    const slug = (message ?? '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, ERROR_MESSAGE_MAX);
    return slug === '' ? 'stomp-error' : `stomp-error: ${slug}`;
  },
} as const;

/** A header value's STOMP 1.2 escapes undone (\\c is a colon, \\n a newline, …); CONNECTED's are not escaped. */
function unescapeHeader(value: string): string {
  return value.includes('\\')
    ? value.replace(/\\(.)/g, (_, c: string) => (c === 'c' ? ':' : c === 'n' ? '\n' : c === 'r' ? '\r' : c))
    : value;
}

/** The headers of a (rare) control frame, first value wins as STOMP 1.2 says. */
function headersOf(buf: Buffer, from: number, to: number): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of buf.toString('utf8', from, to).split('\n')) {
    const at = line.indexOf(':');
    if (at <= 0) continue;
    const name = line.slice(0, at);
    if (!out.has(name)) out.set(name, unescapeHeader(line.slice(at + 1).replace(/\r$/, '')));
  }
  return out;
}

const ERROR_COMMAND = Buffer.from('ERROR\n', 'latin1');

/** buf[at…] is the start (or a prefix) of a CONNECTED or ERROR frame. */
function beginsReply(buf: Buffer, at: number): boolean {
  for (const command of [CONNECTED, ERROR_COMMAND]) {
    const len = Math.min(command.length, buf.length - at);
    if (command.compare(buf, at, at + len, 0, len) === 0) return true;
  }
  return false;
}

class StompClient implements ProtocolClient {
  private readonly m: PhaseMachine;
  private readonly pending: (Buffer | null)[];
  private readonly receiptId: string;

  constructor(
    n: number,
    private readonly o: StompProtocol,
    private readonly host: ProtocolHost,
  ) {
    this.pending = new Array<Buffer | null>(n).fill(null);
    this.m = new PhaseMachine(n, host, {
      handshakeMs: o.timeoutMs,
      // A heart-beat is a probe with no reply: it only keeps the line busy; silence is what times out.
      heartbeat: { probe: STOMP_HEARTBEAT, replyWithinMs: 0, timeoutReason: STOMP_REASONS.heartbeatTimeout },
      forget: (k) => (this.pending[k] = null),
    });
    this.receiptId = `wsload-sub-${o.destinations.length - 1}`;
  }

  begin(k: number): void {
    this.m.begin(k, WAIT_CONNECTED);
    const o = this.o;
    const headers: [string, string][] = [
      ['accept-version', '1.2'],
      ['host', o.host],
    ];
    if (o.login !== null) headers.push(['login', this.host.fillText(k, o.login, false)]);
    if (o.passcode !== null) headers.push(['passcode', this.host.fillText(k, o.passcode, false)]);
    headers.push(['heart-beat', `${o.heartbeatSendMs},${o.heartbeatReceiveMs}`]);
    this.host.send(k, stompFrame('CONNECT', headers));
  }

  receive(k: number, data: Buffer, _isBinary: boolean, now: number): void {
    const phase = this.m.phase[k];
    if (phase === IDLE) return;
    // Any byte from the server is a heart-beat (STOMP 1.2): one store, no branch on the schedule.
    this.m.beats.lastHeard[k] = now;
    let buf = data;
    const tail = this.pending[k];
    if (tail !== null) {
      buf = Buffer.concat([tail, data]);
      this.pending[k] = null;
    }
    const n = buf.length;
    let at = 0;
    while (at < n) {
      // EOLs between frames are heart-beats.
      const c = buf[at];
      if (c === LF || c === CR) {
        at++;
        continue;
      }
      const headersEnd = buf.indexOf(HEADERS_END, at);
      if (headersEnd < 0) break;
      const bodyStart = headersEnd + 2;
      let bodyEnd: number;
      const cl = buf.indexOf(CONTENT_LENGTH, at);
      if (cl >= 0 && cl < headersEnd) {
        let len = 0;
        for (let p = cl + CONTENT_LENGTH.length; p < headersEnd && buf[p] >= 0x30 && buf[p] <= 0x39; p++) len = len * 10 + buf[p] - 0x30;
        bodyEnd = bodyStart + len;
        if (bodyEnd >= n) break;
      } else {
        bodyEnd = buf.indexOf(NUL, bodyStart);
        if (bodyEnd < 0) break;
      }
      this.frame(k, buf, at, headersEnd, bodyStart, bodyEnd, now);
      if (this.m.phase[k] === IDLE) return;
      at = bodyEnd + 1;
    }
    if (at >= n) return;
    // Before CONNECTED the server's first bytes must begin a CONNECTED or ERROR frame: anything else is another protocol.
    if (this.m.phase[k] === WAIT_CONNECTED && !beginsReply(buf, at)) return this.m.fail(k, PROTOCOL_MISMATCH);
    // Kept as a copy: the frame's buffer belongs to ws.
    this.pending[k] = Buffer.from(buf.subarray(at));
  }

  /** One complete frame: command and headers in buf[start, headersEnd), body in [bodyStart, bodyEnd). */
  private frame(k: number, buf: Buffer, start: number, headersEnd: number, bodyStart: number, bodyEnd: number, now: number): void {
    const phase = this.m.phase[k];
    if (phase === READY && MESSAGE.compare(buf, start, start + MESSAGE.length) === 0) {
      this.host.deliver(k, buf.subarray(bodyStart, bodyEnd), false, now);
      return;
    }
    const eol = buf.indexOf(LF, start);
    const command = buf.toString('latin1', start, eol).replace(/\r$/, '');
    if (phase === WAIT_CONNECTED) {
      if (command === 'ERROR') return this.m.fail(k, SUBSCRIBE_REJECTED);
      if (command !== 'CONNECTED') return this.m.fail(k, PROTOCOL_MISMATCH);
      const headers = headersOf(buf, eol + 1, headersEnd);
      // Another version (a 1.0 server sends no version header): what this client does not speak.
      if (headers.get('version') !== '1.2') return this.m.fail(k, PROTOCOL_MISMATCH);
      this.negotiate(k, headers.get('heart-beat'));
      this.subscribe(k);
      return;
    }
    switch (command) {
      case 'RECEIPT':
        if (phase === WAIT_RECEIPT && headersOf(buf, eol + 1, headersEnd).get('receipt-id') === this.receiptId) this.subscribed(k, now);
        return;
      case 'ERROR': {
        const reason = STOMP_REASONS.error(headersOf(buf, eol + 1, headersEnd).get('message'));
        if (phase === WAIT_RECEIPT) return this.m.fail(k, SUBSCRIBE_REJECTED);
        this.host.noteReason(k, reason);
        return this.host.unmatched(k);
      }
      default:
        if (phase === READY) this.host.unmatched(k);
    }
  }

  /** The heart-beat schedule from the server's `heart-beat: sx,sy` and the client's cx,cy (STOMP 1.2 "Heart-beating"). */
  private negotiate(k: number, header: string | undefined): void {
    const [sx, sy] = (header ?? '0,0').split(',').map((v) => Number.parseInt(v, 10) || 0);
    const cx = this.o.heartbeatSendMs;
    const cy = this.o.heartbeatReceiveMs;
    this.m.beats.sendEvery[k] = cx > 0 && (sy ?? 0) > 0 ? Math.max(cx, sy ?? 0) : 0;
    this.m.beats.silenceLimit[k] = cy > 0 && (sx ?? 0) > 0 ? 2 * Math.max(cy, sx ?? 0) : 0;
  }

  private subscribe(k: number): void {
    this.m.phase[k] = WAIT_RECEIPT;
    const last = this.o.destinations.length - 1;
    let frames = '';
    this.o.destinations.forEach((d, i) => {
      const headers: [string, string][] = [
        ['id', `wsload-${i}`],
        ['destination', this.host.fillText(k, d, false)],
        ['ack', 'auto'],
      ];
      if (i === last) headers.push(['receipt', this.receiptId]);
      frames += stompFrame('SUBSCRIBE', headers);
    });
    this.host.send(k, frames);
  }

  private subscribed(k: number, now: number): void {
    this.m.subscribed(k, now);
  }

  tick(now: number): void {
    this.m.tick(now);
  }

  tickMs(): number | null {
    const o = this.o;
    // The schedule is at least the client's own values (the server can only lengthen it).
    const send = o.heartbeatSendMs;
    const recv = o.heartbeatReceiveMs;
    return heartbeatTickMs(send > 0 && recv > 0 ? Math.min(send, recv) : Math.max(send, recv));
  }

  end(k: number): void {
    this.m.end(k);
  }
}

export const stompEntry: ProtocolEntry<StompProtocol> = {
  name: 'stomp',
  subprotocols: ['v12.stomp'],
  create: (n, options, host) => new StompClient(n, options, host),
};
