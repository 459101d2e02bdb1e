import { spawn } from 'node:child_process';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
// @ts-expect-error bench/ is plain JavaScript without declarations
import { readBenchConfig } from '../../bench/config.js';
// @ts-expect-error bench/ is plain JavaScript without declarations
import { descendants, startTreeSampler } from '../../bench/process-tree.js';

interface ScaleConfig {
  runs: Set<string>;
  scale: {
    sockets: number;
    refSockets: number;
    rate: number;
    holdSeconds: number;
    connectRate: number;
    maxPending: number;
    addresses: number;
    raw: boolean;
  };
}
interface GroupSample {
  rssKb: number;
  processes: number;
}
interface TreeSampler {
  groups: Map<string, GroupSample[]>;
  stop(): void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('bench scale run', () => {
  it('is chosen with BENCH_RUNS=scale, 100,000 sockets over 6 source addresses against a 10,000-socket reference', () => {
    const c = readBenchConfig({ BENCH_RUNS: 'scale' }) as ScaleConfig;
    expect([...c.runs]).toEqual(['scale']);
    expect(c.scale).toEqual({
      sockets: 100_000,
      refSockets: 10_000,
      rate: 0.2,
      holdSeconds: 60,
      connectRate: 4000,
      maxPending: 200,
      addresses: 6,
      raw: true,
    });
    expect((readBenchConfig({ BENCH_RUNS: 'scale', BENCH_SCALE_RAW: '0' }) as ScaleConfig).scale.raw).toBe(false);
    expect((readBenchConfig({}) as ScaleConfig).runs.has('scale')).toBe(false);
    expect(() => readBenchConfig({ BENCH_SCALE_REF_SOCKETS: '20000' })).toThrow(/BENCH_SCALE_REF_SOCKETS/);
  });

  it('samples a process and the processes below it, grouped by a classifier of pid and command line', async () => {
    // A parent that starts a grandchild of the test: both must be found and summed.
    const script =
      "const { spawn } = require('node:child_process'); spawn(process.execPath, ['-e', 'setTimeout(() => {}, 12000)', 'grandchild'], { stdio: 'ignore' }); setTimeout(() => {}, 12000);";
    const parent = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    try {
      // Until the grandchild is up (bounded): on a loaded machine two node start-ups take well over 600 ms.
      let pids = descendants(parent.pid) as number[];
      for (const limit = Date.now() + 8000; pids.length < 2 && Date.now() < limit; pids = descendants(parent.pid) as number[])
        await sleep(100);
      expect(pids[0]).toBe(parent.pid);
      expect(pids.length).toBeGreaterThanOrEqual(2);
      const sampler = startTreeSampler(
        parent.pid,
        (pid: number, cmd: string) => (pid !== parent.pid && cmd.includes('grandchild') ? 'grandchild' : 'parent'),
        100,
      ) as TreeSampler;
      await sleep(300);
      sampler.stop();
      const last = (g: string): GroupSample | undefined => sampler.groups.get(g)?.at(-1);
      expect(last('parent')?.processes).toBe(1);
      expect(last('grandchild')?.processes).toBe(1);
      expect(last('grandchild')?.rssKb).toBeGreaterThan(1000);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  describe('raw client slice (bench/scale-raw-client.js)', () => {
    const CLIENT = fileURLToPath(new URL('../../bench/scale-raw-client.js', import.meta.url));

    /** Runs one slice against a real ws server; returns the server's view of each socket's source and the client's lines. */
    async function runSlice(cfg: Record<string, unknown>, port: number): Promise<{ lines: Record<string, number>[] }> {
      const child = spawn(process.execPath, [CLIENT, JSON.stringify({ ...cfg, url: `ws://127.0.0.1:${port}/` })], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const lines: Record<string, number>[] = [];
      let buf = '';
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        buf += chunk;
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          lines.push(JSON.parse(buf.slice(0, nl)) as Record<string, number>);
          buf = buf.slice(nl + 1);
        }
      });
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      try {
        const limit = Date.now() + 10_000;
        while (!lines.some((l) => l.event === ('ramped' as unknown as number)) && Date.now() < limit) await sleep(20);
        child.kill('SIGUSR2');
        await Promise.race([exited, sleep(5000)]);
      } finally {
        child.kill('SIGKILL');
      }
      return { lines };
    }

    it("binds socket g to address g mod A and port first + floor(g / A), as wsload does, and dials a taken port again on the kernel's choice", async () => {
      const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
      await new Promise<void>((resolve) => server.once('listening', () => resolve()));
      const port = (server.address() as AddressInfo).port;
      const seen: string[] = [];
      server.on('connection', (ws, req) => seen.push(`${req.socket.remoteAddress}:${req.socket.remotePort}`));
      // A port range of our own, high in the ephemeral range, and a listener on the port of socket g = 7
      // (127.0.0.3, rank 3): its bind fails with EADDRINUSE and it must dial again with the kernel's port.
      const first = 61_000 + Math.floor(Math.random() * 2000) * 2;
      const blocker = net.createServer();
      await new Promise<void>((resolve) => blocker.listen(first + 3, '127.0.0.3', () => resolve()));
      try {
        const { lines } = await runSlice(
          {
            first: 4,
            sockets: 4,
            connectRate: 1000,
            maxPending: 4,
            localAddresses: ['127.0.0.2', '127.0.0.3'],
            ports: { first, last: first + 100 },
            rampLimitMs: 8000,
          },
          port,
        );
        const ramped = lines.find((l) => l.event === ('ramped' as unknown as number));
        const result = lines.find((l) => l.event === ('result' as unknown as number));
        expect(ramped).toMatchObject({ opened: 4, failed: 0, portRetries: 1 });
        expect(result).toMatchObject({ open: 4 });
        // g = 4, 5, 6 on their own ports; g = 7 from 127.0.0.3 on a port the kernel chose.
        expect(seen).toEqual(expect.arrayContaining([`127.0.0.2:${first + 2}`, `127.0.0.3:${first + 2}`, `127.0.0.2:${first + 3}`]));
        expect(seen.filter((s) => s.startsWith('127.0.0.3:') && s !== `127.0.0.3:${first + 2}`)).toHaveLength(1);
        expect(seen).not.toContain(`127.0.0.3:${first + 3}`);
      } finally {
        blocker.close();
        server.close();
      }
    });
  });
});
