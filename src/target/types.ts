/**
 * Shapes shared by the built-in target, its launcher and the misbehaving test servers built on
 * the same core (test/helpers/servers.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { DropRequest, PublishRequest } from './protocol.js';

/** A target listening in this process. */
export interface RunningTarget {
  host: string;
  port: number;
  /** ws://host:port/ws */
  wsUrl: string;
  /** http://host:port */
  httpUrl: string;
  /** WebSockets currently open (dropped ones no longer count). */
  clients(): number;
  /** Terminates every socket and resolves once the server is closed. */
  close(): Promise<void>;
  /** This process's own sockets, whatever a relay does: what a cluster worker acts on. */
  local: LocalTarget;
}

/** The sockets of one target process. */
export interface LocalTarget {
  /** Pushes to this process's open sockets; returns how many were handed the push. */
  push(req: PublishRequest): number;
  /** Ends up to `count` of this process's oldest open sockets; returns how many it ended. */
  drop(mode: DropRequest['mode'], count: number): number;
  /** This process's counts. */
  stats(): ProcessStats;
}

/** Counts of one target process, as `/admin/stats` lists them. */
export interface ProcessStats {
  pid: number;
  /** WebSockets open now. */
  open: number;
  /** WebSockets accepted since start (dropped and closed ones included). */
  accepted: number;
  /** Pushes handed to a socket since start, summed over publishes. */
  delivered: number;
}

/** The answer of `/admin/stats`: the whole target, then each process (index 0 first). */
export interface TargetStats {
  processes: number;
  open: number;
  accepted: number;
  /** Accepted /api publishes. */
  publishes: number;
  perProcess: Array<ProcessStats & { index: number }>;
}

/**
 * What a target process hands to its primary when it is one of several sharing a port: each
 * publish, drop and stats request must reach every process, not only the one that got the HTTP
 * request.
 */
export interface TargetRelay {
  /** Pushes to every process's sockets; resolves with the total handed the push, once all have. */
  publish(req: PublishRequest): Promise<number>;
  /** Ends sockets over all processes; resolves with the total ended. */
  drop(req: DropRequest): Promise<number>;
  /** Counts of every process. */
  stats(): Promise<TargetStats>;
}

/** Outcome of handing one broadcast to the open sockets. */
export interface DeliverResult {
  /** Sockets the payload was handed to. */
  delivered: number;
  /** Open sockets left out by the skip predicate. */
  skipped: number;
}

/** One accepted /api call, as seen by a publish hook. */
export interface PublishContext {
  id: string;
  value: string;
  /** 1-based count of accepted /api calls on this server. */
  seq: number;
  /** Sends the push to every open socket except those `skip` selects (by accept index). */
  deliver(skip?: (socketIndex: number) => boolean): DeliverResult;
}

/** The HTTP answer to a publish. */
export interface PublishReply {
  status: number;
  body: string;
}

/**
 * Seams for test servers that misbehave on purpose. The built-in target uses none of them;
 * they exist so tests reuse the real protocol code instead of a copy of it.
 */
export interface TargetHooks {
  /** Sees each upgrade request first; returns true when it took over the socket. */
  upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
  /** Called once per accepted WebSocket with its 0-based accept index (never reused). */
  connection?: (ws: WebSocket, index: number) => void;
  /** Replaces the default publish (deliver to all, answer 200). */
  publish?: (ctx: PublishContext) => PublishReply | Promise<PublishReply>;
}
