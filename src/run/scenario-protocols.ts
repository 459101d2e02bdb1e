/** The normalized `protocol` of a Scenario: Socket.IO, MQTT, graphql-ws and STOMP options. */

/** Socket.IO (Engine.IO 4 over WebSocket only): each socket connects to a namespace, optionally joins a room by an event. */
export interface SocketIoProtocol {
  name: 'socket.io';
  /** Namespace, starting with "/" ("/" is the main namespace). */
  namespace: string;
  /** Event names whose first argument is the pushed payload judged by publish.match. */
  events: string[];
  /** JSON text of the CONNECT packet's auth payload (placeholders filled per socket), or null. */
  auth: string | null;
  /** An event emitted after the namespace CONNECT (a room join), or null. */
  join: SocketIoJoin | null;
  /** How long the namespace CONNECT (and the join's ack) may take: then "subscribe-timeout". */
  timeoutMs: number;
}

export interface SocketIoJoin {
  event: string;
  /** JSON text of the event's arguments array (placeholders filled per socket, JSON-escaped). */
  args: string;
  /** Wait for the server's acknowledgement of the event before counting the socket subscribed. */
  ack: boolean;
}

/** MQTT over WebSocket (3.1.1 = version 4, or 5): CONNECT/CONNACK, SUBSCRIBE/SUBACK, PUBLISH, PINGREQ. */
export interface MqttProtocol {
  name: 'mqtt';
  /** Topic filters subscribed on every connection (placeholders filled per socket). */
  topics: string[];
  qos: 0 | 1;
  /** Keepalive declared in CONNECT; the client sends PINGREQ at this interval. 0: none. */
  keepaliveMs: number;
  /** Client id template ("{conn}" makes it unique per socket). */
  clientId: string;
  clean: boolean;
  version: 4 | 5;
  username: string | null;
  password: string | null;
  /** How long CONNACK and SUBACK may take: then "subscribe-timeout". */
  timeoutMs: number;
}

/** GraphQL subscriptions over graphql-ws (subprotocol "graphql-transport-ws"): connection_init, one subscribe, next messages. */
export interface GraphqlWsProtocol {
  name: 'graphql-ws';
  /** The subscription document (checked by graphql's parser at validation). */
  query: string;
  /** JSON text of the subscribe's variables (placeholders filled per socket, JSON-escaped), or null. */
  variables: string | null;
  operationName: string | null;
  /** JSON text of connection_init's payload (placeholders filled per socket), or null. */
  init: string | null;
  /** The client sends a ping after this much silence and closes when no pong follows within as long again; 0: none. */
  pingMs: number;
  /** How long connection_ack and the subscribe's round trip may take: then "subscribe-timeout". */
  timeoutMs: number;
}

/** STOMP 1.2 over WebSocket (subprotocol "v12.stomp"): CONNECT/CONNECTED, SUBSCRIBE with a receipt, MESSAGE, heart-beats. */
export interface StompProtocol {
  name: 'stomp';
  /** Destinations subscribed on every connection, one SUBSCRIBE each (placeholders filled per socket). */
  destinations: string[];
  /** CONNECT's host header (RabbitMQ: the virtual host). */
  host: string;
  login: string | null;
  passcode: string | null;
  /** Heart-beat the client offers to send (ms; 0: none); the schedule is the larger of it and the server's wish. */
  heartbeatSendMs: number;
  /** Heart-beat the client asks the server to send (ms; 0: none); missed for twice the schedule: "stomp-heartbeat-timeout". */
  heartbeatReceiveMs: number;
  /** How long CONNECTED and the last SUBSCRIBE's RECEIPT may take: then "subscribe-timeout". */
  timeoutMs: number;
}

/** The application protocol spoken over each socket; absent in a Scenario: plain WebSocket messages. */
export type Protocol = SocketIoProtocol | MqttProtocol | GraphqlWsProtocol | StompProtocol;
export type ProtocolName = Protocol['name'];
