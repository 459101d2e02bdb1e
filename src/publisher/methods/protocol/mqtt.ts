/**
 * MQTT PUBLISH from the publisher connection: CONNECT (the scenario's version, username and
 * password; its own client id, no keepalive: the publisher's schedule is its traffic, and a
 * reconnect follows a close) → CONNACK, then one PUBLISH per publish; with QoS 1 the PUBACK of
 * its packet id is the publish's "handled" moment. Packets are built and read by `mqtt-packet`
 * (the codec of MQTT.js and Aedes): the publisher's frames are few and not on the hot path.
 */
import { generate, parser, type Packet } from 'mqtt-packet';
import type { MqttProtocol } from '../../../run/scenario.js';
import { PROTOCOL_PUBLISH_FAILURES } from '../../../run/publish-methods/protocol.js';
import { PROTOCOL_MISMATCH, SUBSCRIBE_REJECTED } from '../../../protocols/types.js';
import type { CodecHost, EncodedPublish, PublishCodec } from './codec.js';

/** MQTT packet ids are 1…65535; a publish's id is its seq folded into them (65,535 in flight at most is far above publish.concurrency). */
const MAX_PACKET_ID = 65_535;

export class MqttPublishCodec implements PublishCodec {
  readonly subprotocols = ['mqtt'];
  private readonly parser;
  private connected = false;

  constructor(
    private readonly o: MqttProtocol,
    private readonly qos: 0 | 1,
    private readonly clientId: string,
    private readonly host: CodecHost,
  ) {
    this.parser = parser({ protocolVersion: o.version });
    this.parser.on('packet', (packet: Packet) => this.packet(packet));
    // A stream that is not MQTT: the broker speaks something else.
    this.parser.on('error', () => this.host.failed(PROTOCOL_MISMATCH));
  }

  begin(): void {
    const o = this.o;
    this.host.send(
      generate({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: o.version,
        clientId: this.clientId,
        clean: true,
        keepalive: 0,
        ...(o.username !== null ? { username: o.username } : {}),
        ...(o.password !== null ? { password: Buffer.from(o.password, 'utf8') } : {}),
      }),
    );
  }

  receive(data: Buffer, isBinary: boolean): void {
    if (!isBinary && !this.connected) return this.host.failed(PROTOCOL_MISMATCH);
    this.parser.parse(data);
  }

  private packet(packet: Packet): void {
    if (packet.cmd === 'connack') {
      const code = packet.reasonCode ?? packet.returnCode ?? 0;
      // 1 (3.1.1) and 0x84 (5): the broker speaks another version of MQTT.
      if (code === 1 || code === 0x84) return this.host.failed(PROTOCOL_MISMATCH);
      if (code !== 0) return this.host.failed(SUBSCRIBE_REJECTED);
      this.connected = true;
      this.host.ready();
    } else if (packet.cmd === 'puback' && packet.messageId !== undefined) {
      const code = packet.reasonCode ?? 0;
      this.host.settle(
        packet.messageId,
        code >= 0x80 ? `${PROTOCOL_PUBLISH_FAILURES.pubackPrefix}${code.toString(16).padStart(2, '0')}` : null,
      );
    }
  }

  encode(seq: number, text: string, _json: boolean, topic: string): EncodedPublish {
    const payload = Buffer.from(text, 'utf8');
    if (this.qos === 0) return { frame: generate({ cmd: 'publish', topic, payload, qos: 0, retain: false, dup: false }), key: null };
    const messageId = ((seq - 1) % MAX_PACKET_ID) + 1;
    return { frame: generate({ cmd: 'publish', topic, payload, qos: 1, messageId, retain: false, dup: false }), key: messageId };
  }
}
