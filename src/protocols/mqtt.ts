/**
 * MQTT 3.1.1 (protocol level 4) and 5 over WebSocket (binary frames, subprotocol "mqtt").
 * Outgoing control packets (CONNECT, SUBSCRIBE, once per connection) are built by `mqtt-packet`,
 * the codec MQTT.js and Aedes use. Incoming packets are framed and read here, by bytes: a PUBLISH
 * is handed to the pool as a view of its payload, with no packet object, and one WebSocket message
 * may carry several packets or part of one (brokers write a packet in pieces), so each socket keeps
 * the unfinished tail of its stream until the rest arrives.
 * Handshake: CONNECT → CONNACK → SUBSCRIBE → SUBACK → subscribed. The client sends PINGREQ when it
 * has sent nothing for `keepalive` and gives up when no PINGRESP follows within another keepalive
 * (as MQTT.js does); QoS 1 PUBLISHes are answered with PUBACK.
 */
import { generate } from 'mqtt-packet';
import type { MqttProtocol } from '../run/scenario.js';
import { PROTOCOL_MISMATCH, SUBSCRIBE_REJECTED, SUBSCRIBE_TIMEOUT, type ProtocolClient, type ProtocolEntry, type ProtocolHost } from './types.js';

const IDLE = 0;
const WAIT_CONNACK = 1;
const WAIT_SUBACK = 2;
const READY = 3;

const CONNACK = 2;
const PUBLISH = 3;
const SUBACK = 9;
const PINGRESP = 13;
const DISCONNECT = 14;

const PINGREQ_BYTES = Buffer.from([0xc0, 0x00]);
/** Packet id of the one SUBSCRIBE per connection. */
const SUBSCRIBE_ID = 1;

/** Disconnect reasons this protocol adds to a close's `byError`. */
export const MQTT_REASONS = {
  /** The client's PINGREQ got no PINGRESP within a keepalive: the client closes, as MQTT.js does. */
  keepaliveTimeout: 'mqtt-keepalive-timeout',
  /** A DISCONNECT packet from the server (MQTT 5), with its reason code. */
  disconnect: (code: number): string => `mqtt-disconnect-0x${code.toString(16).padStart(2, '0')}`,
} as const;

class MqttClient implements ProtocolClient {
  private readonly phase: Uint8Array;
  private readonly timers: (NodeJS.Timeout | null)[];
  /** The unfinished tail of each socket's packet stream, or null. */
  private readonly pending: (Buffer | null)[];
  /** When the outstanding PINGREQ was sent; 0: none outstanding. */
  private readonly pingSentAt: Float64Array;
  private readonly v5: boolean;

  constructor(
    n: number,
    private readonly o: MqttProtocol,
    private readonly host: ProtocolHost,
  ) {
    this.phase = new Uint8Array(n);
    this.timers = new Array<NodeJS.Timeout | null>(n).fill(null);
    this.pending = new Array<Buffer | null>(n).fill(null);
    this.pingSentAt = new Float64Array(n);
    this.v5 = o.version === 5;
  }

