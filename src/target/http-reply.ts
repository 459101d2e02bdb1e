/** Small HTTP answers shared by the target and its test variants. */
import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** Answers with a short text/plain body (a trailing newline is added for curl users). */
export function sendText(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  const text = body.endsWith('\n') ? body : `${body}\n`;
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** Refuses a WebSocket upgrade with a plain HTTP response, then closes the connection. */
export function rejectUpgrade(socket: Duplex, status: number, body: string): void {
  const text = body.endsWith('\n') ? body : `${body}\n`;
  const head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n` +
    'Connection: close\r\n' +
    'Content-Type: text/plain; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(text)}\r\n\r\n`;
  // Node's HTTP server hands an upgrade's socket over without an error listener: a client that
  // resets after the refusal (EPIPE, ECONNRESET on the write) would otherwise crash the target.
  socket.on('error', () => socket.destroy());
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(head + text);
}
