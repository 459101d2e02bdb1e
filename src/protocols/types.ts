/**
 * The protocol layer's contract. A protocol (Socket.IO, MQTT, …) is one module exporting a
 * `ProtocolEntry`; `table.ts` lists them. A worker's socket pool creates one `ProtocolClient` per
 * pool (not per socket: its per-socket state lives in typed arrays indexed like the pool's) and
 * hands it every frame; the client speaks the protocol through the `ProtocolHost` the pool
 * implements. The pool keeps owning the socket's life: ramp, open/subscribed accounting, closes,
 * reconnects, the disconnect taxonomy; the client only says what the protocol means.
 */
import type { Protocol, ProtocolName } from '../run/scenario.js';

/** What a protocol client needs from the socket pool. */
export interface ProtocolHost {
  /** `text` with socket k's placeholders filled ("{conn}", "{topic}", …; JSON-escaped when `json`). */
  fillText(k: number, text: string, json: boolean): string;
  /** Sends on socket k (a frame toward the gateway: it resets the idle clock of the analysis). */
  send(k: number, data: string | Buffer): void;
  /** When socket k last sent anything (the pool's clock, ms). */
  lastSentAt(k: number): number;
  /** Socket k is open and subscribed (not mid-handshake, not closing). */
  isOpen(k: number): boolean;
  /** Socket k finished the protocol's handshake and subscribe: it counts subscribed now. */
  onSubscribed(k: number): void;
  /** Socket k's handshake failed with a connect-failure `reason`; the pool closes it. */
  onSubscribeFailed(k: number, reason: string): void;
  /** An application payload arrived on socket k: judged like a plain message (publish.match). */
  deliver(k: number, payload: Buffer, isBinary: boolean, now: number): void;
  /** A protocol message that carries no delivery (an event not listed, a binary attachment): unmatched. */
  unmatched(k: number): void;
  /** The protocol said why socket k's connection ends (a server disconnect packet): kept with its close. */
  noteReason(k: number, reason: string): void;
  /** The client ends socket k on the protocol's behalf (its heartbeat timed out): a client-side close with `reason`. */
  closeByClient(k: number, reason: string): void;
}

/** One protocol speaking on every socket of a pool. */
export interface ProtocolClient {
  /** Socket k has upgraded: start the protocol's handshake (the pool holds it SUBSCRIBING). */
  begin(k: number): void;
  /** Every frame socket k received, in order. */
  receive(k: number, data: Buffer, isBinary: boolean, now: number): void;
  /** Heartbeats due and heartbeat timeouts; called every `tickMs()`. */
  tick(now: number): void;
  /** How often `tick` must run, or null when the protocol needs no timer. */
  tickMs(): number | null;
  /** The protocol's name for a close `code` the server sent (graphql-ws's 4400–4499), or null; optional. */
  closeReason?(code: number): string | null;
  /** Socket k closed (or is being closed): forget its state, clear its timers. */
  end(k: number): void;
}

/** A protocol as the table lists it. */
export interface ProtocolEntry<P extends Protocol = Protocol> {
  name: P['name'];
  /** Subprotocols offered in the upgrade when the scenario lists none (MQTT brokers expect "mqtt"). */
  subprotocols: readonly string[];
  create(n: number, options: P, host: ProtocolHost): ProtocolClient;
}

/** Connect-failure reason: the server answered in another protocol, or another version of it. */
export const PROTOCOL_MISMATCH = 'protocol-mismatch';
/** Connect-failure reasons shared with target.open: no acknowledgement in time, refused, closed first. */
export const SUBSCRIBE_TIMEOUT = 'subscribe-timeout';
export const SUBSCRIBE_REJECTED = 'subscribe-rejected';

export type { Protocol, ProtocolName };
