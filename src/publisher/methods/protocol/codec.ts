/**
 * What a protocol publish needs of one protocol: the publisher connection's handshake, what each
 * publish sends, and what the server's frames settle. One codec per protocol (mqtt.ts, socketio.ts,
 * graphql-ws.ts, stomp.ts; websocket.ts's plain messages are one too); the connection itself (open,
 * reopen, deadlines, failure reasons) is ../connection.ts's.
 */

/** What a codec tells its connection. */
export interface CodecHost {
  /** Sends a frame on the publisher connection (a handshake step, a heartbeat answer). */
  send(frame: string | Buffer): void;
  /** The handshake completed: publishes may go. */
  ready(): void;
  /** The handshake failed with `reason` (a connect-failure word: "protocol-mismatch", "subscribe-rejected"…). */
  failed(reason: string): void;
  /** The publish sent under `key` was answered: null on success, else the failure reason. */
  settle(key: number, failure: string | null): void;
  /**
   * The server refused on a ready connection and will close it (a STOMP ERROR): every publish
   * unanswered fails with `reason`, and so do those due before the connection is dialled again.
   */
  refused(reason: string): void;
}

/** One publish as a frame, and the key its answer will carry (null: done once written). */
export interface EncodedPublish {
  frame: string | Buffer;
  key: number | null;
}

export interface PublishCodec {
  /** Subprotocols offered in the upgrade. */
  readonly subprotocols: readonly string[];
  /** The socket opened: start the handshake. */
  begin(): void;
  /** A frame from the server. */
  receive(data: Buffer, isBinary: boolean): void;
  /** Publish `seq` with its filled payload `text` (JSON text when `json`) to the filled `topic` (MQTT) or destination (STOMP). */
  encode(seq: number, text: string, json: boolean, topic: string): EncodedPublish;
}
