/**
 * The demo app's wire protocol, kept free of I/O: what /api and /admin/drop accept and what a
 * push looks like on the socket.
 */

/** A parsed request, or the short text a 400 answer carries. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** What /api?id=…&value=… asks to push. */
export interface PublishRequest {
  id: string;
  value: string;
}

/** How /admin/drop ends sockets. */
export type DropMode = 'close' | 'destroy' | 'reset';

/** What /admin/drop asks for: an exact count, or a share of the open sockets. */
export interface DropRequest {
  mode: DropMode;
  count: number | null;
  share: number | null;
}

/** Reads id and value as opaque, URL-decoded strings; either missing is an error. */
export function parsePublishQuery(query: URLSearchParams): Parsed<PublishRequest> {
  const id = query.get('id');
  const value = query.get('value');
  if (id === null && value === null) return { ok: false, message: 'missing id and value (try /api?id=8&value=300)' };
  if (id === null) return { ok: false, message: 'missing id (try /api?id=8&value=300)' };
  if (value === null) return { ok: false, message: 'missing value (try /api?id=8&value=300)' };
  return { ok: true, value: { id, value } };
}

/**
 * The push as the demo sends it: compact JSON text {"id":"…","value":"…"}, both strings.
 * Encoded once per broadcast so every socket is handed the same bytes.
 */
export function encodePush(req: PublishRequest): Buffer {
  return Buffer.from(JSON.stringify({ id: req.id, value: req.value }), 'utf8');
}

/**
 * One unmasked, final WebSocket text frame (RFC 6455 §5.2) holding `payload`. A server's frames
 * are never masked, so the same bytes are valid on every socket and are built once per broadcast.
 */
export function textFrame(payload: Buffer): Buffer {
  const len = payload.length;
  const headerLen = len < 126 ? 2 : len < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLen + len);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (len < 126) {
    frame[1] = len;
  } else if (len < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(len, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(len), 2);
  }
  payload.copy(frame, headerLen);
  return frame;
}

/** Reads mode (close|destroy|reset) and exactly one of count (integer ≥ 0) or share (0..1). */
export function parseDropQuery(query: URLSearchParams): Parsed<DropRequest> {
  const mode = query.get('mode') ?? 'close';
  if (mode !== 'close' && mode !== 'destroy' && mode !== 'reset') {
    return { ok: false, message: `mode must be close, destroy or reset, got "${mode}"` };
  }
  const countText = query.get('count');
  const shareText = query.get('share');
  if ((countText === null) === (shareText === null)) {
    return { ok: false, message: 'give exactly one of count=N or share=0..1' };
  }
  if (countText !== null) {
    const count = Number(countText);
    if (countText.trim() === '' || !Number.isSafeInteger(count) || count < 0) {
      return { ok: false, message: `count must be an integer >= 0, got "${countText}"` };
    }
    return { ok: true, value: { mode, count, share: null } };
  }
  const share = Number(shareText);
  if (shareText === null || shareText.trim() === '' || !Number.isFinite(share) || share < 0 || share > 1) {
    return { ok: false, message: `share must be a number from 0 to 1, got "${shareText ?? ''}"` };
  }
  return { ok: true, value: { mode, count: null, share } };
}
