/**
 * The per-socket handshake deadline every protocol keeps (CONNACK, connection_ack, CONNECTED, …):
 * one timer per socket mid-handshake, cleared when it finishes or the socket ends.
 */
export class HandshakeTimers {
  private readonly timers: (NodeJS.Timeout | null)[];

  constructor(
    n: number,
    private readonly ms: number,
    /** Called when socket k's handshake did not finish in time (the timer is already forgotten). */
    private readonly onTimeout: (k: number) => void,
  ) {
    this.timers = new Array<NodeJS.Timeout | null>(n).fill(null);
  }

  start(k: number): void {
    this.clear(k);
    this.timers[k] = setTimeout(fired, this.ms, this, k);
  }

  clear(k: number): void {
    const t = this.timers[k];
    if (t !== null) clearTimeout(t);
    this.timers[k] = null;
  }

  /** @private */
  fire(k: number): void {
    this.timers[k] = null;
    this.onTimeout(k);
  }
}

function fired(timers: HandshakeTimers, k: number): void {
  timers.fire(k);
}
