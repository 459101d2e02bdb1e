/** Maps socket errors and closes to the stable categories the report counts by. */
import type { CloseCause, ConnectFailureReason } from '../run/report.js';

const CERT_UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
]);
const CERT_EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/**
 * What ws says when a 101 answer itself is wrong (it attaches no code): a bad accept key, a missing
 * Upgrade header, a subprotocol or extension that was not offered.
 */
const BAD_UPGRADE =
  /^(Invalid (Upgrade|Sec-WebSocket-Accept|Sec-WebSocket-Extensions) header|Missing Sec-WebSocket-Accept|Server sent (a subprotocol|an invalid subprotocol|no subprotocol|a Sec-WebSocket-Extensions)|Server indicated an extension)/;

/** An error as Node reports it: a message and, usually, an errno-style code. */
export interface ErrorLike {
  code?: string;
  message?: string;
}

/** Why a handshake failed, from the error ws emitted (HTTP statuses are classified by the caller). */
export function classifyConnectError(err: ErrorLike): ConnectFailureReason {
  const code = err.code ?? '';
  const message = err.message ?? '';
  // ws reports a non-101 answer to the upgrade this way when nobody listens for 'unexpected-response'.
  const status = /^Unexpected server response: (\d+)/.exec(message);
  if (status) return `http-${Number(status[1])}`;
  if (BAD_UPGRADE.test(message)) return 'bad-upgrade';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ETIMEDOUT' || /handshake has timed out/i.test(message)) return 'timeout';
  if (code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/i.test(message)) return 'reset';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (code === 'EADDRINUSE') return 'address-in-use';
  // A localAddresses entry this machine does not have: not a port shortage.
  if (code === 'EADDRNOTAVAIL') return 'address-not-available';
  if (code === 'EMFILE' || code === 'ENFILE') return 'too-many-open-files';
  if (CERT_UNTRUSTED.has(code)) return 'cert-untrusted';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return 'cert-hostname-mismatch';
  if (CERT_EXPIRED.has(code)) return 'cert-expired';
  // TLS 1.3 servers (HAProxy `verify required`) abort with alert 116 when no client certificate came.
  if (code === 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED') return 'client-cert-required';
  if (code === 'EPROTO' || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_')) return 'tls-protocol';
  return 'other';
}

/** Plain words for a failure reason, for summaries and error lines. */
export function describeFailure(reason: string): string {
  switch (reason) {
    case 'refused':
      return 'connection refused (nothing listening)';
    case 'timeout':
      return 'handshake timed out';
    case 'reset':
      return 'connection reset during the handshake';
    case 'dns':
      return 'host name not found';
    case 'address-in-use':
      return 'no free local port/address (ephemeral ports exhausted?)';
    case 'bad-upgrade':
      return 'invalid 101 answer to the upgrade (wrong Sec-WebSocket-Accept, Upgrade, subprotocol or extension header)';
    case 'address-not-available':
      return 'source address not on this machine (check localAddresses)';
    case 'too-many-open-files':
      return 'too many open files (ulimit -n)';
    case 'cert-untrusted':
      return 'certificate untrusted';
    case 'cert-hostname-mismatch':
      return 'host name mismatch';
    case 'cert-expired':
      return 'certificate expired or not yet valid';
    case 'client-cert-required':
      return 'client certificate required (set tls.cert and tls.key)';
    case 'tls-protocol':
      return 'TLS protocol error';
    case 'subscribe-timeout':
      return "no subscribe acknowledgement in time (target.open, or the protocol's handshake)";
    case 'subscribe-rejected':
      return "subscription rejected by the server (target.open reject, or the protocol's refusal)";
    case 'subscribe-closed':
      return "server closed the socket before the subscribe acknowledgement (target.open, or the protocol's handshake)";
    case 'protocol-mismatch':
      return 'the server speaks another protocol or version than the scenario\'s "protocol"';
    default:
      return reason.startsWith('http-') ? `HTTP ${reason.slice(5)} on upgrade` : 'other error';
  }
}

/**
 * Who ended a socket. ws reports 1006 when the TCP connection ended without a close frame
 * (RFC 6455 §7.4.1): that is what a gateway's idle timeout or a reset looks like from the client.
 * It also reports 1006 when it terminated the socket itself (its ping-flood protection), so
 * `closedByClient` must be true then too: the client, not the gateway, ended that socket.
 */
export function classifyClose(code: number, closedByClient: boolean, protocolError: boolean): CloseCause {
  if (closedByClient) return 'client-close';
  if (protocolError) return 'protocol-error';
  if (code === 1006) return 'connection-lost';
  return 'server-close';
}
