/** "HOST:PORT" addresses wsload listens on (the metrics endpoint), parsed once for the schema and the driver. */
import { isIP } from 'node:net';

/** A parsed listen address; `host` without IPv6 brackets. */
export interface ListenAddress {
  host: string;
  port: number;
}

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/**
 * "127.0.0.1:9464", "localhost:9464", "[::1]:9464" or "0.0.0.0:9464" → host and port (0 = any free
 * port); null when it is not one. The host is required: listening on every interface is a choice
 * a user should write out ("0.0.0.0:9464"), not a default.
 */
export function parseListenAddress(text: string): ListenAddress | null {
  const m = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(text.trim());
  if (!m) return null;
  const port = Number(m[2]);
  if (port > 65_535) return null;
  const bracketed = m[1].startsWith('[');
  const host = bracketed ? m[1].slice(1, -1) : m[1];
  if (bracketed ? isIP(host) !== 6 : isIP(host) !== 4 && !HOST_NAME.test(host)) return null;
  return { host, port };
}

/** The address as a URL host ("[::1]:9464"). */
export function formatListenAddress(a: ListenAddress): string {
  return `${isIP(a.host) === 6 ? `[${a.host}]` : a.host}:${a.port}`;
}

/** Why binding failed, in words, by errno (the metrics endpoint and the dashboard say it alike). */
const LISTEN_FAILURES: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the port is already in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'not an address of this machine',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name does not resolve',
};

/** The words for a failed listen: known errnos in plain words, anything else as Node says it. */
export function listenFailureWords(err: NodeJS.ErrnoException): string {
  return LISTEN_FAILURES[err.code ?? ''] ?? err.message;
}
