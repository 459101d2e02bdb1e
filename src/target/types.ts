/**
 * Shapes shared by the built-in target, its launcher and the misbehaving test servers built on
 * the same core (test/helpers/servers.ts).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

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
