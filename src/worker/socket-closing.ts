/**
 * Closing: errors and closes of a socket, what they count (cause, code, idle and age at close, lost
 * deliveries), reconnects with their backoff, the stages' ramp-down and re-open, the handshake
 * slot a settled attempt gives back, and the end of the run (closeAll).
 */
import { nowMs } from '../clock.js';
import { recordMs } from '../metrics/histogram.js';
import { classifyClose, classifyConnectError } from '../metrics/classify.js';
import { socketClosed } from '../run/publish-ring.js';
import { logClose } from '../run/protocol.js';
import { CONNECTING, DONE, IDLE, OPEN, QUEUED, SUBSCRIBING, WAITING } from './pool-state.js';
import { SocketKeepalive } from './socket-keepalive.js';

/** byError key of a socket ws terminated because the server's pings outran its answers. */
const PING_FLOOD = 'ping-flood';

export abstract class SocketClosing extends SocketKeepalive {
  /** Starts socket k's connection attempt (socket-opening.ts); runs inside a handshake slot. */
  protected abstract connect(k: number): Promise<void>;

  /**
   * @private — an error on the TCP/TLS socket itself. ws swallows these once the socket is open
   * (it destroys the socket and reports only 1006), so this is the only place ECONNRESET or EPIPE
   * of an established connection can be seen.
   */
  onSocketError(k: number, err: NodeJS.ErrnoException): void {
    if (this.state[k] === OPEN) this.lastError[k] = err.code ?? 'error';
  }

  /**
   * @private — the client ended its side of socket k's TCP connection. Unless wsload is closing it,
   * that is ws answering the server's close frame: nothing can arrive after it, however long the
   * server then takes to close the TCP connection, so the connection stops being subscribed now.
   */
  onSocketFinish(k: number): void {
    if (this.state[k] !== OPEN || this.closingByClient[k] === 1 || this.subscribedAt[k] === 0) return;
    this.tracker.connectionClosed(k, this.subscribedAt[k], nowMs());
    this.subscribedAt[k] = 0;
  }

  /** @private */
  onError(k: number, err: NodeJS.ErrnoException): void {
    if (this.state[k] === CONNECTING) {
      if (this.failure[k] === null) this.failure[k] = classifyConnectError(err);
      return;
    }
    const code = err.code ?? 'error';
    this.lastError[k] = code;
    if (code.startsWith('WS_ERR_')) this.protocolError[k] = 1;
  }

