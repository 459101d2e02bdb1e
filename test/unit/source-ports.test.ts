/**
 * The source port each socket binds with `localAddresses` (src/net/source-ports.ts): no two
 * sockets of a run get the same (address, port), in one process or over local shards that split
 * the addresses between them, so a port is taken only by something outside the run.
 */
import { describe, expect, it } from 'vitest';
import { groupSlices } from '../../dist/driver/phases/spawn-agents.js';
import { sourceOf } from '../../dist/net/source-ports.js';
import type { WorkerSlice } from '../../dist/run/protocol.js';

const BOUNDS = { first: 32768, last: 60999 };
const SIZE = BOUNDS.last - BOUNDS.first + 1;

/** Socket i's "address:port" at [i], as the workers of `groups` dial them; sockets i go to worker i mod W. */
function sources(sockets: number, workers: number, groups: WorkerSlice[][]): string[] {
  const out: string[] = new Array<string>(sockets);
  for (const group of groups) {
    for (const slice of group) {
      const { localAddresses: locals, shardStride } = slice.connect;
      for (let i = slice.workerId; i < sockets; i += workers) {
        const s = sourceOf(i, locals.length, shardStride ?? 1, BOUNDS);
        out[i] = `${locals[s.address]}:${s.port}`;
      }
    }
  }
  return out;
}

function slices(workers: number, addresses: string[]): WorkerSlice[] {
  return Array.from({ length: workers }, (_, w) => ({ workerId: w, connect: { localAddresses: addresses } }) as unknown as WorkerSlice);
}

const addrs = (n: number): string[] => Array.from({ length: n }, (_, i) => `127.0.0.${i + 2}`);

describe('source ports', () => {
  it('walk the ephemeral range per address, in index order', () => {
    expect([0, 1, 2, 3, 4, 5].map((i) => sourceOf(i, 2, 1, BOUNDS))).toEqual(
      [32768, 32768, 32769, 32769, 32770, 32770].map((port, i) => ({ address: i % 2, port })),
    );
    // Past the range it wraps (validation refuses more sockets per address than the range holds).
    expect(sourceOf(2 * 28232, 2, 1, BOUNDS)).toEqual({ address: 0, port: 32768 });
    expect(sourceOf(7, 2, 1, null)).toEqual({ address: 1, port: 0 });
  });

  it.each([
    { sockets: 100_000, workers: 6, shards: 6, addresses: 6 },
    { sockets: 100_000, workers: 6, shards: 6, addresses: 12 },
    { sockets: 60_000, workers: 4, shards: 2, addresses: 4 },
    { sockets: 40_000, workers: 4, shards: 2, addresses: 3 },
    { sockets: 50_000, workers: 6, shards: 3, addresses: 2 },
    { sockets: 40_000, workers: 2, shards: 1, addresses: 2 },
    // Uneven: more addresses than shards but not a multiple of them.
    { sockets: 60_000, workers: 4, shards: 2, addresses: 3 },
    { sockets: 80_000, workers: 6, shards: 3, addresses: 4 },
    { sockets: 100_000, workers: 8, shards: 4, addresses: 5 },
  ])(
    '$sockets sockets, $shards shards, $addresses addresses: every (address, port) distinct',
    ({ sockets, workers, shards, addresses }) => {
      const groups = groupSlices(slices(workers, addrs(addresses)), shards, true);
      const all = sources(sockets, workers, groups);
      expect(all.filter((s) => s !== undefined)).toHaveLength(sockets);
      expect(new Set(all).size).toBe(sockets);
    },
  );

  it.each([
    { sockets: 60_000, workers: 4, shards: 2, addresses: 3 },
    { sockets: 112_928, workers: 6, shards: 3, addresses: 4 },
    { sockets: 84_696, workers: 6, shards: 3, addresses: 3 },
    { sockets: 141_160, workers: 8, shards: 4, addresses: 5 },
  ])(
    '$sockets sockets, $shards shards, $addresses addresses: no address needs more ports than the range holds',
    ({ sockets, workers, shards, addresses }) => {
      // Validation passes the run on its total (sockets ≤ addresses × range); no split may then give one address more.
      expect(sockets).toBeLessThanOrEqual(addresses * SIZE);
      const groups = groupSlices(slices(workers, addrs(addresses)), shards, true);
      const perAddress = new Map<string, number>();
      for (const s of sources(sockets, workers, groups)) {
        const address = s.split(':')[0];
        perAddress.set(address, (perAddress.get(address) ?? 0) + 1);
      }
      expect(perAddress.size).toBe(addresses);
      expect(Math.max(...perAddress.values())).toBeLessThanOrEqual(SIZE);
    },
  );

  it('a split gives each socket the same (address, port) as the unsplit run', () => {
    // Addresses a multiple of the shards: each shard binds only its own addresses, at the same places.
    const unsplit = sources(60_000, 4, groupSlices(slices(4, addrs(4)), 2, false));
    const split = groupSlices(slices(4, addrs(4)), 2, true);
    expect(split.map((g) => g[0].connect.localAddresses)).toEqual([
      addrs(4).filter((_, i) => i % 2 === 0),
      addrs(4).filter((_, i) => i % 2 === 1),
    ]);
    expect(sources(60_000, 4, split)).toEqual(unsplit);
  });

  it('a shard with its own addresses uses every one of them, whatever the counts', () => {
    // 2 shards, 4 addresses: each shard's sockets are every other index; both of its addresses carry half.
    const groups = groupSlices(slices(4, addrs(4)), 2, true);
    const all = sources(40_000, 4, groups);
    const perAddress = new Map<string, number>();
    for (const s of all) perAddress.set(s.split(':')[0], (perAddress.get(s.split(':')[0]) ?? 0) + 1);
    expect([...perAddress.values()]).toEqual([10_000, 10_000, 10_000, 10_000]);
  });
});
