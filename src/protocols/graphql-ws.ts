/**
 * GraphQL subscriptions over the `graphql-ws` protocol (subprotocol "graphql-transport-ws"): text
 * frames of JSON messages. Handshake: connection_init (the scenario's payload) → connection_ack →
 * subscribe (id "1", query, variables) → a ping whose pong marks the socket subscribed. The protocol
 * has no subscribe acknowledgement; the pong is one round trip after the server read the subscribe,
 * the earliest moment a client can know the server has it (documented in docs/protocols.md).
 * Deliveries: each `next` message's `payload` (the execution result, `{"data": …}`) is what
 * `publish.match` reads. A server `ping` is answered with `pong`; with `ping` set the client sends its
 * own ping after that much silence and ends the socket when no pong follows within as long again.
 * Codec: JSON.parse for the rare handshake messages; `next` is sliced out of the text without
 * parsing (graphql-ws servers write `{"id","type","payload"}` in that order), parsed only otherwise.
 */
import type { GraphqlWsProtocol } from '../run/scenario.js';
import { heartbeatTickMs } from './heartbeat.js';
import { IDLE, PhaseMachine, READY, handshakePhases } from './phase-machine.js';
import { PROTOCOL_MISMATCH, SUBSCRIBE_REJECTED, type ProtocolClient, type ProtocolEntry, type ProtocolHost } from './types.js';

/** WAIT_PONG: subscribe sent, waiting for the pong of the ping that followed it. */
const { WAIT_ACK, WAIT_PONG } = handshakePhases('WAIT_ACK', 'WAIT_PONG');

const SUBSCRIPTION_ID = '1';
const PING = '{"type":"ping"}';
const PONG = '{"type":"pong"}';
const NEXT_PREFIX = Buffer.from(`{"id":"${SUBSCRIPTION_ID}","type":"next","payload":`, 'latin1');

/** Disconnect reasons this protocol adds to a close's `byError`. */
export const GRAPHQL_WS_REASONS = {
  /** The client's ping got no pong within the ping interval: the client closes. */
  pongTimeout: 'graphql-ws-pong-timeout',
  /** The server ended the subscription with `complete`, or with `error` (the socket stays open, idle). */
  complete: 'graphql-ws-complete',
  error: 'graphql-ws-error',
} as const;

/** The protocol's own close codes (graphql-ws PROTOCOL.md), named as disconnect reasons. */
const CLOSE_CODES: Readonly<Record<number, string>> = {
  4400: 'graphql-ws-4400-bad-request',
  4401: 'graphql-ws-4401-unauthorized',
  4403: 'graphql-ws-4403-forbidden',
  4406: 'graphql-ws-4406-subprotocol-not-acceptable',
  4408: 'graphql-ws-4408-init-timeout',
  4409: 'graphql-ws-4409-subscriber-exists',
  4429: 'graphql-ws-4429-too-many-init-requests',
  4500: 'graphql-ws-4500-internal-error',
};

interface Message {
  type?: unknown;
  id?: unknown;
  payload?: unknown;
}

class GraphqlWsClient implements ProtocolClient {
  /** Heartbeats: the client ping after `ping` of silence; no pong within as long again times out. */
  private readonly m: PhaseMachine;

  constructor(
    n: number,
    private readonly o: GraphqlWsProtocol,
    private readonly host: ProtocolHost,
  ) {
    this.m = new PhaseMachine(n, host, {
      handshakeMs: o.timeoutMs,
      heartbeat: { probe: PING, replyWithinMs: o.pingMs, timeoutReason: GRAPHQL_WS_REASONS.pongTimeout },
    });
  }

  begin(k: number): void {
    this.m.begin(k, WAIT_ACK);
    const payload = this.o.init !== null ? `,"payload":${this.host.fillText(k, this.o.init, true)}` : '';
    this.host.send(k, `{"type":"connection_init"${payload}}`);
  }

