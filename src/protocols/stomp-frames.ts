/**
 * STOMP 1.2 frame writing, apart from the client so the publisher side (a SEND) can use it too.
 * A frame is `COMMAND\nheader:value\n…\n\nbody\0`; header values are escaped as STOMP 1.2 says
 * (backslash, CR, LF and colon), except in CONNECT/CONNECTED, which the spec keeps unescaped.
 */

/** A heart-beat: one end-of-line, sent as its own WebSocket message. */
export const STOMP_HEARTBEAT = '\n';

/** A header value escaped for every frame but CONNECT/CONNECTED (STOMP 1.2 "Value Encoding"). */
export function escapeStompHeader(value: string): string {
  return /[\\\r\n:]/.test(value)
    ? value.replace(/[\\\r\n:]/g, (c) => (c === '\\' ? '\\\\' : c === '\r' ? '\\r' : c === '\n' ? '\\n' : '\\c'))
    : value;
}

/**
 * One STOMP frame as text. `headers` are written in order; a body gets a content-length (bytes of
 * its UTF-8) so a body holding NUL still frames right. CONNECT headers go unescaped (the spec's rule).
 */
export function stompFrame(command: string, headers: readonly (readonly [string, string])[], body = ''): string {
  const raw = command === 'CONNECT' || command === 'STOMP';
  let out = command + '\n';
  for (const [name, value] of headers) out += `${raw ? name : escapeStompHeader(name)}:${raw ? value : escapeStompHeader(value)}\n`;
  if (body.length > 0) out += `content-length:${Buffer.byteLength(body, 'utf8')}\n`;
  return `${out}\n${body}\u0000`;
}

/** A SEND of `body` to `destination` (what a publisher writes), with extra headers after the destination. */
export function stompSend(destination: string, body: string, headers: readonly (readonly [string, string])[] = []): string {
  return stompFrame('SEND', [['destination', destination], ...headers], body);
}
