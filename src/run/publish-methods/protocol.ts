/**
 * Publishes through the scenario's protocol (`publish.via: "protocol"`): one publisher connection
 * to the target's URL speaks the protocol's handshake and sends an MQTT PUBLISH, a Socket.IO emit,
 * a GraphQL mutation or a STOMP SEND per publish. Sender: publisher/methods/protocol.ts; file keys and rules:
 * scenario/publish-methods/protocol.ts.
 */
import type { ProtocolPublish, PublishMethodOf } from '../scenario.js';
import { fillEnv } from '../env-refs.js';
import { bodyWithEnv, type Env, sendingPlan, sendingValidate, type PublishMethodEntry } from './method.js';

export type ProtocolPublishMethod = PublishMethodOf<'protocol'>;

/** Failure reasons of a protocol publish, counted in `publish.failures`. */
export const PROTOCOL_PUBLISH_FAILURES = {
  /** The publisher connection closed with the publish written and not yet acknowledged (or not written). */
  closed: 'protocol-closed',
  /** The publisher connection's protocol handshake did not complete: "protocol-connect-<reason>". */
  connectPrefix: 'protocol-connect-',
  /** An MQTT PUBACK carried a failure reason code (MQTT 5): "mqtt-puback-0x87". */
  pubackPrefix: 'mqtt-puback-0x',
  /** The mutation's result carried GraphQL errors, or the server answered `error`. */
  graphqlError: 'graphql-error',
  /** The Socket.IO server acknowledged with an error (an ack whose first argument is an object with an `error` field). */
  socketIoError: 'socket.io-ack-error',
  /** The STOMP broker answered with an ERROR frame: "stomp-error: SLUG" (its message header, as a disconnect reason is named). */
  stompErrorPrefix: 'stomp-error',
} as const;

/** The protocol publish with `{env.NAME}` filled in its body, MQTT topic and STOMP destination (what leaves for the server). */
function throughWithEnv(t: ProtocolPublish, env: Env): ProtocolPublish {
  const message = bodyWithEnv(t.message, env);
  if (t.name === 'mqtt') return { ...t, message, topic: fillEnv(t.topic, env) };
  if (t.name === 'stomp') return { ...t, message, destination: fillEnv(t.destination, env) };
  return { ...t, message };
}

/** How a publish leaves, in the plan line and `wsload validate`. */
export function protocolHow(p: ProtocolPublish): string {
  if (p.name === 'mqtt') return `as MQTT PUBLISH (QoS ${p.qos}${p.qos === 1 ? ', PUBACK awaited' : ''}) to ${p.topic} on`;
  if (p.name === 'socket.io') return `as Socket.IO "${p.event}" emits${p.ack ? ' (ack awaited)' : ''} on`;
  if (p.name === 'stomp') return `as STOMP SENDs${p.receipt ? ' (RECEIPT awaited)' : ''} to ${p.destination} on`;
  return 'as GraphQL mutations (graphql-ws) on';
}

export const protocolMethod: PublishMethodEntry<ProtocolPublishMethod> = {
  kind: 'protocol',
  of: (s) => (s.publish?.protocol ? { kind: 'protocol', publish: s.publish, through: s.publish.protocol } : null),
  // The publisher connection dials the target's URL: the protocol server the subscribers use.
  destination: (_m, targetUrl) => targetUrl,
  plan: (m, destination, valueTag) => sendingPlan(m.publish, protocolHow(m.through), destination, valueTag),
  validate: (m) => sendingValidate(m.publish, ` ${protocolHow(m.through).replace(/ on$/, '')} on a publisher connection`),
  reportTitle: 'Publish (through the protocol on the publisher connection)',
  templateText: (m) =>
    [
      m.through.message.template,
      m.through.name === 'mqtt' ? m.through.topic : m.through.name === 'stomp' ? m.through.destination : '',
    ].join('\n'),
  failureWords: (reason, connectWords) => {
    const f = PROTOCOL_PUBLISH_FAILURES;
    if (reason === f.closed) return 'the publisher connection closed before the publish was acknowledged';
    if (reason.startsWith(f.connectPrefix))
      return `the publisher connection's protocol handshake failed: ${connectWords(reason.slice(f.connectPrefix.length))}`;
    if (reason.startsWith(f.pubackPrefix))
      return `the broker's PUBACK refused the publish (reason code 0x${reason.slice(f.pubackPrefix.length)})`;
    if (reason === f.graphqlError) return 'the mutation answered with GraphQL errors';
    if (reason === f.socketIoError) return 'the Socket.IO server acknowledged the emit with an error';
    if (reason.startsWith(f.stompErrorPrefix)) return `the STOMP broker answered with an ERROR frame (${reason})`;
    return null;
  },
  withEnv: (m, env) => ({ ...m.publish, protocol: throughWithEnv(m.through, env) }),
};
