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
import { heartbeatTickMs } from './heartbeat.js';
import { IDLE, PhaseMachine, READY, handshakePhases } from './phase-machine.js';
import { PROTOCOL_MISMATCH, SUBSCRIBE_REJECTED, type ProtocolClient, type ProtocolEntry, type ProtocolHost } from './types.js';

const { WAIT_CONNACK, WAIT_SUBACK } = handshakePhases('WAIT_CONNACK', 'WAIT_SUBACK');

const CONNACK = 2;
const PUBLISH = 3;
const SUBACK = 9;
const PINGRESP = 13;
const DISCONNECT = 14;

const PINGREQ_BYTES = Buffer.from([0xc0, 0x00]);
/** Packet id of the one SUBSCRIBE per connection. */
const SUBSCRIBE_ID = 1;

/**
 * PUBACKs by packet id, shared by every socket of the process and made once per id: a QoS 1
 * delivery answers with a frame already built, so the receive path allocates nothing. Not one
 * buffer rewritten per send: ws may hold the Buffer it was given after send() returns (queued
 * behind a message being compressed), and a rewrite would then ack the wrong id. Brokers number
 * each client's PUBLISHes 1, 2, 3…, so all sockets use the same few ids and the table fills at the
 * publish rate, not the delivery rate; all 65,535 ids are 256 KB of frames plus one small view each.
 */
const PUBACK_SLAB_IDS = 65_536;
let pubackSlab: Buffer | null = null;
const pubacks: (Buffer | undefined)[] = [];

/** The PUBACK frame of packet `id` (0…65535), built on its first use and kept. */
export function pubackFor(id: number): Buffer {
  const known = pubacks[id];
  if (known !== undefined) return known;
  pubackSlab ??= Buffer.alloc(PUBACK_SLAB_IDS * 4);
  const at = id * 4;
  pubackSlab[at] = 0x40;
  pubackSlab[at + 1] = 0x02;
  pubackSlab[at + 2] = id >> 8;
  pubackSlab[at + 3] = id & 0xff;
  const frame = pubackSlab.subarray(at, at + 4);
  pubacks[id] = frame;
  return frame;
}

/** Disconnect reasons this protocol adds to a close's `byError`. */
export const MQTT_REASONS = {
  /** The client's PINGREQ got no PINGRESP within a keepalive: the client closes, as MQTT.js does. */
  keepaliveTimeout: 'mqtt-keepalive-timeout',
  /** A DISCONNECT packet from the server (MQTT 5), with its reason code. */
  disconnect: (code: number): string => `mqtt-disconnect-0x${code.toString(16).padStart(2, '0')}`,
} as const;

/** MQTT 5 properties at buf[at]: a variable byte integer size (1–4 bytes of 7 bits), then that many bytes; the offset after them. */
function skipProperties(buf: Buffer, at: number, end: number): number {
  let len = 0;
  let mul = 1;
  for (let i = 0; i < 4 && at < end; i++) {
    const b = buf[at++];
    len += (b & 0x7f) * mul;
    mul *= 128;
    if ((b & 0x80) === 0) break;
  }
  return at + len;
}

class MqttClient implements ProtocolClient {
  /** Heartbeats: PINGREQ after keepalive of silence; no PINGRESP within another keepalive times out. */
  private readonly m: PhaseMachine;
  /** The unfinished tail of each socket's packet stream, or null. */
  private readonly pending: (Buffer | null)[];
  private readonly v5: boolean;

  constructor(
    n: number,
    private readonly o: MqttProtocol,
    private readonly host: ProtocolHost,
  ) {
    this.pending = new Array<Buffer | null>(n).fill(null);
    this.m = new PhaseMachine(n, host, {
      handshakeMs: o.timeoutMs,
      heartbeat: { probe: PINGREQ_BYTES, replyWithinMs: o.keepaliveMs, timeoutReason: MQTT_REASONS.keepaliveTimeout },
      forget: (k) => (this.pending[k] = null),
    });
    this.v5 = o.version === 5;
  }

  begin(k: number): void {
    this.m.begin(k, WAIT_CONNACK);
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

  receive(k: number, data: Buffer, isBinary: boolean, now: number): void {
    if (this.m.phase[k] === IDLE) return;
    if (!isBinary) {
      // MQTT over WebSocket is binary frames only: a text frame is another protocol talking.
      if (this.m.phase[k] !== READY) return this.m.fail(k, PROTOCOL_MISMATCH);
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
      if (this.m.phase[k] === IDLE) return;
      at = p + len;
    }
    // Kept as a copy: the frame's buffer belongs to ws.
    if (at < n) this.pending[k] = Buffer.from(buf.subarray(at));
  }

  private malformed(k: number): void {
    if (this.m.phase[k] !== READY) this.m.fail(k, PROTOCOL_MISMATCH);
    else this.host.unmatched(k);
  }

  /** One complete packet: first byte `head`, its variable header and payload in buf[start, end). */
  private packet(k: number, buf: Buffer, head: number, start: number, end: number, now: number): void {
    const type = head >> 4;
    const phase = this.m.phase[k];
    if (phase === WAIT_CONNACK) {
      if (type !== CONNACK || end - start < 2) return this.m.fail(k, PROTOCOL_MISMATCH);
      const code = buf[start + 1];
      // 3.1.1: 1 = unacceptable protocol version; 5: 0x84 unsupported protocol version.
      if (code === 0x01 || code === 0x84) return this.m.fail(k, PROTOCOL_MISMATCH);
      if (code !== 0) return this.m.fail(k, SUBSCRIBE_REJECTED);
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
        this.m.beats.replied(k);
        return;
      case DISCONNECT:
        this.host.noteReason(k, MQTT_REASONS.disconnect(end > start ? buf[start] : 0));
        return;
      default:
        return;
    }
  }

  private subscribe(k: number): void {
    this.m.phase[k] = WAIT_SUBACK;
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
    if (this.v5) at = skipProperties(buf, at, end);
    if (at >= end) return this.m.fail(k, PROTOCOL_MISMATCH);
    for (let i = at; i < end; i++) if (buf[i] >= 0x80) return this.m.fail(k, SUBSCRIBE_REJECTED);
    this.m.beats.sendEvery[k] = this.o.keepaliveMs;
    this.m.subscribed(k);
  }

  private publish(k: number, buf: Buffer, head: number, start: number, end: number, now: number): void {
    const qos = (head >> 1) & 3;
    let at = start + 2 + ((buf[start] << 8) | buf[start + 1]);
    let id = -1;
    if (qos > 0) {
      id = (buf[at] << 8) | buf[at + 1];
      at += 2;
    }
    if (this.v5) at = skipProperties(buf, at, end);
    if (at > end) return this.host.unmatched(k);
    if (qos === 1) this.host.send(k, pubackFor(id));
    this.host.deliver(k, buf.subarray(at, end), true, now);
  }

  tick(now: number): void {
    this.m.tick(now);
  }

  tickMs(): number | null {
    return heartbeatTickMs(this.o.keepaliveMs);
  }

  end(k: number): void {
    this.m.end(k);
  }
}

export const mqttEntry: ProtocolEntry<MqttProtocol> = {
  name: 'mqtt',
  subprotocols: ['mqtt'],
  create: (n, options, host) => new MqttClient(n, options, host),
};
