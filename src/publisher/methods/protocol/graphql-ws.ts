/**
 * A GraphQL mutation over graphql-ws from the publisher connection: connection_init (the
 * scenario's init payload) → connection_ack, then one `subscribe` per publish with the mutation
 * and the publish's body as its variables, its seq as the operation id; the `next` of that id is
 * its result (GraphQL `errors` in it, or an `error` message, fail it as "graphql-error"), and
 * `complete` ends it. Server pings are answered.
 */
import type { GraphqlWsProtocol } from '../../../run/scenario.js';
import { PROTOCOL_PUBLISH_FAILURES } from '../../../run/publish-methods/protocol.js';
import { PROTOCOL_MISMATCH } from '../../../protocols/types.js';
import type { CodecHost, EncodedPublish, PublishCodec } from './codec.js';

interface ServerMessage {
  type?: unknown;
  id?: unknown;
  payload?: unknown;
}

export class GraphqlPublishCodec implements PublishCodec {
  readonly subprotocols = ['graphql-transport-ws'];
  private connected = false;
  /** The constant part of each subscribe message, after its id. */
  private readonly head: string;

  constructor(
    private readonly o: GraphqlWsProtocol,
    query: string,
    operationName: string | null,
    private readonly host: CodecHost,
  ) {
    this.head = `"type":"subscribe","payload":{"query":${JSON.stringify(query)}${operationName === null ? '' : `,"operationName":${JSON.stringify(operationName)}`},"variables":`;
  }

  begin(): void {
    this.host.send(`{"type":"connection_init"${this.o.init === null ? '' : `,"payload":${this.o.init}`}}`);
  }

  receive(data: Buffer, isBinary: boolean): void {
    let m: ServerMessage;
    try {
      m = JSON.parse(data.toString('utf8')) as ServerMessage;
    } catch {
      if (!this.connected || isBinary) this.host.failed(PROTOCOL_MISMATCH);
      return;
    }
    if (m.type === 'connection_ack') {
      this.connected = true;
      this.host.ready();
    } else if (m.type === 'ping') {
      this.host.send('{"type":"pong"}');
    } else if (m.type === 'next' || m.type === 'error') {
      const key = Number(m.id);
      if (!Number.isInteger(key)) return;
      const errors = m.type === 'error' || hasErrors(m.payload);
      this.host.settle(key, errors ? PROTOCOL_PUBLISH_FAILURES.graphqlError : null);
    } else if (m.type === 'complete') {
      // A mutation completes after its `next`; one that completed without a result still ran.
      const key = Number(m.id);
      if (Number.isInteger(key)) this.host.settle(key, null);
    }
  }

  encode(seq: number, text: string): EncodedPublish {
    return { frame: `{"id":"${seq}",${this.head}${text}}}`, key: seq };
  }
}

function hasErrors(payload: unknown): boolean {
  if (payload === null || typeof payload !== 'object' || !('errors' in payload)) return false;
  const errors = (payload as { errors: unknown }).errors;
  return Array.isArray(errors) && errors.length > 0;
}