  receive(k: number, data: Buffer, isBinary: boolean, now: number): void {
    const phase = this.m.phase[k];
    if (phase === IDLE) return;
    if (isBinary) {
      // graphql-ws is text frames only: a binary frame is another protocol talking.
      if (phase !== READY) return this.m.fail(k, PROTOCOL_MISMATCH);
      return this.host.unmatched(k);
    }
    // The hot path: a `next` of our subscription, as graphql-ws servers write it.
    const pre = NEXT_PREFIX.length;
    if (phase === READY && data.length > pre + 1 && data[data.length - 1] === 0x7d && NEXT_PREFIX.compare(data, 0, pre) === 0) {
      this.host.deliver(k, data.subarray(pre, data.length - 1), false, now);
      return;
    }
    let m: Message;
    try {
      const parsed: unknown = JSON.parse(data.toString('utf8'));
      if (parsed === null || typeof parsed !== 'object') throw new TypeError('not an object');
      m = parsed as Message;
    } catch {
      if (phase !== READY) return this.m.fail(k, PROTOCOL_MISMATCH);
      return this.host.unmatched(k);
    }
    this.message(k, m, now);
  }

  private message(k: number, m: Message, now: number): void {
    const phase = this.m.phase[k];
    switch (m.type) {
      case 'connection_ack':
        if (phase === WAIT_ACK) this.subscribe(k);
        return;
      case 'ping':
        this.host.send(k, PONG);
        if (phase !== READY) return;
        return this.host.unmatched(k);
      case 'pong':
        if (phase === WAIT_PONG) return this.subscribed(k);
        this.m.beats.replied(k);
        if (phase === READY) this.host.unmatched(k);
        return;
      case 'next':
        if (phase !== READY || m.id !== SUBSCRIPTION_ID) return this.host.unmatched(k);
        this.host.deliver(k, Buffer.from(JSON.stringify(m.payload ?? null), 'utf8'), false, now);
        return;
      case 'error':
        if (phase !== READY) return this.m.fail(k, SUBSCRIBE_REJECTED);
        this.host.noteReason(k, GRAPHQL_WS_REASONS.error);
        return this.host.unmatched(k);
      case 'complete':
        if (phase !== READY) return this.m.fail(k, SUBSCRIBE_REJECTED);
        this.host.noteReason(k, GRAPHQL_WS_REASONS.complete);
        return this.host.unmatched(k);
      default:
        // A message of another protocol (or another version) before the ack.
        if (phase === WAIT_ACK) return this.m.fail(k, PROTOCOL_MISMATCH);
        if (phase === READY) this.host.unmatched(k);
    }
  }

  private subscribe(k: number): void {
    this.m.phase[k] = WAIT_PONG;
    const o = this.o;
    const variables = o.variables !== null ? `,"variables":${this.host.fillText(k, o.variables, true)}` : '';
    const operation = o.operationName !== null ? `,"operationName":${JSON.stringify(o.operationName)}` : '';
    this.host.send(
      k,
      `{"id":"${SUBSCRIPTION_ID}","type":"subscribe","payload":{"query":${JSON.stringify(o.query)}${variables}${operation}}}`,
    );
    this.host.send(k, PING);
  }

  private subscribed(k: number): void {
    this.m.beats.sendEvery[k] = this.o.pingMs;
    this.m.subscribed(k);
  }

  tick(now: number): void {
    this.m.tick(now);
  }

  tickMs(): number | null {
    return heartbeatTickMs(this.o.pingMs);
  }

  closeReason(code: number): string | null {
    return CLOSE_CODES[code] ?? null;
  }

  end(k: number): void {
    this.m.end(k);
  }
}

export const graphqlWsEntry: ProtocolEntry<GraphqlWsProtocol> = {
  name: 'graphql-ws',
  subprotocols: ['graphql-transport-ws'],
  create: (n, options, host) => new GraphqlWsClient(n, options, host),
};
