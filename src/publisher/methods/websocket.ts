/**
 * The sender of the "websocket" publish method (run/publish-methods/websocket.ts). Publishes as messages on one publisher socket (`publish.via: "websocket"`, a chat-style
 * service). The socket opens before the hold (prepare), sends its open messages, and reopens on
 * the next publish after it closed. A publish is done once its message is written to the socket, or,
 * with `publish.ack`, once a reply names it; the publisher's total deadline (`publish.timeout`)
 * bounds both, so a silent socket fails publishes as "timeout" and never holds the run.
 *
 * Publishes due while the socket opens wait for it (within their deadline). When opening fails,
 * they fail with the reason (`ws-refused`, `ws-http-401`, `ws-timeout`…), and so do publishes due
 * in the next RETRY_MS: a refusing service is asked again once a second, not once per publish.
 * The connection (open, queue, reopen, failure reasons) is connection.ts's, shared with the
 * protocol publish; this file is the plain messages it carries (PlainCodec).
 */
import type { Scenario, WebSocketPublish } from '../../run/scenario.js';
import { PUBLISHER_SOCKET_CLOSED, PUBLISHER_SOCKET_FAILURE, type WebSocketPublishMethod } from '../../run/publish-methods/websocket.js';
import { lookupFor, tlsConnectOptions } from '../../net/connect-options.js';
import { fillBody } from '../../run/publish-url.js';
import type { PublishSender, SendDone, SendRelease } from '../sender.js';
import { PublisherConnection } from './connection.js';
import type { CodecHost, EncodedPublish, PublishCodec } from './protocol/codec.js';

/** The seq a reply acknowledges: its capture, a bare integer or "<tag>-<seq>" of this run; null otherwise. */
export function ackedSeq(ack: RegExp, text: string, runTag: string): number | null {
  const captured = ack.exec(text)?.[1];
  if (captured === undefined) return null;
  const m = /^(?:([A-Za-z0-9_]+)-)?(\d{1,10})$/.exec(captured);
  if (!m || (m[1] !== undefined && m[1] !== runTag)) return null;
  const seq = Number(m[2]);
  return seq >= 1 && seq <= 0x7fffffff ? seq : null;
}

/**
 * The plain messages of a publisher socket: the scenario's open messages once upgraded (ready at
 * once), each publish its message, answered (with `ack`) by a reply naming its seq.
 */
class PlainCodec implements PublishCodec {
  readonly subprotocols: readonly string[];

  constructor(
    private readonly socket: WebSocketPublish,
    private readonly ack: RegExp | null,
    private readonly runTag: string,
    private readonly host: CodecHost,
  ) {
    this.subprotocols = socket.subprotocols;
  }

  begin(): void {
    for (const m of this.socket.open) this.host.send(m);
    this.host.ready();
  }

  receive(data: Buffer, isBinary: boolean): void {
    if (!this.ack || isBinary) return;
    const seq = ackedSeq(this.ack, data.toString('utf8'), this.runTag);
    if (seq !== null) this.host.settle(seq, null);
  }

  encode(seq: number, text: string): EncodedPublish {
    return { frame: text, key: this.ack ? seq : null };
  }
}

export class WebSocketSender implements PublishSender {
  private readonly socket: WebSocketPublish;
  private readonly ids: readonly string[];
  private readonly conn: PublisherConnection;

  constructor(
    scenario: Scenario,
    method: WebSocketPublishMethod,
    private readonly runTag: string,
  ) {
    const socket = method.socket;
    this.socket = socket;
    this.ids = method.publish.ids;
    const ack = socket.ack === null ? null : new RegExp(socket.ack);
    const lookup = lookupFor(scenario.resolve);
    const spec = {
      url: socket.url,
      options: {
        perMessageDeflate: false,
        handshakeTimeout: scenario.handshakeTimeoutMs,
        // One socket for every publish: its upgrade headers are sent as written, not per publish.
        headers: { ...socket.headers },
        ...(lookup ? { lookup } : {}),
        ...(/^wss:/i.test(socket.url) ? tlsConnectOptions(scenario.tls) : {}),
      },
      json: socket.message.json,
      handshakeMs: null,
      openMs: scenario.handshakeTimeoutMs,
      reasons: { connectPrefix: PUBLISHER_SOCKET_FAILURE, closed: PUBLISHER_SOCKET_CLOSED },
    };
    this.conn = new PublisherConnection(spec, (host) => new PlainCodec(socket, ack, runTag, host));
  }

  /** Opens the publisher socket before the hold, so the first publishes do not wait for its handshake. */
  prepare(): Promise<void> {
    return this.conn.prepare();
  }

  send(seq: number, done: SendDone, topic: string | null = null): SendRelease {
    return this.conn.publish(seq, fillBody(this.socket.message, this.ids, seq, this.runTag, topic), '', done);
  }

  close(): void {
    this.conn.close();
  }
}