  begin(k: number): void {
    this.end(k);
    this.phase[k] = WAIT_CONNACK;
    this.timers[k] = setTimeout(handshakeTimedOut, this.o.timeoutMs, this, k);
    const o = this.o;
    const connect = generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: o.version,
      clientId: this.host.fillText(k, o.clientId, false),
      clean: o.clean,
      keepalive: Math.round(o.keepaliveMs / 1000),
      ...(o.username !== null ? { username: this.host.fillText(k, o.username, false) } : {}),
      ...(o.password !== null ? { password: Buffer.from(this.host.fillText(k, o.password, false), 'utf8') } : {}),
    });
    this.host.send(k, connect);
  }

  /** @private */
  timedOut(k: number): void {
    this.timers[k] = null;
    if (this.phase[k] !== WAIT_CONNACK && this.phase[k] !== WAIT_SUBACK) return;
    this.phase[k] = IDLE;
    this.host.onSubscribeFailed(k, SUBSCRIBE_TIMEOUT);
  }

  private fail(k: number, reason: string): void {
    this.end(k);
    this.host.onSubscribeFailed(k, reason);
  }

  receive(k: number, data: Buffer, isBinary: boolean, now: number): void {
    if (this.phase[k] === IDLE) return;
    if (!isBinary) {
      // MQTT over WebSocket is binary frames only: a text frame is another protocol talking.
      if (this.phase[k] !== READY) return this.fail(k, PROTOCOL_MISMATCH);
      return this.host.unmatched(k);
    }
    let buf = data;
    const tail = this.pending[k];
    if (tail !== null) {
      buf = Buffer.concat([tail, data]);
      this.pending[k] = null;
    }
    let at = 0;
    const n = buf.length;
    while (at < n) {
      if (n - at < 2) break;
      // Remaining length: 1–4 bytes of 7 bits, least significant first.
      let len = 0;
      let mul = 1;
      let p = at + 1;
      let complete = false;
      for (let i = 0; i < 4 && p < n; i++, p++) {
        const b = buf[p];
        len += (b & 0x7f) * mul;
        mul *= 128;
        if ((b & 0x80) === 0) {
          complete = true;
          p++;
          break;
        }
      }
      if (!complete) {
        if (p - at - 1 >= 4) return this.malformed(k);
        break;
      }
      if (p + len > n) break;
      this.packet(k, buf, buf[at], p, p + len, now);
      if (this.phase[k] === IDLE) return;
      at = p + len;
    }
    // Kept as a copy: the frame's buffer belongs to ws.
    if (at < n) this.pending[k] = Buffer.from(buf.subarray(at));
  }

  private malformed(k: number): void {
    if (this.phase[k] !== READY) this.fail(k, PROTOCOL_MISMATCH);
    else this.host.unmatched(k);
  }

  /** One complete packet: first byte `head`, its variable header and payload in buf[start, end). */
  private packet(k: number, buf: Buffer, head: number, start: number, end: number, now: number): void {
    const type = head >> 4;
    const phase = this.phase[k];
    if (phase === WAIT_CONNACK) {
      if (type !== CONNACK || end - start < 2) return this.fail(k, PROTOCOL_MISMATCH);
      const code = buf[start + 1];
      // 3.1.1: 1 = unacceptable protocol version; 5: 0x84 unsupported protocol version.
      if (code === 0x01 || code === 0x84) return this.fail(k, PROTOCOL_MISMATCH);
      if (code !== 0) return this.fail(k, SUBSCRIBE_REJECTED);
      this.subscribe(k);
      return;
    }
    switch (type) {
      case PUBLISH:
        this.publish(k, buf, head, start, end, now);
        return;
      case SUBACK:
        if (phase === WAIT_SUBACK) this.suback(k, buf, start, end);
        return;
      case PINGRESP:
        this.pingSentAt[k] = 0;
        return;
      case DISCONNECT:
        this.host.noteReason(k, MQTT_REASONS.disconnect(end > start ? buf[start] : 0));
        return;
      default:
        return;
    }
  }

  private subscribe(k: number): void {
    this.phase[k] = WAIT_SUBACK;
    const qos = this.o.qos;
    const packet = generate(
      {
        cmd: 'subscribe',
        messageId: SUBSCRIBE_ID,
        subscriptions: this.o.topics.map((t) => ({ topic: this.host.fillText(k, t, false), qos })),
      },
      { protocolVersion: this.o.version },
    );
    this.host.send(k, packet);
  }

  private suback(k: number, buf: Buffer, start: number, end: number): void {
    let at = start + 2;
    if (this.v5) {
      // Properties: a variable-length size, then that many bytes.
      let len = 0;
      let mul = 1;
      for (let i = 0; i < 4 && at < end; i++) {
        const b = buf[at++];
        len += (b & 0x7f) * mul;
        mul *= 128;
        if ((b & 0x80) === 0) break;
      }
      at += len;
    }
    if (at >= end) return this.fail(k, PROTOCOL_MISMATCH);
    for (let i = at; i < end; i++) if (buf[i] >= 0x80) return this.fail(k, SUBSCRIBE_REJECTED);
    const t = this.timers[k];
    if (t !== null) clearTimeout(t);
    this.timers[k] = null;
    this.phase[k] = READY;
    this.host.onSubscribed(k);
  }

  private publish(k: number, buf: Buffer, head: number, start: number, end: number, now: number): void {
    const qos = (head >> 1) & 3;
    let at = start + 2 + ((buf[start] << 8) | buf[start + 1]);
    let id = -1;
    if (qos > 0) {
      id = (buf[at] << 8) | buf[at + 1];
      at += 2;
    }
    if (this.v5) {
      let len = 0;
      let mul = 1;
      for (let i = 0; i < 4 && at < end; i++) {
        const b = buf[at++];
        len += (b & 0x7f) * mul;
        mul *= 128;
        if ((b & 0x80) === 0) break;
      }
      at += len;
    }
    if (at > end) return this.host.unmatched(k);
    if (qos === 1) this.host.send(k, Buffer.from([0x40, 0x02, id >> 8, id & 0xff]));
    this.host.deliver(k, buf.subarray(at, end), true, now);
  }

  tick(now: number): void {
    const ka = this.o.keepaliveMs;
    if (ka === 0) return;
    const n = this.phase.length;
    for (let k = 0; k < n; k++) {
      if (this.phase[k] !== READY || !this.host.isOpen(k)) continue;
      const sent = this.pingSentAt[k];
      if (sent > 0) {
        if (now - sent >= ka) {
          this.phase[k] = IDLE;
          this.host.closeByClient(k, MQTT_REASONS.keepaliveTimeout);
        }
        continue;
      }
      if (now - this.host.lastSentAt(k) >= ka) {
        this.pingSentAt[k] = now;
        this.host.send(k, PINGREQ_BYTES);
      }
    }
  }

  tickMs(): number | null {
    return this.o.keepaliveMs === 0 ? null : Math.max(10, Math.min(250, this.o.keepaliveMs / 20));
  }

  end(k: number): void {
    const t = this.timers[k];
    if (t !== null) clearTimeout(t);
    this.timers[k] = null;
    this.phase[k] = IDLE;
    this.pending[k] = null;
    this.pingSentAt[k] = 0;
  }
}

function handshakeTimedOut(client: MqttClient, k: number): void {
  client.timedOut(k);
}

export const mqttEntry: ProtocolEntry<MqttProtocol> = {
  name: 'mqtt',
  subprotocols: ['mqtt'],
  create: (n, options, host) => new MqttClient(n, options, host),
};