  /** @private */
  onClose(k: number, code: number): void {
    this.sockets[k] = null;
    // A protocol close code (graphql-ws's 44xx) names the close unless the protocol already said why.
    if (this.protoReason[k] === null && this.proto?.closeReason !== undefined) this.protoReason[k] = this.proto.closeReason(code);
    this.proto?.end(k);
    const st = this.state[k];
    if (st === SUBSCRIBING) {
      this.openSeq?.cancel(k);
      if ((this.stopping && this.closingByClient[k] === 1) || this.rampingDown[k] === 1) this.abandonAttempt(k);
      else {
        if (this.failure[k] === null) this.failure[k] = 'subscribe-closed';
        this.onAttemptFailed(k);
      }
      return;
    }
    if (st === CONNECTING) {
      // closeAll() (or a ramp-down) aborted this handshake itself: the target never had its chance to fail it.
      if ((this.stopping && this.closingByClient[k] === 1) || this.rampingDown[k] === 1) this.abandonAttempt(k);
      else this.onAttemptFailed(k);
      return;
    }
    if (st !== OPEN) return;
    const now = nowMs();
    const ci = this.cohortOfSocket[k];
    this.counters.open--;
    socketClosed(this.ring);
    this.openLog?.push(now, -1);
    // Closed by wsload as the stages' target fell: neither a disconnect nor a reason to reconnect.
    const rampedDown = this.rampingDown[k] === 1;
    if (rampedDown) this.counters.rampDownCloses = (this.counters.rampDownCloses ?? 0) + 1;
    if ((!this.stopping || this.closingByClient[k] === 0) && !rampedDown) {
      const cc = this.cohortCounters[ci];
      const ch = this.cohortHistograms[ci];
      cc.closes++;
      const codeKey = String(code);
      cc.byCode[codeKey] = (cc.byCode[codeKey] ?? 0) + 1;
      const cause = classifyClose(code, this.closingByClient[k] === 1 || this.clientGaveUp[k] === 1, this.protocolError[k] === 1);
      cc.byCause[cause] = (cc.byCause[cause] ?? 0) + 1;
      // The protocol's own reason (a server disconnect packet, its heartbeat timing out) names the close first.
      const errCode = this.protoReason[k] ?? (this.clientGaveUp[k] === 1 ? PING_FLOOD : this.lastError[k]);
      if (errCode) cc.byError[errCode] = (cc.byError[errCode] ?? 0) + 1;
      logClose(this.closeLog, now, ci, cause, code, now - this.lastRecv[k], now - this.lastSent[k]);
      recordMs(ch.idleAtClose, now - this.lastRecv[k]);
      recordMs(ch.sentIdleAtClose, now - this.lastSent[k]);
      recordMs(ch.ageAtClose, now - this.openedAt[k]);
      // The connection owed every push sent while it was subscribed; those it never got are lost now
      // (unless it already stopped receiving at a close frame: onSocketFinish judged it then).
      this.tracker.connectionClosed(k, this.subscribedAt[k], now);
    }
    this.openedAt[k] = 0;
    this.subscribedAt[k] = 0;
    if (this.stopping || this.reconnects[k] === 0 || this.wanted[k] === 0 || rampedDown) {
      this.state[k] = DONE;
      this.reopenIfDue(k);
      return;
    }
    this.downSince[k] = now;
    this.scheduleReconnect(k);
  }

  protected onAttemptFailed(k: number): void {
    const reason = this.failure[k] ?? 'other';
    this.counters.failed++;
    this.counters.failures[reason] = (this.counters.failures[reason] ?? 0) + 1;
    this.markFirstSettled(k);
    this.release(k);
    if (this.stopping || this.reconnects[k] === 0 || this.wanted[k] === 0) {
      this.state[k] = DONE;
      this.reopenIfDue(k);
      return;
    }
    if (this.everOpened[k] === 1 && this.downSince[k] === 0) this.downSince[k] = nowMs();
    this.scheduleReconnect(k);
  }

  private abandonAttempt(k: number): void {
    this.markFirstSettled(k);
    this.release(k);
    this.state[k] = DONE;
    this.reopenIfDue(k);
  }

  /**
   * With stages: opens local socket k, due at `dueAtMs` on the shape, as a new connection (not a
   * reconnect); a socket still closing from its ramp-down opens once that close is done.
   */
  rampOpen(k: number, dueAtMs: number): void {
    this.wanted[k] = 1;
    const st = this.state[k];
    if (st === QUEUED) return;
    if (st !== IDLE && st !== DONE) {
      this.reopenDue[k] = dueAtMs;
      return;
    }
    this.queueOpen(k, dueAtMs);
  }

  private queueOpen(k: number, dueAtMs: number): void {
    if (this.stopping) {
      this.markFirstSettled(k);
      return;
    }
    this.dueAt[k] = dueAtMs;
    this.scheduledOpen[k] = 1;
    this.state[k] = QUEUED;
    void this.limit(() => this.connect(k));
  }

  private reopenIfDue(k: number): void {
    const due = this.reopenDue[k];
    if (due === 0) return;
    this.reopenDue[k] = 0;
    if (this.wanted[k] === 1) this.queueOpen(k, due);
  }

