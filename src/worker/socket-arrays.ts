/**
 * The socket pool's per-socket state: typed arrays (and a few plain arrays of objects) indexed by
 * the worker-local socket number, allocated once at start, so holding 10,000 sockets costs the ws
 * objects and a few bytes each, not closures. The base of PoolState (pool-state.ts), which adds
 * the config read once, the trackers and the counters: every array stays a field of the one pool
 * object, one load on the receive path as before the split.
 */
import type WebSocket from 'ws';

/** Per-socket arrays of a pool of `n` sockets. */
export abstract class SocketArrays {
  readonly n: number;
  readonly openedAt: Float64Array;
  /** When the socket became subscribed (eligible for publishes); 0 while not. */
  readonly subscribedAt: Float64Array;
  readonly everOpened: Uint8Array;
  readonly reconnects: Uint8Array;
  /** 0 while the stages' target is below the socket (ramped down): not reconnected. Always 1 without stages. */
  readonly wanted: Uint8Array;
  /** With stages: first subscribed since the shape last opened the socket, 0 while ramped down (see SocketView); undefined without stages. */
  readonly upSince: Float64Array | undefined;
  /** With stages: the current attempt is a due open of the shape (its handshake counts as a first connect's). */
  protected readonly scheduledOpen: Uint8Array;
  /** With stages: when a re-open became due while the socket's ramp-down close was still under way; 0: none. */
  protected readonly reopenDue: Float64Array;
  /** 1 while wsload closes the socket's current connection for a ramp-down (the target may rise again before it is closed). */
  protected readonly rampingDown: Uint8Array;
  /** 1 when the socket's cohort sends pings (and so listens for pongs). */
  protected readonly pings: Uint8Array;
  protected readonly state: Uint8Array;
  protected readonly lastRecv: Float64Array;
  protected readonly lastSent: Float64Array;
  protected readonly connectStart: Float64Array;
  /** When the current attempt became due: its ramp slot, or its reconnect time after the backoff. */
  protected readonly dueAt: Float64Array;
  protected readonly lookupAt: Float64Array;
  protected readonly tcpAt: Float64Array;
  protected readonly tlsAt: Float64Array;
  protected readonly downSince: Float64Array;
  protected readonly nextKeepalive: Float64Array;
  protected readonly attempt: Uint16Array;
  protected readonly closingByClient: Uint8Array;
  protected readonly protocolError: Uint8Array;
  protected readonly failure: (string | null)[];
  protected readonly lastError: (string | null)[];
  protected readonly sockets: (WebSocket | null)[];
  protected readonly settle: ((() => void) | null)[];
  protected readonly reconnectTimers: (NodeJS.Timeout | null)[];
  /** Why the protocol says socket k's connection ended (kept with its close), or null. */
  protected readonly protoReason: (string | null)[];
  /** When the upgrade of the current attempt completed (while SUBSCRIBING). */
  protected readonly upgradedAt: Float64Array;
  /** 1 once socket k's first connection attempt has succeeded or failed. */
  protected readonly firstDone: Uint8Array;
  /** 1 when ws itself ended the socket (its ping-flood protection): a client-side close. */
  protected readonly clientGaveUp: Uint8Array;

  /** `stages`: the slice has a stages shape (only then is `upSince` kept). */
  constructor(n: number, stages: boolean) {
    this.n = n;
    this.firstDone = new Uint8Array(n);
    this.openedAt = new Float64Array(n);
    this.subscribedAt = new Float64Array(n);
    this.everOpened = new Uint8Array(n);
    this.reconnects = new Uint8Array(n);
    this.wanted = new Uint8Array(n).fill(1);
    this.upSince = stages ? new Float64Array(n) : undefined;
    this.scheduledOpen = new Uint8Array(n);
    this.reopenDue = new Float64Array(n);
    this.rampingDown = new Uint8Array(n);
    this.pings = new Uint8Array(n);
    this.state = new Uint8Array(n);
    this.lastRecv = new Float64Array(n);
    this.lastSent = new Float64Array(n);
    this.connectStart = new Float64Array(n);
    this.dueAt = new Float64Array(n);
    this.lookupAt = new Float64Array(n);
    this.tcpAt = new Float64Array(n);
    this.tlsAt = new Float64Array(n);
    this.downSince = new Float64Array(n);
    this.nextKeepalive = new Float64Array(n);
    this.attempt = new Uint16Array(n);
    this.closingByClient = new Uint8Array(n);
    this.protocolError = new Uint8Array(n);
    this.clientGaveUp = new Uint8Array(n);
    this.failure = new Array<string | null>(n).fill(null);
    this.lastError = new Array<string | null>(n).fill(null);
    this.sockets = new Array<WebSocket | null>(n).fill(null);
    this.settle = new Array<(() => void) | null>(n).fill(null);
    this.reconnectTimers = new Array<NodeJS.Timeout | null>(n).fill(null);
    this.upgradedAt = new Float64Array(n);
    this.protoReason = new Array<string | null>(n).fill(null);
  }
}
