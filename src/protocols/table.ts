/**
 * The protocols wsload speaks, one entry each. Adding one (graphql-ws, STOMP) is a module
 * exporting a ProtocolEntry and a line here, plus its options in the scenario schema.
 */
import type { Protocol, ProtocolName } from '../run/scenario.js';
import { graphqlWsEntry } from './graphql-ws.js';
import { mqttEntry } from './mqtt.js';
import { socketIoEntry } from './socketio.js';
import type { ProtocolClient, ProtocolEntry, ProtocolHost } from './types.js';

const TABLE: { readonly [N in ProtocolName]: ProtocolEntry<Extract<Protocol, { name: N }>> } = {
  'socket.io': socketIoEntry,
  mqtt: mqttEntry,
  'graphql-ws': graphqlWsEntry,
};

export function protocolEntry<N extends ProtocolName>(name: N): ProtocolEntry<Extract<Protocol, { name: N }>> {
  return TABLE[name];
}

/** The client speaking `options`' protocol on a pool of `n` sockets. */
export function createProtocolClient(n: number, options: Protocol, host: ProtocolHost): ProtocolClient {
  // The table is keyed by name, so the entry matches the options' type; TS cannot see it through the union.
  const entry = TABLE[options.name] as ProtocolEntry;
  return entry.create(n, options, host);
}

/** Subprotocols to offer: the scenario's, else the protocol's own. */
export function offeredSubprotocols(options: Protocol | undefined, written: readonly string[]): string[] {
  if (written.length > 0 || options === undefined) return [...written];
  return [...TABLE[options.name].subprotocols];
}
