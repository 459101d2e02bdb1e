/**
 * permessage-deflate (RFC 7692) as a scenario offers it: the parameters resolved once, the ws
 * client options built from them, and the offer as it goes in Sec-WebSocket-Extensions (which the
 * report keeps next to what servers answered).
 */
import type { PerMessageDeflateOptions } from 'ws';

/** The scenario's permessage-deflate offer with every default applied; absent from a Scenario: not offered (as before). */
export interface DeflateOffer {
  /** Ask the server not to keep its compression context between messages (server_no_context_takeover). */
  serverNoContextTakeover: boolean;
  /** Tell the server that wsload keeps no compression context between its messages (client_no_context_takeover). */
  clientNoContextTakeover: boolean;
  /** server_max_window_bits asked for (8–15), or null: not asked (the server's choice, 15). */
  serverMaxWindowBits: number | null;
  /** client_max_window_bits offered with this value (8–15), or null: offered without a value (any). */
  clientMaxWindowBits: number | null;
  /** Messages wsload sends smaller than this many bytes go uncompressed. */
  threshold: number;
  /** zlib compression level (0–9) of wsload's own messages, or null: zlib's default. */
  level: number | null;
  /** zlib memLevel (1–9) of wsload's compressor, or null: zlib's default (8). */
  memLevel: number | null;
  /** zlib operations in flight at once per worker thread (ws's default 10). */
  concurrencyLimit: number;
}

/** ws's defaults, so `"perMessageDeflate": true` means what a ws client offers. */
export const DEFAULT_DEFLATE_OFFER: DeflateOffer = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: null,
  clientMaxWindowBits: null,
  threshold: 1024,
  level: null,
  memLevel: null,
  concurrencyLimit: 10,
};

/** The ws client's `perMessageDeflate` option for an offer (false: none offered, as before). */
export function wsDeflateOptions(offer: DeflateOffer | undefined): PerMessageDeflateOptions | false {
  if (offer === undefined) return false;
  const zlib: { level?: number; memLevel?: number } = {};
  if (offer.level !== null) zlib.level = offer.level;
  if (offer.memLevel !== null) zlib.memLevel = offer.memLevel;
  return {
    serverNoContextTakeover: offer.serverNoContextTakeover,
    clientNoContextTakeover: offer.clientNoContextTakeover,
    ...(offer.serverMaxWindowBits !== null ? { serverMaxWindowBits: offer.serverMaxWindowBits } : {}),
    ...(offer.clientMaxWindowBits !== null ? { clientMaxWindowBits: offer.clientMaxWindowBits } : {}),
    threshold: offer.threshold,
    concurrencyLimit: offer.concurrencyLimit,
    ...(Object.keys(zlib).length > 0 ? { zlibDeflateOptions: zlib } : {}),
  };
}

/** The offer as ws writes it in Sec-WebSocket-Extensions (same parameters, same order). */
export function deflateOfferHeader(offer: DeflateOffer): string {
  const params = ['permessage-deflate'];
  if (offer.serverNoContextTakeover) params.push('server_no_context_takeover');
  if (offer.clientNoContextTakeover) params.push('client_no_context_takeover');
  if (offer.serverMaxWindowBits !== null) params.push(`server_max_window_bits=${offer.serverMaxWindowBits}`);
  params.push(offer.clientMaxWindowBits !== null ? `client_max_window_bits=${offer.clientMaxWindowBits}` : 'client_max_window_bits');
  return params.join('; ');
}

/** The key counting upgrades whose server accepted no extension (the offer refused). */
export const NO_EXTENSION = '';
