/**
 * Servers that do a protocol's handshake and subscribe correctly and then let its heartbeat die,
 * which a healthy Socket.IO server or MQTT broker never does on purpose: for the client-side
 * heartbeat timeouts (`socket.io-ping-timeout`, `mqtt-keepalive-timeout`). Real WebSocket servers
 * (ws) on loopback, with the protocol's packets written out byte for byte.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface SilentServer {
  wsUrl: string;
  close(): Promise<void>;
}

/** Engine.IO 4 open packet announcing these timings, a namespace CONNECT answered, and then never a ping. */
export async function startPinglessSocketIo(pingIntervalMs: number, pingTimeoutMs: number): Promise<SilentServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (ws) => {
    ws.send(
      `0${JSON.stringify({ sid: 'silent', upgrades: [], pingInterval: pingIntervalMs, pingTimeout: pingTimeoutMs, maxPayload: 1_000_000 })}`,
    );
    ws.on('message', (data: Buffer) => {
      if (data.toString('utf8').startsWith('40')) ws.send('40{"sid":"ns-silent"}');
    });
  });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const { port } = wss.address() as AddressInfo;
  return { wsUrl: `ws://127.0.0.1:${port}/ws/?EIO=4&transport=websocket`, close: () => closeServer(wss) };
}

/** CONNECT answered by CONNACK, SUBSCRIBE by SUBACK (QoS 0 granted), PINGREQ never by PINGRESP. */
export async function startPingrespLessBroker(): Promise<SilentServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'mqtt' });
  wss.on('connection', (ws) => {
    ws.on('message', (data: Buffer) => {
      const type = data[0] >> 4;
      if (type === 1) ws.send(Buffer.from([0x20, 0x02, 0x00, 0x00]));
      // SUBSCRIBE: the packet id follows a one-byte remaining length (short test filters).
      else if (type === 8) ws.send(Buffer.from([0x90, 0x03, data[2], data[3], 0x00]));
    });
  });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const { port } = wss.address() as AddressInfo;
  return { wsUrl: `ws://127.0.0.1:${port}/ws`, close: () => closeServer(wss) };
}

function closeServer(wss: WebSocketServer): Promise<void> {
  for (const ws of wss.clients) ws.terminate();
  return new Promise((resolve) => wss.close(() => resolve()));
}
