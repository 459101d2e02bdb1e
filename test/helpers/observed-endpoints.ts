/**
 * Real loopback Prometheus endpoints for tests of `observe`: one that answers well, ones that
 * misbehave (slowly, 500, garbage, a 100 MB body), and a service in a child process whose memory
 * grows by a known number of bytes per minute (or not at all), exposing its real
 * process_resident_memory_bytes. Also the line-by-line check of a gateway's open-connection gauge
 * against the timeline's open sockets.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { TimelineLine } from '../../dist/run/report.js';

/**
 * Line by line: the gauge read at an interval's end is the open count of that interval or of the
 * one before (the scrape that gave it started up to one interval earlier), plus `self` (the
 * scrape's own connection, when the gateway counts it). On a loaded machine a scrape may be
 * answered after the next boundary's timer ran (timers run first): that boundary reads the scrape
 * before, one interval late. One such line is let through, within the two intervals before it; a
 * series shifted by an interval is late on every line of the ramp and fails. Returns the lines compared.
 */
export function expectGaugeLineByLine(
  lines: readonly TimelineLine[],
  read: (l: TimelineLine) => number | null | undefined,
  self = 0,
): number {
  const whole = lines.filter((l) => l.partial !== true);
  const within = (v: number, from: number, to: number): boolean => {
    const open = whole.slice(Math.max(0, from), to + 1).map((l) => l.open);
    return v >= Math.min(...open) + self && v <= Math.max(...open) + self;
  };
  let compared = 0;
  const late: string[] = [];
  for (let i = 1; i < whole.length; i++) {
    const v = read(whole[i]);
    if (v === null || v === undefined) continue;
    compared++;
    if (within(v, i - 1, i)) continue;
    const at = `line ${i} at ${whole[i].elapsedMs} ms: open ${whole
      .slice(Math.max(0, i - 2), i + 1)
      .map((l) => l.open)
      .join(' → ')}, read ${v}`;
    expect(within(v, i - 2, i), at).toBe(true);
    late.push(at);
  }
  expect(late.length, `read an interval late:\n${late.join('\n')}`).toBeLessThanOrEqual(1);
  return compared;
}

export interface EndpointServer {
  /** http://127.0.0.1:port */
  url: string;
  /** Requests received per path. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

const GOOD_BODY = '# TYPE demo_gauge gauge\ndemo_gauge 42\n# TYPE demo_requests_total counter\ndemo_requests_total 7\n';
const HUGE_BYTES = 100 * 1024 * 1024;

/** Streams up to `bytes` of valid-looking samples, as fast as the client reads them; stops when the client goes. */
function streamHuge(res: ServerResponse, bytes: number): void {
  const line = Buffer.from('demo_gauge{pad="xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"} 1\n');
  const chunk = Buffer.concat(Array.from({ length: Math.ceil(65536 / line.length) }, () => line));
  let sent = 0;
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
  const pump = (): void => {
    while (sent < bytes && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

/**
 * /good answers the format; /slow answers after `slowMs`; /500 a server error; /garbage an HTML page;
 * /huge a 100 MB body without a content-length.
 */
export async function startEndpointServer(slowMs = 30_000): Promise<EndpointServer> {
  const hits = new Map<string, number>();
  const timers = new Set<NodeJS.Timeout>();
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === '/good') res.end(GOOD_BODY);
    else if (path === '/slow') {
      const t = setTimeout(() => {
        timers.delete(t);
        res.end(GOOD_BODY);
      }, slowMs);
      timers.add(t);
    } else if (path === '/500') {
      res.writeHead(500);
      res.end('internal error');
    } else if (path === '/garbage') res.end('<html><body>502 Bad Gateway</body></html>\n');
    else if (path === '/huge') streamHuge(res, HUGE_BYTES);
    else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface LeakyService {
  /** http://127.0.0.1:port/metrics */
  metricsUrl: string;
  pid: number;
  close(): Promise<void>;
}

/**
 * A service (its own Node process) that keeps `bytesPerMinute` more memory every minute, in
 * steps every 100 ms and at each scrape, owed by the clock (each one filled, so the pages are resident), and serves GET /metrics with
 * its real process_resident_memory_bytes and the bytes it holds (service_leaked_bytes).
 * 0 bytes per minute: a service that does not leak.
 */
export async function startLeakyService(bytesPerMinute: number): Promise<LeakyService> {
  const script = `
    const http = require('node:http');
    const perMs = ${bytesPerMinute} / 60000;
    const kept = [];
    const start = Date.now();
    let leaked = 0;
    // Owed by the clock, not by the count of timer turns: a busy machine delays timers, not the leak.
    const leak = () => { const owed = Math.floor(perMs * (Date.now() - start)) - leaked; if (owed > 0) { kept.push(Buffer.alloc(owed, 1)); leaked += owed; } };
    if (perMs > 0) setInterval(leak, 100);
    const server = http.createServer((req, res) => {
      if (req.url !== '/metrics') { res.writeHead(404); res.end(); return; }
      if (perMs > 0) leak();
      res.end('# TYPE process_resident_memory_bytes gauge\\nprocess_resident_memory_bytes ' + process.memoryUsage().rss +
        '\\n# TYPE service_leaked_bytes gauge\\nservice_leaked_bytes ' + leaked + '\\n');
    });
    server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
    process.on('SIGTERM', () => process.exit(0));
  `;
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('leaky service did not start within 10 s')), 10_000);
    child.stdout?.once('data', (d: Buffer) => {
      clearTimeout(timer);
      resolve(Number(d.toString().trim()));
    });
    child.once('exit', (code) => reject(new Error(`leaky service exited (${code})`)));
  });
  return {
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    pid: child.pid ?? -1,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
