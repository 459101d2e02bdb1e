import { describe, expect, it } from 'vitest';
import { classifyClose, classifyConnectError } from '../../src/metrics/classify.js';

describe('classifyConnectError', () => {
  it.each([
    [{ code: 'ECONNREFUSED' }, 'refused'],
    [{ message: 'Opening handshake has timed out' }, 'timeout'],
    [{ code: 'ECONNRESET' }, 'reset'],
    [{ message: 'Unexpected server response: 503' }, 'http-503'],
    [{ message: 'Unexpected server response: 404' }, 'http-404'],
    [{ code: 'EADDRNOTAVAIL' }, 'address-not-available'],
    [{ code: 'EADDRINUSE' }, 'address-in-use'],
    [{ code: 'EMFILE' }, 'too-many-open-files'],
    [{ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }, 'cert-untrusted'],
    [{ code: 'ERR_TLS_CERT_ALTNAME_INVALID' }, 'cert-hostname-mismatch'],
    [{ code: 'CERT_HAS_EXPIRED' }, 'cert-expired'],
    [{ message: 'Invalid Sec-WebSocket-Accept header' }, 'bad-upgrade'],
    [{ message: 'Invalid Upgrade header' }, 'bad-upgrade'],
    [{ message: 'Server sent no subprotocol' }, 'bad-upgrade'],
    [{ message: 'Server sent an invalid subprotocol' }, 'bad-upgrade'],
    [{ code: 'EWHATEVER' }, 'other'],
  ])('%o → %s', (err, reason) => {
    expect(classifyConnectError(err)).toBe(reason);
  });
});

describe('classifyClose', () => {
  it('tells who ended a socket', () => {
    expect(classifyClose(1006, false, false)).toBe('connection-lost');
    expect(classifyClose(1001, false, false)).toBe('server-close');
    expect(classifyClose(1000, true, false)).toBe('client-close');
    expect(classifyClose(1002, false, true)).toBe('protocol-error');
  });
});
