/**
 * Source ports chosen by wsload (issue 22 item 3): with `localAddresses`, each socket binds its
 * address and an explicit port from the ephemeral range (one hash lookup instead of the kernel's
 * bind-time search over every port in use), a taken port is skipped, and the run is otherwise the
 * same run: every socket open, every delivery counted. Real sockets on loopback, a real target.
 */
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { listenTarget } from '../../src/target/listen-target.js';
import type { RunningTarget } from '../../src/target/types.js';
import { expectDeliveredExactly } from '../helpers/books.js';
import { runQuietly, scenarioFrom } from '../helpers/run-helpers.js';

const SOCKETS = 3000;
// Addresses no other test uses, so no one else's listener sits on one of these ports.
const SOURCES = ['127.0.0.92', '127.0.0.93'];
const [FIRST] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/** The demo target, recording each accepted socket's source address and port. */
async function recordingTarget(): Promise<{ target: RunningTarget; sources: Map<string, number[]> }> {
  const sources = new Map<string, number[]>();
  const target = await listenTarget({
    host: '127.0.0.1',
    port: 0,
    hooks: {
      connection: (ws) => {
        const s = (ws as unknown as { _socket: net.Socket })._socket;
        const list = sources.get(s.remoteAddress ?? '?') ?? [];
        list.push(s.remotePort ?? 0);
        sources.set(s.remoteAddress ?? '?', list);
      },
    },
  });
  cleanups.push(() => target.close());
  return { target, sources };
}

/** A listener on address:port: binding that port as a source fails with EADDRINUSE. */
async function occupy(address: string, port: number): Promise<void> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: address, port }, resolve);
  });
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
}

const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

describe('source ports with localAddresses', () => {
  it(`${SOCKETS} sockets over 2 source addresses take ports first, first+1, … of each; a taken port is skipped; every delivery counted`, async () => {
    const { target, sources } = await recordingTarget();
    // Socket 14 is the 8th on 127.0.0.92 (even indices): its port is FIRST + 7.
    const taken = FIRST + 7;
    await occupy(SOURCES[0], taken);
    const scenario = scenarioFrom({
      target: { url: target.wsUrl },
      connections: SOCKETS,
      connectRate: 1500,
      maxPendingHandshakes: 64,
      workers: 2,
      duration: '3s',
      localAddresses: SOURCES,
      // A generous deadline: on a loaded machine a late copy would count lost, and lateness is not this test's subject.
      publish: { rate: 2, deadline: '20s' },
    });
    const report = await runQuietly(scenario);
    expect(report.connections).toMatchObject({ opened: SOCKETS, failed: 0, openAtEnd: SOCKETS });
    expectDeliveredExactly(report, SOCKETS);
    const per = SOCKETS / SOURCES.length;
    const first = [...(sources.get(SOURCES[0]) ?? [])].sort((a, b) => a - b);
    const second = [...(sources.get(SOURCES[1]) ?? [])].sort((a, b) => a - b);
    // The second address's ports are exactly the first `per` of the range: wsload chose them.
    expect(second).toEqual(range(FIRST, per));
    // The first address: the same but the taken port, whose socket dialled again on the kernel's choice.
    expect(first).toHaveLength(per);
    expect(new Set(first).size).toBe(per);
    expect(first).not.toContain(taken);
    expect(first.filter((p) => p < FIRST + per)).toEqual(range(FIRST, per).filter((p) => p !== taken));
  }, 240_000);

  it('2 local shards over 3 source addresses: each address carries a third of the sockets, on ports first, first+1, …', async () => {
    const { target, sources } = await recordingTarget();
    const three = ['127.0.0.94', '127.0.0.95', '127.0.0.96'];
    const sockets = 1200;
    const scenario = scenarioFrom({
      target: { url: target.wsUrl },
      connections: sockets,
      connectRate: 1500,
      maxPendingHandshakes: 64,
      workers: 2,
      shards: 2,
      duration: '3s',
      localAddresses: three,
      publish: { rate: 2, deadline: '20s' },
    });
    const report = await runQuietly(scenario);
    expect(report.shards).toHaveLength(2);
    expect(report.connections).toMatchObject({ opened: sockets, failed: 0, openAtEnd: sockets });
    expectDeliveredExactly(report, sockets);
    // As one process would bind them: an uneven split of the addresses would give one shard's
    // single address half the sockets (at 60,000, more than the range's 28,232 ports). Not every
    // port exactly: another test's wildcard listener can hold one of them on this shared machine
    // (that socket then dials on the kernel's choice); the first test checks the exact ports.
    const per = sockets / three.length;
    for (const address of three) {
      const ports = sources.get(address) ?? [];
      expect(ports).toHaveLength(per);
      expect(new Set(ports).size).toBe(per);
      expect(ports.filter((p) => p >= FIRST && p < FIRST + per).length).toBeGreaterThanOrEqual(per - 10);
    }
  }, 240_000);
});
