/**
 * Socket.IO v4 over Engine.IO 4, WebSocket transport only (`/socket.io/?EIO=4&transport=websocket`).
 * The packets are short text frames, decoded by hand (engine.io-parser / socket.io-parser would
 * allocate a packet object and JSON.parse every event; a receive here reads bytes and hands the
 * pool a view of the event's first argument):
 *   Engine.IO: "0{…}" open (pingInterval, pingTimeout), "1" close, "2" ping → answer "3", "6" noop.
 *   Socket.IO inside "4": "0[/ns,]{…}" CONNECT (ack), "1[/ns,]" DISCONNECT, "2[/ns,][id][…]" EVENT,
 *   "3[/ns,]id[…]" ACK, "4[/ns,]{…}" CONNECT_ERROR, "5"/"6" binary event/ack (attachments follow).
 * Handshake: open packet → CONNECT to the namespace (with `auth`) → its CONNECT → the join event
 * (and its ACK when asked) → subscribed. A first frame that is not an open packet means the server
 * speaks something else: `protocol-mismatch`.
 */
import type { SocketIoProtocol } from '../run/scenario.js';
import { PhaseMachine, handshakePhases } from './phase-machine.js';
import { PROTOCOL_MISMATCH, SUBSCRIBE_REJECTED, type ProtocolClient, type ProtocolEntry, type ProtocolHost } from './types.js';

const { WAIT_OPEN, WAIT_CONNECT, WAIT_JOIN_ACK } = handshakePhases('WAIT_OPEN', 'WAIT_CONNECT', 'WAIT_JOIN_ACK');

const CH_0 = 0x30;
const CH_9 = 0x39;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Ack id of the join event (one per connection). */
const JOIN_ACK_ID = '1';

/** Disconnect reasons this protocol adds to a close's `byError`. */
export const SOCKET_IO_REASONS = {
  /** The server disconnected the socket from its namespace (socket.disconnect() on the server). */
  serverDisconnect: 'socket.io-server-disconnect',
  /** Engine.IO close packet from the server. */
  engineClose: 'socket.io-engine-close',
  /** No ping from the server within pingInterval + pingTimeout: the client gives up, as socket.io-client does. */
  pingTimeout: 'socket.io-ping-timeout',
} as const;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

class SocketIoClient implements ProtocolClient {
  /** Heartbeats silence-watched: `lastHeard` is the last server ping (or the open packet), `silenceLimit` pingInterval + pingTimeout. */
  private readonly m: PhaseMachine;
  /** "/ns," (empty for "/"): the prefix of every packet of the namespace after its type digit. */
  private readonly nsPrefix: Buffer;
  private readonly nsText: string;
  private readonly events: Buffer[];

  constructor(
    n: number,
    private readonly o: SocketIoProtocol,
    private readonly host: ProtocolHost,
  ) {
    this.m = new PhaseMachine(n, host, {
      handshakeMs: o.timeoutMs,
      // The client sends no probe of its own (it answers the server's pings): an empty probe never due.
      heartbeat: { probe: '', replyWithinMs: 0, timeoutReason: SOCKET_IO_REASONS.pingTimeout },
    });
    this.nsText = o.namespace === '/' ? '' : `${o.namespace},`;
    this.nsPrefix = Buffer.from(this.nsText, 'utf8');
    this.events = o.events.map((e) => Buffer.from(e, 'utf8'));
  }

  begin(k: number): void {
    this.m.begin(k, WAIT_OPEN);
  }

  receive(k: number, data: Buffer, isBinary: boolean, now: number): void {
    const phase = this.m.phase[k];
    if (phase === WAIT_OPEN) {
      if (isBinary || data.length < 2 || data[0] !== CH_0 || data[1] !== 0x7b) return this.m.fail(k, PROTOCOL_MISMATCH);
      this.onOpenPacket(k, data, now);
      return;
    }
    if (isBinary) {
      // Attachments of a binary event ("5…"): never a delivery here.
      this.host.unmatched(k);
      return;
    }
    if (data.length === 0) return this.host.unmatched(k);
    const engine = data[0];
    if (engine === 0x32 /* "2" ping */) {
      this.m.beats.lastHeard[k] = now;
      this.host.send(k, '3');
      return;
    }
    if (engine === 0x31 /* "1" close */) {
      this.host.noteReason(k, SOCKET_IO_REASONS.engineClose);
      return;
    }
    if (engine === 0x36 /* "6" noop */) return;
    if (engine !== 0x34 /* "4" message */ || data.length < 2) return this.host.unmatched(k);
    const type = data[1];
    // Packets of other namespaces are not this socket's (it joined one).
    const at = 2;
    if (!this.inNamespace(data, at)) return this.host.unmatched(k);
    const body = at + this.nsPrefix.length;
    switch (type) {
      case 0x32: // EVENT
        this.onEvent(k, data, body, now);
        return;
      case 0x30: // CONNECT
        if (phase === WAIT_CONNECT) this.connected(k);
        return;
      case 0x34: // CONNECT_ERROR
        if (phase === WAIT_CONNECT) this.m.fail(k, SUBSCRIBE_REJECTED);
        return;
      case 0x33: // ACK
        if (phase === WAIT_JOIN_ACK && this.isJoinAck(data, body)) this.m.subscribed(k);
        return;
      case 0x31: // DISCONNECT
        this.host.noteReason(k, SOCKET_IO_REASONS.serverDisconnect);
        return;
      default:
        this.host.unmatched(k);
    }
  }

