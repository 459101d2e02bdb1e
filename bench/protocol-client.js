/**
 * The official client library of a protocol doing the receive-and-count work of a wsload run, in
 * one process like bench/baseline-client.js: N clients opened at the connect rate (socket.io-client
 * with the WebSocket transport only; mqtt.js subscribing "news" at QoS 0; graphql-ws's createClient;
 * @stomp/stompjs's Client over `ws`, subscribing /topic/news with a receipt), then a hold of `holdMs`
 * publishing `GET /api?id=b&value=<seq>` at `publishRate`, every message counted (JSON.parse of
 * the payload, as wsload reads `value`). No reconnects: a close is counted.
 *
 * Usage: node bench/protocol-client.js '<json config>'; prints one JSON line {"event":"result",…}.
 */
import http from 'node:http';
import { io } from 'socket.io-client';
import mqtt from 'mqtt';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { Client as StompClient } from '@stomp/stompjs';

/** @type {{ protocol: 'socket.io' | 'mqtt' | 'graphql-ws' | 'stomp', url: string, httpUrl: string, sockets: number, connectRate: number, holdMs: number, publishRate: number, heartbeatMs?: number }} */
const cfg = JSON.parse(process.argv[2] ?? '{}');
const agent = new http.Agent({ keepAlive: true });
let opened = 0;
let failed = 0;
let closed = 0;
let delivered = 0;
let unmatched = 0;
/** The first connect failure's message, for the result line. */
let firstError = null;
const clients = [];

function count(text) {
  try {
    const m = typeof text === 'string' ? JSON.parse(text) : text;
    if (m && typeof m.value === 'string') delivered++;
    else unmatched++;
  } catch {
    unmatched++;
  }
}

/** Opens client i; resolves when it is subscribed (or failed). */
function open(i) {
  return new Promise((resolve) => {
    if (cfg.protocol === 'socket.io') {
      const u = new URL(cfg.url);
      const s = io(`${u.protocol === 'wss:' ? 'https' : 'http'}://${u.host}`, {
        path: u.pathname.replace(/\/$/, ''),
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      clients.push(() => s.close());
      s.on('message', (m) => count(m));
      s.once('connect', () => {
        opened++;
        s.on('disconnect', () => closed++);
        resolve();
      });
      s.once('connect_error', (err) => {
        firstError ??= err.message;
        failed++;
        resolve();
      });
    } else if (cfg.protocol === 'graphql-ws') {
      // graphql-ws has no subscribe acknowledgement: subscribed counts at connection_ack + the subscribe written, as wsload's ping follows it.
      const c = createClient({ url: cfg.url, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0, keepAlive: 0 });
      clients.push(() => void c.dispose());
      c.on('connected', () => {
        opened++;
        c.on('closed', () => closed++);
        resolve();
      });
      c.on('error', (err) => {
        firstError ??= err instanceof Error ? err.message : 'error';
      });
      c.subscribe(
        { query: 'subscription { news { id value } }' },
        { next: (r) => count(r.data?.news), error: () => failed++, complete: () => {} },
      );
    } else if (cfg.protocol === 'stomp') {
      // Subscribed at the SUBSCRIBE's RECEIPT, as wsload counts it; stompjs needs a WebSocket in Node: ws's, with STOMP 1.2's subprotocol.
      const c = new StompClient({
        webSocketFactory: () => new WebSocket(cfg.url, ['v12.stomp']),
        connectHeaders: { host: '/', login: 'guest', passcode: 'guest' },
        heartbeatIncoming: cfg.heartbeatMs ?? 10_000,
        heartbeatOutgoing: cfg.heartbeatMs ?? 10_000,
        reconnectDelay: 0,
      });
      clients.push(() => void c.deactivate());
      let settled = false;
      const settle = (ok, message) => {
        if (settled) return;
        settled = true;
        if (ok) opened++;
        else {
          firstError ??= message;
          failed++;
        }
        resolve();
      };
      c.onConnect = () => {
        const receipt = `sub-${i}`;
        c.watchForReceipt(receipt, () => settle(true));
        c.subscribe('/topic/news', (m) => count(m.body), { receipt });
      };
      c.onStompError = (f) => settle(false, f.headers.message ?? 'STOMP ERROR');
      c.onWebSocketError = () => settle(false, 'WebSocket error');
      c.onWebSocketClose = () => {
        if (settled) closed++;
        else settle(false, 'closed before subscribed');
      };
      c.activate();
    } else {
      const c = mqtt.connect(cfg.url, { clientId: `official-${i}`, keepalive: 60, reconnectPeriod: 0, protocolVersion: 4 });
      clients.push(() => c.end(true));
      c.on('message', (_t, payload) => count(payload.toString('utf8')));
      c.once('connect', () =>
        c.subscribe('news', { qos: 0 }, (err) => {
          if (err) failed++;
          else opened++;
          c.on('close', () => closed++);
          resolve();
        }),
      );
      c.once('error', (err) => {
        firstError ??= err.message;
        failed++;
        resolve();
      });
    }
  });
}

function get(url) {
  return new Promise((resolve) => {
    http
      .get(url, { agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
      .on('error', resolve);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const t0 = Date.now();
  const pending = [];
  const gap = 1000 / cfg.connectRate;
  for (let i = 0; i < cfg.sockets; i++) {
    pending.push(open(i));
    const due = t0 + (i + 1) * gap;
    if (due > Date.now() + 1) await sleep(due - Date.now());
  }
  await Promise.race([Promise.all(pending), sleep(60_000)]);
  const holdStartT = Date.now();
  const rampMs = holdStartT - t0;
  const n = Math.floor((cfg.publishRate * cfg.holdMs) / 1000);
  const answers = [];
  for (let seq = 1; seq <= n; seq++) {
    const due = holdStartT + (seq * 1000) / cfg.publishRate;
    if (due > Date.now()) await sleep(due - Date.now());
    answers.push(get(`${cfg.httpUrl}/api?id=b&value=${seq}`));
  }
  const holdEndT = Date.now();
  // Every publish answered (the server has pushed it), then the last deliveries, bounded: as wsload's deadline.
  await Promise.race([Promise.all(answers), sleep(10_000)]);
  await sleep(2000);
  const expected = n * opened;
  process.stdout.write(
    `${JSON.stringify({ event: 'result', opened, failed, closed, published: n, expected, delivered, unmatched, firstError, rampMs, holdStartT, holdEndT })}\n`,
  );
  for (const close of clients) close();
  agent.destroy();
  setTimeout(() => process.exit(0), 500).unref();
}

void main();
