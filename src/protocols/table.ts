/**
 * The protocols wsload speaks, one entry each. Adding one (graphql-ws, STOMP) is a module
 * exporting a ProtocolEntry and a line here, plus its options in the scenario schema.
 *
 * Each module is loaded only when a run speaks its protocol: a worker thread is an isolate of its
 * own, and every module it loads costs RSS for the whole run. MQTT's codec alone (mqtt-packet and
 * the stream, buffer-list and debug packages it requires: ~60 modules) is most of a plain run's
 * worker code; docs/performance.md has the figures.
 */
import type { Protocol, ProtocolName } from '../run/scenario.js';
import type { ProtocolClient, ProtocolEntry, ProtocolHost } from './types.js';

type EntryOf<N extends ProtocolName> = ProtocolEntry<Extract<Protocol, { name: N }>>;

const LOADERS: { readonly [N in ProtocolName]: () => Promise<EntryOf<N>> } = {
  'socket.io': async () => (await import('./socketio.js')).socketIoEntry,
  mqtt: async () => (await import('./mqtt.js')).mqttEntry,
  'graphql-ws': async () => (await import('./graphql-ws.js')).graphqlWsEntry,
  stomp: async () => (await import('./stomp.js')).stompEntry,
};

/** A run's protocol with its module loaded: what a socket pool creates its client from. */
export interface LoadedProtocol {
  readonly options: Protocol;
  readonly entry: ProtocolEntry;
}

/** The entry of protocol `name`, its module loaded on first use. */
export function protocolEntry<N extends ProtocolName>(name: N): Promise<EntryOf<N>> {
  return LOADERS[name]();
}

/** Loads the module of `options`' protocol; null for a run that speaks none (plain WebSocket). */
export async function loadProtocol(options: Protocol | undefined): Promise<LoadedProtocol | null> {
  if (options === undefined) return null;
  // The table is keyed by name, so the entry matches the options' type; TS cannot see it through the union.
  const entry = (await protocolEntry(options.name)) as ProtocolEntry;
  return { options, entry };
}

/** The client speaking the loaded protocol on a pool of `n` sockets. */
export function createProtocolClient(n: number, loaded: LoadedProtocol, host: ProtocolHost): ProtocolClient {
  return loaded.entry.create(n, loaded.options, host);
}

/** Subprotocols to offer: the scenario's, else the protocol's own. */
export function offeredSubprotocols(loaded: LoadedProtocol | null, written: readonly string[]): string[] {
  if (written.length > 0 || loaded === null) return [...written];
  return [...loaded.entry.subprotocols];
}
