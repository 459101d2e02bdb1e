/**
 * What a scenario's protocol heartbeat is to a gateway: traffic. A gateway's idle timeout (nginx
 * `proxy_read_timeout`, HAProxy `timeout tunnel`) counts any frame, so a socket whose protocol
 * beats more often than the timeout is never cut for idling, however quiet the application. The
 * idle-timeout estimate says so beside its figure or its "none", naming the heartbeat and its
 * schedule, so "nobody was cut" is not read as "no timeout".
 */
import type { Protocol } from '../run/scenario.js';
import { formatDuration } from '../duration.js';

export interface ProtocolHeartbeat {
  /** The heartbeat in a few words, with its schedule ("MQTT PINGREQ after 30s without sending (keepalive)"); null: the protocol's heartbeat was off. */
  beat: string | null;
  /** The whole sentence for the estimate's note. */
  note: string;
}

const NEVER_CUTS = 'a gateway idle timeout longer than that never cuts them; a shorter one cuts every socket with nothing else to carry';

function on(beat: string, answer: string): ProtocolHeartbeat {
  return { beat, note: `${beat}, ${answer}, is traffic to the gateway: ${NEVER_CUTS}` };
}

function off(note: string): ProtocolHeartbeat {
  return { beat: null, note };
}

/** The protocol's heartbeat as the gateway sees it, or null for plain WebSocket (no protocol). */
export function protocolHeartbeat(protocol: Protocol | undefined): ProtocolHeartbeat | null {
  if (protocol === undefined) return null;
  switch (protocol.name) {
    case 'mqtt': {
      const ka = protocol.keepaliveMs;
      if (ka <= 0) return off('MQTT keepalive was off ("0s"): sockets sent no PINGREQ, only deliveries kept them busy');
      return on(`MQTT PINGREQ after ${formatDuration(ka)} without sending (keepalive)`, "answered by the broker's PINGRESP");
    }
    case 'socket.io':
      // The interval is the server's (its open packet), not the scenario's: named, not quoted.
      return on("Socket.IO's server ping every pingInterval of its open packet (25s by default)", 'answered by wsload at once');
    case 'graphql-ws': {
      const p = protocol.pingMs;
      if (p <= 0)
        return off('graphql-ws pings were off (protocol.ping "0s"): only deliveries and any ping of the server kept sockets busy');
      return on(`a graphql-ws ping after ${formatDuration(p)} of silence`, "answered by the server's pong");
    }
    case 'stomp': {
      const send = protocol.heartbeatSendMs;
      const receive = protocol.heartbeatReceiveMs;
      if (send <= 0 && receive <= 0) return off('STOMP heart-beats were off (heartbeat "0s"): only deliveries kept sockets busy');
      // STOMP 1.2: each direction beats at the slower of one side's offer and the other's ask, so these are the fastest possible.
      const sides = [
        send > 0 ? `sent every ${formatDuration(send)} or slower` : null,
        receive > 0 ? `the broker's every ${formatDuration(receive)} or slower` : null,
      ];
      return on(`STOMP heart-beats as negotiated in CONNECTED (${sides.filter((s) => s !== null).join(', ')})`, 'in both directions');
    }
  }
}
