/** A raw WebSocket upgrade request from a client that resets its connection soon after (a hostile peer, a killed tool). */
import net from 'node:net';

/** Sends `GET path` as an upgrade and resets the connection `waitMs` after connecting; resolves once reset (or on error). */
export function upgradeThenReset(port: number, path: string, waitMs: number): Promise<void> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1', () => {
      sock.write(
        `GET ${path} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
      setTimeout(() => {
        sock.resetAndDestroy();
        resolve();
      }, waitMs);
    });
    sock.on('error', () => resolve());
  });
}
