/**
 * The messages a socket sends after the upgrade (target.open) and the acknowledgements it waits
 * for, one step at a time, each wait bounded by its timeout. Runs for every connection, reconnects
 * included; the socket pool counts the socket subscribed when the last step is done.
 */
import type WebSocket from 'ws';
import type { OpenStep, ReplyMatch } from '../run/scenario.js';

/** What the sequence needs from the socket pool. */
export interface OpenHost {
  /** Step text with socket k's placeholders filled in. */
  fillMessage(k: number, text: string, json: boolean): string;
  /** Socket k sent every message and had every acknowledgement. */
  onSubscribed(k: number): void;
  /** Socket k's subscription failed ("subscribe-timeout", "subscribe-rejected"); the pool closes it. */
  onSubscribeFailed(k: number, reason: string): void;
}

/** A compiled reply match: JSON pointer tokens and the value, or a regular expression. */
type Matcher = { tokens: string[]; equals: unknown } | { regex: RegExp };

function compile(m: ReplyMatch | null): Matcher | null {
  if (m === null) return null;
  if ('regex' in m) return { regex: new RegExp(m.regex) };
  // RFC 6901: "" is the whole document; "~1" is "/", "~0" is "~".
  const tokens =
    m.pointer === ''
      ? []
      : m.pointer
          .slice(1)
          .split('/')
          .map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'));
  return { tokens, equals: m.equals };
}

/** The value at a JSON pointer's tokens, or undefined when the path does not exist. */
export function atPointer(doc: unknown, tokens: readonly string[]): unknown {
  let at: unknown = doc;
  for (const t of tokens) {
    if (Array.isArray(at)) {
      if (!/^(0|[1-9]\d*)$/.test(t)) return undefined;
      at = at[Number(t)];
    } else if (at !== null && typeof at === 'object' && Object.hasOwn(at, t)) {
      at = (at as Record<string, unknown>)[t];
    } else return undefined;
  }
  return at;
}

/** A reply (text; `parsed` is its JSON, computed on first need) matches. */
function matches(m: Matcher, text: string, parsed: { done: boolean; value: unknown }): boolean {
  if ('regex' in m) return m.regex.test(text);
  if (!parsed.done) {
    parsed.done = true;
    try {
      parsed.value = JSON.parse(text);
    } catch {
      parsed.value = undefined;
    }
  }
  return parsed.value !== undefined && atPointer(parsed.value, m.tokens) === m.equals;
}

interface CompiledStep {
  text: string;
  json: boolean;
  ack: Matcher | null;
  reject: Matcher | null;
  timeoutMs: number;
}

export class OpenSequence {
  private readonly steps: CompiledStep[];
  /** Step socket k is at (waiting for its ack, when it has one). */
  private readonly stepOf: Uint16Array;
  private readonly timers: (NodeJS.Timeout | null)[];
  private readonly sockets: (WebSocket | null)[];

  constructor(
    n: number,
    steps: readonly OpenStep[],
    private readonly host: OpenHost,
  ) {
    this.steps = steps.map((s) => ({ text: s.text, json: s.json, ack: compile(s.ack), reject: compile(s.reject), timeoutMs: s.timeoutMs }));
    this.stepOf = new Uint16Array(n);
    this.timers = new Array<NodeJS.Timeout | null>(n).fill(null);
    this.sockets = new Array<WebSocket | null>(n).fill(null);
  }

  /** Socket k has just upgraded: send from the first step. */
  begin(k: number, ws: WebSocket | null): void {
    this.cancel(k);
    this.sockets[k] = ws;
    this.stepOf[k] = 0;
    this.advance(k);
  }

  private advance(k: number): void {
    const ws = this.sockets[k];
    for (let i = this.stepOf[k]; i < this.steps.length; i++) {
      const step = this.steps[i];
      this.stepOf[k] = i;
      ws?.send(this.host.fillMessage(k, step.text, step.json));
      if (step.ack !== null) {
        this.timers[k] = setTimeout(ackTimedOut, step.timeoutMs, this, k, i);
        return;
      }
    }
    this.sockets[k] = null;
    this.host.onSubscribed(k);
  }

  /** A reply on socket k while it subscribes: true when it was the ack or a rejection (consumed). */
  reply(k: number, data: Buffer): boolean {
    const step = this.steps[this.stepOf[k]];
    if (step === undefined || step.ack === null || this.timers[k] === null) return false;
    const text = data.toString('utf8');
    const parsed = { done: false, value: undefined as unknown };
    if (step.reject !== null && matches(step.reject, text, parsed)) {
      this.cancel(k);
      this.host.onSubscribeFailed(k, 'subscribe-rejected');
      return true;
    }
    if (!matches(step.ack, text, parsed)) return false;
    this.clearTimer(k);
    this.stepOf[k]++;
    this.advance(k);
    return true;
  }

  /** @private */
  timedOut(k: number, step: number): void {
    if (this.timers[k] === null || this.stepOf[k] !== step) return;
    this.cancel(k);
    this.host.onSubscribeFailed(k, 'subscribe-timeout');
  }

  private clearTimer(k: number): void {
    const t = this.timers[k];
    if (t !== null) clearTimeout(t);
    this.timers[k] = null;
  }

  /** Stops socket k's sequence (closed, failed or the run ends): no timer left behind. */
  cancel(k: number): void {
    this.clearTimer(k);
    this.sockets[k] = null;
  }
}

function ackTimedOut(seq: OpenSequence, k: number, step: number): void {
  seq.timedOut(k, step);
}
