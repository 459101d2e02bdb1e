/**
 * The sender of the "protocol" publish method (run/publish-methods/protocol.ts): publishes through
 * the scenario's protocol on one publisher connection to the target's URL. The connection opens
 * before the hold (prepare) and speaks the protocol's handshake (its codec, protocol/*.ts);
 * publishes due meanwhile wait for it, within their deadline. A publish is done once written, or,
 * when the protocol answers it (MQTT QoS 1's PUBACK, a Socket.IO ack, a mutation's result, a STOMP RECEIPT), once
 * answered; the publisher's total deadline (`publish.timeout`) bounds both, so a silent server
 * fails publishes as "timeout". When the connection or its handshake fails, publishes fail with
 * "protocol-connect-<reason>", and so do those due in the next RETRY_MS; it reopens after that.
 * The connection itself (open, queue, reopen, failure reasons) is connection.ts's, shared with the
 * websocket publish; this file picks the codec and fills each publish.
 */
import type { ProtocolPublish, Scenario } from '../../run/scenario.js';
import { PROTOCOL_PUBLISH_FAILURES, type ProtocolPublishMethod } from '../../run/publish-methods/protocol.js';
import { lookupFor, tlsConnectOptions } from '../../net/connect-options.js';
import { fillBody } from '../../run/publish-url.js';
import type { PublishSender, SendDone, SendRelease } from '../sender.js';
import { PublisherConnection } from './connection.js';
import type { CodecHost, PublishCodec } from './protocol/codec.js';
import { GraphqlPublishCodec } from './protocol/graphql-ws.js';
import { MqttPublishCodec } from './protocol/mqtt.js';
import { SocketIoPublishCodec } from './protocol/socketio.js';
import { StompPublishCodec } from './protocol/stomp.js';

/** The codec of the scenario's protocol; the scenario rules refuse a protocol publish without one that fits. */
function codecFor(scenario: Scenario, through: ProtocolPublish, runTag: string, host: CodecHost): PublishCodec {
  const o = scenario.protocol;
  if (through.name === 'mqtt' && o?.name === 'mqtt') return new MqttPublishCodec(o, through.qos, `wsload-pub-${runTag}`, host);
  if (through.name === 'socket.io' && o?.name === 'socket.io') return new SocketIoPublishCodec(o, through.event, through.ack, host);
  if (through.name === 'graphql-ws' && o?.name === 'graphql-ws')
    return new GraphqlPublishCodec(o, through.query, through.operationName, host);
  if (through.name === 'stomp' && o?.name === 'stomp') return new StompPublishCodec(o, through.receipt, host);
  throw new TypeError(`publish.protocol "${through.name}" needs protocol "${through.name}" (the scenario rules refuse this)`);
}

export class ProtocolSender implements PublishSender {
  private readonly through: ProtocolPublish;
  private readonly ids: readonly string[];
  private readonly conn: PublisherConnection;

  constructor(
    scenario: Scenario,
    method: ProtocolPublishMethod,
    url: string,
    private readonly runTag: string,
  ) {
    this.through = method.through;
    this.ids = method.publish.ids;
    // The protocol's own bound on its handshake (CONNACK, the namespace CONNECT, connection_ack).
    const handshakeMs = scenario.handshakeTimeoutMs + (scenario.protocol?.timeoutMs ?? 0);
    const lookup = lookupFor(scenario.resolve);
    const target = scenario.target;
    const spec = {
      url,
      options: {
        perMessageDeflate: false,
        handshakeTimeout: scenario.handshakeTimeoutMs,
        ...(target.kind === 'url' ? { headers: { ...target.headers } } : {}),
        ...(lookup ? { lookup } : {}),
        ...(/^wss:/i.test(url) ? tlsConnectOptions(scenario.tls) : {}),
      },
      json: method.through.message.json,
      handshakeMs,
      openMs: handshakeMs,
      reasons: PROTOCOL_PUBLISH_FAILURES,
    };
    this.conn = new PublisherConnection(spec, (host) => codecFor(scenario, method.through, runTag, host));
  }

  prepare(): Promise<void> {
    return this.conn.prepare();
  }

  send(seq: number, done: SendDone, topic: string | null = null): SendRelease {
    const text = fillBody(this.through.message, this.ids, seq, this.runTag, topic);
    const t = this.through;
    const where = t.name === 'mqtt' ? t.topic : t.name === 'stomp' ? t.destination : null;
    const topicName = where === null ? '' : fillBody({ template: where, json: false }, this.ids, seq, this.runTag, topic);
    return this.conn.publish(seq, text, topicName, done);
  }

  close(): void {
    this.conn.close();
  }
}