  private inNamespace(data: Buffer, at: number): boolean {
    const p = this.nsPrefix;
    if (p.length === 0) return data.length <= at || data[at] !== 0x2f;
    if (data.length < at + p.length) {
      // "41/ns" without the comma (a DISCONNECT may end at the namespace).
      return data.length === at + p.length - 1 && data.subarray(at).equals(p.subarray(0, p.length - 1));
    }
    for (let i = 0; i < p.length; i++) if (data[at + i] !== p[i]) return false;
    return true;
  }

  private onOpenPacket(k: number, data: Buffer, now: number): void {
    // Once per connection: the open packet's JSON is small and parsed for its timings.
    let interval = 25_000;
    let timeout = 20_000;
    try {
      const open = JSON.parse(data.toString('utf8', 1)) as { pingInterval?: unknown; pingTimeout?: unknown };
      if (typeof open.pingInterval === 'number') interval = open.pingInterval;
      if (typeof open.pingTimeout === 'number') timeout = open.pingTimeout;
    } catch {
      return this.m.fail(k, PROTOCOL_MISMATCH);
    }
    this.m.beats.silenceLimit[k] = interval + timeout;
    this.m.beats.lastHeard[k] = now;
    this.m.phase[k] = WAIT_CONNECT;
    const auth = this.o.auth === null ? '' : this.host.fillText(k, this.o.auth, true);
    this.host.send(k, `40${this.nsText}${auth}`);
  }

  private connected(k: number): void {
    const join = this.o.join;
    if (join === null) return this.m.subscribed(k);
    const args = this.host.fillText(k, join.args, true).trim();
    const rest = args.slice(1, -1).trim();
    const packet = `42${this.nsText}${join.ack ? JOIN_ACK_ID : ''}[${JSON.stringify(join.event)}${rest === '' ? '' : `,${rest}`}]`;
    this.host.send(k, packet);
    if (join.ack) {
      this.m.phase[k] = WAIT_JOIN_ACK;
      return;
    }
    this.m.subscribed(k);
  }

  private isJoinAck(data: Buffer, body: number): boolean {
    // "43[/ns,]1[…]": the id, then the arguments.
    return data.length > body + 1 && data[body] === 0x31 && (data[body + 1] === OPEN_BRACKET || isSpace(data[body + 1]));
  }

  /** `42[/ns,][id]["event",arg,…]`: the first argument of a listed event is the payload. */
  private onEvent(k: number, data: Buffer, body: number, now: number): void {
    let i = body;
    const n = data.length;
    while (i < n && data[i] >= CH_0 && data[i] <= CH_9) i++;
    if (i + 1 >= n || data[i] !== OPEN_BRACKET || data[i + 1] !== QUOTE) return this.host.unmatched(k);
    const nameStart = i + 2;
    let j = nameStart;
    while (j < n && data[j] !== QUOTE) {
      // An escaped event name is no listed one (names are plain in the scenario's events).
      if (data[j] === BACKSLASH) return this.host.unmatched(k);
      j++;
    }
    if (j >= n || !this.listed(data, nameStart, j)) return this.host.unmatched(k);
    let a = j + 1;
    while (a < n && isSpace(data[a])) a++;
    if (a >= n || data[a] !== COMMA) return this.host.unmatched(k);
    a++;
    let e = n - 1;
    while (e > a && isSpace(data[e])) e--;
    if (data[e] !== CLOSE_BRACKET) return this.host.unmatched(k);
    this.host.deliver(k, data.subarray(a, e), false, now);
  }

  private listed(data: Buffer, start: number, end: number): boolean {
    const len = end - start;
    outer: for (const ev of this.events) {
      if (ev.length !== len) continue;
      for (let i = 0; i < len; i++) if (data[start + i] !== ev[i]) continue outer;
      return true;
    }
    return false;
  }

  tick(now: number): void {
    this.m.tick(now);
  }

  tickMs(): number | null {
    // The server announces its timings at the open packet; a 250 ms check keeps the call within a quarter second.
    return 250;
  }

  end(k: number): void {
    this.m.end(k);
  }
}

export const socketIoEntry: ProtocolEntry<SocketIoProtocol> = {
  name: 'socket.io',
  subprotocols: [],
  create: (n, options, host) => new SocketIoClient(n, options, host),
};
