/**
 * A loopback target (the real target core, src/target/listen-target.ts) that drops sockets the
 * ways gateways do on a bad night, one fault per mode: close every socket right after the
 * upgrade, close all sockets at once with a close frame (1011, 4000), destroy all their TCP
 * connections at once (no close frame), flood pings, or die and come back on the same port.
 */
import type { WebSocket } from 'ws';
import { listenTarget } from '../../src/target/listen-target.js';
import type { RunningTarget } from '../../src/target/types.js';

/** How the target misbehaves on its own, from the moment a socket opens. */
export type HostileMode =
  /** Sends a close frame with this code as soon as the upgrade is done. */
  | { kind: 'close-on-open'; code: number }
  /** Sends `burst` pings to each socket every `everyMs`, from the moment it opens. */
  | { kind: 'ping-flood'; burst: number; everyMs: number }
  /** Behaves; the test triggers faults with closeAll / destroyAll / restart. */
  | { kind: 'on-demand' };

export interface HostileDropTarget {
  wsUrl: string;
  httpUrl: string;
  port: number;
  /** WebSockets open now. */
  clients(): number;
  /** WebSockets accepted since start, restarts included. */
  accepted(): number;
  /** Sends a close frame with `code` to every open socket at once; returns how many. */
  closeAll(code: number): number;
  /** Ends every socket's TCP connection at once, no close frame; returns how many. */
  destroyAll(): number;
  /** Stops listening and ends every socket (no close frame, as a killed process), then listens again on the same port after `downMs`. */
  restart(downMs: number): Promise<number>;
  close(): Promise<void>;
}

/** Starts a hostile target on a free loopback port. */
export async function startHostileDropTarget(mode: HostileMode): Promise<HostileDropTarget> {
  const open = new Set<WebSocket>();
  const timers = new Set<NodeJS.Timeout>();
  let accepted = 0;
  const connection = (ws: WebSocket): void => {
    accepted++;
    open.add(ws);
    ws.once('close', () => open.delete(ws));
    if (mode.kind === 'close-on-open') ws.close(mode.code, 'closed on open by the hostile target');
    if (mode.kind === 'ping-flood') {
      const timer = setInterval(() => {
        if (ws.readyState !== ws.OPEN) return;
        for (let i = 0; i < mode.burst; i++) ws.ping();
      }, mode.everyMs);
      timers.add(timer);
      ws.once('close', () => {
        clearInterval(timer);
        timers.delete(timer);
      });
    }
  };
  const listen = (port: number): Promise<RunningTarget> => listenTarget({ host: '127.0.0.1', port, hooks: { connection } });
  let target: RunningTarget | null = await listen(0);
  const port = target.port;
  const endAll = (end: (ws: WebSocket) => void): number => {
    const all = [...open];
    for (const ws of all) end(ws);
    return all.length;
  };
  return {
    wsUrl: target.wsUrl,
    httpUrl: target.httpUrl,
    port,
    clients: () => open.size,
    accepted: () => accepted,
    closeAll: (code) => endAll((ws) => ws.close(code, 'mass close by the hostile target')),
    destroyAll: () => endAll((ws) => ws.terminate()),
    restart: async (downMs) => {
      const n = open.size;
      const t = target;
      target = null;
      // The core terminates every socket on close: TCP ends with no close frame, as when the process dies.
      await t?.close();
      await new Promise((r) => setTimeout(r, downMs));
      target = await listen(port);
      return n;
    },
    close: async () => {
      for (const t of timers) clearInterval(t);
      timers.clear();
      await target?.close();
      target = null;
    },
  };
}
