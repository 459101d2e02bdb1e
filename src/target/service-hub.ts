/**
 * The push service's sockets and counts (src/target/service.ts has the protocol): which topics
 * each open socket gets, subscribes and their acks, chat publishes, and the fan-out of one push to
 * a topic's subscribers. Free of HTTP: the service's routes and upgrade handler call into it.
 */
import { WebSocket } from 'ws';
import type { ServiceOptions, ServiceStats } from './service-options.js';

/** One accepted socket. */
export interface Conn {
  ws: WebSocket;
  index: number;
  /** Subscribed topics; null: every topic. */
  topics: Set<string> | null;
}

/** The sockets and counts of one running service. */
export class ServiceHub {
  // Open sockets only, in accept order: a soak's reconnects must not keep closed ones in the fan-out.
  readonly open = new Set<Conn>();
  /** Pushes sent to each socket, by accept index (its length: sockets accepted). */
  readonly perSocket: number[] = [];
  readonly tokensSeen: (string | null)[] = [];
  readonly receivedText: string[][] = [];
  readonly byTopic: Record<string, number> = {};
  refused = 0;
  subscribed = 0;
  publishes = 0;
  delivered = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly refuseTopics: ReadonlySet<string>;
  private readonly ack: boolean;
  private readonly ackDelayMs: number;
  private readonly record: boolean;

  constructor(private readonly opts: ServiceOptions) {
    this.refuseTopics = new Set(opts.refuseTopics ?? []);
    this.ack = opts.ack ?? true;
    this.ackDelayMs = opts.ackDelayMs ?? 0;
    this.record = opts.recordMessages === true;
  }

  /** Takes an upgraded socket: subscribed to `?topic=` at once, else to nothing (or every topic without requireSubscribe). */
  accept(ws: WebSocket, token: string | null, queryTopic: string | null): Conn {
    const requireSubscribe = this.opts.requireSubscribe ?? true;
    const topics = queryTopic !== null ? new Set([queryTopic]) : requireSubscribe ? new Set<string>() : null;
    const c: Conn = { ws, index: this.perSocket.length, topics };
    this.open.add(c);
    this.perSocket.push(0);
    this.tokensSeen.push(token);
    this.receivedText.push([]);
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) this.onClientMessage(c, data.toString('utf8'));
    });
    ws.on('close', () => this.open.delete(c));
    ws.on('error', () => {});
    return c;
  }

  /** Pushes `data` (topic and ts added) to every open subscriber of `topic` but `except`; returns the count. */
  fanOut(topic: string, data: Record<string, unknown>, except: Conn | null): number {
    const opts = this.opts;
    const body = { ...data, topic, ts: Date.now() };
    const text = opts.pushText ? opts.pushText(body) : JSON.stringify({ type: 'event', data: body });
    // One encoding per publish, whatever the number of sockets.
    const payload = opts.binary ? Buffer.from(text, 'utf8') : text;
    let n = 0;
    for (const c of this.open) {
      if (c === except || c.ws.readyState !== WebSocket.OPEN) continue;
      if (c.topics !== null && !c.topics.has(topic) && !(opts.misroute === true && c.topics.size > 0)) continue;
      c.ws.send(payload, { binary: opts.binary === true });
      this.perSocket[c.index]++;
      n++;
    }
    this.byTopic[topic] = (this.byTopic[topic] ?? 0) + n;
    this.delivered += n;
    return n;
  }

  stats(): ServiceStats {
    return {
      open: this.open.size,
      accepted: this.perSocket.length,
      refused: this.refused,
      subscribed: this.subscribed,
      publishes: this.publishes,
      delivered: this.delivered,
      byTopic: { ...this.byTopic },
    };
  }

  /** Cancels the acks still delayed and ends every socket. */
  close(): void {
    for (const t of this.timers) clearTimeout(t);
    for (const c of this.open) c.ws.terminate();
  }

  private onSubscribe(c: Conn, topic: unknown): void {
    if (typeof topic !== 'string' || topic === '') {
      c.ws.send(JSON.stringify({ type: 'error', reason: 'subscribe needs a topic' }));
      return;
    }
    if (this.refuseTopics.has(topic)) {
      c.ws.send(JSON.stringify({ type: 'error', topic, reason: 'topic refused' }));
      return;
    }
    if (!this.ack) return;
    const done = (): void => {
      if (c.ws.readyState !== WebSocket.OPEN) return;
      if (c.topics === null) c.topics = new Set();
      c.topics.add(topic);
      this.subscribed++;
      c.ws.send(JSON.stringify({ type: 'subscribed', topic }));
    };
    if (this.ackDelayMs <= 0) return done();
    const t = setTimeout(() => {
      this.timers.delete(t);
      done();
    }, this.ackDelayMs);
    this.timers.add(t);
  }

  private onClientMessage(c: Conn, text: string): void {
    if (this.record) this.receivedText[c.index].push(text);
    const msg = parseObject(text);
    if (msg === null) return;
    if (msg.type === 'subscribe') return this.onSubscribe(c, msg.topic);
    const topic = msg.topic;
    if (msg.type === 'publish' && typeof topic === 'string') {
      this.publishes++;
      const { type: _type, ref, ...data } = msg;
      const n = this.fanOut(topic, data, c);
      c.ws.send(
        JSON.stringify(ref === undefined ? { type: 'published', topic, delivered: n } : { type: 'published', topic, delivered: n, ref }),
      );
    }
  }
}

/** A JSON object, or null for anything else (not JSON, an array, a scalar). */
export function parseObject(text: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
