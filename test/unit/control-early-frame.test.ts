/**
 * The coordinator's first frame can reach the agent in the same TCP read as the 101 response
 * (a heartbeat that fell due just as the agent joined). ws emits it one tick after 'open', before
 * the awaits that hand the socket to the agent's session resolve. The dialer must hold it: a lost
 * frame 1 made the agent see frame 2 "out of order" and abandon a healthy coordinator (seen in CI).
 */
import net from 'node:net';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { dialCoordinator } from '../../src/agent/control-client.js';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** One unmasked text frame (server to client), payload under 126 bytes. */
function textFrame(text: string): Buffer {
  const body = Buffer.from(text);
  return Buffer.concat([Buffer.from([0x81, body.length]), body]);
}

/** A server that answers the upgrade and sends `frames` in the same write as its 101. */
function rawServer(frames: string[], closeAfter: boolean): Promise<{ port: number; server: net.Server }> {
  const server = net.createServer((sock) => {
    let head = '';
    sock.on('data', (chunk) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      const key = /sec-websocket-key: *(\S+)/i.exec(head)?.[1] ?? '';
      const accept = createHash('sha1')
        .update(key + WS_GUID)
        .digest('base64');
      const response = `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
      const close = closeAfter ? [Buffer.from([0x88, 0x02, 0x0f, 0xa0])] : []; // close 4000
      sock.write(Buffer.concat([Buffer.from(response, 'latin1'), ...frames.map(textFrame), ...close]));
      head = '';
    });
    sock.on('error', () => {});
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as net.AddressInfo).port, server })),
  );
}

/** The agent's dialer pointed at a loopback port, never told to stop. */
function dialTo(port: number): ReturnType<typeof dialCoordinator> {
  return dialCoordinator({
    coordinator: `ws://127.0.0.1:${port}`,
    token: 't',
    name: 'a',
    ca: null,
    connectTimeoutMs: 5_000,
    aborted: new Promise(() => {}),
  });
}

let open: net.Server | null = null;
afterEach(() => {
  open?.close();
  open = null;
});

describe('dialCoordinator', () => {
  it('holds the frames that came with the 101 until the session takes them, in order', async () => {
    const { port, server } = await rawServer(['{"type":"beat","n":1}', '{"type":"beat","n":2}'], false);
    open = server;
    const control = await dialTo(port);
    expect(control).not.toBeNull();
    // What a listener attached only now would have seen: nothing (the frames were emitted already).
    const late: string[] = [];
    control!.ws.on('message', (d: Buffer) => late.push(d.toString()));
    await new Promise((r) => setTimeout(r, 50));
    const held = control!.release();
    expect(held.frames.map((f) => f.data.toString())).toEqual(['{"type":"beat","n":1}', '{"type":"beat","n":2}']);
    expect(late).toEqual([]);
    control!.ws.terminate();
  });

  it('holds a close that came before the session listened', async () => {
    const { port, server } = await rawServer(['{"type":"end","n":1}'], true);
    open = server;
    const control = await dialTo(port);
    await new Promise((r) => setTimeout(r, 50));
    const held = control!.release();
    expect(held.frames).toHaveLength(1);
    expect(held.closed?.code).toBe(4000);
    control!.ws.terminate();
  });
});
