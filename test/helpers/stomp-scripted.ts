/**
 * A scripted STOMP 1.2 server on loopback (the `ws` package), for what a healthy RabbitMQ will not do
 * on cue: promise heart-beats and then stay silent, or send an ERROR frame after the subscribe.
 * It answers CONNECT with CONNECTED (`heart-beat` as given) and a SUBSCRIBE's receipt with RECEIPT;
 * with `beatEveryMs` it then sends heart-beats.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { stompFrame } from '../../dist/protocols/stomp-frames.js';

export interface ScriptedStomp {
  wsUrl: string;
  close(): Promise<void>;
}

export interface ScriptedStompOptions {
  /** CONNECTED's heart-beat header ("sx,sy"); the server sends nothing on it unless `beatEveryMs` says. */
  heartBeat?: string;
  /** From the CONNECTED on, the server sends a heart-beat (an EOL) this often. */
  beatEveryMs?: number;
  /** With `beatEveryMs`: the heart-beats stop this long after the CONNECTED (a server whose heartbeat died). */
  beatForMs?: number;
  /** After the RECEIPT: an ERROR frame with this message header, then the server closes. */
  errorAfterMs?: { ms: number; message: string };
}

export async function startScriptedStomp(opts: ScriptedStompOptions = {}): Promise<ScriptedStomp> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (p) => (p.has('v12.stomp') ? 'v12.stomp' : false) });
  wss.on('connection', (ws: WebSocket) => {
    ws.on('message', (data: Buffer) => {
      const text = data.toString('utf8');
      if (text.startsWith('CONNECT'))
        ws.send(
          stompFrame('CONNECTED', [
            ['version', '1.2'],
            ['heart-beat', opts.heartBeat ?? '0,0'],
          ]),
        );
      if (text.startsWith('CONNECT') && opts.beatEveryMs) {
        const until = Date.now() + (opts.beatForMs ?? Infinity);
        const beat = setInterval(() => {
          if (Date.now() < until) ws.send('\n');
        }, opts.beatEveryMs);
        ws.on('close', () => clearInterval(beat));
      }
      const receipt = /\nreceipt:([^\n]+)/.exec(text);
      if (text.startsWith('SUBSCRIBE') && receipt) {
        ws.send(stompFrame('RECEIPT', [['receipt-id', receipt[1]]]));
        const e = opts.errorAfterMs;
        if (e) {
          setTimeout(() => {
            ws.send(stompFrame('ERROR', [['message', e.message]], 'the scripted server ends this connection'));
            ws.close();
          }, e.ms);
        }
      }
    });
  });
  await new Promise<void>((r) => (wss.address() ? r() : wss.once('listening', () => r())));
  const port = (wss.address() as AddressInfo).port;
  return {
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
