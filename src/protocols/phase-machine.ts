/**
 * The one phase machine every protocol client walks its sockets through, written once:
 *   IDLE ─begin→ the protocol's handshake phases (CONNECT → ack → subscribe → …) ─subscribed→ READY
 * with the handshake deadline (`subscribe-timeout` when not READY in time), a handshake failure
 * (`fail`: the socket is forgotten and the pool told why), the heartbeats watched from READY on (a
 * heartbeat timeout ends the socket client-side with the protocol's reason) and the end of a socket
 * (timers cleared, heartbeats stopped, the protocol's own per-socket state forgotten). A protocol
 * declares only its handshake phases (`handshakePhases`) and its heartbeat; it moves a socket from
 * one handshake phase to the next itself (`phase[k] = …`), as its frames say.
 * Per-socket state is one typed array indexed like the pool's sockets: the receive path reads a
 * byte, allocates nothing.
 */
import { HandshakeTimers } from './handshake-timers.js';
import { Heartbeats } from './heartbeat.js';
import { SUBSCRIBE_TIMEOUT, type ProtocolHost } from './types.js';

/** No handshake under way, not subscribed: frames are ignored. */
export const IDLE = 0;
/** Subscribed: deliveries are read, heartbeats watched. */
export const READY = 1;

/** A protocol's handshake phases, numbered after IDLE and READY in the order given. */
export function handshakePhases<const N extends readonly string[]>(...names: N): { readonly [K in N[number]]: number } {
  const out: Record<string, number> = {};
  names.forEach((name, i) => (out[name] = READY + 1 + i));
  return out as { readonly [K in N[number]]: number };
}

/** What a protocol declares about its heartbeat (see Heartbeats). */
export interface HeartbeatSpec {
  /** The frame sent after `sendEvery[k]` of silence toward the server ('' when the client sends none). */
  probe: string | Buffer;
  /** No reply within this long after a probe times out; 0: probes expect no reply. */
  replyWithinMs: number;
  /** The disconnect reason of a heartbeat timeout. */
  timeoutReason: string;
}

export interface PhaseSpec {
  /** The handshake deadline (ms) from the upgrade to READY. */
  handshakeMs: number;
  heartbeat: HeartbeatSpec;
  /** Forgets the protocol's own per-socket state (the unfinished tail of a stream) when socket k ends. */
  forget?: (k: number) => void;
}

export class PhaseMachine {
  /** Per socket: IDLE, READY or one of the protocol's handshake phases. */
  readonly phase: Uint8Array;
  /** The heartbeat schedule per socket: the protocol sets `sendEvery`/`silenceLimit`/`lastHeard` and calls `replied`. */
  readonly beats: Heartbeats;
  private readonly handshakes: HandshakeTimers;
  private readonly forget: ((k: number) => void) | null;

  constructor(
    n: number,
    private readonly host: ProtocolHost,
    spec: PhaseSpec,
  ) {
    this.phase = new Uint8Array(n);
    this.handshakes = new HandshakeTimers(n, spec.handshakeMs, (k) => this.timedOut(k));
    const hb = spec.heartbeat;
    // A timed-out socket stops being read at once: the pool's close of it comes later.
    this.beats = new Heartbeats(n, host, hb.probe, hb.replyWithinMs, hb.timeoutReason, (k) => (this.phase[k] = IDLE));
    this.forget = spec.forget ?? null;
  }

  /** Socket k upgraded: its handshake starts in phase `first`, under the deadline (the protocol then sends its first frame). */
  begin(k: number, first: number): void {
    this.end(k);
    this.phase[k] = first;
    this.handshakes.start(k);
  }

  /** The handshake finished: socket k is READY, its heartbeats watched (heard at `now` when given), counted subscribed. */
  subscribed(k: number, now?: number): void {
    this.handshakes.clear(k);
    this.phase[k] = READY;
    this.beats.start(k, now);
    this.host.onSubscribed(k);
  }

  /** The handshake failed with a connect-failure `reason` (protocol-mismatch, subscribe-rejected): the pool closes socket k. */
  fail(k: number, reason: string): void {
    this.end(k);
    this.host.onSubscribeFailed(k, reason);
  }

  /** Sends due heartbeats and ends timed-out sockets. */
  tick(now: number): void {
    this.beats.sweep(now);
  }

  /** Socket k closed (or is being closed): IDLE, its timers and state forgotten. */
  end(k: number): void {
    this.handshakes.clear(k);
    this.beats.stop(k);
    this.phase[k] = IDLE;
    this.forget?.(k);
  }

  private timedOut(k: number): void {
    const phase = this.phase[k];
    if (phase === IDLE || phase === READY) return;
    this.phase[k] = IDLE;
    this.host.onSubscribeFailed(k, SUBSCRIBE_TIMEOUT);
  }
}