  /**
   * With stages: closes local socket k because the target fell below it (1000, by wsload): not a
   * disconnect, never reconnected. A handshake under way is cut, a reconnect waiting is cancelled.
   */
  rampClose(k: number): void {
    this.wanted[k] = 0;
    this.reopenDue[k] = 0;
    if (this.upSince !== undefined) this.upSince[k] = 0;
    const st = this.state[k];
    if (st === WAITING) {
      const t = this.reconnectTimers[k];
      if (t) clearTimeout(t);
      this.reconnectTimers[k] = null;
      if (this.downSince[k] > 0) {
        this.cohortCounters[this.cohortOfSocket[k]].downMs += nowMs() - this.downSince[k];
        this.downSince[k] = 0;
      }
      this.state[k] = DONE;
      return;
    }
    const ws = this.sockets[k];
    if (!ws || (st !== OPEN && st !== CONNECTING && st !== SUBSCRIBING)) return;
    this.closingByClient[k] = 1;
    this.rampingDown[k] = 1;
    if (st === OPEN) ws.close(1000, 'wsload ramp-down');
    else ws.terminate();
  }

  private scheduleReconnect(k: number): void {
    // A reconnect is timed as one, whatever the attempt before it was.
    this.scheduledOpen[k] = 0;
    const policy = this.cohorts[this.cohortOfSocket[k]].reconnect;
    const attempt = this.attempt[k];
    this.attempt[k] = Math.min(attempt + 1, 60);
    let delay = 0;
    if (policy.policy === 'backoff') {
      delay = Math.min(policy.maxMs, policy.minMs * 2 ** attempt);
      delay *= 1 + policy.jitter * (Math.random() * 2 - 1);
    } else if (attempt > 0) {
      // "immediate" still must not spin on a target that refuses at once.
      delay = Math.min(1000, 10 * 2 ** Math.min(attempt, 7));
    }
    this.state[k] = WAITING;
    this.dueAt[k] = nowMs() + Math.max(0, delay);
    this.reconnectTimers[k] = setTimeout(reconnectTimerFired, Math.max(0, delay), this, k);
  }

  /** @private */
  reconnectNow(k: number): void {
    this.reconnectTimers[k] = null;
    if (this.stopping) {
      this.state[k] = DONE;
      return;
    }
    void this.limit(() => this.connect(k));
  }

  protected release(k: number): void {
    const done = this.settle[k];
    this.settle[k] = null;
    if (done) done();
    if (this.onSlotFree && !this.refillScheduled) {
      // After p-limit has counted the slot free (it does so a few promise hops later).
      this.refillScheduled = true;
      setImmediate(refillFired, this);
    }
  }

  /** @private */
  refill(): void {
    this.refillScheduled = false;
    this.onSlotFree?.();
  }

  /**
   * Closes every socket (1000, not counted as a disconnect) and resolves when all are closed or
   * after `graceMs`, when the rest are terminated.
   */
  closeAll(graceMs: number): Promise<void> {
    this.stopping = true;
    const now = nowMs();
    for (let k = 0; k < this.n; k++) {
      const t = this.reconnectTimers[k];
      if (t) {
        clearTimeout(t);
        this.reconnectTimers[k] = null;
      }
      // A reconnect still waiting or mid-handshake: the socket was down until now.
      if ((this.state[k] === WAITING || this.state[k] === CONNECTING || this.state[k] === SUBSCRIBING) && this.downSince[k] > 0) {
        this.cohortCounters[this.cohortOfSocket[k]].downMs += now - this.downSince[k];
        this.downSince[k] = 0;
      }
      if (this.state[k] === WAITING || this.state[k] === IDLE || this.state[k] === QUEUED) this.state[k] = DONE;
      const ws = this.sockets[k];
      if (!ws) continue;
      this.closingByClient[k] = 1;
      if (this.state[k] === CONNECTING || this.state[k] === SUBSCRIBING) ws.terminate();
      else ws.close(1000, 'wsload run ended');
    }
    return new Promise<void>((resolve) => {
      const deadline = nowMs() + graceMs;
      const check = (): void => {
        if (this.counters.open === 0 && this.sockets.every((s) => s === null)) return resolve();
        if (nowMs() >= deadline) {
          for (const ws of this.sockets) ws?.terminate();
          setTimeout(resolve, 20);
          return;
        }
        setTimeout(check, 20);
      };
      check();
    });
  }
}

function refillFired(pool: SocketClosing): void {
  pool.refill();
}

function reconnectTimerFired(pool: SocketClosing, k: number): void {
  pool.reconnectNow(k);
}
