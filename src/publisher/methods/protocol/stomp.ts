/**
 * A STOMP SEND from the publisher connection: CONNECT (accept-version 1.2, the scenario's host,
 * login and passcode; heart-beat 0,0: the publisher's schedule is its traffic and a reconnect
 * follows a close, as MQTT's publisher asks for no keepalive) → CONNECTED, then one SEND per
 * publish to its filled destination with `publish.body`. With `receipt` each SEND carries
 * `receipt:<seq>` and the broker's RECEIPT of it is the publish's "handled" moment. An ERROR
 * (which the broker sends before closing, STOMP 1.2) fails the publish its `receipt-id` names and
 * every other unanswered one as "stomp-error: SLUG", and so the publishes due until the redial.
 * The frames are few and off the hot path: read as text, one complete frame at a time.
 */
import type { StompProtocol } from '../../../run/scenario.js';
import { STOMP_REASONS } from '../../../protocols/stomp.js';
import { stompFrame, stompSend } from '../../../protocols/stomp-frames.js';
import { PROTOCOL_MISMATCH, SUBSCRIBE_REJECTED } from '../../../protocols/types.js';
import type { CodecHost, EncodedPublish, PublishCodec } from './codec.js';

const JSON_TYPE: readonly (readonly [string, string])[] = [['content-type', 'application/json']];

interface Frame {
  command: string;
  headers: Map<string, string>;
}

export class StompPublishCodec implements PublishCodec {
  readonly subprotocols = ['v12.stomp'];
  private connected = false;
  /** An unfinished frame's start, kept until the rest arrives. */
  private pending: Buffer | null = null;

  constructor(
    private readonly o: StompProtocol,
    private readonly receipt: boolean,
    private readonly host: CodecHost,
  ) {}

  begin(): void {
    const o = this.o;
    this.connected = false;
    this.pending = null;
    const headers: [string, string][] = [
      ['accept-version', '1.2'],
      ['host', o.host],
    ];
    // No {conn}/{identity.*} here: one publisher connection serves every socket, so login and passcode are used as written.
    if (o.login !== null) headers.push(['login', o.login]);
    if (o.passcode !== null) headers.push(['passcode', o.passcode]);
    headers.push(['heart-beat', '0,0']);
    this.host.send(stompFrame('CONNECT', headers));
  }

  receive(data: Buffer): void {
    let buf = this.pending === null ? data : Buffer.concat([this.pending, data]);
    this.pending = null;
    for (;;) {
      // EOLs between frames are heart-beats (none negotiated, but a broker may still send them).
      let at = 0;
      while (at < buf.length && (buf[at] === 0x0a || buf[at] === 0x0d)) at++;
      buf = buf.subarray(at);
      if (buf.length === 0) return;
      const end = frameEnd(buf);
      if (end < 0) {
        // Before CONNECTED the server's first bytes must begin a CONNECTED or ERROR frame: anything else is another protocol.
        if (!this.connected && !beginsReply(buf)) return this.host.failed(PROTOCOL_MISMATCH);
        this.pending = Buffer.from(buf);
        return;
      }
      this.frame(parse(buf, end));
      buf = buf.subarray(end + 1);
    }
  }

  private frame(f: Frame): void {
    if (!this.connected) {
      if (f.command === 'ERROR') return this.host.failed(SUBSCRIBE_REJECTED);
      // Another version (a 1.0 server sends no version header) or another protocol.
      if (f.command !== 'CONNECTED' || f.headers.get('version') !== '1.2') return this.host.failed(PROTOCOL_MISMATCH);
      this.connected = true;
      return this.host.ready();
    }
    if (f.command === 'RECEIPT') {
      const key = Number(f.headers.get('receipt-id'));
      if (Number.isInteger(key)) this.host.settle(key, null);
    } else if (f.command === 'ERROR') {
      const reason = STOMP_REASONS.error(f.headers.get('message'));
      const key = Number(f.headers.get('receipt-id'));
      if (Number.isInteger(key)) this.host.settle(key, reason);
      this.host.refused(reason);
    }
  }

  encode(seq: number, text: string, json: boolean, destination: string): EncodedPublish {
    const headers: (readonly [string, string])[] = json ? [...JSON_TYPE] : [];
    if (!this.receipt) return { frame: stompSend(destination, text, headers), key: null };
    headers.push(['receipt', String(seq)]);
    return { frame: stompSend(destination, text, headers), key: seq };
  }
}

/** `buf` starts with CONNECTED or ERROR as its command, or with a prefix of one. */
function beginsReply(buf: Buffer): boolean {
  const text = buf.toString('latin1', 0, Math.min(buf.length, 16));
  const eol = text.indexOf('\n');
  const line = (eol < 0 ? text : text.slice(0, eol)).replace(/\r$/, '');
  return eol < 0 ? 'CONNECTED'.startsWith(line) || 'ERROR'.startsWith(line) : line === 'CONNECTED' || line === 'ERROR';
}

/** The index of the NUL ending the first frame in `buf` (its content-length, when given, bounds the body), or -1. */
function frameEnd(buf: Buffer): number {
  const headersEnd = buf.indexOf('\n\n', 0, 'latin1');
  const crlfEnd = buf.indexOf('\r\n\r\n', 0, 'latin1');
  const sep = headersEnd >= 0 && (crlfEnd < 0 || headersEnd < crlfEnd) ? headersEnd + 2 : crlfEnd >= 0 ? crlfEnd + 4 : -1;
  if (sep < 0) return -1;
  const length = /(?:^|\n)content-length:(\d+)/.exec(buf.toString('utf8', 0, sep));
  if (length) {
    const end = sep + Number(length[1]);
    return end < buf.length ? end : -1;
  }
  return buf.indexOf(0, sep);
}

/** Command and headers (first value wins, STOMP 1.2 escapes undone but in CONNECTED). */
function parse(buf: Buffer, end: number): Frame {
  const lines = buf.toString('utf8', 0, end).split('\n');
  const command = (lines[0] ?? '').replace(/\r$/, '');
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i].replace(/\r$/, '');
    if (line === '') break;
    const at = line.indexOf(':');
    if (at <= 0) continue;
    const name = line.slice(0, at);
    const raw = line.slice(at + 1);
    const value =
      command === 'CONNECTED' ? raw : raw.replace(/\\(.)/g, (_, c: string) => (c === 'c' ? ':' : c === 'n' ? '\n' : c === 'r' ? '\r' : c));
    if (!headers.has(name)) headers.set(name, value);
  }
  return { command, headers };
}
