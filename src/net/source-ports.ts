/**
 * Source ports chosen by wsload when a socket binds a source address (`localAddresses`).
 *
 * Why: bind(address, port 0) makes the kernel search for a free port at bind time over every port
 * in use on that address (inet_csk_get_port), a search that grows as ports fill: a 100,000-socket
 * ramp slowed to ~700 connects/s. Binding an explicit port is one hash lookup. Node's bind sets
 * SO_REUSEADDR (libuv), so a port held by another connection or in TIME_WAIT still binds; only
 * connect() fails (EADDRNOTAVAIL) when the whole 4-tuple is taken, and a listener's port fails at
 * bind (EADDRINUSE). Either way the socket dials again with the kernel's choice (see SocketOpening).
 *
 * Which address and port: a shard that got its own share of the addresses holds every
 * `shardStride`-th global index (sockets go to workers round-robin and workers to shards
 * round-robin), so its socket g is the shard's q-th with q = floor(g / shardStride) (q = g
 * unsplit). Address q mod A, port rank floor(q / A): distinct per address across every worker and
 * shard, dense, with no coordination.
 */
import { readPortBounds } from '../machine-limits.js';

export interface PortBounds {
  first: number;
  last: number;
}

/** Where socket `index` binds: its address's position in the list and its source port (0: the kernel's choice). */
export interface SourceChoice {
  address: number;
  port: number;
}

/** Socket `index`'s source address position among `addresses` and its port (0 without a range). */
export function sourceOf(index: number, addresses: number, shardStride: number, bounds: PortBounds | null): SourceChoice {
  const q = Math.floor(index / shardStride);
  const address = q % addresses;
  if (bounds === null) return { address, port: 0 };
  const size = bounds.last - bounds.first + 1;
  return { address, port: bounds.first + (Math.floor(q / addresses) % size) };
}

let cached: PortBounds | null | undefined;

/** This machine's ephemeral range, read once per thread; null (the kernel chooses) off Linux. */
export function ephemeralBounds(): PortBounds | null {
  if (cached === undefined) cached = readPortBounds();
  return cached;
}
