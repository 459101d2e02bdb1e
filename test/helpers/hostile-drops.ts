/**
 * Loopback targets (the real target core, src/target/listen-target.ts) that drop sockets the
 * ways gateways do on a bad night, one fault per mode: close every socket right after the
 * upgrade, close all sockets at once with a close frame (1011, 4000), destroy all their TCP
 * connections at once (no close frame), flood pings, or — as a separate process — get killed
 * and come back on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { WebSocket } from 'ws';
import { WSLOAD_BIN } from './cli.js';
import { listenTarget } from '../../src/target/listen-target.js';

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
  const target = await listenTarget({ host: '127.0.0.1', port: 0, hooks: { connection } });
  const endAll = (end: (ws: WebSocket) => void): number => {
    const all = [...open];
    for (const ws of all) end(ws);
    return all.length;
  };
  return {
    wsUrl: target.wsUrl,
    httpUrl: target.httpUrl,
    port: target.port,
    clients: () => open.size,
    accepted: () => accepted,
    closeAll: (code) => endAll((ws) => ws.close(code, 'mass close by the hostile target')),
    destroyAll: () => endAll((ws) => ws.terminate()),
    close: async () => {
      for (const t of timers) clearInterval(t);
      timers.clear();
      await target.close();
    },
  };
}

/** The built-in target as its own process (`wsload serve`), to be killed and started again. */
export interface KillableTarget {
  wsUrl: string;
  httpUrl: string;
  port: number;
  /**
   * SIGKILLs the process (the kernel ends its sockets, no close frame), waits `downMs`, starts it
   * again on the same port; resolves with how long nothing listened (ms), process start included.
   */
  killAndRestart(downMs: number): Promise<number>;
  close(): Promise<void>;
}

function startServe(port: number): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WSLOAD_BIN, 'serve', '--host', '127.0.0.1', '--port', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`wsload serve did not start: ${out}`));
    }, 10_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`wsload serve exited with ${code}: ${out}`));
    });
  });
}

function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** Starts `wsload serve` on a free loopback port in a child process. */
export async function startKillableTarget(): Promise<KillableTarget> {
  const first = await startServe(0);
  const port = first.port;
  let child = first.child;
  return {
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    httpUrl: `http://127.0.0.1:${port}`,
    port,
    killAndRestart: async (downMs) => {
      await killed(child);
      const downAt = Date.now();
      await new Promise((r) => setTimeout(r, downMs));
      ({ child } = await startServe(port));
      return Date.now() - downAt;
    },
    close: () => killed(child),
  };
}
