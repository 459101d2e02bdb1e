/**
 * A Socket.IO emit from the publisher connection (Engine.IO 4 over WebSocket): the server's open
 * packet, CONNECT to the scenario's namespace (with its auth payload), then one EVENT per publish,
 * `[event, body]`, with the publish's seq as its ack id when `ack` is set; the server's ACK of that
 * id is the publish's "handled" moment. The server's pings are answered. Packets are a few bytes
 * of text, written here as the subscriber side (protocols/socketio.ts) reads them.
 */
import type { SocketIoProtocol } from '../../../run/scenario.js';
import { PROTOCOL_PUBLISH_FAILURES } from '../../../run/publish-methods/protocol.js';
import { PROTOCOL_MISMATCH, SUBSCRIBE_REJECTED } from '../../../protocols/types.js';
import type { CodecHost, EncodedPublish, PublishCodec } from './codec.js';

export class SocketIoPublishCodec implements PublishCodec {
  readonly subprotocols: readonly string[] = [];
  /** "" for the main namespace, else "/ns," (how packets name their namespace). */
  private readonly nsPrefix: string;
  private connected = false;

  constructor(
    private readonly o: SocketIoProtocol,
    private readonly event: string,
    private readonly ack: boolean,
    private readonly host: CodecHost,
  ) {
    this.nsPrefix = o.namespace === '/' ? '' : `${o.namespace},`;
  }

  begin(): void {
    // The server speaks first (its open packet "0{…}").
  }

  receive(data: Buffer, isBinary: boolean): void {
    if (isBinary) return;
    const text = data.toString('utf8');
    const engine = text.charCodeAt(0);
    if (engine === 0x30 /* "0" open */) {
      this.host.send(`40${this.nsPrefix}${this.o.auth ?? ''}`);
    } else if (engine === 0x32 /* "2" ping */) {
      this.host.send('3');
    } else if (engine === 0x34 /* "4" message */) {
      this.message(text.slice(1));
    } else if (!this.connected && engine !== 0x33 && engine !== 0x36) {
      this.host.failed(PROTOCOL_MISMATCH);
    }
  }

  /** A Socket.IO packet: type digit, namespace, then an ack id and JSON data. */
  private message(packet: string): void {
    const type = packet.charCodeAt(0) - 0x30;
    let rest = packet.slice(1);
    if (this.nsPrefix !== '') {
      if (!rest.startsWith(this.nsPrefix)) return;
      rest = rest.slice(this.nsPrefix.length);
    }
    if (type === 0 /* CONNECT */) {
      this.connected = true;
      this.host.ready();
    } else if (type === 4 /* CONNECT_ERROR */) {
      this.host.failed(SUBSCRIBE_REJECTED);
    } else if (type === 3 /* ACK */) {
      const m = /^(\d+)(.*)$/s.exec(rest);
      if (m) this.host.settle(Number(m[1]), ackError(m[2]) ? PROTOCOL_PUBLISH_FAILURES.socketIoError : null);
    }
  }

  encode(seq: number, text: string, json: boolean): EncodedPublish {
    const arg = json ? text : JSON.stringify(text);
    const frame = `42${this.nsPrefix}${this.ack ? seq : ''}[${JSON.stringify(this.event)},${arg}]`;
    return { frame, key: this.ack ? seq : null };
  }
}

/** Whether an ack's arguments say the server failed the emit: a first argument that is an object with an `error` field. */
function ackError(argsText: string): boolean {
  try {
    const args: unknown = JSON.parse(argsText);
    const first: unknown = Array.isArray(args) ? args[0] : undefined;
    return first !== null && typeof first === 'object' && 'error' in first;
  } catch {
    return false;
  }
}
