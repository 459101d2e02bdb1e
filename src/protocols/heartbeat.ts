/**
 * The heartbeat bookkeeping every protocol shares, in typed arrays indexed like the pool's sockets,
 * swept by one loop per pool tick (the protocol's `tick`). Two kinds of liveness, either or both:
 * - a probe answered by a reply (MQTT PINGREQ/PINGRESP, graphql-ws ping/pong): sent after
 *   `sendEveryMs` of silence toward the server; no `replied(k)` within `replyWithinMs` times out;
 * - silence from the server (STOMP heart-beats, Socket.IO's ping schedule): nothing `heard(k)` for
 *   `silenceLimit[k]` ms times out.
 * A STOMP heart-beat is a probe with no reply (`replyWithinMs` 0): it only keeps the line busy.
 *
 * A timeout the sweep finds is called only after one I/O turn, judged again then at the sweep's
 * time: the sweep runs on a timer, and after the worker's loop stalled (GC, a long tick, a loaded
 * machine) the timers run before Node reads the sockets, so a reply or heart-beat that arrived
 * during the stall is still unread. Calling the timeout then would blame the server (and close the
 * socket) for wsload's own stall. setImmediate runs after the loop's poll phase, which reads what
 * the kernel holds; what arrived before the sweep is then counted, and a server that really said
 * nothing is still called, one loop turn later.
 */
import type { ProtocolHost } from './types.js';

export class Heartbeats {
  /** Per socket: send the probe after this much silence toward the server (ms); 0: never. */
  readonly sendEvery: Float64Array;
  /** Per socket: nothing heard for this long (ms) times out; 0: not watched. */
  readonly silenceLimit: Float64Array;
  /** Per socket: when the server was last heard (only kept where `silenceLimit` is set). */
  readonly lastHeard: Float64Array;
  /** When the outstanding probe was sent; 0: none outstanding. */
  private readonly probeSentAt: Float64Array;
  /** Sockets being watched (READY); the sweep skips the rest. */
  private readonly live: Uint8Array;
  /** 1: the sweep found socket k timed out; judged again after one I/O turn (`confirm`). */
  private readonly suspect: Uint8Array;
  /** The suspects, `suspectCount` of them, so the confirmation visits only them. */
  private readonly suspects: Int32Array;
  private suspectCount = 0;
  /** The time of the sweep that found the first suspect: they are judged again at that time. */
  private suspectAt = 0;
  /** Made once: a sweep with no timeout allocates nothing, one with some only the Immediate. */
  private readonly confirmLater = (): void => this.confirm();

  constructor(
    n: number,
    private readonly host: ProtocolHost,
    private readonly probe: string | Buffer,
    /** No reply within this long after a probe times out; 0: probes expect no reply. */
    private readonly replyWithinMs: number,
    private readonly timeoutReason: string,
    /** Called before the socket is closed for a timeout (the protocol stops reading it). */
    private readonly onTimeout: ((k: number) => void) | null = null,
  ) {
    this.sendEvery = new Float64Array(n);
    this.silenceLimit = new Float64Array(n);
    this.lastHeard = new Float64Array(n);
    this.probeSentAt = new Float64Array(n);
    this.live = new Uint8Array(n);
    this.suspect = new Uint8Array(n);
    this.suspects = new Int32Array(n);
  }

  /** Socket k is subscribed: watch it with its schedule (set sendEvery/silenceLimit first), heard at `now` when given. */
  start(k: number, now?: number): void {
    this.live[k] = 1;
    if (now !== undefined) this.lastHeard[k] = now;
    this.probeSentAt[k] = 0;
  }

  private timedOut(k: number): void {
    this.stop(k);
    this.onTimeout?.(k);
    this.host.closeByClient(k, this.timeoutReason);
  }

  /** The server answered the outstanding probe. */
  replied(k: number): void {
    this.probeSentAt[k] = 0;
  }

  /** Socket k ended: forget it. */
  stop(k: number): void {
    this.live[k] = 0;
    this.suspect[k] = 0;
    this.probeSentAt[k] = 0;
    this.sendEvery[k] = 0;
    this.silenceLimit[k] = 0;
  }

  /** Sends due probes and ends timed-out sockets (a client-side close with the reason, after one I/O turn); one pass over the pool. */
  sweep(now: number): void {
    const host = this.host;
    const n = this.live.length;
    for (let k = 0; k < n; k++) {
      if (this.live[k] === 0 || this.suspect[k] === 1 || !host.isOpen(k)) continue;
      if (this.expired(k, now)) {
        this.suspectLater(k, now);
        continue;
      }
      // A probe outstanding, not yet late: no second one.
      if (this.probeSentAt[k] > 0) continue;
      const every = this.sendEvery[k];
      if (every > 0 && now - host.lastSentAt(k) >= every) {
        if (this.replyWithinMs > 0) this.probeSentAt[k] = now;
        host.send(k, this.probe);
      }
    }
  }

  /** Socket k heard nothing for its silence limit, or its probe got no reply in time, as of `at`. */
  private expired(k: number, at: number): boolean {
    const silence = this.silenceLimit[k];
    if (silence > 0 && at - this.lastHeard[k] >= silence) return true;
    const sent = this.probeSentAt[k];
    return sent > 0 && at - sent >= this.replyWithinMs;
  }

  private suspectLater(k: number, now: number): void {
    // Full only if a socket stopped, started and was suspected again before the confirmation: it
    // stays unmarked, for the next sweep to find.
    if (this.suspectCount === this.suspects.length) return;
    if (this.suspectCount === 0) {
      this.suspectAt = now;
      setImmediate(this.confirmLater);
    }
    this.suspect[k] = 1;
    this.suspects[this.suspectCount++] = k;
  }

  /**
   * After the poll phase: the suspects whose reply or heart-beat was read meanwhile are cleared
   * (`replied`, `lastHeard`); the rest time out. Judged at the sweep's time: the question is whether
   * anything arrived before it, and the poll phase has read all that had.
   */
  private confirm(): void {
    const at = this.suspectAt;
    const count = this.suspectCount;
    this.suspectCount = 0;
    for (let i = 0; i < count; i++) {
      const k = this.suspects[i];
      // Stopped meanwhile (closed, or closed and started again): nothing to judge.
      if (this.suspect[k] === 0) continue;
      this.suspect[k] = 0;
      if (this.live[k] === 1 && this.host.isOpen(k) && this.expired(k, at)) this.timedOut(k);
    }
  }
}

/** How often a sweep must run for a schedule of `ms` (within 5 %), or null for none: 10 ms to 250 ms. */
export function heartbeatTickMs(ms: number): number | null {
  return ms <= 0 ? null : Math.max(10, Math.min(250, ms / 20));
}
