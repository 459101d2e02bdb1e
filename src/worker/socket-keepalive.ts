/**
 * Keepalive: the cohorts' ping and heartbeat schedules, sent from one timer over the sockets that
 * have either (not a timer per socket).
 */
import { nowMs } from '../clock.js';
import { OPEN } from './pool-state.js';
import { SocketReceiving } from './socket-receiving.js';

export abstract class SocketKeepalive extends SocketReceiving {
  /** Sends due pings and heartbeats; called every keepalive tick. */
  keepalive(): void {
    if (this.stopping) return;
    const now = nowMs();
    this.proto?.tick(now);
    if (this.keepaliveSockets.length === 0) return;
    for (const k of this.keepaliveSockets) {
      if (this.state[k] !== OPEN || now < this.nextKeepalive[k]) continue;
      const ws = this.sockets[k];
      if (!ws) continue;
      const c = this.cohorts[this.cohortOfSocket[k]];
      if (c.pingIntervalMs !== null) {
        ws.ping();
        this.counters.pingsSent++;
        this.nextKeepalive[k] = now + c.pingIntervalMs;
      }
      if (c.heartbeat !== null) {
        ws.send(c.heartbeat.text);
        this.counters.heartbeatsSent++;
        if (c.pingIntervalMs === null) this.nextKeepalive[k] = now + c.heartbeat.intervalMs;
      }
      this.lastSent[k] = now;
    }
  }

  /** Interval at which keepalive() must run to keep every cohort's schedule to within 10%. */
  keepaliveTickMs(): number | null {
    let min = Infinity;
    // The protocol's heartbeat schedule (its own tick), as if it were a cohort's interval.
    const proto = this.proto?.tickMs() ?? null;
    if (proto !== null) min = proto * 10;
    for (const c of this.cohorts) {
      if (c.pingIntervalMs !== null) min = Math.min(min, c.pingIntervalMs);
      if (c.heartbeat !== null) min = Math.min(min, c.heartbeat.intervalMs);
    }
    return Number.isFinite(min) ? Math.max(10, Math.min(250, min / 10)) : null;
  }
}
