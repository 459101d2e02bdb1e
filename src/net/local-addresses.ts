/** Which source addresses this machine can bind, for checking `localAddresses` before a run. */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** Addresses of this machine's interfaces; null when the system will not list them (the check is then skipped). */
export function interfaceAddresses(): string[] | null {
  try {
    return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((a) => a.address));
  } catch {
    // Some sandboxes refuse the call (uv_interface_addresses); refusing every address would be worse.
    return null;
  }
}

function withoutZone(address: string): string {
  return address.replace(/%.*$/, '').toLowerCase();
}

/**
 * True when a socket can bind `address` as its source: an address of one of `interfaces`, the
 * wildcard, or any 127.x.y.z (Linux routes all of 127.0.0.0/8 to loopback, though the interface
 * lists only 127.0.0.1; `loopbackRange` false elsewhere, where only listed aliases bind).
 */
export function isLocalAddress(address: string, interfaces: readonly string[], loopbackRange = process.platform === 'linux'): boolean {
  const a = withoutZone(address);
  if (isIP(a) === 4 && a.startsWith('127.') && (loopbackRange || a === '127.0.0.1')) return true;
  if (a === '::1' || a === '0.0.0.0' || a === '::') return true;
  return interfaces.some((i) => withoutZone(i) === a);
}
